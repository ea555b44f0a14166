package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

const execColumns = `e.id, e.arn, e.state_machine_arn, e.version_arn, e.alias_arn, e.name, e.type,
	e.start_date, e.status, e.output, e.error, e.cause, e.stop_date, e.redrive_count,
	e.redrive_date, e.event_count, i.input, i.definition, i.role_arn, i.trace_header,
	i.parent_token, i.language, i.bundle, i.logical_date`

// GetExecution returns an execution with its snapshot.
func (s *Store) GetExecution(ctx context.Context, arn string) (_ *store.Execution, err error) {
	defer s.fault(&err)
	row := s.queryRow(ctx, `SELECT `+execColumns+`, e.snapshot
		FROM executions e JOIN execution_inputs i ON i.execution_id = e.id WHERE e.arn = ?`, arn)
	var snap []byte
	x, err := scanExecution(row, &snap)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("execution %q: %w", arn, store.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if len(snap) > 0 {
		x.Snapshot = snap
	}
	return x, nil
}

// ListExecutions returns executions without their snapshots, newest start
// first, ties broken by ARN descending.
func (s *Store) ListExecutions(ctx context.Context, f store.ExecutionFilter, page store.Page) (_ []*store.Execution, _ string, err error) {
	defer s.fault(&err)
	k, ok, err := sqlrows.DecodeToken(sqlrows.KindExecutions, page.Token)
	if err != nil {
		return nil, "", err
	}
	n := sqlrows.Limit(page)
	var where []string
	var args []any
	if f.StateMachineArn != "" {
		// Execution.StateMachineArn is always unqualified, so this also
		// matches executions of the machine's versions and aliases.
		where = append(where, `e.state_machine_arn = ?`)
		args = append(args, f.StateMachineArn)
	}
	if f.VersionArn != "" {
		where = append(where, `e.version_arn = ?`)
		args = append(args, f.VersionArn)
	}
	if f.AliasArn != "" {
		where = append(where, `e.alias_arn = ?`)
		args = append(args, f.AliasArn)
	}
	if f.Status != "" {
		where = append(where, `e.status = ?`)
		args = append(args, f.Status)
	}
	if f.Redriven != nil {
		if *f.Redriven {
			where = append(where, `e.redrive_count > 0`)
		} else {
			where = append(where, `e.redrive_count = 0`)
		}
	}
	if ok {
		where = append(where, `(e.start_date, e.arn) < (?, ?)`)
		args = append(args, k.N, k.S)
	}
	q := `SELECT ` + execColumns + ` FROM executions e JOIN execution_inputs i ON i.execution_id = e.id`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY e.start_date DESC, e.arn DESC LIMIT ?`
	args = append(args, n+1)
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	out, err := collect(rows, func(r scanner) (*store.Execution, error) { return scanExecution(r) })
	if err != nil {
		return nil, "", err
	}
	if len(out) > n {
		out = out[:n]
		last := out[n-1]
		return out, sqlrows.EncodeToken(sqlrows.PageKey{Kind: sqlrows.KindExecutions, N: sqlrows.Nanos(last.StartDate), S: last.Arn}), nil
	}
	return out, "", nil
}

// scanExecution scans the execColumns, and then into extra.
func scanExecution(r scanner, extra ...any) (*store.Execution, error) {
	var x store.Execution
	var start, stop, redrive, logical int64
	dest := append([]any{&x.ID, &x.Arn, &x.StateMachineArn, &x.VersionArn, &x.AliasArn, &x.Name, &x.Type,
		&start, &x.Status, &x.Output, &x.Error, &x.Cause, &stop, &x.RedriveCount,
		&redrive, &x.EventCount, &x.Input, &x.Definition, &x.RoleArn, &x.TraceHeader,
		&x.ParentToken, &x.Language, &x.Bundle, &logical}, extra...)
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	x.StartDate, x.StopDate, x.RedriveDate = sqlrows.FromNanos(start), sqlrows.FromNanos(stop), sqlrows.FromNanos(redrive)
	x.LogicalDate = sqlrows.FromNanos(logical)
	return &x, nil
}
