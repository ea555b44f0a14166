// Package storetest is the conformance suite of store.Store: every
// implementation runs Run from its tests and must pass it.
//
// The suite pins down what the interface's doc comments leave to the
// implementation:
//
//   - Times round-trip at least to the millisecond (the suite uses
//     millisecond times), in UTC; the zero time round-trips as zero.
//   - Deletes and updates of a missing row fail with ErrNotFound. Deleting
//     a version, alias or activity also removes its tags.
//   - CreateVersion and CreateAlias fail with ErrNotFound when the state
//     machine does not exist; CreateVersion sets Number and Arn.
//   - Events with ID 0 get the next id of their execution (written back into
//     the batch); an event with another id than the next one fails the
//     Commit with ErrConflict. The stored EventCount is the id of the last
//     event (0 with no history).
//   - Within a transition: DeleteAll applies before AddTasks and AddTimers;
//     StartTasks of an unknown token fails with ErrNotFound. Tasks and timers
//     belong to the transition's execution.
//   - ListExecutions breaks ties of StartDate by ARN, descending.
//   - Task logs: ReadLogs returns chunks in append order with increasing Seq;
//     an attempt keeps its newest maxBytes, the first chunk kept carrying
//     Cut and the CutMarker for a reader before it; DeleteExecution takes
//     the logs along, and refuses a RUNNING execution (ErrConflict).
//   - Close is idempotent.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/store"
)

// OpenFunc opens the store kept in dir. The suite gives every test a fresh
// dir, closes the store when the test ends, and calls OpenFunc again with
// the same dir to check that data survives a Close.
type OpenFunc func(t *testing.T, dir string) store.Store

// Run runs the conformance suite against the stores open returns.
func Run(t *testing.T, open OpenFunc) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Catalog", catalogTests},
		{"Tags", tagTests},
		{"Executions", executionTests},
		{"ExecutionIDs", executionIDTests},
		{"Commit", commitTests},
		{"History", historyTests},
		{"Tasks", taskTests},
		{"Timers", timerTests},
		{"Lifecycle", lifecycleTests},
		{"Logs", logTests},
		{"Bundles", bundleTests},
		{"Namespaces", namespaceTests},
		{"Outbox", outboxTests},
		{"EventRules", ruleTests},
		{"NotificationSettings", notificationSettingTests},
		{"Credentials", credentialTests},
		{"Grants", grantTests},
		{"Audit", auditTests},
		{"Retention", retentionTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					tc.run(newEnv(t, open))
				})
			}
		})
	}
}

// test is one subtest of the suite.
type test struct {
	name string
	run  func(e *env)
}

// env is what a test works with: a fresh store in its own dir.
type env struct {
	*testing.T
	ctx  context.Context
	s    store.Store
	dir  string
	open OpenFunc
}

func newEnv(t *testing.T, open OpenFunc) *env {
	e := &env{T: t, ctx: context.Background(), dir: t.TempDir(), open: open}
	e.s = e.reopen()
	return e
}

// reopen opens the store of e's dir (closing it at the end of the test).
func (e *env) reopen() store.Store {
	e.Helper()
	s := e.open(e.T, e.dir)
	e.Cleanup(func() {
		if err := s.Close(); err != nil {
			e.Errorf("Close: %v", err)
		}
	})
	return s
}

// ok fails the test now when err is not nil.
func (e *env) ok(err error, what string, args ...any) {
	e.Helper()
	if err != nil {
		e.Fatalf("%s: %v", fmt.Sprintf(what, args...), err)
	}
}

// is fails the test when err does not wrap target.
func (e *env) is(err, target error, what string, args ...any) {
	e.Helper()
	if !errors.Is(err, target) {
		e.Errorf("%s: got error %v, want %v", fmt.Sprintf(what, args...), err, target)
	}
}

// equal fails the test when got and want differ.
func (e *env) equal(got, want any, what string, args ...any) {
	e.Helper()
	if !reflect.DeepEqual(got, want) {
		e.Errorf("%s:\n got  %+v\n want %+v", fmt.Sprintf(what, args...), deref(got), deref(want))
	}
}

func deref(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		return rv.Elem().Interface()
	}
	return v
}

// commit commits a batch and fails the test on error.
func (e *env) commit(batch ...*store.Transition) {
	e.Helper()
	e.ok(e.s.Commit(e.ctx, batch), "Commit")
}

// time0 is the zero time.
var time0 time.Time

// t0 is the suite's base time, millisecond precision, UTC.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

// at returns t0 plus n seconds.
func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

const (
	region  = "arn:aws:states:us-east-1:123456789012:"
	smArnA  = region + "stateMachine:alpha"
	smArnB  = region + "stateMachine:beta"
	actArnA = region + "activity:alpha"
)

// stateMachine returns a state machine named name.
func stateMachine(name string) *store.StateMachine {
	return &store.StateMachine{
		Arn:                  region + "stateMachine:" + name,
		Name:                 name,
		Type:                 store.TypeStandard,
		Language:             "asl",
		Definition:           `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
		RoleArn:              "arn:aws:iam::123456789012:role/" + name,
		Description:          "state machine " + name,
		LoggingConfiguration: `{"level":"OFF"}`,
		TracingConfiguration: `{"enabled":false}`,
		RevisionID:           "rev-1-" + name,
		CreatedAt:            at(1),
		UpdatedAt:            at(2),
	}
}

// execArn returns the ARN of execution name of smArn's machine.
func execArn(smArn, name string) string {
	return region + "execution:" + smArn[len(region+"stateMachine:"):] + ":" + name
}

// running returns a new RUNNING execution of smArn started at start.
func running(smArn, name string, start time.Time) *store.Execution {
	return &store.Execution{
		Arn:             execArn(smArn, name),
		StateMachineArn: smArn,
		Name:            name,
		Type:            store.TypeStandard,
		Status:          "RUNNING",
		Input:           `{"n":1}`,
		StartDate:       start,
		TraceHeader:     "Root=1-abc",
		LogicalDate:     start.Add(-time.Hour),
		Language:        "asl",
		Definition:      `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
		RoleArn:         "arn:aws:iam::123456789012:role/r",
		Snapshot:        []byte{0, 1, 2, 3, 0xff},
	}
}

// event returns an event with id and type typ (and a JSON body naming both).
func event(id int64, typ string) store.Event {
	return store.Event{
		ID:        id,
		Type:      typ,
		Timestamp: at(int(id)),
		Previous:  max(id-1, 0),
		Body:      fmt.Appendf(nil, `{"id":%d,"type":%q}`, id, typ),
	}
}

// start returns the transition that creates x with n events.
func start(x *store.Execution, n int) *store.Transition {
	tr := &store.Transition{Execution: x, New: true}
	for i := 1; i <= n; i++ {
		tr.Events = append(tr.Events, event(int64(i), "Ev"))
	}
	x.EventCount = int64(n)
	return tr
}

// clone copies an execution.
func clone(x *store.Execution) *store.Execution {
	c := *x
	c.Snapshot = append([]byte(nil), x.Snapshot...)
	if x.Snapshot == nil {
		c.Snapshot = nil
	}
	return &c
}

// getExec returns an execution, failing the test when it is missing.
// getExec reads an execution; its ID, checked to be set, is cleared, so
// that it compares with what was committed (ExecutionIDs checks IDs).
func (e *env) getExec(arn string) *store.Execution {
	e.Helper()
	x, err := e.s.GetExecution(e.ctx, arn)
	e.ok(err, "GetExecution(%q)", arn)
	if x != nil {
		if x.ID == 0 {
			e.Errorf("GetExecution(%q): ID 0", arn)
		}
		x.ID = 0
	}
	return x
}

// allHistory reads the whole history of an execution in pages of limit.
func (e *env) allHistory(arn string, reverse bool, limit int) []store.Event {
	e.Helper()
	var all []store.Event
	tok := ""
	for range 10000 {
		evs, next, err := e.s.History(e.ctx, arn, reverse, store.Page{Limit: limit, Token: tok})
		e.ok(err, "History(%q)", arn)
		if limit > 0 && len(evs) > limit {
			e.Fatalf("History page of %d events, limit %d", len(evs), limit)
		}
		all = append(all, evs...)
		if next == "" {
			return all
		}
		if len(evs) == 0 {
			e.Fatalf("History: empty page with a next token")
		}
		tok = next
	}
	e.Fatalf("History: too many pages")
	return nil
}

// walk collects every page of a list, checking page sizes.
func walk[T any](e *env, limit int, list func(store.Page) ([]T, string, error)) []T {
	e.Helper()
	var all []T
	tok := ""
	for range 10000 {
		items, next, err := list(store.Page{Limit: limit, Token: tok})
		e.ok(err, "list page")
		if len(items) > limit {
			e.Fatalf("page of %d items, limit %d", len(items), limit)
		}
		if next != "" && len(items) != limit {
			e.Fatalf("short page (%d of %d) with a next token", len(items), limit)
		}
		all = append(all, items...)
		if next == "" {
			return all
		}
		tok = next
	}
	e.Fatalf("too many pages")
	return nil
}

// badTokens are page tokens no store issues.
var badTokens = []string{"x", "!!!!", "bm90IGpzb24", "eyJrIjoienoifQ", "%%%", "eyJ9", "\x00\xff"}
