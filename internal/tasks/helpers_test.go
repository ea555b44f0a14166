package tasks

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ohler55/ojg/oj"
)

// testDeadline bounds every task run in tests, so a hung task fails the test
// instead of stalling it.
const testDeadline = 30 * time.Second

func newResolver(t *testing.T, opts Options) *Resolver {
	t.Helper()
	r, err := NewResolver(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// jsonValue parses a JSON literal the way task inputs are parsed.
func jsonValue(t *testing.T, s string) any {
	t.Helper()
	v, err := oj.ParseString(s)
	if err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

// run resolves req.Resource for req.StateName and runs it.
func run(t *testing.T, r *Resolver, req Request) (any, error) {
	t.Helper()
	e, err := r.Executor(req.Resource, req.StateName)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), testDeadline)
	defer cancel()
	return e.Run(ctx, req)
}

// asFailure asserts that err is a *Failure named name whose cause contains
// every string in causeHas.
func asFailure(t *testing.T, err error, name string, causeHas ...string) *Failure {
	t.Helper()
	var f *Failure
	if !errors.As(err, &f) {
		t.Fatalf("err = %v (%T), want a *Failure %s", err, err, name)
	}
	if f.Name != name {
		t.Fatalf("failure = %v, want %s", f, name)
	}
	for _, s := range causeHas {
		if !strings.Contains(f.Cause, s) {
			t.Fatalf("cause %q does not contain %q", f.Cause, s)
		}
	}
	return f
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}
