package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// Catalog: state machines, versions, aliases and activities. These writes
// are rare; each runs in its own transaction on the writer connection.

// CreateStateMachine inserts sm; ErrExists when its ARN is taken.
func (s *Store) CreateStateMachine(ctx context.Context, sm *store.StateMachine) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		_, err := c.ExecContext(ctx, `INSERT INTO state_machines (`+sqlrows.StateMachineColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sm.Arn, sm.Name, sm.Type, sm.Definition, sm.RoleArn, sm.Description,
			sm.LoggingConfiguration, sm.TracingConfiguration, sm.RevisionID,
			sqlrows.Nanos(sm.CreatedAt), sqlrows.Nanos(sm.UpdatedAt), sqlrows.Language(sm.Language), sm.Bundle)
		if isUnique(err) {
			return fmt.Errorf("state machine %q: %w", sm.Arn, store.ErrExists)
		}
		return err
	})
}

// UpdateStateMachine replaces every field of sm; ErrNotFound when missing.
func (s *Store) UpdateStateMachine(ctx context.Context, sm *store.StateMachine) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		res, err := c.ExecContext(ctx, `UPDATE state_machines SET name = ?, type = ?,
			definition = ?, role_arn = ?, description = ?, logging_configuration = ?,
			tracing_configuration = ?, revision_id = ?, created_at = ?, updated_at = ?, language = ?, bundle = ?
			WHERE arn = ?`,
			sm.Name, sm.Type, sm.Definition, sm.RoleArn, sm.Description,
			sm.LoggingConfiguration, sm.TracingConfiguration, sm.RevisionID,
			sqlrows.Nanos(sm.CreatedAt), sqlrows.Nanos(sm.UpdatedAt), sqlrows.Language(sm.Language), sm.Bundle, sm.Arn)
		return mustAffect(res, err, "state machine", sm.Arn)
	})
}

// GetStateMachine returns the state machine with that ARN.
func (s *Store) GetStateMachine(ctx context.Context, arn string) (_ *store.StateMachine, err error) {
	defer s.fault(&err)
	row := s.queryRow(ctx, `SELECT `+sqlrows.StateMachineColumns+` FROM state_machines WHERE arn = ?`, arn)
	sm, err := sqlrows.ScanStateMachine(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("state machine %q: %w", arn, store.ErrNotFound)
	}
	return sm, err
}

// ListStateMachines returns state machines sorted by name (then ARN).
func (s *Store) ListStateMachines(ctx context.Context, page store.Page) (_ []*store.StateMachine, _ string, err error) {
	defer s.fault(&err)
	return list(ctx, s, page, listQuery[*store.StateMachine]{
		kind: sqlrows.KindStateMachines, sel: `SELECT ` + sqlrows.StateMachineColumns + ` FROM state_machines WHERE 1`,
		after: `(name, arn) > (?, ?)`, afterArgs: func(k sqlrows.PageKey) []any { return []any{k.T, k.S} },
		order: `name, arn`, scan: sqlrows.ScanStateMachine,
		key: func(x *store.StateMachine) sqlrows.PageKey { return sqlrows.PageKey{T: x.Name, S: x.Arn} },
	})
}

// DeleteStateMachine removes the state machine, its versions, its aliases
// and the tags of all of them. Executions stay.
func (s *Store) DeleteStateMachine(ctx context.Context, arn string) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		for _, q := range []string{
			`DELETE FROM tags WHERE resource_arn IN (SELECT arn FROM versions WHERE state_machine_arn = ?)`,
			`DELETE FROM tags WHERE resource_arn IN (SELECT arn FROM aliases WHERE state_machine_arn = ?)`,
			`DELETE FROM tags WHERE resource_arn = ?`,
			`DELETE FROM versions WHERE state_machine_arn = ?`,
			`DELETE FROM aliases WHERE state_machine_arn = ?`,
			`DELETE FROM notification_settings WHERE state_machine_arn = ?`,
		} {
			if _, err := c.ExecContext(ctx, q, arn); err != nil {
				return err
			}
		}
		res, err := c.ExecContext(ctx, `DELETE FROM state_machines WHERE arn = ?`, arn)
		return mustAffect(res, err, "state machine", arn)
	})
}

// CreateVersion numbers v after the last version ever published of its
// state machine, sets v.Number and v.Arn and inserts it. ErrNotFound when
// the state machine does not exist.
func (s *Store) CreateVersion(ctx context.Context, v *store.Version) error {
	var num int64
	var arn string
	err := s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		err := c.QueryRowContext(ctx, `UPDATE state_machines SET last_version = last_version + 1
			WHERE arn = ? RETURNING last_version`, v.StateMachineArn).Scan(&num)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("state machine %q: %w", v.StateMachineArn, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		arn = v.StateMachineArn + ":" + strconv.FormatInt(num, 10)
		_, err = c.ExecContext(ctx, `INSERT INTO versions (`+sqlrows.VersionColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			arn, v.StateMachineArn, num, v.Definition, v.RoleArn, v.Type,
			v.Description, v.RevisionID, sqlrows.Nanos(v.CreatedAt), sqlrows.Language(v.Language), v.Bundle)
		if isUnique(err) {
			return fmt.Errorf("version %q: %w", arn, store.ErrExists)
		}
		return err
	})
	if err != nil {
		return err
	}
	v.Number, v.Arn = num, arn
	return nil
}

// GetVersion returns the version with that ARN.
func (s *Store) GetVersion(ctx context.Context, arn string) (_ *store.Version, err error) {
	defer s.fault(&err)
	row := s.queryRow(ctx, `SELECT `+sqlrows.VersionColumns+` FROM versions WHERE arn = ?`, arn)
	v, err := sqlrows.ScanVersion(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("version %q: %w", arn, store.ErrNotFound)
	}
	return v, err
}

// ListVersions returns the versions of a state machine, newest first.
func (s *Store) ListVersions(ctx context.Context, stateMachineArn string, page store.Page) (_ []*store.Version, _ string, err error) {
	defer s.fault(&err)
	return list(ctx, s, page, listQuery[*store.Version]{
		kind: sqlrows.KindVersions, sel: `SELECT ` + sqlrows.VersionColumns + ` FROM versions WHERE state_machine_arn = ?`, args: []any{stateMachineArn},
		after: `number < ?`, afterArgs: func(k sqlrows.PageKey) []any { return []any{k.N} },
		order: `number DESC`, scan: sqlrows.ScanVersion,
		key: func(x *store.Version) sqlrows.PageKey { return sqlrows.PageKey{N: x.Number} },
	})
}

// DeleteVersion removes a version and its tags; ErrNotFound when missing.
func (s *Store) DeleteVersion(ctx context.Context, arn string) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		if _, err := c.ExecContext(ctx, `DELETE FROM tags WHERE resource_arn = ?`, arn); err != nil {
			return err
		}
		res, err := c.ExecContext(ctx, `DELETE FROM versions WHERE arn = ?`, arn)
		return mustAffect(res, err, "version", arn)
	})
}

// CreateAlias inserts a; ErrExists when its ARN is taken, ErrNotFound when
// its state machine does not exist.
func (s *Store) CreateAlias(ctx context.Context, a *store.Alias) error {
	routing, err := json.Marshal(sqlrows.Routes(a.Routing))
	if err != nil {
		return err
	}
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		var one int
		err := c.QueryRowContext(ctx, `SELECT 1 FROM state_machines WHERE arn = ?`, a.StateMachineArn).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("state machine %q: %w", a.StateMachineArn, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		_, err = c.ExecContext(ctx, `INSERT INTO aliases (`+sqlrows.AliasColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			a.Arn, a.StateMachineArn, a.Name, a.Description, string(routing),
			sqlrows.Nanos(a.CreatedAt), sqlrows.Nanos(a.UpdatedAt))
		if isUnique(err) {
			return fmt.Errorf("alias %q: %w", a.Arn, store.ErrExists)
		}
		return err
	})
}

// UpdateAlias replaces the description, routing and times of a;
// ErrNotFound when missing.
func (s *Store) UpdateAlias(ctx context.Context, a *store.Alias) error {
	routing, err := json.Marshal(sqlrows.Routes(a.Routing))
	if err != nil {
		return err
	}
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		res, err := c.ExecContext(ctx, `UPDATE aliases SET description = ?, routing = ?,
			created_at = ?, updated_at = ? WHERE arn = ?`,
			a.Description, string(routing), sqlrows.Nanos(a.CreatedAt), sqlrows.Nanos(a.UpdatedAt), a.Arn)
		return mustAffect(res, err, "alias", a.Arn)
	})
}

// GetAlias returns the alias with that ARN.
func (s *Store) GetAlias(ctx context.Context, arn string) (_ *store.Alias, err error) {
	defer s.fault(&err)
	row := s.queryRow(ctx, `SELECT `+sqlrows.AliasColumns+` FROM aliases WHERE arn = ?`, arn)
	a, err := sqlrows.ScanAlias(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("alias %q: %w", arn, store.ErrNotFound)
	}
	return a, err
}

// ListAliases returns the aliases of a state machine sorted by name.
func (s *Store) ListAliases(ctx context.Context, stateMachineArn string, page store.Page) (_ []*store.Alias, _ string, err error) {
	defer s.fault(&err)
	return list(ctx, s, page, listQuery[*store.Alias]{
		kind: sqlrows.KindAliases, sel: `SELECT ` + sqlrows.AliasColumns + ` FROM aliases WHERE state_machine_arn = ?`, args: []any{stateMachineArn},
		after: `name > ?`, afterArgs: func(k sqlrows.PageKey) []any { return []any{k.S} },
		order: `name`, scan: sqlrows.ScanAlias,
		key: func(x *store.Alias) sqlrows.PageKey { return sqlrows.PageKey{S: x.Name} },
	})
}

// DeleteAlias removes an alias and its tags; ErrNotFound when missing.
func (s *Store) DeleteAlias(ctx context.Context, arn string) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		if _, err := c.ExecContext(ctx, `DELETE FROM tags WHERE resource_arn = ?`, arn); err != nil {
			return err
		}
		res, err := c.ExecContext(ctx, `DELETE FROM aliases WHERE arn = ?`, arn)
		return mustAffect(res, err, "alias", arn)
	})
}

// CreateActivity inserts a; ErrExists when its ARN is taken.
func (s *Store) CreateActivity(ctx context.Context, a *store.Activity) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		_, err := c.ExecContext(ctx, `INSERT INTO activities (arn, name, created_at) VALUES (?, ?, ?)`,
			a.Arn, a.Name, sqlrows.Nanos(a.CreatedAt))
		if isUnique(err) {
			return fmt.Errorf("activity %q: %w", a.Arn, store.ErrExists)
		}
		return err
	})
}

// GetActivity returns the activity with that ARN.
func (s *Store) GetActivity(ctx context.Context, arn string) (_ *store.Activity, err error) {
	defer s.fault(&err)
	row := s.queryRow(ctx, `SELECT arn, name, created_at FROM activities WHERE arn = ?`, arn)
	a, err := sqlrows.ScanActivity(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("activity %q: %w", arn, store.ErrNotFound)
	}
	return a, err
}

// ListActivities returns activities sorted by name (then ARN).
func (s *Store) ListActivities(ctx context.Context, page store.Page) (_ []*store.Activity, _ string, err error) {
	defer s.fault(&err)
	return list(ctx, s, page, listQuery[*store.Activity]{
		kind: sqlrows.KindActivities, sel: `SELECT arn, name, created_at FROM activities WHERE 1`,
		after: `(name, arn) > (?, ?)`, afterArgs: func(k sqlrows.PageKey) []any { return []any{k.T, k.S} },
		order: `name, arn`, scan: sqlrows.ScanActivity,
		key: func(x *store.Activity) sqlrows.PageKey { return sqlrows.PageKey{T: x.Name, S: x.Arn} },
	})
}

// DeleteActivity removes an activity and its tags; ErrNotFound when
// missing.
func (s *Store) DeleteActivity(ctx context.Context, arn string) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		if _, err := c.ExecContext(ctx, `DELETE FROM tags WHERE resource_arn = ?`, arn); err != nil {
			return err
		}
		res, err := c.ExecContext(ctx, `DELETE FROM activities WHERE arn = ?`, arn)
		return mustAffect(res, err, "activity", arn)
	})
}

// TagResource adds or overwrites tags of any resource.
func (s *Store) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		for k, v := range tags {
			if _, err := c.ExecContext(ctx, `INSERT INTO tags (resource_arn, key, value) VALUES (?, ?, ?)
				ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value`, arn, k, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// UntagResource removes tags by key; unknown keys are ignored.
func (s *Store) UntagResource(ctx context.Context, arn string, keys []string) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		for _, k := range keys {
			if _, err := c.ExecContext(ctx, `DELETE FROM tags WHERE resource_arn = ? AND key = ?`, arn, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListTags returns the tags of a resource (an empty map when none).
func (s *Store) ListTags(ctx context.Context, arn string) (_ map[string]string, err error) {
	defer s.fault(&err)
	rows, err := s.query(ctx, `SELECT key, value FROM tags WHERE resource_arn = ?`, arn)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return sqlrows.ScanTags(rows)
}

// mustAffect turns an Exec result that changed no row into ErrNotFound.
func mustAffect(res sql.Result, err error, what, key string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s %q: %w", what, key, store.ErrNotFound)
	}
	return nil
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(sqlrows.Scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	return sqlrows.Collect(rows, scan)
}

// listQuery is one keyset-paginated catalog list.
type listQuery[T any] struct {
	kind      string                      // page token kind
	sel       string                      // SELECT ... FROM ... WHERE <filter>
	args      []any                       // arguments of sel
	after     string                      // condition for the rows after a page's last key
	afterArgs func(sqlrows.PageKey) []any // its arguments
	order     string                      // ORDER BY, matching after
	scan      func(sqlrows.Scanner) (T, error)
	key       func(T) sqlrows.PageKey // the key of a row, for the next token
}

// list returns one page of a listQuery and the token of the next page.
func list[T any](ctx context.Context, s *Store, page store.Page, lq listQuery[T]) ([]T, string, error) {
	k, ok, err := sqlrows.DecodeToken(lq.kind, page.Token)
	if err != nil {
		return nil, "", err
	}
	n := sqlrows.Limit(page)
	q, args := lq.sel, append([]any(nil), lq.args...)
	if ok {
		q += ` AND ` + lq.after
		args = append(args, lq.afterArgs(k)...)
	}
	q += ` ORDER BY ` + lq.order + ` LIMIT ?`
	args = append(args, n+1)
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	out, err := collect(rows, lq.scan)
	if err != nil {
		return nil, "", err
	}
	out, next := sqlrows.NextPage(out, n, lq.kind, lq.key)
	return out, next, nil
}

// SetNotificationSettings stores (or, with nil, removes) the notification
// settings of a state machine that exists.
func (s *Store) SetNotificationSettings(ctx context.Context, arn string, body []byte) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		var one int
		if err := c.QueryRowContext(ctx, `SELECT 1 FROM state_machines WHERE arn = ?`, arn).Scan(&one); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("state machine %s: %w", arn, store.ErrNotFound)
			}
			return err
		}
		var err error
		if body == nil {
			_, err = c.ExecContext(ctx, `DELETE FROM notification_settings WHERE state_machine_arn = ?`, arn)
		} else {
			_, err = c.ExecContext(ctx, `INSERT INTO notification_settings (state_machine_arn, body) VALUES (?, ?)
				ON CONFLICT (state_machine_arn) DO UPDATE SET body = excluded.body`, arn, body)
		}
		return err
	})
}

// NotificationSettings returns the notification settings of a state
// machine; nil when it has none.
func (s *Store) NotificationSettings(ctx context.Context, arn string) (_ []byte, err error) {
	defer s.fault(&err)
	rows, err := s.query(ctx, `SELECT body FROM notification_settings WHERE state_machine_arn = ?`, arn)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var body []byte
	for rows.Next() {
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
	}
	return body, rows.Err()
}
