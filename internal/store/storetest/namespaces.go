package storetest

import (
	"time"

	"github.com/batonhq/baton/internal/store"
)

var namespaceTests = []test{
	{"CreateGetList", func(e *env) {
		got, err := e.s.ListNamespaces(e.ctx)
		e.ok(err, "ListNamespaces")
		e.equal(len(got), 0, "namespaces of a new store")
		b := &store.Namespace{Name: "team-b", AccountID: "222222222222", Created: at(2)}
		a := &store.Namespace{Name: "team-a", AccountID: "111111111111", Created: at(1)}
		e.ok(e.s.CreateNamespace(e.ctx, b), "CreateNamespace")
		e.ok(e.s.CreateNamespace(e.ctx, a), "CreateNamespace")
		e.is(e.s.CreateNamespace(e.ctx, &store.Namespace{Name: "team-a", AccountID: "333333333333", Created: at(3)}), store.ErrExists, "a name taken")
		e.is(e.s.CreateNamespace(e.ctx, &store.Namespace{Name: "team-c", AccountID: "111111111111", Created: at(3)}), store.ErrExists, "an account taken")
		one, err := e.s.GetNamespace(e.ctx, "team-a")
		e.ok(err, "GetNamespace")
		e.equal(one, a, "a namespace read back")
		_, err = e.s.GetNamespace(e.ctx, "nope")
		e.is(err, store.ErrNotFound, "GetNamespace of an unknown name")
		e.s = e.reopen()
		got, err = e.s.ListNamespaces(e.ctx)
		e.ok(err, "ListNamespaces after reopening")
		e.equal(got, []*store.Namespace{a, b}, "namespaces, sorted by name")
	}},
	{"Retention", func(e *env) {
		a := &store.Namespace{Name: "team-a", AccountID: "111111111111", Created: at(1), ExecutionRetention: 48 * time.Hour}
		e.ok(e.s.CreateNamespace(e.ctx, a), "CreateNamespace with a retention")
		e.equal(e.getNamespace("team-a").ExecutionRetention, 48*time.Hour, "the retention created with")
		e.ok(e.s.SetNamespaceRetention(e.ctx, "team-a", -1), "SetNamespaceRetention forever")
		e.s = e.reopen()
		e.equal(e.getNamespace("team-a").ExecutionRetention, time.Duration(-1), "retention after reopening")
		e.ok(e.s.SetNamespaceRetention(e.ctx, "team-a", 0), "SetNamespaceRetention to the server's")
		all, err := e.s.ListNamespaces(e.ctx)
		e.ok(err, "ListNamespaces")
		e.equal(len(all) == 1 && all[0].ExecutionRetention == 0, true, "the retention listed")
		e.is(e.s.SetNamespaceRetention(e.ctx, "nope", time.Hour), store.ErrNotFound, "SetNamespaceRetention of an unknown namespace")
	}},
}

// getNamespace reads a namespace, failing the test when it is missing.
func (e *env) getNamespace(name string) *store.Namespace {
	e.Helper()
	n, err := e.s.GetNamespace(e.ctx, name)
	e.ok(err, "GetNamespace(%q)", name)
	if n == nil {
		e.FailNow()
	}
	return n
}
