package postgres

// Event buses and rules with their targets (store.EventRules).
//
// SQLite runs one writer at a time; here several transactions, of several
// nodes, change rules at once. What the interface promises holds because
// the writers of one bus, and of one rule, take turns on a lock:
//
//   - PutRule locks the bus (its row FOR UPDATE; DefaultBus, which has no
//     row, an advisory lock of the account's default bus) before it counts
//     the rules against maxRules, so two nodes cannot both add the last
//     rule allowed; DeleteEventBus, which deletes the row, waits for it
//     and then deletes the rule too, or PutRule finds the bus gone;
//   - PutTargets, RemoveTargets and DeleteRule lock the rule's row FOR
//     UPDATE first, so that maxTargets holds, a rule deleted meanwhile is
//     ErrNotFound, and a DeleteRule without force never drops targets
//     added after it counted them;
//   - every change bumps the one row of event_rules_generation with an
//     UPDATE (n = n + 1, a row lock held until the commit): two changes
//     never bump it to the same number, and it is the last lock taken, so
//     that it adds no deadlock.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// lockDefaultBus is the first key of the advisory locks that stand for the
// rows DefaultBus does not have (the second is a hash of the account).
const lockDefaultBus int32 = 0x62757300 // "bus\0"

// bumpRules marks a change of rules for RulesGeneration's readers.
func bumpRules(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `UPDATE event_rules_generation SET n = n + 1 WHERE one = 1`)
	return err
}

// CreateEventBus inserts b; ErrExists when the account has a bus of that name.
func (s *Store) CreateEventBus(ctx context.Context, b *store.EventBus) error {
	if b.Name == store.DefaultBus {
		return fmt.Errorf("event bus %q: %w", b.Name, store.ErrExists)
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO event_buses (account, name, description, created, modified) VALUES ($1, $2, $3, $4, $5)`,
			b.Account, b.Name, b.Description, sqlrows.Nanos(b.Created), sqlrows.Nanos(b.Modified))
		if isUnique(err) {
			return fmt.Errorf("event bus %q of %s: %w", b.Name, b.Account, store.ErrExists)
		}
		return err
	})
}

// GetEventBus returns a stored bus.
func (s *Store) GetEventBus(ctx context.Context, account, name string) (_ *store.EventBus, err error) {
	defer fault(&err)
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	b, err := sqlrows.ScanBus(q.QueryRow(ctx, `SELECT `+sqlrows.BusColumns+` FROM event_buses WHERE account = $1 AND name = $2`, account, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("event bus %q of %s: %w", name, account, store.ErrNotFound)
	}
	return b, err
}

// ListEventBuses returns an account's buses named with prefix, by name.
func (s *Store) ListEventBuses(ctx context.Context, account, prefix string, page store.Page) (_ []*store.EventBus, _ string, err error) {
	defer fault(&err)
	return list(ctx, s, page, listQuery[*store.EventBus]{
		kind: sqlrows.KindEventBuses, sel: `SELECT ` + sqlrows.BusColumns + ` FROM event_buses WHERE account = $1 AND starts_with(name, $2)`,
		args: []any{account, prefix}, after: `name > $%d`, afterArgs: func(k sqlrows.PageKey) []any { return []any{k.T} },
		order: `name`, scan: sqlrows.ScanBus,
		key: func(b *store.EventBus) sqlrows.PageKey { return sqlrows.PageKey{T: b.Name} },
	})
}

// DeleteEventBus removes a bus, its rules and their targets.
func (s *Store) DeleteEventBus(ctx context.Context, account, name string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		// The bus's row first: a PutRule holding it is waited for, and
		// one coming later finds no bus.
		tag, err := tx.Exec(ctx, `DELETE FROM event_buses WHERE account = $1 AND name = $2`, account, name)
		if err := mustAffect(tag, err, "event bus", name); err != nil {
			return err
		}
		// The rules before their targets: deleting the rules waits for a
		// PutTargets holding one, and the next statement sees its targets.
		if _, err := tx.Exec(ctx, `DELETE FROM event_rules WHERE account = $1 AND bus = $2`, account, name); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM event_targets WHERE account = $1 AND bus = $2`, account, name); err != nil {
			return err
		}
		return bumpRules(ctx, tx)
	})
}

// lockBus locks a bus for adding a rule to it, until the transaction ends,
// and tells whether it exists: rules live on DefaultBus and stored buses.
func lockBus(ctx context.Context, tx pgx.Tx, account, bus string) (bool, error) {
	if bus == store.DefaultBus {
		// No row to lock: an advisory lock of the account's default bus
		// (a collision of hashes only makes two accounts take turns).
		_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, lockDefaultBus, account)
		return err == nil, err
	}
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM event_buses WHERE account = $1 AND name = $2 FOR UPDATE`, account, bus).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// PutRule creates or replaces a rule, keeping its targets and Created.
func (s *Store) PutRule(ctx context.Context, r *store.Rule, maxRules int) (created bool, err error) {
	err = s.tx(ctx, func(tx pgx.Tx) error {
		created = false
		// Locked before the count: two nodes adding a rule to one bus
		// take turns, the second counts the first's rule (each statement
		// of a READ COMMITTED transaction sees what committed before it).
		ok, err := lockBus(ctx, tx, r.Account, r.Bus)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("event bus %q of %s: %w", r.Bus, r.Account, store.ErrNotFound)
		}
		var was int64
		err = tx.QueryRow(ctx, `SELECT created FROM event_rules WHERE account = $1 AND bus = $2 AND name = $3`,
			r.Account, r.Bus, r.Name).Scan(&was)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			created = true
			if maxRules > 0 {
				var n int
				if err := tx.QueryRow(ctx, `SELECT count(*) FROM event_rules WHERE account = $1 AND bus = $2`, r.Account, r.Bus).Scan(&n); err != nil {
					return err
				}
				if n >= maxRules {
					return fmt.Errorf("event bus %q has %d rules, the most allowed: %w", r.Bus, n, store.ErrLimit)
				}
			}
			_, err = tx.Exec(ctx, `INSERT INTO event_rules (account, bus, name, event_pattern, schedule, state, description, role_arn, created, modified)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, r.Account, r.Bus, r.Name, r.EventPattern, r.ScheduleExpression, r.State,
				r.Description, r.RoleArn, sqlrows.Nanos(r.Created), sqlrows.Nanos(r.Modified))
		case err == nil:
			_, err = tx.Exec(ctx, `UPDATE event_rules SET event_pattern = $1, schedule = $2, state = $3, description = $4, role_arn = $5, modified = $6
				WHERE account = $7 AND bus = $8 AND name = $9`, r.EventPattern, r.ScheduleExpression, r.State, r.Description, r.RoleArn,
				sqlrows.Nanos(r.Modified), r.Account, r.Bus, r.Name)
		}
		if err != nil {
			return err
		}
		return bumpRules(ctx, tx)
	})
	return created, err
}

// GetRule returns a rule with its targets.
func (s *Store) GetRule(ctx context.Context, account, bus, name string) (_ *store.Rule, err error) {
	defer fault(&err)
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	r, err := sqlrows.ScanRule(q.QueryRow(ctx, `SELECT `+sqlrows.RuleColumns+` FROM event_rules WHERE account = $1 AND bus = $2 AND name = $3`, account, bus, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("rule %q on bus %q of %s: %w", name, bus, account, store.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return r, fillTargets(ctx, q, account, bus, []*store.Rule{r})
}

// ListRules returns a bus's rules named with prefix, by name, with targets.
func (s *Store) ListRules(ctx context.Context, account, bus, prefix string, page store.Page) (_ []*store.Rule, _ string, err error) {
	defer fault(&err)
	rules, next, err := list(ctx, s, page, listQuery[*store.Rule]{
		kind: sqlrows.KindRules, sel: `SELECT ` + sqlrows.RuleColumns + ` FROM event_rules WHERE account = $1 AND bus = $2 AND starts_with(name, $3)`,
		args: []any{account, bus, prefix}, after: `name > $%d`, afterArgs: func(k sqlrows.PageKey) []any { return []any{k.T} },
		order: `name`, scan: sqlrows.ScanRule,
		key: func(r *store.Rule) sqlrows.PageKey { return sqlrows.PageKey{T: r.Name} },
	})
	if err != nil {
		return nil, "", err
	}
	q, err := s.read()
	if err != nil {
		return nil, "", err
	}
	return rules, next, fillTargets(ctx, q, account, bus, rules)
}

// fillTargets reads the targets of rules of one bus, in the order they
// were first put. A rule and its targets are read by two statements: a
// change between them shows the targets of the rule as changed, as it
// would have been read an instant later.
func fillTargets(ctx context.Context, q querier, account, bus string, rules []*store.Rule) error {
	if len(rules) == 0 {
		return nil
	}
	names := make([]string, 0, len(rules))
	for _, r := range rules {
		names = append(names, r.Name)
	}
	rows, err := q.Query(ctx, `SELECT rule, id, arn, spec FROM event_targets WHERE account = $1 AND bus = $2 AND rule = ANY($3) ORDER BY seq`,
		account, bus, names)
	if err != nil {
		return err
	}
	defer rows.Close()
	return sqlrows.ScanTargets(rows, rules)
}

// SetRuleState sets a rule's state.
func (s *Store) SetRuleState(ctx context.Context, account, bus, name, state string, modified time.Time) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE event_rules SET state = $1, modified = $2 WHERE account = $3 AND bus = $4 AND name = $5`,
			state, sqlrows.Nanos(modified), account, bus, name)
		if err := mustAffect(tag, err, "rule", name); err != nil {
			return err
		}
		return bumpRules(ctx, tx)
	})
}

// lockRule locks a rule's row until the transaction ends: false when there
// is none.
func lockRule(ctx context.Context, tx pgx.Tx, account, bus, name string) (bool, error) {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM event_rules WHERE account = $1 AND bus = $2 AND name = $3 FOR UPDATE`,
		account, bus, name).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// DeleteRule removes a rule, refusing one with targets unless force.
func (s *Store) DeleteRule(ctx context.Context, account, bus, name string, force bool) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		// Locked before the targets are counted: a PutTargets of another
		// node cannot add one between the count and the delete.
		ok, err := lockRule(ctx, tx, account, bus, name)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("rule %q: %w", name, store.ErrNotFound) // the words of SQLite's mustAffect
		}
		if !force {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM event_targets WHERE account = $1 AND bus = $2 AND rule = $3`,
				account, bus, name).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("rule %q has %d targets: %w", name, n, store.ErrConflict)
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM event_rules WHERE account = $1 AND bus = $2 AND name = $3`, account, bus, name); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM event_targets WHERE account = $1 AND bus = $2 AND rule = $3`, account, bus, name); err != nil {
			return err
		}
		return bumpRules(ctx, tx)
	})
}

// lockRuleOrNotFound locks a rule's row, failing with ErrNotFound when the
// rule is missing.
func lockRuleOrNotFound(ctx context.Context, tx pgx.Tx, account, bus, name string) error {
	ok, err := lockRule(ctx, tx, account, bus, name)
	if err == nil && !ok {
		err = fmt.Errorf("rule %q on bus %q of %s: %w", name, bus, account, store.ErrNotFound)
	}
	return err
}

// PutTargets adds or replaces targets of a rule.
func (s *Store) PutTargets(ctx context.Context, account, bus, rule string, targets []*store.RuleTarget, maxTargets int) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		// The rule's row is locked until the commit: two nodes adding
		// targets to one rule take turns, so maxTargets holds.
		if err := lockRuleOrNotFound(ctx, tx, account, bus, rule); err != nil {
			return err
		}
		// One statement a target, in order (a batch: one round trip), so
		// that a later target of the same ID replaces an earlier one.
		b := &pgx.Batch{}
		for _, t := range targets {
			b.Queue(`INSERT INTO event_targets (account, bus, rule, id, arn, spec) VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (account, bus, rule, id) DO UPDATE SET arn = excluded.arn, spec = excluded.spec`,
				account, bus, rule, t.ID, t.Arn, sqlrows.NonNil(t.Spec))
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		if maxTargets > 0 {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM event_targets WHERE account = $1 AND bus = $2 AND rule = $3`,
				account, bus, rule).Scan(&n); err != nil {
				return err
			}
			if n > maxTargets {
				return fmt.Errorf("rule %q would have %d targets, more than %d: %w", rule, n, maxTargets, store.ErrLimit)
			}
		}
		return bumpRules(ctx, tx)
	})
}

// RemoveTargets removes targets of a rule by ID.
func (s *Store) RemoveTargets(ctx context.Context, account, bus, rule string, ids []string) (removed []string, err error) {
	err = s.tx(ctx, func(tx pgx.Tx) error {
		removed = nil
		if err := lockRuleOrNotFound(ctx, tx, account, bus, rule); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `DELETE FROM event_targets WHERE account = $1 AND bus = $2 AND rule = $3 AND id = ANY($4) RETURNING id`,
			account, bus, rule, ids)
		if err != nil {
			return err
		}
		gone, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		// In the order of ids, as SQLite's one DELETE an ID returns them.
		left := make(map[string]bool, len(gone))
		for _, id := range gone {
			left[id] = true
		}
		for _, id := range ids {
			if left[id] {
				removed = append(removed, id)
				delete(left, id)
			}
		}
		return bumpRules(ctx, tx)
	})
	return removed, err
}

// RulesGeneration returns the number bumped by every change of rules.
func (s *Store) RulesGeneration(ctx context.Context) (n int64, err error) {
	defer fault(&err)
	q, err := s.read()
	if err != nil {
		return 0, err
	}
	err = q.QueryRow(ctx, `SELECT n FROM event_rules_generation WHERE one = 1`).Scan(&n)
	return n, err
}
