package sqlrows

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/batonhq/baton/internal/store"
)

// Scanner is one row: a *sql.Row or *sql.Rows of database/sql, or a
// pgx.Row or pgx.Rows.
type Scanner interface{ Scan(dest ...any) error }

// Rows are the rows of a query, *sql.Rows or pgx.Rows, as far as reading
// them goes: closing them is the caller's.
type Rows interface {
	Scanner
	Next() bool
	Err() error
}

// Collect scans every row with scan.
func Collect[T any](rows Rows, scan func(Scanner) (T, error)) ([]T, error) {
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// StateMachineColumns are the columns of state_machines that
// ScanStateMachine reads, in its order.
const StateMachineColumns = `arn, name, type, definition, role_arn, description,
	logging_configuration, tracing_configuration, revision_id, created_at, updated_at, language, bundle`

// ScanStateMachine decodes a row of StateMachineColumns.
func ScanStateMachine(r Scanner) (*store.StateMachine, error) {
	var sm store.StateMachine
	var created, updated int64
	if err := r.Scan(&sm.Arn, &sm.Name, &sm.Type, &sm.Definition, &sm.RoleArn, &sm.Description,
		&sm.LoggingConfiguration, &sm.TracingConfiguration, &sm.RevisionID, &created, &updated, &sm.Language, &sm.Bundle); err != nil {
		return nil, err
	}
	sm.CreatedAt, sm.UpdatedAt = FromNanos(created), FromNanos(updated)
	return &sm, nil
}

// VersionColumns are the columns of versions that ScanVersion reads.
const VersionColumns = `arn, state_machine_arn, number, definition, role_arn, type,
	description, revision_id, created_at, language, bundle`

// ScanVersion decodes a row of VersionColumns.
func ScanVersion(r Scanner) (*store.Version, error) {
	var v store.Version
	var created int64
	if err := r.Scan(&v.Arn, &v.StateMachineArn, &v.Number, &v.Definition, &v.RoleArn, &v.Type,
		&v.Description, &v.RevisionID, &created, &v.Language, &v.Bundle); err != nil {
		return nil, err
	}
	v.CreatedAt = FromNanos(created)
	return &v, nil
}

// AliasColumns are the columns of aliases that ScanAlias reads.
const AliasColumns = `arn, state_machine_arn, name, description, routing, created_at, updated_at`

// ScanAlias decodes a row of AliasColumns.
func ScanAlias(r Scanner) (*store.Alias, error) {
	var a store.Alias
	var routing string
	var created, updated int64
	if err := r.Scan(&a.Arn, &a.StateMachineArn, &a.Name, &a.Description, &routing, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(routing), &a.Routing); err != nil {
		return nil, fmt.Errorf("alias %q: routing: %w", a.Arn, err)
	}
	if len(a.Routing) == 0 {
		a.Routing = nil
	}
	a.CreatedAt, a.UpdatedAt = FromNanos(created), FromNanos(updated)
	return &a, nil
}

// ScanActivity decodes a row of activities (arn, name, created_at).
func ScanActivity(r Scanner) (*store.Activity, error) {
	var a store.Activity
	var created int64
	if err := r.Scan(&a.Arn, &a.Name, &created); err != nil {
		return nil, err
	}
	a.CreatedAt = FromNanos(created)
	return &a, nil
}

// ExecutionColumns are the columns of executions e joined with
// execution_inputs i that ScanExecution reads.
const ExecutionColumns = `e.id, e.arn, e.state_machine_arn, e.version_arn, e.alias_arn, e.name, e.type,
	e.start_date, e.status, e.output, e.error, e.cause, e.stop_date, e.redrive_count,
	e.redrive_date, e.event_count, i.input, i.definition, i.role_arn, i.trace_header,
	i.parent_token, i.language, i.bundle, i.logical_date`

// ScanExecution decodes a row of ExecutionColumns, and then scans into
// extra.
func ScanExecution(r Scanner, extra ...any) (*store.Execution, error) {
	var x store.Execution
	var start, stop, redrive, logical int64
	dest := append([]any{&x.ID, &x.Arn, &x.StateMachineArn, &x.VersionArn, &x.AliasArn, &x.Name, &x.Type,
		&start, &x.Status, &x.Output, &x.Error, &x.Cause, &stop, &x.RedriveCount,
		&redrive, &x.EventCount, &x.Input, &x.Definition, &x.RoleArn, &x.TraceHeader,
		&x.ParentToken, &x.Language, &x.Bundle, &logical}, extra...)
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	x.StartDate, x.StopDate, x.RedriveDate = FromNanos(start), FromNanos(stop), FromNanos(redrive)
	x.LogicalDate = FromNanos(logical)
	return &x, nil
}

// TaskColumns are the columns of tasks t joined with executions e that
// ScanTask reads.
const TaskColumns = `t.token, e.arn, t.task_id, t.kind, t.resource, t.activity_arn,
	t.state_name, t.input, t.state, t.worker_name, t.attempt, t.timeout_sec,
	t.heartbeat_sec, t.created_at, t.started_at`

// ScanTask decodes a row of TaskColumns.
func ScanTask(r Scanner) (*store.Task, error) {
	var t store.Task
	var created, started int64
	if err := r.Scan(&t.Token, &t.ExecutionArn, &t.TaskID, &t.Kind, &t.Resource, &t.ActivityArn,
		&t.StateName, &t.Input, &t.State, &t.WorkerName, &t.Attempt, &t.TimeoutSec,
		&t.HeartbeatSec, &created, &started); err != nil {
		return nil, err
	}
	t.CreatedAt, t.StartedAt = FromNanos(created), FromNanos(started)
	return &t, nil
}

// CredentialColumns are the columns of credentials that ScanCredential
// reads.
const CredentialColumns = `id, kind, name, secret, roles, created, expires, revoked, last_used`

// ScanCredential decodes a row of CredentialColumns.
func ScanCredential(r Scanner) (*store.Credential, error) {
	var c store.Credential
	var roles string
	var created, expires, revoked, used int64
	if err := r.Scan(&c.ID, &c.Kind, &c.Name, &c.Secret, &roles, &created, &expires, &revoked, &used); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(roles), &c.Roles); err != nil {
		return nil, fmt.Errorf("credential %q: roles: %w", c.ID, err)
	}
	if len(c.Roles) == 0 {
		c.Roles = nil
	}
	c.Created, c.Expires, c.Revoked, c.LastUsed = FromNanos(created), FromNanos(expires), FromNanos(revoked), FromNanos(used)
	return &c, nil
}

// BusColumns are the columns of event_buses that ScanBus reads.
const BusColumns = `account, name, description, created, modified`

// ScanBus decodes a row of BusColumns.
func ScanBus(r Scanner) (*store.EventBus, error) {
	var b store.EventBus
	var created, modified int64
	if err := r.Scan(&b.Account, &b.Name, &b.Description, &created, &modified); err != nil {
		return nil, err
	}
	b.Created, b.Modified = FromNanos(created), FromNanos(modified)
	return &b, nil
}

// RuleColumns are the columns of event_rules that ScanRule reads (not the
// targets).
const RuleColumns = `account, bus, name, event_pattern, schedule, state, description, role_arn, created, modified`

// ScanRule decodes a row of RuleColumns.
func ScanRule(r Scanner) (*store.Rule, error) {
	var x store.Rule
	var created, modified int64
	if err := r.Scan(&x.Account, &x.Bus, &x.Name, &x.EventPattern, &x.ScheduleExpression, &x.State, &x.Description, &x.RoleArn,
		&created, &modified); err != nil {
		return nil, err
	}
	x.Created, x.Modified = FromNanos(created), FromNanos(modified)
	return &x, nil
}

// NamespaceColumns are the columns of namespaces that ScanNamespace
// reads.
const NamespaceColumns = `name, account_id, created, execution_retention`

// ScanNamespace decodes a row of NamespaceColumns.
func ScanNamespace(r Scanner) (*store.Namespace, error) {
	n := &store.Namespace{}
	var created, retention int64
	if err := r.Scan(&n.Name, &n.AccountID, &created, &retention); err != nil {
		return nil, err
	}
	n.Created, n.ExecutionRetention = FromNanos(created), time.Duration(retention)
	return n, nil
}

// AuditColumns are the columns of audit that ScanAudit reads.
const AuditColumns = `seq, at, principal, kind, remote_addr, method, path, operation, namespace, resource, status`

// ScanAudit decodes a row of AuditColumns.
func ScanAudit(r Scanner) (*store.AuditEntry, error) {
	var a store.AuditEntry
	var at int64
	if err := r.Scan(&a.Seq, &at, &a.Principal, &a.Kind, &a.RemoteAddr, &a.Method, &a.Path, &a.Operation, &a.Namespace, &a.Resource, &a.Status); err != nil {
		return nil, err
	}
	a.Time = FromNanos(at)
	return &a, nil
}

// ScanTags decodes every row of (key, value) of tags: an empty map when
// there are none.
func ScanTags(rows Rows) (map[string]string, error) {
	tags := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		tags[k] = v
	}
	return tags, rows.Err()
}

// ScanTargets decodes every row of (rule, id, arn, spec) of event_targets
// and adds each target, in row order, to the one of rules it is of (by
// name; rules are of one bus). The rows of other rules are skipped.
func ScanTargets(rows Rows, rules []*store.Rule) error {
	byName := make(map[string]*store.Rule, len(rules))
	for _, r := range rules {
		byName[r.Name] = r
	}
	for rows.Next() {
		var rule string
		t := &store.RuleTarget{}
		if err := rows.Scan(&rule, &t.ID, &t.Arn, &t.Spec); err != nil {
			return err
		}
		if r := byName[rule]; r != nil {
			r.Targets = append(r.Targets, t)
		}
	}
	return rows.Err()
}

// LogColumns are the columns of task_logs l joined with
// task_log_attempts a that ScanLogs reads.
const LogColumns = `l.seq, l.task_id, l.state_name, l.attempt, l.stream, l.at, l.data, a.cut, a.first_seq`

// ScanLogs decodes the rows of LogColumns of execution arn that q selects,
// until q.MaxBytes of data, the first one kept of a cut attempt with the
// cut marker when the reader had not passed it. It stops at the first
// error of a row; the caller closes rows and then checks their Err.
func ScanLogs(rows Rows, arn string, q store.LogQuery) ([]*store.LogChunk, error) {
	var out []*store.LogChunk
	var size int64
	for rows.Next() && (q.MaxBytes <= 0 || size < q.MaxBytes) {
		ch := &store.LogChunk{ExecutionArn: arn}
		var at, cut, first int64
		if err := rows.Scan(&ch.Seq, &ch.TaskID, &ch.StateName, &ch.Attempt, &ch.Stream, &at, &ch.Data, &cut, &first); err != nil {
			return nil, err
		}
		ch.Time = FromNanos(at)
		if cut > 0 && ch.Seq == first && q.After < first {
			ch.Cut = cut
			ch.Data = append([]byte(store.CutMarker(cut)), ch.Data...)
		}
		out = append(out, ch)
		size += int64(len(ch.Data))
	}
	return out, nil
}

// ScanLogCut reads rows of (seq, size) of an attempt's chunks, oldest
// first, as far as it takes to cut over bytes from its head: the chunks to
// drop whole, and the one (trimSeq) whose first trim bytes to cut (trim 0
// for none). It stops at the first error of a row; the caller closes rows
// and then checks their Err.
func ScanLogCut(rows Rows, over int64) (drop []int64, trimSeq, trim int64, err error) {
	for left := over; left > 0 && rows.Next(); {
		var seq, size int64
		if err := rows.Scan(&seq, &size); err != nil {
			return nil, 0, 0, err
		}
		if size <= left {
			drop = append(drop, seq)
			left -= size
			continue
		}
		trimSeq, trim, left = seq, left, 0
	}
	return drop, trimSeq, trim, nil
}

// GrantColumns are the columns of grants that ScanGrant reads.
const GrantColumns = `from_ns, to_ns, workflow, created, created_by`

// ScanGrant decodes a row of GrantColumns.
func ScanGrant(r Scanner) (*store.Grant, error) {
	var g store.Grant
	var created int64
	if err := r.Scan(&g.From, &g.To, &g.Workflow, &created, &g.CreatedBy); err != nil {
		return nil, err
	}
	g.Created = FromNanos(created)
	return &g, nil
}
