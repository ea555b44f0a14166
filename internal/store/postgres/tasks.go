package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// OpenTasks returns every task of every RUNNING execution, ordered by
// execution and token.
func (s *Store) OpenTasks(ctx context.Context) ([]*store.Task, error) {
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT `+sqlrows.TaskColumns+`
		FROM tasks t JOIN executions e ON e.id = t.execution_id
		WHERE e.status = 'RUNNING' ORDER BY t.execution_id, t.token`)
	if err != nil {
		return nil, classify(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*store.Task, error) { return sqlrows.ScanTask(r) })
	return out, classify(err)
}

// GetTask returns one task by token; ErrNotFound once it is done.
func (s *Store) GetTask(ctx context.Context, token string) (*store.Task, error) {
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	t, err := sqlrows.ScanTask(q.QueryRow(ctx, `SELECT `+sqlrows.TaskColumns+`
		FROM tasks t JOIN executions e ON e.id = t.execution_id WHERE t.token = $1`, token))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("task %q: %w", token, store.ErrNotFound)
	}
	return t, classify(err)
}
