package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

const taskColumns = `t.token, e.arn, t.task_id, t.kind, t.resource, t.activity_arn,
	t.state_name, t.input, t.state, t.worker_name, t.attempt, t.timeout_sec,
	t.heartbeat_sec, t.created_at, t.started_at`

// OpenTasks returns every task of every RUNNING execution, ordered by
// execution and token.
func (s *Store) OpenTasks(ctx context.Context) ([]*store.Task, error) {
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT `+taskColumns+`
		FROM tasks t JOIN executions e ON e.id = t.execution_id
		WHERE e.status = 'RUNNING' ORDER BY t.execution_id, t.token`)
	if err != nil {
		return nil, classify(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*store.Task, error) { return scanTask(r) })
	return out, classify(err)
}

// GetTask returns one task by token; ErrNotFound once it is done.
func (s *Store) GetTask(ctx context.Context, token string) (*store.Task, error) {
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	t, err := scanTask(q.QueryRow(ctx, `SELECT `+taskColumns+`
		FROM tasks t JOIN executions e ON e.id = t.execution_id WHERE t.token = $1`, token))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("task %q: %w", token, store.ErrNotFound)
	}
	return t, classify(err)
}

func scanTask(r pgx.Row) (*store.Task, error) {
	var t store.Task
	var created, started int64
	if err := r.Scan(&t.Token, &t.ExecutionArn, &t.TaskID, &t.Kind, &t.Resource, &t.ActivityArn,
		&t.StateName, &t.Input, &t.State, &t.WorkerName, &t.Attempt, &t.TimeoutSec,
		&t.HeartbeatSec, &created, &started); err != nil {
		return nil, err
	}
	t.CreatedAt, t.StartedAt = sqlrows.FromNanos(created), sqlrows.FromNanos(started)
	return &t, nil
}
