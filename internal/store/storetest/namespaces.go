package storetest

import "github.com/batonhq/baton/internal/store"

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
}
