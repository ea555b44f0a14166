package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// OpenTasks returns every task of every RUNNING execution, ordered by
// execution and token.
func (s *Store) OpenTasks(ctx context.Context) (_ []*store.Task, err error) {
	defer s.fault(&err)
	rows, err := s.query(ctx, `SELECT `+sqlrows.TaskColumns+`
		FROM tasks t JOIN executions e ON e.id = t.execution_id
		WHERE e.status = 'RUNNING' ORDER BY t.execution_id, t.token`)
	if err != nil {
		return nil, err
	}
	return collect(rows, sqlrows.ScanTask)
}

// GetTask returns one task by token; ErrNotFound once it is done.
func (s *Store) GetTask(ctx context.Context, token string) (_ *store.Task, err error) {
	defer s.fault(&err)
	row := s.queryRow(ctx, `SELECT `+sqlrows.TaskColumns+`
		FROM tasks t JOIN executions e ON e.id = t.execution_id WHERE t.token = ?`, token)
	t, err := sqlrows.ScanTask(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("task %q: %w", token, store.ErrNotFound)
	}
	return t, err
}
