package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// Commit stores a batch of transitions in one transaction: all or nothing.
//
// It takes three round trips besides BEGIN and COMMIT, whatever the size
// of the batch: one locks the rows of the executions it continues (in ARN
// order, so that two nodes committing the same executions wait for each
// other instead of deadlocking) and draws the ids of the new ones; one
// sends every write in order, pipelined; the events and execution updates
// of the whole batch go last, as one multi-row statement each.
//
// Event ids: an event with ID 0 gets the next id of its execution (written
// back into the batch); an event with an ID must carry exactly the next id,
// else Commit fails with ErrConflict. The stored EventCount is always the id
// of the last stored event (written back into Transition.Execution when it
// differs). Tasks and timers belong to the transition's execution, whatever
// their ExecutionArn says. Within one transition the order is: execution
// row, events, DeleteAll, DeleteTasks, DeleteTimers, StartTasks (ErrNotFound
// for an unknown token), AddTasks, AddTimers, Outbox.
//
// A cluster member's store (JoinCluster) checks in the first round trip
// the leases of the partitions of the batch's executions: one not held, or
// taken by another node since, fails the Commit with a
// *store.PartitionsLostError (nothing stored). Its Commits that queue
// activity tasks notify their activities (ListenActivities) when they
// commit.
func (s *Store) Commit(ctx context.Context, batch []*store.Transition) error {
	if len(batch) == 0 {
		return ctx.Err()
	}
	for i, tr := range batch {
		if tr == nil || tr.Execution == nil || tr.Execution.Arn == "" {
			return fmt.Errorf("postgres: commit: transition %d has no execution", i)
		}
		for _, ev := range tr.Outbox {
			if err := checkPartition(ev); err != nil {
				return fmt.Errorf("execution %q: %w", tr.Execution.Arn, err)
			}
		}
	}
	return s.commit(ctx, batch)
}

// commit runs a batch in two round trips on a connection of the pool: BEGIN,
// the fence, the locks and the new ids; then every write and, when no
// answer is left for this side to judge, COMMIT. A statement that fails
// aborts the transaction on the server, so the pipelined COMMIT does not
// commit it; the only answers judged here (StartTasks' "no such task") are
// judged before COMMIT is sent, in a third round trip.
func (s *Store) commit(ctx context.Context, batch []*store.Transition) (err error) {
	if err := s.writable(ctx); err != nil {
		return err
	}
	noEffect := true
	defer func() { err = s.finish(err, noEffect) }()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	// Release destroys a connection left in a transaction.
	defer conn.Release()
	rollback := func() { _, _ = conn.Exec(context.Background(), "ROLLBACK") }
	var pf *partFence
	m := s.member.Load()
	if m != nil {
		pf = m.fenceFor(batch)
	}
	refs, ids, err := lockExecutions(ctx, conn, batch, s.fence.Load(), pf)
	if err != nil {
		rollback()
		return err
	}
	w := &writes{refs: refs, newIDs: ids, counts: map[int64]int64{}, upIndex: map[int64]int{}, notify: m != nil}
	for _, tr := range batch {
		if err := w.apply(tr); err != nil {
			rollback()
			return err
		}
	}
	w.flush()
	inline := !w.judged
	if inline {
		w.queue(wrap("commit"), "COMMIT")
	}
	if err := w.send(ctx, conn); err != nil {
		// A failure the server reported aborted the transaction, COMMIT
		// included; a lost answer may hide a pipelined COMMIT that was
		// applied. Without one, nothing was committed.
		var pe *pgconn.PgError
		noEffect = errors.As(err, &pe) || !inline
		rollback()
		return err
	}
	if !inline {
		if _, err := conn.Exec(ctx, "COMMIT"); err != nil {
			var pe *pgconn.PgError
			noEffect = errors.As(err, &pe)
			return fmt.Errorf("postgres: commit: %w", err)
		}
	}
	return nil
}

// execRef is what the write path knows of an execution: its surrogate key
// and the id of its last event.
type execRef struct {
	id     int64
	events int64
}

// lockExecutions locks the rows of the executions that the batch continues
// (not those it creates before continuing them) and returns their refs by
// ARN, with as many fresh ids as the batch creates executions. It checks
// the node lease's epoch first (non-zero epoch: LockNode), or the leases
// of the partitions the batch writes (pf: JoinCluster).
func lockExecutions(ctx context.Context, conn *pgxpool.Conn, batch []*store.Transition, epoch int64, pf *partFence) (map[string]execRef, []int64, error) {
	created := map[string]bool{}
	var arns []string
	seen := map[string]bool{}
	nNew := 0
	for _, tr := range batch {
		arn := tr.Execution.Arn
		if tr.New {
			nNew++
			created[arn] = true
			continue
		}
		if !created[arn] && !seen[arn] {
			seen[arn] = true
			arns = append(arns, arn)
		}
	}
	slices.Sort(arns) // the lock order; the query's ORDER BY keeps it
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	if epoch != 0 {
		b.Queue(fenceQuery).QueryRow(func(row pgx.Row) error { return checkEpoch(row, epoch) })
	}
	if pf != nil {
		b.Queue(partFenceQuery, pf.parts).Query(pf.check)
	}
	refs := make(map[string]execRef, len(batch))
	if len(arns) > 0 {
		b.Queue(`SELECT arn, id, event_count FROM executions WHERE arn = ANY($1) ORDER BY arn FOR UPDATE`, arns).
			Query(func(rows pgx.Rows) error {
				var arn string
				var r execRef
				_, err := pgx.ForEachRow(rows, []any{&arn, &r.id, &r.events}, func() error {
					refs[arn] = r
					return nil
				})
				return err
			})
	}
	var ids []int64
	if nNew > 0 {
		b.Queue(`SELECT nextval(pg_get_serial_sequence('executions', 'id')) FROM generate_series(1, $1)`, nNew).
			Query(func(rows pgx.Rows) error {
				var id int64
				_, err := pgx.ForEachRow(rows, []any{&id}, func() error {
					ids = append(ids, id)
					return nil
				})
				return err
			})
	}
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		var lost *store.PartitionsLostError
		if errors.Is(err, ErrFenced) || errors.As(err, &lost) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("lock executions: %w", err)
	}
	return refs, ids, nil
}

// writes collects the statements of one Commit. The history events and
// the execution updates of the whole batch are deferred and written at the
// end with one multi-row statement each: events do not interact with the
// other writes, and an execution's row only needs its last state.
type writes struct {
	refs    map[string]execRef // by ARN: looked up, then created by the batch
	newIDs  []int64            // ids for the executions the batch creates
	counts  map[int64]int64    // last event id by execution id
	events  []evRow
	updates []execUpdate
	upIndex map[int64]int // execution id -> index in updates
	outbox  []*store.OutboxEvent
	// notify: the store is a cluster member, whose Commits notify the
	// activities they queue tasks for (activityChannel).
	notify     bool
	activities []string
	queued     map[string]bool

	b      pgx.Batch
	checks []check // one per queued statement
	// judged is set when a check decides a failure from an answer the
	// server gave as a success (a task not found): COMMIT must then wait
	// for the checks instead of riding in the same pipeline.
	judged bool
}

type evRow struct {
	exec int64
	ev   *store.Event
}

type execUpdate struct {
	id int64
	x  *store.Execution
}

// check judges the answer to one queued statement.
type check func(ct pgconn.CommandTag, err error) error

// queue adds a statement and how to judge its answer.
func (w *writes) queue(c check, sql string, args ...any) {
	w.b.Queue(sql, args...)
	w.checks = append(w.checks, c)
}

// wrap is a check that only adds context to a failure.
func wrap(format string, a ...any) check {
	return func(_ pgconn.CommandTag, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", fmt.Sprintf(format, a...), err)
		}
		return nil
	}
}

// apply queues the writes of one transition.
func (w *writes) apply(tr *store.Transition) error {
	x := tr.Execution
	ref, known := w.refs[x.Arn]
	if tr.New && known {
		return fmt.Errorf("execution %q: %w", x.Arn, store.ErrExists)
	}
	if !tr.New && !known {
		return fmt.Errorf("execution %q: %w", x.Arn, store.ErrNotFound)
	}
	if tr.New {
		ref = execRef{id: w.newIDs[0]}
		w.newIDs = w.newIDs[1:]
	}
	// Number the events before writing the row so that it is written once.
	var err error
	if ref.events, err = store.NumberEvents(x.Arn, ref.events, tr.Events); err != nil {
		return err
	}
	x.EventCount = ref.events
	w.refs[x.Arn] = ref
	w.counts[ref.id] = ref.events
	for i := range tr.Events {
		w.events = append(w.events, evRow{exec: ref.id, ev: &tr.Events[i]})
	}

	if tr.New {
		arn := x.Arn
		w.queue(func(_ pgconn.CommandTag, err error) error {
			if isUnique(err) {
				return fmt.Errorf("execution %q: %w", arn, store.ErrExists)
			}
			return wrapErr(err, "execution %q", arn)
		}, `INSERT INTO executions (id, arn, state_machine_arn, version_arn, alias_arn,
			name, type, start_date, status, output, error, cause, stop_date, redrive_count,
			redrive_date, event_count, snapshot)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
			ref.id, x.Arn, x.StateMachineArn, x.VersionArn, x.AliasArn, x.Name, x.Type,
			sqlrows.Nanos(x.StartDate), x.Status, x.Output, x.Error, x.Cause, sqlrows.Nanos(x.StopDate),
			x.RedriveCount, sqlrows.Nanos(x.RedriveDate), ref.events, x.Snapshot)
		w.queue(wrap("execution %q", arn), `INSERT INTO execution_inputs (execution_id, input,
			definition, role_arn, trace_header, parent_token, language, bundle, logical_date)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			ref.id, x.Input, x.Definition, x.RoleArn, x.TraceHeader, x.ParentToken,
			sqlrows.Language(x.Language), x.Bundle, sqlrows.Nanos(x.LogicalDate))
	} else {
		w.update(ref.id, x)
	}

	if tr.DeleteAll {
		w.queue(wrap("execution %q: delete tasks", x.Arn), `DELETE FROM tasks WHERE execution_id = $1`, ref.id)
		w.queue(wrap("execution %q: delete timers", x.Arn), `DELETE FROM timers WHERE execution_id = $1`, ref.id)
	} else {
		// After DeleteAll nothing of the execution is left to delete one by one.
		if len(tr.DeleteTasks) > 0 {
			w.queue(wrap("execution %q: delete tasks", x.Arn),
				`DELETE FROM tasks WHERE execution_id = $1 AND token = ANY($2)`, ref.id, tr.DeleteTasks)
		}
		if len(tr.DeleteTimers) > 0 {
			w.queue(wrap("execution %q: delete timers", x.Arn),
				`DELETE FROM timers WHERE execution_id = $1 AND timer_id = ANY($2)`, ref.id, tr.DeleteTimers)
		}
	}
	for _, t := range tr.StartTasks {
		w.judged = true
		tok := t.Token
		w.queue(func(ct pgconn.CommandTag, err error) error {
			if err != nil {
				return fmt.Errorf("task %q: %w", tok, err)
			}
			if ct.RowsAffected() == 0 {
				return fmt.Errorf("task %q: %w", tok, store.ErrNotFound)
			}
			return nil
		}, `UPDATE tasks SET state = $1, worker_name = $2, started_at = $3 WHERE execution_id = $4 AND token = $5`,
			t.State, t.WorkerName, sqlrows.Nanos(t.StartedAt), ref.id, t.Token)
	}
	for _, t := range tr.AddTasks {
		tok := t.Token
		w.queue(func(_ pgconn.CommandTag, err error) error {
			if isUnique(err) {
				return fmt.Errorf("task %q: %w", tok, store.ErrExists)
			}
			return wrapErr(err, "task %q", tok)
		}, `INSERT INTO tasks (execution_id, token, task_id, kind, resource, activity_arn,
			state_name, input, state, worker_name, attempt, timeout_sec, heartbeat_sec,
			created_at, started_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			ref.id, t.Token, t.TaskID, t.Kind, t.Resource, t.ActivityArn, t.StateName, t.Input,
			t.State, t.WorkerName, t.Attempt, t.TimeoutSec, t.HeartbeatSec, sqlrows.Nanos(t.CreatedAt),
			sqlrows.Nanos(t.StartedAt))
	}
	for _, t := range tr.AddTimers {
		w.queue(wrap("timer %q of execution %q", t.TimerID, x.Arn),
			`INSERT INTO timers (execution_id, timer_id, at, purpose) VALUES ($1, $2, $3, $4)
			ON CONFLICT (execution_id, timer_id) DO UPDATE SET at = excluded.at, purpose = excluded.purpose`,
			ref.id, t.TimerID, sqlrows.Nanos(t.At), t.Purpose)
	}
	if w.notify {
		if w.queued == nil {
			w.queued = map[string]bool{}
		}
		w.activities = activitiesQueued(tr, w.queued, w.activities)
	}
	w.outbox = append(w.outbox, tr.Outbox...)
	return nil
}

// update records that execution id must end the batch with x's fields.
func (w *writes) update(id int64, x *store.Execution) {
	if i, ok := w.upIndex[id]; ok {
		w.updates[i].x = x
		return
	}
	w.upIndex[id] = len(w.updates)
	w.updates = append(w.updates, execUpdate{id: id, x: x})
}

// flush queues the deferred events, execution updates, the notifications
// of queued activity tasks and outbox events. The outbox goes last: its sequence row stays locked until COMMIT.
func (w *writes) flush() {
	if n := len(w.events); n > 0 {
		exec, id, prev, ts := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		typ, body := make([]string, n), make([][]byte, n)
		for i, r := range w.events {
			e := r.ev
			exec[i], id[i], typ[i], ts[i], prev[i], body[i] = r.exec, e.ID, e.Type, sqlrows.Nanos(e.Timestamp), e.Previous, sqlrows.NonNil(e.Body)
		}
		w.queue(func(_ pgconn.CommandTag, err error) error {
			if isUnique(err) {
				return fmt.Errorf("history event: %w", store.ErrConflict)
			}
			return wrapErr(err, "history")
		}, `INSERT INTO history (execution_id, id, type, timestamp, previous, body)
			SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::bytea[])`,
			exec, id, typ, ts, prev, body)
	}
	if n := len(w.updates); n > 0 {
		id, stop, redrives, redrive, count := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		status, output, errs, cause := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		snap := make([][]byte, n)
		for i, u := range w.updates {
			x := u.x
			id[i], status[i], output[i], errs[i], cause[i] = u.id, x.Status, x.Output, x.Error, x.Cause
			stop[i], redrives[i], redrive[i], count[i], snap[i] = sqlrows.Nanos(x.StopDate), int64(x.RedriveCount), sqlrows.Nanos(x.RedriveDate), w.counts[u.id], x.Snapshot
		}
		w.queue(wrap("update executions"), `UPDATE executions e SET status = v.status, output = v.output,
			error = v.error, cause = v.cause, stop_date = v.stop_date, redrive_count = v.redrive_count,
			redrive_date = v.redrive_date, event_count = v.event_count, snapshot = v.snapshot
			FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
				$7::bigint[], $8::bigint[], $9::bigint[], $10::bytea[])
				AS v(id, status, output, error, cause, stop_date, redrive_count, redrive_date, event_count, snapshot)
			WHERE e.id = v.id`,
			id, status, output, errs, cause, stop, redrives, redrive, count, snap)
	}
	if len(w.activities) > 0 {
		w.queue(wrap("notify activities"), notifyQuery, w.activities)
	}
	if len(w.outbox) > 0 {
		evs := w.outbox
		q, args := outboxInsert(evs)
		w.b.Queue(q, args...)
		w.checks = append(w.checks, nil) // read as a row by send
	}
}

// send runs the queued statements, pipelined, and judges their answers in
// order: the first failure is the transaction's.
func (w *writes) send(ctx context.Context, conn *pgxpool.Conn) error {
	if len(w.checks) == 0 {
		return nil
	}
	br := conn.SendBatch(ctx, &w.b)
	var first error
	for _, c := range w.checks {
		if c == nil { // the outbox, last
			var head int64
			err := br.QueryRow().Scan(&head)
			if first == nil {
				first = wrapErr(err, "outbox")
				if err == nil {
					setSeqs(w.outbox, head)
				}
			}
			continue
		}
		ct, err := br.Exec()
		if first == nil {
			first = c(ct, err)
		}
	}
	if err := br.Close(); first == nil {
		first = err
	}
	return first
}

// wrapErr adds context to a non-nil err.
func wrapErr(err error, format string, a ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, a...), err)
}
