package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// checkPartition refuses an event of no partition.
func checkPartition(ev *store.OutboxEvent) error {
	if ev.Partition < 0 || ev.Partition >= store.OutboxPartitions {
		return fmt.Errorf("outbox event: partition %d out of range: %w", ev.Partition, store.ErrConflict)
	}
	return nil
}

// outboxInsert is the statement that appends evs and returns the last Seq
// it gave them (see setSeqs). Seqs come from the one row of outbox_head,
// which the statement locks until the transaction ends: transactions that
// append take turns, so Seq order is commit order and a reader that has
// read up to Seq N never finds a smaller Seq committed later. That is what
// lets consumers keep a cursor; the price is that appends are serialised,
// which is why Commit appends last, just before COMMIT.
func outboxInsert(evs []*store.OutboxEvent) (string, []any) {
	n := len(evs)
	part, ts := make([]int32, n), make([]int64, n)
	account, bus, body := make([]string, n), make([]string, n), make([][]byte, n)
	for i, ev := range evs {
		part[i], account[i], bus[i], ts[i], body[i] = int32(ev.Partition), ev.Account, ev.Bus, sqlrows.Nanos(ev.Time), sqlrows.NonNil(ev.Body)
	}
	return `WITH head AS (UPDATE outbox_head SET seq = seq + $1 WHERE one = 1 RETURNING seq),
		ins AS (INSERT INTO outbox (seq, part, account, bus, time, body)
			SELECT head.seq - $1 + u.ord, u.part, u.account, u.bus, u.time, u.body
			FROM head, unnest($2::integer[], $3::text[], $4::text[], $5::bigint[], $6::bytea[])
				WITH ORDINALITY AS u(part, account, bus, time, body, ord))
		SELECT seq FROM head`, []any{n, part, account, bus, ts, body}
}

// setSeqs writes back the Seqs of evs, given the last one.
func setSeqs(evs []*store.OutboxEvent, last int64) {
	for i, ev := range evs {
		ev.Seq = last - int64(len(evs)) + int64(i) + 1
	}
}

// appendOutbox appends evs in tx and writes their Seq back.
func appendOutbox(ctx context.Context, tx pgx.Tx, evs []*store.OutboxEvent) error {
	if len(evs) == 0 {
		return nil
	}
	for _, ev := range evs {
		if err := checkPartition(ev); err != nil {
			return err
		}
	}
	q, args := outboxInsert(evs)
	var last int64
	if err := tx.QueryRow(ctx, q, args...).Scan(&last); err != nil {
		return fmt.Errorf("outbox event: %w", err)
	}
	setSeqs(evs, last)
	return nil
}

// AppendEvents appends custom events to the outbox in one transaction.
func (s *Store) AppendEvents(ctx context.Context, evs []*store.OutboxEvent) error {
	if len(evs) == 0 {
		return ctx.Err()
	}
	return s.tx(ctx, func(tx pgx.Tx) error { return appendOutbox(ctx, tx, evs) })
}

// ReadOutbox returns up to limit events of a partition after a Seq.
func (s *Store) ReadOutbox(ctx context.Context, partition int, after int64, limit int) ([]*store.OutboxEvent, error) {
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	var rows pgx.Rows
	if partition < 0 {
		rows, err = q.Query(ctx, `SELECT seq, part, account, bus, time, body FROM outbox
			WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	} else {
		rows, err = q.Query(ctx, `SELECT seq, part, account, bus, time, body FROM outbox
			WHERE part = $1 AND seq > $2 ORDER BY seq LIMIT $3`, partition, after, limit)
	}
	if err != nil {
		return nil, classify(err)
	}
	var out []*store.OutboxEvent
	var ev store.OutboxEvent
	var t int64
	_, err = pgx.ForEachRow(rows, []any{&ev.Seq, &ev.Partition, &ev.Account, &ev.Bus, &t, &ev.Body}, func() error {
		e := ev
		e.Time = sqlrows.FromNanos(t)
		out = append(out, &e)
		return nil
	})
	return out, classify(err)
}

// LastOutboxSeq returns the highest Seq stored, 0 for none.
func (s *Store) LastOutboxSeq(ctx context.Context) (int64, error) {
	q, err := s.read()
	if err != nil {
		return 0, err
	}
	var seq *int64
	if err := q.QueryRow(ctx, `SELECT MAX(seq) FROM outbox`).Scan(&seq); err != nil || seq == nil {
		return 0, classify(err)
	}
	return *seq, nil
}

// Cursors returns a consumer's cursors by partition.
func (s *Store) Cursors(ctx context.Context, consumer string) (map[int]int64, error) {
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT part, seq FROM consumer_cursors WHERE consumer = $1`, consumer)
	if err != nil {
		return nil, classify(err)
	}
	out := map[int]int64{}
	var p int
	var seq int64
	_, err = pgx.ForEachRow(rows, []any{&p, &seq}, func() error {
		out[p] = seq
		return nil
	})
	return out, classify(err)
}

// ConsumerState calls fn for each state entry of a consumer, by key.
func (s *Store) ConsumerState(ctx context.Context, consumer string, fn func(key string, value []byte) error) error {
	q, err := s.read()
	if err != nil {
		return err
	}
	rows, err := q.Query(ctx, `SELECT key, value FROM consumer_state WHERE consumer = $1 ORDER BY key`, consumer)
	if err != nil {
		return classify(err)
	}
	var k string
	var v []byte
	_, err = pgx.ForEachRow(rows, []any{&k, &v}, func() error { return fn(k, v) })
	return classify(err)
}

// CommitConsumer stores a consumer's progress in one transaction. A Fenced
// commit of a cluster member's store (JoinCluster) first checks the lease
// of its Partition, as Commit does, and holds it FOR SHARE until COMMIT:
// not held, or taken over since, it fails with a
// *store.PartitionsLostError and stores nothing.
func (s *Store) CommitConsumer(ctx context.Context, c *store.ConsumerCommit) error {
	if c.Consumer == "" {
		return fmt.Errorf("postgres: commit consumer: no consumer named: %w", store.ErrConflict)
	}
	var pf *partFence
	if m := s.member.Load(); m != nil && c.Fenced {
		if c.Partition < 0 || c.Partition >= partition.Count {
			return fmt.Errorf("postgres: commit consumer: partition %d out of range: %w", c.Partition, store.ErrConflict)
		}
		pf = &partFence{m: m, parts: []int{c.Partition}}
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		if pf != nil {
			b.Queue(partFenceQuery, pf.parts).Query(pf.check)
		}
		for p, seq := range c.Cursors {
			b.Queue(`INSERT INTO consumer_cursors (consumer, part, seq) VALUES ($1, $2, $3)
				ON CONFLICT (consumer, part) DO UPDATE SET seq = excluded.seq`, c.Consumer, p, seq)
		}
		for k, v := range c.State {
			if v == nil {
				b.Queue(`DELETE FROM consumer_state WHERE consumer = $1 AND key = $2`, c.Consumer, k)
			} else {
				b.Queue(`INSERT INTO consumer_state (consumer, key, value) VALUES ($1, $2, $3)
					ON CONFLICT (consumer, key) DO UPDATE SET value = excluded.value`, c.Consumer, k, v)
			}
		}
		for _, in := range c.Intents {
			b.Queue(`INSERT INTO intents (id, consumer, body, created) VALUES ($1, $2, $3, $4)
				ON CONFLICT (consumer, id) DO NOTHING`, in.ID, c.Consumer, sqlrows.NonNil(in.Body), sqlrows.Nanos(in.Created))
		}
		if len(c.DoneIntents) > 0 {
			b.Queue(`DELETE FROM intents WHERE consumer = $1 AND id = ANY($2)`, c.Consumer, c.DoneIntents)
		}
		if b.Len() > 0 {
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				return err
			}
		}
		// The outbox last: its sequence row stays locked until COMMIT.
		return appendOutbox(ctx, tx, c.Events)
	})
}

// Intents returns a consumer's intents not yet done, oldest first.
func (s *Store) Intents(ctx context.Context, consumer string) ([]*store.Intent, error) {
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT id, body, created FROM intents WHERE consumer = $1 ORDER BY created, id`, consumer)
	if err != nil {
		return nil, classify(err)
	}
	var out []*store.Intent
	var in store.Intent
	var created int64
	_, err = pgx.ForEachRow(rows, []any{&in.ID, &in.Body, &created}, func() error {
		body := in.Body
		if len(body) == 0 {
			body = nil // stored empty for NOT NULL; read back as given
		}
		out = append(out, &store.Intent{ID: in.ID, Consumer: consumer, Body: body, Created: sqlrows.FromNanos(created)})
		return nil
	})
	return out, classify(err)
}

// TrimOutbox deletes events older than before that every consumer has
// read: in each partition, those at or below the smallest cursor of it.
// A consumer without a cursor for a partition has read none of it.
func (s *Store) TrimOutbox(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		// One statement: the partitions every consumer has a cursor for,
		// each up to its smallest cursor.
		ct, err := tx.Exec(ctx, `WITH consumers AS (SELECT COUNT(DISTINCT consumer) AS n FROM consumer_cursors),
			lows AS (SELECT part, COUNT(*) AS have, MIN(seq) AS low FROM consumer_cursors GROUP BY part)
			DELETE FROM outbox o USING lows, consumers
			WHERE o.part = lows.part AND lows.have = consumers.n AND consumers.n > 0
				AND o.seq <= lows.low AND o.time < $1`, sqlrows.Nanos(before))
		n = ct.RowsAffected()
		return err
	})
	return n, err
}
