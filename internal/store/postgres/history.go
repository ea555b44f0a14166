package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// History returns up to page.Limit events of an execution in id order
// (descending when reverse is set), after the position in page.Token.
// ErrNotFound when the execution does not exist.
func (s *Store) History(ctx context.Context, executionArn string, reverse bool, page store.Page) ([]store.Event, string, error) {
	db, err := s.read()
	if err != nil {
		return nil, "", err
	}
	kind := sqlrows.HistoryKind(reverse)
	k, ok, err := sqlrows.DecodeToken(kind, page.Token)
	if err != nil {
		return nil, "", err
	}
	n := sqlrows.Limit(page)
	var id int64
	err = db.QueryRow(ctx, `SELECT id FROM executions WHERE arn = $1`, executionArn).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, "", fmt.Errorf("execution %q: %w", executionArn, store.ErrNotFound)
	}
	if err != nil {
		return nil, "", classify(err)
	}
	q := `SELECT id, type, timestamp, previous, body FROM history WHERE execution_id = $1`
	args := []any{id}
	switch {
	case ok && reverse:
		q += ` AND id < $2`
		args = append(args, k.N)
	case ok:
		q += ` AND id > $2`
		args = append(args, k.N)
	}
	if reverse {
		q += ` ORDER BY id DESC`
	} else {
		q += ` ORDER BY id`
	}
	q += fmt.Sprintf(` LIMIT $%d`, len(args)+1)
	args = append(args, n+1)
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, "", classify(err)
	}
	out := make([]store.Event, 0, min(n+1, 64))
	var e store.Event
	var ts int64
	_, err = pgx.ForEachRow(rows, []any{&e.ID, &e.Type, &ts, &e.Previous, &e.Body}, func() error {
		e.Timestamp = sqlrows.FromNanos(ts)
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, "", classify(err)
	}
	out, next := sqlrows.NextPage(out, n, kind, func(e store.Event) sqlrows.PageKey { return sqlrows.PageKey{N: e.ID} })
	return out, next, nil
}
