package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// writeStmts are the statements of the hot write path, prepared once on
// the writer connection and reused by every Commit.
type writeStmts struct {
	lookup       *sql.Stmt
	insExec      *sql.Stmt
	insInput     *sql.Stmt
	insTask      *sql.Stmt
	startTask    *sql.Stmt
	delTask      *sql.Stmt
	delTasksAll  *sql.Stmt
	putTimer     *sql.Stmt
	delTimer     *sql.Stmt
	delTimersAll *sql.Stmt
	insOutbox    *sql.Stmt

	conn  *sql.Conn
	multi map[string]*sql.Stmt // multi-row statements by kind and row count
}

func prepareWrite(ctx context.Context, c *sql.Conn) (*writeStmts, error) {
	ws := &writeStmts{conn: c, multi: map[string]*sql.Stmt{}}
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&ws.lookup, `SELECT id, event_count FROM executions WHERE arn = ?`},
		{&ws.insExec, `INSERT INTO executions (arn, state_machine_arn, version_arn, alias_arn,
			name, type, start_date, status, output, error, cause, stop_date, redrive_count,
			redrive_date, event_count, snapshot)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&ws.insInput, `INSERT INTO execution_inputs (execution_id, input, definition, role_arn,
			trace_header, parent_token, language, bundle, logical_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&ws.insTask, `INSERT INTO tasks (token, execution_id, task_id, kind, resource,
			activity_arn, state_name, input, state, worker_name, attempt, timeout_sec,
			heartbeat_sec, created_at, started_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&ws.startTask, `UPDATE tasks SET state = ?, worker_name = ?, started_at = ?
			WHERE token = ? AND execution_id = ?`},
		{&ws.delTask, `DELETE FROM tasks WHERE token = ? AND execution_id = ?`},
		{&ws.delTasksAll, `DELETE FROM tasks WHERE execution_id = ?`},
		{&ws.putTimer, `INSERT INTO timers (execution_id, timer_id, at, purpose) VALUES (?, ?, ?, ?)
			ON CONFLICT (execution_id, timer_id) DO UPDATE SET at = excluded.at, purpose = excluded.purpose`},
		{&ws.delTimer, `DELETE FROM timers WHERE execution_id = ? AND timer_id = ?`},
		{&ws.delTimersAll, `DELETE FROM timers WHERE execution_id = ?`},
		{&ws.insOutbox, `INSERT INTO outbox (part, account, bus, time, body) VALUES (?, ?, ?, ?, ?)`},
	} {
		st, err := c.PrepareContext(ctx, p.q)
		if err != nil {
			ws.close()
			return nil, err
		}
		*p.dst = st
	}
	return ws, nil
}

func (ws *writeStmts) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{ws.lookup, ws.insExec, ws.insInput,
		ws.insTask, ws.startTask, ws.delTask, ws.delTasksAll, ws.putTimer, ws.delTimer, ws.delTimersAll, ws.insOutbox} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	for _, st := range ws.multi {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

// Commit stores a batch of transitions in one transaction: all or nothing.
//
// Event ids: an event with ID 0 gets the next id of its execution (written
// back into the batch); an event with an ID must carry exactly the next id,
// else Commit fails with ErrConflict. The stored EventCount is always the id
// of the last stored event (written back into Transition.Execution when it
// differs). Tasks and timers belong to the transition's execution, whatever
// their ExecutionArn says. Within one transition the order is: execution
// row, events, DeleteAll, DeleteTasks, DeleteTimers, StartTasks (ErrNotFound
// for an unknown token), AddTasks, AddTimers, Outbox.
func (s *Store) Commit(ctx context.Context, batch []*store.Transition) error {
	if len(batch) == 0 {
		return ctx.Err()
	}
	for i, tr := range batch {
		if tr == nil || tr.Execution == nil || tr.Execution.Arn == "" {
			return fmt.Errorf("sqlite: commit: transition %d has no execution", i)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	b := newBatch(len(batch))
	err := s.tx(ctx, func(_ *sql.Conn, ws *writeStmts) error {
		for _, tr := range batch {
			if err := s.apply(ws, b, tr); err != nil {
				return err
			}
		}
		return b.flush(ws)
	})
	if err != nil {
		return err
	}
	// Committed: publish what the batch learned, still under wmu.
	s.cache.merge(b.local)
	s.ckpt.nudge()
	return nil
}

// apply writes one transition, or defers its history events and execution
// update to b.flush.
func (s *Store) apply(ws *writeStmts, b *batch, tr *store.Transition) error {
	local := b.local
	ctx := context.Background() // cancellation was checked before BEGIN
	x := tr.Execution
	ref, known := local[x.Arn]
	if !known {
		ref, known = s.cache.get(x.Arn)
	}
	if tr.New && known {
		return fmt.Errorf("execution %q: %w", x.Arn, store.ErrExists)
	}
	if !tr.New && !known {
		err := ws.lookup.QueryRowContext(ctx, x.Arn).Scan(&ref.id, &ref.events)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("execution %q: %w", x.Arn, store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("execution %q: %w", x.Arn, err)
		}
	}

	// Number the events before writing the row so that it is written once.
	var err error
	if ref.events, err = store.NumberEvents(x.Arn, ref.events, tr.Events); err != nil {
		return err
	}
	if x.EventCount != ref.events {
		x.EventCount = ref.events
	}

	if tr.New {
		res, err := ws.insExec.ExecContext(ctx, x.Arn, x.StateMachineArn, x.VersionArn, x.AliasArn,
			x.Name, x.Type, sqlrows.Nanos(x.StartDate), x.Status, x.Output, x.Error, x.Cause,
			sqlrows.Nanos(x.StopDate), x.RedriveCount, sqlrows.Nanos(x.RedriveDate), ref.events, blob(x.Snapshot))
		if isUnique(err) {
			return fmt.Errorf("execution %q: %w", x.Arn, store.ErrExists)
		}
		if err != nil {
			return fmt.Errorf("execution %q: %w", x.Arn, err)
		}
		if ref.id, err = res.LastInsertId(); err != nil {
			return err
		}
		if _, err := ws.insInput.ExecContext(ctx, ref.id, x.Input, x.Definition, x.RoleArn,
			x.TraceHeader, x.ParentToken, sqlrows.Language(x.Language), x.Bundle, sqlrows.Nanos(x.LogicalDate)); err != nil {
			return fmt.Errorf("execution %q: %w", x.Arn, err)
		}
	} else {
		b.update(ref.id, x)
	}
	for i := range tr.Events {
		b.events = append(b.events, evRow{exec: ref.id, ev: &tr.Events[i]})
	}
	ref.status = x.Status
	local[x.Arn] = ref
	b.counts[ref.id] = ref.events

	if tr.DeleteAll {
		if _, err := ws.delTasksAll.ExecContext(ctx, ref.id); err != nil {
			return fmt.Errorf("execution %q: delete tasks: %w", x.Arn, err)
		}
		if _, err := ws.delTimersAll.ExecContext(ctx, ref.id); err != nil {
			return fmt.Errorf("execution %q: delete timers: %w", x.Arn, err)
		}
	}
	// After DeleteAll nothing of the execution is left to delete one by one.
	for _, tok := range tr.DeleteTasks {
		if tr.DeleteAll {
			break
		}
		if _, err := ws.delTask.ExecContext(ctx, tok, ref.id); err != nil {
			return fmt.Errorf("task %q: %w", tok, err)
		}
	}
	for _, id := range tr.DeleteTimers {
		if tr.DeleteAll {
			break
		}
		if _, err := ws.delTimer.ExecContext(ctx, ref.id, id); err != nil {
			return fmt.Errorf("timer %q of execution %q: %w", id, x.Arn, err)
		}
	}
	for _, t := range tr.StartTasks {
		res, err := ws.startTask.ExecContext(ctx, t.State, t.WorkerName, sqlrows.Nanos(t.StartedAt), t.Token, ref.id)
		if err := mustAffect(res, err, "task", t.Token); err != nil {
			return err
		}
	}
	for _, t := range tr.AddTasks {
		_, err := ws.insTask.ExecContext(ctx, t.Token, ref.id, t.TaskID, t.Kind, t.Resource,
			t.ActivityArn, t.StateName, t.Input, t.State, t.WorkerName, t.Attempt, t.TimeoutSec,
			t.HeartbeatSec, sqlrows.Nanos(t.CreatedAt), sqlrows.Nanos(t.StartedAt))
		if isUnique(err) {
			return fmt.Errorf("task %q: %w", t.Token, store.ErrExists)
		}
		if err != nil {
			return fmt.Errorf("task %q: %w", t.Token, err)
		}
	}
	for _, t := range tr.AddTimers {
		if _, err := ws.putTimer.ExecContext(ctx, ref.id, t.TimerID, sqlrows.Nanos(t.At), t.Purpose); err != nil {
			return fmt.Errorf("timer %q of execution %q: %w", t.TimerID, x.Arn, err)
		}
	}
	if err := appendOutbox(ws.insOutbox, tr.Outbox); err != nil {
		return fmt.Errorf("execution %q: %w", x.Arn, err)
	}
	return nil
}

// blob stores nil as NULL and anything else as a BLOB.
func blob(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}
