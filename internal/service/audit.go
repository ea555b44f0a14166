package service

// The audit log's reads, and retention's settings (docs/security.md,
// Audit log and Retention).

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/audit"
	"github.com/batonhq/baton/internal/store"
)

// ListAudit returns a page of the audit log, newest first. f.Namespace ""
// lists every namespace's entries (and those of no namespace).
func (s *Service) ListAudit(ctx context.Context, f store.AuditFilter, limit int, token string) ([]audit.Entry, string, error) {
	p, err := page(limit, token)
	if err != nil {
		return nil, "", err
	}
	es, next, err := s.store.ListAudit(ctx, f, p)
	if err != nil {
		return nil, "", storeErr(err, nil)
	}
	out := make([]audit.Entry, 0, len(es))
	for _, e := range es {
		out = append(out, audit.FromStore(e))
	}
	return out, next, nil
}

// SetNamespaceRetention sets how long a namespace keeps its closed
// executions (ParseRetention's forms). The default namespace follows the
// server's --execution-retention.
func (s *Service) SetNamespaceRetention(ctx context.Context, name, retention string) (*Namespace, error) {
	if name == DefaultNamespace {
		return nil, apierr.New(apierr.ValidationException, "the default namespace keeps closed executions as the server's --execution-retention says; set that flag instead")
	}
	d, err := ParseRetention(retention)
	if err == nil {
		err = CheckExecutionRetention(d)
	}
	if err != nil {
		return nil, apierr.New(apierr.ValidationException, "executionRetention: %v", err)
	}
	err = s.store.SetNamespaceRetention(ctx, name, d)
	if err != nil {
		return nil, storeErr(err, func() error {
			return apierr.New(apierr.ResourceNotFound, "namespace %q does not exist (the namespaces: baton namespaces list)", name)
		})
	}
	n, err := s.store.GetNamespace(ctx, name)
	if err != nil {
		return nil, storeErr(err, nil)
	}
	return namespaceOf(n), nil
}

func namespaceOf(n *store.Namespace) *Namespace {
	return &Namespace{Name: n.Name, AccountID: n.AccountID, CreationDate: NewTime(n.Created), ExecutionRetention: FormatRetention(n.ExecutionRetention)}
}

// ParseRetention parses a retention: a number of days ("90d"), a duration
// of at least a minute ("36h"), "0" or "forever" (keep forever, returned
// as -1), or "" or "default" (the server's default, returned as 0).
func ParseRetention(v string) (time.Duration, error) {
	switch v = strings.TrimSpace(v); v {
	case "", "default":
		return 0, nil
	case "0", "forever":
		return -1, nil
	}
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 1 || days > 36500 {
			return 0, fmt.Errorf("want a number of days from 1 to 36500 (90d), a duration (36h), or 0 to keep forever, not %q", v)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Minute {
		return 0, errors.New("want a number of days (90d), a duration of at least 1m (36h), or 0 to keep forever, not " + strconv.Quote(v))
	}
	return d, nil
}

// ParseTimeOrAgo reads a bound of a query of the audit log: a time (RFC
// 3339) or how long before now ("90m", "24h", "7d"); "" is the zero time.
func ParseTimeOrAgo(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	d, err := ParseRetention(v)
	if err != nil || d <= 0 {
		return time.Time{}, fmt.Errorf("%q: want a time (2026-12-05T08:00:00Z) or how long ago (90m, 24h, 7d)", v)
	}
	return now.Add(-d), nil
}

// CheckExecutionRetention refuses a retention of closed executions under
// an hour: events and notifications about a run may still be on their way
// for minutes after it ends.
func CheckExecutionRetention(d time.Duration) error {
	if d > 0 && d < time.Hour {
		return fmt.Errorf("keep closed executions at least 1h (or 0 to keep them forever), not %s", d)
	}
	return nil
}

// FormatRetention is the inverse of ParseRetention: "" for the server's
// default, "forever", "30d", or a duration.
func FormatRetention(d time.Duration) string {
	switch {
	case d == 0:
		return ""
	case d < 0:
		return "forever"
	case d%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return d.String()
}
