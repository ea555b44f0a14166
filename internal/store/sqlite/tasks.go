package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

const taskColumns = `t.token, e.arn, t.task_id, t.kind, t.resource, t.activity_arn,
	t.state_name, t.input, t.state, t.worker_name, t.attempt, t.timeout_sec,
	t.heartbeat_sec, t.created_at, t.started_at`

// OpenTasks returns every task of every RUNNING execution, ordered by
// execution and token.
func (s *Store) OpenTasks(ctx context.Context) (_ []*store.Task, err error) {
	defer s.fault(&err)
	rows, err := s.query(ctx, `SELECT `+taskColumns+`
		FROM tasks t JOIN executions e ON e.id = t.execution_id
		WHERE e.status = 'RUNNING' ORDER BY t.execution_id, t.token`)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanTask)
}

// GetTask returns one task by token; ErrNotFound once it is done.
func (s *Store) GetTask(ctx context.Context, token string) (_ *store.Task, err error) {
	defer s.fault(&err)
	row := s.queryRow(ctx, `SELECT `+taskColumns+`
		FROM tasks t JOIN executions e ON e.id = t.execution_id WHERE t.token = ?`, token)
	t, err := scanTask(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("task %q: %w", token, store.ErrNotFound)
	}
	return t, err
}

func scanTask(r scanner) (*store.Task, error) {
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
