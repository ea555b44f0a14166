package storetest

import "github.com/batonhq/baton/internal/store"

var grantTests = []test{
	{"CreateListDelete", func(e *env) {
		got, err := e.s.ListGrants(e.ctx)
		e.ok(err, "ListGrants")
		e.equal(len(got), 0, "grants of a new store")
		one := &store.Grant{From: "core", To: "search", Workflow: "listings", Created: at(1), CreatedBy: "t1"}
		all := &store.Grant{From: "core", To: "analytics", Workflow: "*", Created: at(2)}
		e.ok(e.s.CreateGrant(e.ctx, one), "CreateGrant")
		e.ok(e.s.CreateGrant(e.ctx, all), "CreateGrant of every workflow")
		e.is(e.s.CreateGrant(e.ctx, &store.Grant{From: "core", To: "search", Workflow: "listings", Created: at(3)}), store.ErrExists, "the same grant again")
		e.s = e.reopen()
		got, err = e.s.ListGrants(e.ctx)
		e.ok(err, "ListGrants after reopening")
		e.equal(got, []*store.Grant{all, one}, "every grant, by From, To, Workflow")
		e.ok(e.s.DeleteGrant(e.ctx, "core", "search", "listings"), "DeleteGrant")
		e.is(e.s.DeleteGrant(e.ctx, "core", "search", "listings"), store.ErrNotFound, "DeleteGrant again")
		got, err = e.s.ListGrants(e.ctx)
		e.ok(err, "ListGrants")
		e.equal(got, []*store.Grant{all}, "the grant left")
	}},
}
