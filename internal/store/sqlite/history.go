package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// History returns up to page.Limit events of an execution in id order
// (descending when reverse is set), after the position in page.Token.
// ErrNotFound when the execution does not exist.
func (s *Store) History(ctx context.Context, executionArn string, reverse bool, page store.Page) (_ []store.Event, _ string, err error) {
	defer s.fault(&err)
	kind := sqlrows.HistoryKind(reverse)
	k, ok, err := sqlrows.DecodeToken(kind, page.Token)
	if err != nil {
		return nil, "", err
	}
	n := sqlrows.Limit(page)
	var id int64
	err = s.queryRow(ctx, `SELECT id FROM executions WHERE arn = ?`, executionArn).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", fmt.Errorf("execution %q: %w", executionArn, store.ErrNotFound)
	}
	if err != nil {
		return nil, "", err
	}
	q := `SELECT id, type, timestamp, previous, body FROM history WHERE execution_id = ?`
	args := []any{id}
	switch {
	case ok && reverse:
		q += ` AND id < ?`
		args = append(args, k.N)
	case ok:
		q += ` AND id > ?`
		args = append(args, k.N)
	}
	if reverse {
		q += ` ORDER BY id DESC LIMIT ?`
	} else {
		q += ` ORDER BY id LIMIT ?`
	}
	args = append(args, n+1)
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := make([]store.Event, 0, min(n+1, 64))
	for rows.Next() {
		var e store.Event
		var ts int64
		if err := rows.Scan(&e.ID, &e.Type, &ts, &e.Previous, &e.Body); err != nil {
			return nil, "", err
		}
		e.Timestamp = sqlrows.FromNanos(ts)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := sqlrows.NextPage(out, n, kind, func(e store.Event) sqlrows.PageKey { return sqlrows.PageKey{N: e.ID} })
	return out, next, nil
}
