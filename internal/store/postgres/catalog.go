package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// Catalog: state machines, versions, aliases and activities. These writes
// are rare; each runs in its own transaction.
//
// Unlike SQLite, transactions of several nodes run at once. A write that
// depends on another row (a version or alias on its state machine) locks
// that row, so that a concurrent DeleteStateMachine cannot leave orphans.

// CreateStateMachine inserts sm; ErrExists when its ARN is taken.
func (s *Store) CreateStateMachine(ctx context.Context, sm *store.StateMachine) error {
	return s.insert(ctx, fmt.Sprintf("state machine %q", sm.Arn), `INSERT INTO state_machines (`+sqlrows.StateMachineColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		sm.Arn, sm.Name, sm.Type, sm.Definition, sm.RoleArn, sm.Description,
		sm.LoggingConfiguration, sm.TracingConfiguration, sm.RevisionID,
		sqlrows.Nanos(sm.CreatedAt), sqlrows.Nanos(sm.UpdatedAt), sqlrows.Language(sm.Language), sm.Bundle)
}

// UpdateStateMachine replaces every field of sm; ErrNotFound when missing.
func (s *Store) UpdateStateMachine(ctx context.Context, sm *store.StateMachine) error {
	return s.update(ctx, "state machine", sm.Arn, `UPDATE state_machines SET name = $1, type = $2,
		definition = $3, role_arn = $4, description = $5, logging_configuration = $6,
		tracing_configuration = $7, revision_id = $8, created_at = $9, updated_at = $10, language = $11, bundle = $12
		WHERE arn = $13`,
		sm.Name, sm.Type, sm.Definition, sm.RoleArn, sm.Description,
		sm.LoggingConfiguration, sm.TracingConfiguration, sm.RevisionID,
		sqlrows.Nanos(sm.CreatedAt), sqlrows.Nanos(sm.UpdatedAt), sqlrows.Language(sm.Language), sm.Bundle, sm.Arn)
}

// GetStateMachine returns the state machine with that ARN.
func (s *Store) GetStateMachine(ctx context.Context, arn string) (*store.StateMachine, error) {
	return get(ctx, s, sqlrows.ScanStateMachine, "state machine", arn, `SELECT `+sqlrows.StateMachineColumns+` FROM state_machines WHERE arn = $1`)
}

// ListStateMachines returns state machines sorted by name (then ARN).
func (s *Store) ListStateMachines(ctx context.Context, page store.Page) (_ []*store.StateMachine, _ string, err error) {
	defer fault(&err)
	return list(ctx, s, page, listQuery[*store.StateMachine]{
		kind: sqlrows.KindStateMachines, sel: `SELECT ` + sqlrows.StateMachineColumns + ` FROM state_machines WHERE TRUE`,
		after: `(name, arn) > ($%d, $%d)`, afterArgs: func(k sqlrows.PageKey) []any { return []any{k.T, k.S} },
		order: `name, arn`, scan: sqlrows.ScanStateMachine,
		key: func(x *store.StateMachine) sqlrows.PageKey { return sqlrows.PageKey{T: x.Name, S: x.Arn} },
	})
}

// DeleteStateMachine removes the state machine, its versions, its aliases
// and the tags of all of them. Executions stay.
func (s *Store) DeleteStateMachine(ctx context.Context, arn string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		// The state machine's row goes first: deleting it waits for the
		// transactions that locked it to add a version or an alias, and
		// the statements below (each with a snapshot of its own) then see
		// what they added; those that come later find no state machine.
		tag, err := tx.Exec(ctx, `DELETE FROM state_machines WHERE arn = $1`, arn)
		if err := mustAffect(tag, err, "state machine", arn); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM tags WHERE resource_arn IN (SELECT arn FROM versions WHERE state_machine_arn = $1)`,
			`DELETE FROM tags WHERE resource_arn IN (SELECT arn FROM aliases WHERE state_machine_arn = $1)`,
			`DELETE FROM tags WHERE resource_arn = $1`,
			`DELETE FROM versions WHERE state_machine_arn = $1`,
			`DELETE FROM aliases WHERE state_machine_arn = $1`,
			`DELETE FROM notification_settings WHERE state_machine_arn = $1`,
		} {
			if _, err := tx.Exec(ctx, q, arn); err != nil {
				return err
			}
		}
		return nil
	})
}

// CreateVersion numbers v after the last version ever published of its
// state machine, sets v.Number and v.Arn and inserts it. ErrNotFound when
// the state machine does not exist.
func (s *Store) CreateVersion(ctx context.Context, v *store.Version) error {
	var num int64
	var arn string
	err := s.tx(ctx, func(tx pgx.Tx) error {
		// One atomic statement: the UPDATE locks the state machine's row
		// until the commit, so that concurrent CreateVersions (of this
		// node or another) take turns and each gets the next number.
		err := tx.QueryRow(ctx, `UPDATE state_machines SET last_version = last_version + 1
			WHERE arn = $1 RETURNING last_version`, v.StateMachineArn).Scan(&num)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("state machine %q: %w", v.StateMachineArn, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		arn = v.StateMachineArn + ":" + strconv.FormatInt(num, 10)
		_, err = tx.Exec(ctx, `INSERT INTO versions (`+sqlrows.VersionColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
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
func (s *Store) GetVersion(ctx context.Context, arn string) (*store.Version, error) {
	return get(ctx, s, sqlrows.ScanVersion, "version", arn, `SELECT `+sqlrows.VersionColumns+` FROM versions WHERE arn = $1`)
}

// ListVersions returns the versions of a state machine, newest first.
func (s *Store) ListVersions(ctx context.Context, stateMachineArn string, page store.Page) (_ []*store.Version, _ string, err error) {
	defer fault(&err)
	return list(ctx, s, page, listQuery[*store.Version]{
		kind: sqlrows.KindVersions, sel: `SELECT ` + sqlrows.VersionColumns + ` FROM versions WHERE state_machine_arn = $1`, args: []any{stateMachineArn},
		after: `number < $%d`, afterArgs: func(k sqlrows.PageKey) []any { return []any{k.N} },
		order: `number DESC`, scan: sqlrows.ScanVersion,
		key: func(x *store.Version) sqlrows.PageKey { return sqlrows.PageKey{N: x.Number} },
	})
}

// DeleteVersion removes a version and its tags; ErrNotFound when missing.
func (s *Store) DeleteVersion(ctx context.Context, arn string) error {
	return s.deleteTagged(ctx, "versions", "version", arn)
}

// deleteTagged deletes the row of table whose ARN is arn, and its tags;
// ErrNotFound (of a what) when missing.
func (s *Store) deleteTagged(ctx context.Context, table, what, arn string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM tags WHERE resource_arn = $1`, arn); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE arn = $1`, arn)
		return mustAffect(tag, err, what, arn)
	})
}

// CreateAlias inserts a; ErrExists when its ARN is taken, ErrNotFound when
// its state machine does not exist.
func (s *Store) CreateAlias(ctx context.Context, a *store.Alias) error {
	routing, err := json.Marshal(sqlrows.Routes(a.Routing))
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockStateMachine(ctx, tx, a.StateMachineArn, "state machine %q: %w"); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO aliases (`+sqlrows.AliasColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			a.Arn, a.StateMachineArn, a.Name, a.Description, string(routing),
			sqlrows.Nanos(a.CreatedAt), sqlrows.Nanos(a.UpdatedAt))
		if isUnique(err) {
			return fmt.Errorf("alias %q: %w", a.Arn, store.ErrExists)
		}
		return err
	})
}

// lockStateMachine checks in tx that the state machine arn exists (else
// ErrNotFound, with the message format msg of arn and the error) and
// locks its row FOR KEY SHARE until the commit: a concurrent
// DeleteStateMachine waits, so that what tx adds for it is not left
// behind, while other writers of the state machine (CreateVersion,
// UpdateStateMachine) are not held up.
func lockStateMachine(ctx context.Context, tx pgx.Tx, arn, msg string) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM state_machines WHERE arn = $1 FOR KEY SHARE`, arn).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf(msg, arn, store.ErrNotFound)
	}
	return err
}

// UpdateAlias replaces the description, routing and times of a;
// ErrNotFound when missing.
func (s *Store) UpdateAlias(ctx context.Context, a *store.Alias) error {
	routing, err := json.Marshal(sqlrows.Routes(a.Routing))
	if err != nil {
		return err
	}
	return s.update(ctx, "alias", a.Arn, `UPDATE aliases SET description = $1, routing = $2,
		created_at = $3, updated_at = $4 WHERE arn = $5`,
		a.Description, string(routing), sqlrows.Nanos(a.CreatedAt), sqlrows.Nanos(a.UpdatedAt), a.Arn)
}

// GetAlias returns the alias with that ARN.
func (s *Store) GetAlias(ctx context.Context, arn string) (*store.Alias, error) {
	return get(ctx, s, sqlrows.ScanAlias, "alias", arn, `SELECT `+sqlrows.AliasColumns+` FROM aliases WHERE arn = $1`)
}

// ListAliases returns the aliases of a state machine sorted by name.
func (s *Store) ListAliases(ctx context.Context, stateMachineArn string, page store.Page) (_ []*store.Alias, _ string, err error) {
	defer fault(&err)
	return list(ctx, s, page, listQuery[*store.Alias]{
		kind: sqlrows.KindAliases, sel: `SELECT ` + sqlrows.AliasColumns + ` FROM aliases WHERE state_machine_arn = $1`, args: []any{stateMachineArn},
		after: `name > $%d`, afterArgs: func(k sqlrows.PageKey) []any { return []any{k.S} },
		order: `name`, scan: sqlrows.ScanAlias,
		key: func(x *store.Alias) sqlrows.PageKey { return sqlrows.PageKey{S: x.Name} },
	})
}

// DeleteAlias removes an alias and its tags; ErrNotFound when missing.
func (s *Store) DeleteAlias(ctx context.Context, arn string) error {
	return s.deleteTagged(ctx, "aliases", "alias", arn)
}

// CreateActivity inserts a; ErrExists when its ARN is taken.
func (s *Store) CreateActivity(ctx context.Context, a *store.Activity) error {
	return s.insert(ctx, fmt.Sprintf("activity %q", a.Arn), `INSERT INTO activities (arn, name, created_at) VALUES ($1, $2, $3)`,
		a.Arn, a.Name, sqlrows.Nanos(a.CreatedAt))
}

// GetActivity returns the activity with that ARN.
func (s *Store) GetActivity(ctx context.Context, arn string) (*store.Activity, error) {
	return get(ctx, s, sqlrows.ScanActivity, "activity", arn, `SELECT arn, name, created_at FROM activities WHERE arn = $1`)
}

// ListActivities returns activities sorted by name (then ARN).
func (s *Store) ListActivities(ctx context.Context, page store.Page) (_ []*store.Activity, _ string, err error) {
	defer fault(&err)
	return list(ctx, s, page, listQuery[*store.Activity]{
		kind: sqlrows.KindActivities, sel: `SELECT arn, name, created_at FROM activities WHERE TRUE`,
		after: `(name, arn) > ($%d, $%d)`, afterArgs: func(k sqlrows.PageKey) []any { return []any{k.T, k.S} },
		order: `name, arn`, scan: sqlrows.ScanActivity,
		key: func(x *store.Activity) sqlrows.PageKey { return sqlrows.PageKey{T: x.Name, S: x.Arn} },
	})
}

// DeleteActivity removes an activity and its tags; ErrNotFound when
// missing.
func (s *Store) DeleteActivity(ctx context.Context, arn string) error {
	return s.deleteTagged(ctx, "activities", "activity", arn)
}

// TagResource adds or overwrites tags of any resource.
func (s *Store) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	// One statement, keys sorted: two concurrent TagResource calls of one
	// resource lock its rows in the same order and cannot deadlock.
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	values := make([]string, len(keys))
	for i, k := range keys {
		values[i] = tags[k]
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO tags (resource_arn, key, value)
			SELECT $1, k, v FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(k, v, i) ORDER BY i
			ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value`, arn, keys, values)
		return err
	})
}

// UntagResource removes tags by key; unknown keys are ignored.
func (s *Store) UntagResource(ctx context.Context, arn string, keys []string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM tags WHERE resource_arn = $1 AND key = ANY($2::text[])`, arn, keys)
		return err
	})
}

// ListTags returns the tags of a resource (an empty map when none).
func (s *Store) ListTags(ctx context.Context, arn string) (_ map[string]string, err error) {
	defer fault(&err)
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT key, value FROM tags WHERE resource_arn = $1`, arn)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return sqlrows.ScanTags(rows)
}

// mustAffect turns an Exec that changed no row into ErrNotFound (of a what
// of that key).
func mustAffect(tag pgconn.CommandTag, err error, what, key string) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s %q: %w", what, key, store.ErrNotFound)
	}
	return nil
}

// insert runs the INSERT q in a transaction of its own; ErrExists (of
// what) when a key of the row is taken, by a concurrent insert too.
func (s *Store) insert(ctx context.Context, what, q string, args ...any) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, q, args...)
		if isUnique(err) {
			return fmt.Errorf("%s: %w", what, store.ErrExists)
		}
		return err
	})
}

// update runs q, which changes one row, in a transaction of its own;
// ErrNotFound (of a what of that key) when it changes none.
func (s *Store) update(ctx context.Context, what, key, q string, args ...any) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, q, args...)
		return mustAffect(tag, err, what, key)
	})
}

// get reads the row that q selects by key ($1) with scan; ErrNotFound (of
// a what of that key) when there is none.
func get[T any](ctx context.Context, s *Store, scan func(sqlrows.Scanner) (T, error), what, key, q string) (_ T, err error) {
	defer fault(&err)
	var zero T
	db, err := s.read()
	if err != nil {
		return zero, err
	}
	v, err := scan(db.QueryRow(ctx, q, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return zero, fmt.Errorf("%s %q: %w", what, key, store.ErrNotFound)
	}
	if err != nil {
		return zero, err
	}
	return v, nil
}

// fault classifies the error of a read (see classify), as tx does for
// writes.
func fault(err *error) {
	*err = classify(*err)
}

// collect scans every row with scan and closes rows.
func collect[T any](rows pgx.Rows, scan func(sqlrows.Scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	return sqlrows.Collect(rows, scan)
}

// listQuery is one keyset-paginated list.
type listQuery[T any] struct {
	kind      string                      // page token kind
	sel       string                      // SELECT ... FROM ... WHERE <filter>, with $1... for args
	args      []any                       // arguments of sel
	after     string                      // condition for the rows after a page's last key, with $%d for its arguments
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
	db, err := s.read()
	if err != nil {
		return nil, "", err
	}
	n := sqlrows.Limit(page)
	q, args := lq.sel, append([]any(nil), lq.args...)
	if ok {
		aa := lq.afterArgs(k)
		pos := make([]any, len(aa))
		for i := range aa {
			pos[i] = len(args) + 1 + i
		}
		q += ` AND ` + fmt.Sprintf(lq.after, pos...)
		args = append(args, aa...)
	}
	q += fmt.Sprintf(` ORDER BY %s LIMIT $%d`, lq.order, len(args)+1)
	args = append(args, n+1)
	rows, err := db.Query(ctx, q, args...)
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
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockStateMachine(ctx, tx, arn, "state machine %s: %w"); err != nil {
			return err
		}
		var err error
		if body == nil {
			_, err = tx.Exec(ctx, `DELETE FROM notification_settings WHERE state_machine_arn = $1`, arn)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO notification_settings (state_machine_arn, body) VALUES ($1, $2)
				ON CONFLICT (state_machine_arn) DO UPDATE SET body = excluded.body`, arn, body)
		}
		return err
	})
}

// NotificationSettings returns the notification settings of a state
// machine; nil when it has none.
func (s *Store) NotificationSettings(ctx context.Context, arn string) (_ []byte, err error) {
	defer fault(&err)
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	var body []byte
	err = q.QueryRow(ctx, `SELECT body FROM notification_settings WHERE state_machine_arn = $1`, arn).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return sqlrows.NonNil(body), nil
}
