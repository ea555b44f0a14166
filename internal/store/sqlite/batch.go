package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// batch is the state of one Commit. The history events and the execution
// updates of the whole batch are deferred and written at the end with
// multi-row statements: events do not interact with the other writes, and
// an execution's row only needs its last state of the batch.
type batch struct {
	local   map[string]execRef // executions touched so far (uncommitted)
	counts  map[int64]int64    // last event id by execution id
	events  []evRow
	updates []execUpdate
	upIndex map[int64]int // execution id -> index in updates
}

type evRow struct {
	exec int64
	ev   *store.Event
}

type execUpdate struct {
	id int64
	x  *store.Execution
}

func newBatch(n int) *batch {
	return &batch{
		local:   make(map[string]execRef, n),
		counts:  make(map[int64]int64, n),
		events:  make([]evRow, 0, 4*n),
		updates: make([]execUpdate, 0, n),
		upIndex: make(map[int64]int, n),
	}
}

// update records that execution id must end the batch with x's fields.
func (b *batch) update(id int64, x *store.Execution) {
	if i, ok := b.upIndex[id]; ok {
		b.updates[i].x = x
		return
	}
	b.upIndex[id] = len(b.updates)
	b.updates = append(b.updates, execUpdate{id: id, x: x})
}

// Rows per multi-row statement.
const (
	eventChunk  = 100 // 6 parameters a row
	updateChunk = 64  // 10 parameters a row
)

// flush writes the deferred events and execution updates.
func (b *batch) flush(ws *writeStmts) error {
	args := make([]any, 0, 6*eventChunk)
	for evs := b.events; len(evs) > 0; {
		n := min(len(evs), eventChunk)
		args = args[:0]
		for _, r := range evs[:n] {
			e := r.ev
			args = append(args, r.exec, e.ID, e.Type, sqlrows.Nanos(e.Timestamp), e.Previous, sqlrows.NonNil(e.Body))
		}
		st, err := ws.multiStmt("events", n)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(context.Background(), args...); err != nil {
			if isUnique(err) {
				return fmt.Errorf("history event: %w", store.ErrConflict)
			}
			return fmt.Errorf("history: %w", err)
		}
		evs = evs[n:]
	}
	for ups := b.updates; len(ups) > 0; {
		n := min(len(ups), updateChunk)
		args = args[:0]
		for _, u := range ups[:n] {
			x := u.x
			args = append(args, u.id, x.Status, x.Output, x.Error, x.Cause, sqlrows.Nanos(x.StopDate),
				x.RedriveCount, sqlrows.Nanos(x.RedriveDate), b.counts[u.id], blob(x.Snapshot))
		}
		st, err := ws.multiStmt("updates", n)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(context.Background(), args...); err != nil {
			return fmt.Errorf("update executions: %w", err)
		}
		ups = ups[n:]
	}
	return nil
}

// multiStmt returns the statement of kind for n rows, preparing it on
// first use.
func (ws *writeStmts) multiStmt(kind string, n int) (*sql.Stmt, error) {
	key := fmt.Sprintf("%s/%d", kind, n)
	if st, ok := ws.multi[key]; ok {
		return st, nil
	}
	var q string
	switch kind {
	case "events":
		q = `INSERT INTO history (execution_id, id, type, timestamp, previous, body) VALUES ` +
			rows(n, "(?, ?, ?, ?, ?, ?)")
	case "updates":
		q = `UPDATE executions SET status = v.column2, output = v.column3, error = v.column4,
			cause = v.column5, stop_date = v.column6, redrive_count = v.column7,
			redrive_date = v.column8, event_count = v.column9, snapshot = v.column10
			FROM (VALUES ` + rows(n, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") + `) AS v
			WHERE executions.id = v.column1`
	default:
		return nil, fmt.Errorf("sqlite: unknown statement kind %q", kind)
	}
	st, err := ws.conn.PrepareContext(context.Background(), q)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare %s: %w", key, err)
	}
	ws.multi[key] = st
	return st, nil
}

// rows repeats a VALUES row n times.
func rows(n int, row string) string {
	var sb strings.Builder
	for i := range n {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(row)
	}
	return sb.String()
}
