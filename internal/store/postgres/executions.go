package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// GetExecution returns an execution with its snapshot.
func (s *Store) GetExecution(ctx context.Context, arn string) (*store.Execution, error) {
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	row := q.QueryRow(ctx, `SELECT `+sqlrows.ExecutionColumns+`, e.snapshot
		FROM executions e JOIN execution_inputs i ON i.execution_id = e.id WHERE e.arn = $1`, arn)
	var snap []byte
	x, err := sqlrows.ScanExecution(row, &snap)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("execution %q: %w", arn, store.ErrNotFound)
	}
	if err != nil {
		return nil, classify(err)
	}
	if len(snap) > 0 {
		x.Snapshot = snap
	}
	return x, nil
}

// ListExecutions returns executions without their snapshots, newest start
// first, ties broken by ARN descending.
func (s *Store) ListExecutions(ctx context.Context, f store.ExecutionFilter, page store.Page) ([]*store.Execution, string, error) {
	db, err := s.read()
	if err != nil {
		return nil, "", err
	}
	k, ok, err := sqlrows.DecodeToken(sqlrows.KindExecutions, page.Token)
	if err != nil {
		return nil, "", err
	}
	n := sqlrows.Limit(page)
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.StateMachineArn != "" {
		// Execution.StateMachineArn is always unqualified, so this also
		// matches executions of the machine's versions and aliases.
		where = append(where, `e.state_machine_arn = `+arg(f.StateMachineArn))
	}
	if f.VersionArn != "" {
		where = append(where, `e.version_arn = `+arg(f.VersionArn))
	}
	if f.AliasArn != "" {
		where = append(where, `e.alias_arn = `+arg(f.AliasArn))
	}
	if f.Status != "" {
		where = append(where, `e.status = `+arg(f.Status))
	}
	if f.Redriven != nil {
		if *f.Redriven {
			where = append(where, `e.redrive_count > 0`)
		} else {
			where = append(where, `e.redrive_count = 0`)
		}
	}
	if ok {
		where = append(where, `(e.start_date, e.arn) < (`+arg(k.N)+`, `+arg(k.S)+`)`)
	}
	q := `SELECT ` + sqlrows.ExecutionColumns + ` FROM executions e JOIN execution_inputs i ON i.execution_id = e.id`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY e.start_date DESC, e.arn DESC LIMIT ` + arg(n+1)
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, "", classify(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*store.Execution, error) { return sqlrows.ScanExecution(r) })
	if err != nil {
		return nil, "", classify(err)
	}
	out, next := sqlrows.NextPage(out, n, sqlrows.KindExecutions, func(x *store.Execution) sqlrows.PageKey {
		return sqlrows.PageKey{N: sqlrows.Nanos(x.StartDate), S: x.Arn}
	})
	return out, next, nil
}
