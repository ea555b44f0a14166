package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// appendOutbox inserts events with ins (the writer's prepared statement)
// and writes their Seq back.
func appendOutbox(ins *sql.Stmt, evs []*store.OutboxEvent) error {
	for _, ev := range evs {
		if ev.Partition < 0 || ev.Partition >= store.OutboxPartitions {
			return fmt.Errorf("outbox event: partition %d out of range: %w", ev.Partition, store.ErrConflict)
		}
		res, err := ins.ExecContext(context.Background(), ev.Partition, ev.Account, ev.Bus, sqlrows.Nanos(ev.Time), sqlrows.NonNil(ev.Body))
		if err != nil {
			return fmt.Errorf("outbox event: %w", err)
		}
		if ev.Seq, err = res.LastInsertId(); err != nil {
			return err
		}
	}
	return nil
}

// AppendEvents appends custom events to the outbox in one transaction.
func (s *Store) AppendEvents(ctx context.Context, evs []*store.OutboxEvent) error {
	if len(evs) == 0 {
		return ctx.Err()
	}
	return s.writer(ctx, func(_ *sql.Conn, ws *writeStmts) error {
		return appendOutbox(ws.insOutbox, evs)
	})
}

// ReadOutbox returns up to limit events of a partition after a Seq.
func (s *Store) ReadOutbox(ctx context.Context, partition int, after int64, limit int) (_ []*store.OutboxEvent, err error) {
	defer s.fault(&err)
	if limit <= 0 {
		limit = 100
	}
	var rows *sql.Rows
	if partition < 0 {
		rows, err = s.query(ctx, `SELECT seq, part, account, bus, time, body FROM outbox
			WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	} else {
		rows, err = s.query(ctx, `SELECT seq, part, account, bus, time, body FROM outbox
			WHERE part = ? AND seq > ? ORDER BY seq LIMIT ?`, partition, after, limit)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.OutboxEvent
	for rows.Next() {
		ev := &store.OutboxEvent{}
		var t int64
		if err := rows.Scan(&ev.Seq, &ev.Partition, &ev.Account, &ev.Bus, &t, &ev.Body); err != nil {
			return nil, err
		}
		ev.Time = sqlrows.FromNanos(t)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// LastOutboxSeq returns the highest Seq stored, 0 for none.
func (s *Store) LastOutboxSeq(ctx context.Context) (_ int64, err error) {
	defer s.fault(&err)
	var seq sql.NullInt64
	err = s.queryRow(ctx, `SELECT MAX(seq) FROM outbox`).Scan(&seq)
	return seq.Int64, err
}

// Cursors returns a consumer's cursors by partition.
func (s *Store) Cursors(ctx context.Context, consumer string) (_ map[int]int64, err error) {
	defer s.fault(&err)
	rows, err := s.query(ctx, `SELECT part, seq FROM consumer_cursors WHERE consumer = ?`, consumer)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]int64{}
	for rows.Next() {
		var p int
		var seq int64
		if err := rows.Scan(&p, &seq); err != nil {
			return nil, err
		}
		out[p] = seq
	}
	return out, rows.Err()
}

// ConsumerState calls fn for each state entry of a consumer, by key.
func (s *Store) ConsumerState(ctx context.Context, consumer string, fn func(key string, value []byte) error) (err error) {
	defer s.fault(&err)
	rows, err := s.query(ctx, `SELECT key, value FROM consumer_state WHERE consumer = ? ORDER BY key`, consumer)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var v []byte
		if err := rows.Scan(&k, &v); err != nil {
			return err
		}
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CommitConsumer stores a consumer's progress in one transaction.
func (s *Store) CommitConsumer(ctx context.Context, c *store.ConsumerCommit) error {
	if c.Consumer == "" {
		return fmt.Errorf("sqlite: commit consumer: no consumer named: %w", store.ErrConflict)
	}
	return s.writer(ctx, func(conn *sql.Conn, ws *writeStmts) error {
		if err := appendOutbox(ws.insOutbox, c.Events); err != nil {
			return err
		}
		for p, seq := range c.Cursors {
			if _, err := conn.ExecContext(ctx, `INSERT INTO consumer_cursors (consumer, part, seq) VALUES (?, ?, ?)
				ON CONFLICT (consumer, part) DO UPDATE SET seq = excluded.seq`, c.Consumer, p, seq); err != nil {
				return err
			}
		}
		for k, v := range c.State {
			var err error
			if v == nil {
				_, err = conn.ExecContext(ctx, `DELETE FROM consumer_state WHERE consumer = ? AND key = ?`, c.Consumer, k)
			} else {
				_, err = conn.ExecContext(ctx, `INSERT INTO consumer_state (consumer, key, value) VALUES (?, ?, ?)
					ON CONFLICT (consumer, key) DO UPDATE SET value = excluded.value`, c.Consumer, k, v)
			}
			if err != nil {
				return err
			}
		}
		for _, in := range c.Intents {
			if _, err := conn.ExecContext(ctx, `INSERT INTO intents (id, consumer, body, created) VALUES (?, ?, ?, ?)
				ON CONFLICT (consumer, id) DO NOTHING`, in.ID, c.Consumer, sqlrows.NonNil(in.Body), sqlrows.Nanos(in.Created)); err != nil {
				return err
			}
		}
		for _, id := range c.DoneIntents {
			if _, err := conn.ExecContext(ctx, `DELETE FROM intents WHERE consumer = ? AND id = ?`, c.Consumer, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// Intents returns a consumer's intents not yet done, oldest first.
func (s *Store) Intents(ctx context.Context, consumer string) (_ []*store.Intent, err error) {
	defer s.fault(&err)
	rows, err := s.query(ctx, `SELECT id, body, created FROM intents WHERE consumer = ? ORDER BY created, id`, consumer)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.Intent
	for rows.Next() {
		in := &store.Intent{Consumer: consumer}
		var t int64
		if err := rows.Scan(&in.ID, &in.Body, &t); err != nil {
			return nil, err
		}
		in.Created = sqlrows.FromNanos(t)
		if len(in.Body) == 0 {
			in.Body = nil
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// TrimOutbox deletes events older than before that every consumer has
// read: in each partition, those at or below the smallest cursor of it.
// A consumer without a cursor for a partition has read none of it.
func (s *Store) TrimOutbox(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.writer(ctx, func(conn *sql.Conn, _ *writeStmts) error {
		var consumers int
		if err := conn.QueryRowContext(ctx, `SELECT COUNT(DISTINCT consumer) FROM consumer_cursors`).Scan(&consumers); err != nil {
			return err
		}
		for p := 0; p < store.OutboxPartitions; p++ {
			var have int
			var low sql.NullInt64
			if err := conn.QueryRowContext(ctx, `SELECT COUNT(*), MIN(seq) FROM consumer_cursors WHERE part = ?`, p).Scan(&have, &low); err != nil {
				return err
			}
			if consumers == 0 || have < consumers || !low.Valid {
				continue
			}
			res, err := conn.ExecContext(ctx, `DELETE FROM outbox WHERE part = ? AND seq <= ? AND time < ?`, p, low.Int64, sqlrows.Nanos(before))
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += k
		}
		return nil
	})
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return n, err
}
