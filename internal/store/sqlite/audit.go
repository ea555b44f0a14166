package sqlite

// The audit log (store.AuditLog).

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// AppendAudit inserts entries in one transaction and writes their Seq back.
func (s *Store) AppendAudit(ctx context.Context, entries []*store.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		st, err := c.PrepareContext(ctx, `INSERT INTO audit (at, principal, kind, remote_addr, method, path, operation, namespace, resource, status)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, a := range entries {
			res, err := st.ExecContext(ctx, sqlrows.Nanos(a.Time), a.Principal, a.Kind, a.RemoteAddr, a.Method, a.Path, a.Operation, a.Namespace, a.Resource, a.Status)
			if err != nil {
				return err
			}
			if a.Seq, err = res.LastInsertId(); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListAudit returns the entries f selects, highest Seq first.
func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter, page store.Page) (_ []*store.AuditEntry, _ string, err error) {
	defer s.fault(&err)
	k, ok, err := sqlrows.DecodeToken(sqlrows.KindAudit, page.Token)
	if err != nil {
		return nil, "", err
	}
	n := sqlrows.Limit(page)
	var where []string
	var args []any
	if f.Namespace != "" {
		where = append(where, `namespace = ?`)
		args = append(args, f.Namespace)
	}
	if f.Principal != "" {
		where = append(where, `principal = ?`)
		args = append(args, f.Principal)
	}
	if !f.Since.IsZero() {
		where = append(where, `at >= ?`)
		args = append(args, sqlrows.Nanos(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, `at < ?`)
		args = append(args, sqlrows.Nanos(f.Until))
	}
	if ok {
		where = append(where, `seq < ?`)
		args = append(args, k.N)
	}
	q := `SELECT ` + sqlrows.AuditColumns + ` FROM audit`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY seq DESC LIMIT ?`
	args = append(args, n+1)
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	out, err := collect(rows, sqlrows.ScanAudit)
	if err != nil {
		return nil, "", err
	}
	out, next := sqlrows.NextPage(out, n, sqlrows.KindAudit, func(a *store.AuditEntry) sqlrows.PageKey { return sqlrows.PageKey{N: a.Seq} })
	return out, next, nil
}

// TrimAudit deletes up to limit of the oldest entries older than before.
func (s *Store) TrimAudit(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int64
	err := s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		res, err := c.ExecContext(ctx, `DELETE FROM audit WHERE seq IN (SELECT seq FROM audit WHERE at < ? ORDER BY at LIMIT ?)`, sqlrows.Nanos(before), max(limit, 1))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
