package sqlite

// Event buses and rules with their targets (store.EventRules).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// bumpRules marks a change of rules for RulesGeneration's readers.
func bumpRules(ctx context.Context, c *sql.Conn) error {
	_, err := c.ExecContext(ctx, `UPDATE event_rules_generation SET n = n + 1 WHERE one = 1`)
	return err
}

// CreateEventBus inserts b; ErrExists when the account has a bus of that name.
func (s *Store) CreateEventBus(ctx context.Context, b *store.EventBus) error {
	if b.Name == store.DefaultBus {
		return fmt.Errorf("event bus %q: %w", b.Name, store.ErrExists)
	}
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		_, err := c.ExecContext(ctx, `INSERT INTO event_buses (account, name, description, created, modified) VALUES (?, ?, ?, ?, ?)`,
			b.Account, b.Name, b.Description, sqlrows.Nanos(b.Created), sqlrows.Nanos(b.Modified))
		if isUnique(err) {
			return fmt.Errorf("event bus %q of %s: %w", b.Name, b.Account, store.ErrExists)
		}
		return err
	})
}

// GetEventBus returns a stored bus.
func (s *Store) GetEventBus(ctx context.Context, account, name string) (_ *store.EventBus, err error) {
	defer s.fault(&err)
	b, err := sqlrows.ScanBus(s.queryRow(ctx, `SELECT `+sqlrows.BusColumns+` FROM event_buses WHERE account = ? AND name = ?`, account, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("event bus %q of %s: %w", name, account, store.ErrNotFound)
	}
	return b, err
}

// ListEventBuses returns an account's buses named with prefix, by name.
func (s *Store) ListEventBuses(ctx context.Context, account, prefix string, page store.Page) (_ []*store.EventBus, _ string, err error) {
	defer s.fault(&err)
	return list(ctx, s, page, listQuery[*store.EventBus]{
		kind:  sqlrows.KindEventBuses,
		sel:   `SELECT ` + sqlrows.BusColumns + ` FROM event_buses WHERE account = ? AND substr(name, 1, length(?)) = ?`,
		args:  []any{account, prefix, prefix},
		after: `name > ?`, afterArgs: func(k sqlrows.PageKey) []any { return []any{k.T} },
		order: `name`, scan: sqlrows.ScanBus,
		key: func(b *store.EventBus) sqlrows.PageKey { return sqlrows.PageKey{T: b.Name} },
	})
}

// DeleteEventBus removes a bus, its rules and their targets.
func (s *Store) DeleteEventBus(ctx context.Context, account, name string) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		res, err := c.ExecContext(ctx, `DELETE FROM event_buses WHERE account = ? AND name = ?`, account, name)
		if err := mustAffect(res, err, "event bus", name); err != nil {
			return err
		}
		if _, err := c.ExecContext(ctx, `DELETE FROM event_targets WHERE account = ? AND bus = ?`, account, name); err != nil {
			return err
		}
		if _, err := c.ExecContext(ctx, `DELETE FROM event_rules WHERE account = ? AND bus = ?`, account, name); err != nil {
			return err
		}
		return bumpRules(ctx, c)
	})
}

// busExists tells whether rules may live on a bus.
func busExists(ctx context.Context, c *sql.Conn, account, bus string) (bool, error) {
	if bus == store.DefaultBus {
		return true, nil
	}
	var one int
	err := c.QueryRowContext(ctx, `SELECT 1 FROM event_buses WHERE account = ? AND name = ?`, account, bus).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// PutRule creates or replaces a rule, keeping its targets and Created.
func (s *Store) PutRule(ctx context.Context, r *store.Rule, maxRules int) (created bool, err error) {
	err = s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		created = false
		ok, err := busExists(ctx, c, r.Account, r.Bus)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("event bus %q of %s: %w", r.Bus, r.Account, store.ErrNotFound)
		}
		var was int64
		err = c.QueryRowContext(ctx, `SELECT created FROM event_rules WHERE account = ? AND bus = ? AND name = ?`,
			r.Account, r.Bus, r.Name).Scan(&was)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			created = true
			if maxRules > 0 {
				var n int
				if err := c.QueryRowContext(ctx, `SELECT count(*) FROM event_rules WHERE account = ? AND bus = ?`, r.Account, r.Bus).Scan(&n); err != nil {
					return err
				}
				if n >= maxRules {
					return fmt.Errorf("event bus %q has %d rules, the most allowed: %w", r.Bus, n, store.ErrLimit)
				}
			}
			_, err = c.ExecContext(ctx, `INSERT INTO event_rules (account, bus, name, event_pattern, schedule, state, description, role_arn, created, modified)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.Account, r.Bus, r.Name, r.EventPattern, r.ScheduleExpression, r.State,
				r.Description, r.RoleArn, sqlrows.Nanos(r.Created), sqlrows.Nanos(r.Modified))
		case err == nil:
			_, err = c.ExecContext(ctx, `UPDATE event_rules SET event_pattern = ?, schedule = ?, state = ?, description = ?, role_arn = ?, modified = ?
				WHERE account = ? AND bus = ? AND name = ?`, r.EventPattern, r.ScheduleExpression, r.State, r.Description, r.RoleArn,
				sqlrows.Nanos(r.Modified), r.Account, r.Bus, r.Name)
		}
		if err != nil {
			return err
		}
		return bumpRules(ctx, c)
	})
	return created, err
}

// GetRule returns a rule with its targets.
func (s *Store) GetRule(ctx context.Context, account, bus, name string) (_ *store.Rule, err error) {
	defer s.fault(&err)
	r, err := sqlrows.ScanRule(s.queryRow(ctx, `SELECT `+sqlrows.RuleColumns+` FROM event_rules WHERE account = ? AND bus = ? AND name = ?`, account, bus, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("rule %q on bus %q of %s: %w", name, bus, account, store.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return r, s.fillTargets(ctx, account, bus, []*store.Rule{r})
}

// ListRules returns a bus's rules named with prefix, by name, with targets.
func (s *Store) ListRules(ctx context.Context, account, bus, prefix string, page store.Page) (_ []*store.Rule, _ string, err error) {
	defer s.fault(&err)
	rules, next, err := list(ctx, s, page, listQuery[*store.Rule]{
		kind:  sqlrows.KindRules,
		sel:   `SELECT ` + sqlrows.RuleColumns + ` FROM event_rules WHERE account = ? AND bus = ? AND substr(name, 1, length(?)) = ?`,
		args:  []any{account, bus, prefix, prefix},
		after: `name > ?`, afterArgs: func(k sqlrows.PageKey) []any { return []any{k.T} },
		order: `name`, scan: sqlrows.ScanRule,
		key: func(r *store.Rule) sqlrows.PageKey { return sqlrows.PageKey{T: r.Name} },
	})
	if err != nil {
		return nil, "", err
	}
	return rules, next, s.fillTargets(ctx, account, bus, rules)
}

// fillTargets reads the targets of rules of one bus.
func (s *Store) fillTargets(ctx context.Context, account, bus string, rules []*store.Rule) error {
	if len(rules) == 0 {
		return nil
	}
	lo, hi := rules[0].Name, rules[len(rules)-1].Name
	rows, err := s.query(ctx, `SELECT rule, id, arn, spec FROM event_targets WHERE account = ? AND bus = ? AND rule BETWEEN ? AND ? ORDER BY seq`,
		account, bus, lo, hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	return sqlrows.ScanTargets(rows, rules)
}

// SetRuleState sets a rule's state.
func (s *Store) SetRuleState(ctx context.Context, account, bus, name, state string, modified time.Time) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		res, err := c.ExecContext(ctx, `UPDATE event_rules SET state = ?, modified = ? WHERE account = ? AND bus = ? AND name = ?`,
			state, sqlrows.Nanos(modified), account, bus, name)
		if err := mustAffect(res, err, "rule", name); err != nil {
			return err
		}
		return bumpRules(ctx, c)
	})
}

// DeleteRule removes a rule, refusing one with targets unless force.
func (s *Store) DeleteRule(ctx context.Context, account, bus, name string, force bool) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		if !force {
			var n int
			if err := c.QueryRowContext(ctx, `SELECT count(*) FROM event_targets WHERE account = ? AND bus = ? AND rule = ?`,
				account, bus, name).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("rule %q has %d targets: %w", name, n, store.ErrConflict)
			}
		}
		res, err := c.ExecContext(ctx, `DELETE FROM event_rules WHERE account = ? AND bus = ? AND name = ?`, account, bus, name)
		if err := mustAffect(res, err, "rule", name); err != nil {
			return err
		}
		if _, err := c.ExecContext(ctx, `DELETE FROM event_targets WHERE account = ? AND bus = ? AND rule = ?`, account, bus, name); err != nil {
			return err
		}
		return bumpRules(ctx, c)
	})
}

// ruleExists fails with ErrNotFound when the rule is missing.
func ruleExists(ctx context.Context, c *sql.Conn, account, bus, name string) error {
	var one int
	err := c.QueryRowContext(ctx, `SELECT 1 FROM event_rules WHERE account = ? AND bus = ? AND name = ?`, account, bus, name).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("rule %q on bus %q of %s: %w", name, bus, account, store.ErrNotFound)
	}
	return err
}

// PutTargets adds or replaces targets of a rule.
func (s *Store) PutTargets(ctx context.Context, account, bus, rule string, targets []*store.RuleTarget, maxTargets int) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		if err := ruleExists(ctx, c, account, bus, rule); err != nil {
			return err
		}
		for _, t := range targets {
			if _, err := c.ExecContext(ctx, `INSERT INTO event_targets (account, bus, rule, id, arn, spec) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (account, bus, rule, id) DO UPDATE SET arn = excluded.arn, spec = excluded.spec`,
				account, bus, rule, t.ID, t.Arn, t.Spec); err != nil {
				return err
			}
		}
		if maxTargets > 0 {
			var n int
			if err := c.QueryRowContext(ctx, `SELECT count(*) FROM event_targets WHERE account = ? AND bus = ? AND rule = ?`,
				account, bus, rule).Scan(&n); err != nil {
				return err
			}
			if n > maxTargets {
				return fmt.Errorf("rule %q would have %d targets, more than %d: %w", rule, n, maxTargets, store.ErrLimit)
			}
		}
		return bumpRules(ctx, c)
	})
}

// RemoveTargets removes targets of a rule by ID.
func (s *Store) RemoveTargets(ctx context.Context, account, bus, rule string, ids []string) (removed []string, err error) {
	err = s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		removed = nil
		if err := ruleExists(ctx, c, account, bus, rule); err != nil {
			return err
		}
		for _, id := range ids {
			res, err := c.ExecContext(ctx, `DELETE FROM event_targets WHERE account = ? AND bus = ? AND rule = ? AND id = ?`, account, bus, rule, id)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n > 0 {
				removed = append(removed, id)
			}
		}
		return bumpRules(ctx, c)
	})
	return removed, err
}

// RulesGeneration returns the number bumped by every change of rules.
func (s *Store) RulesGeneration(ctx context.Context) (n int64, err error) {
	defer s.fault(&err)
	err = s.queryRow(ctx, `SELECT n FROM event_rules_generation WHERE one = 1`).Scan(&n)
	return n, err
}
