package postgres

// The audit log (store.AuditLog).

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// AppendAudit inserts entries in one transaction and writes their Seq back.
// Seq comes from the table's sequence: increasing in append order within a
// batch, and unique across nodes.
func (s *Store) AppendAudit(ctx context.Context, entries []*store.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	seqs := make([]int64, len(entries))
	err := s.tx(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for i, a := range entries {
			b.Queue(`INSERT INTO audit (at, principal, kind, remote_addr, method, path, operation, namespace, resource, status)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq`,
				sqlrows.Nanos(a.Time), a.Principal, a.Kind, a.RemoteAddr, a.Method, a.Path, a.Operation, a.Namespace, a.Resource, a.Status).
				QueryRow(func(r pgx.Row) error { return r.Scan(&seqs[i]) })
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return err
	}
	// Written back only once committed, as SQLite does on success.
	for i, a := range entries {
		a.Seq = seqs[i]
	}
	return nil
}

// ListAudit returns the entries f selects, highest Seq first.
func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter, page store.Page) (_ []*store.AuditEntry, _ string, err error) {
	defer fault(&err)
	q := `SELECT ` + sqlrows.AuditColumns + ` FROM audit WHERE TRUE`
	var args []any
	cond := func(c string, v any) {
		args = append(args, v)
		q += fmt.Sprintf(` AND `+c, len(args))
	}
	if f.Namespace != "" {
		cond(`namespace = $%d`, f.Namespace)
	}
	if f.Principal != "" {
		cond(`principal = $%d`, f.Principal)
	}
	if !f.Since.IsZero() {
		cond(`at >= $%d`, sqlrows.Nanos(f.Since))
	}
	if !f.Until.IsZero() {
		cond(`at < $%d`, sqlrows.Nanos(f.Until))
	}
	return list(ctx, s, page, listQuery[*store.AuditEntry]{
		kind: sqlrows.KindAudit, sel: q, args: args,
		after: `seq < $%d`, afterArgs: func(k sqlrows.PageKey) []any { return []any{k.N} },
		order: `seq DESC`, scan: sqlrows.ScanAudit,
		key: func(a *store.AuditEntry) sqlrows.PageKey { return sqlrows.PageKey{N: a.Seq} },
	})
}

// TrimAudit deletes up to limit of the oldest entries older than before.
// Two nodes trimming at once may pick the same entries: the second's
// DELETE waits for the first and counts only what it deleted itself.
func (s *Store) TrimAudit(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM audit WHERE seq IN (SELECT seq FROM audit WHERE at < $1 ORDER BY at LIMIT $2)`, sqlrows.Nanos(before), max(limit, 1))
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}
