package storetest

import (
	"slices"

	"github.com/batonhq/baton/internal/store"
)

var historyTests = []test{
	{"Pages", func(e *env) {
		x := running(smArnA, "h", at(1))
		e.commit(start(x, 4))
		for range 3 {
			u := clone(x)
			e.commit(&store.Transition{Execution: u, Events: []store.Event{event(0, "A"), event(0, "B")}})
		}
		other := running(smArnA, "other", at(1))
		e.commit(start(other, 3))

		var want []store.Event
		for i := int64(1); i <= 10; i++ {
			ev := event(i, "Ev")
			if i > 4 {
				typ := "B"
				if i%2 == 1 {
					typ = "A"
				}
				ev = event(0, typ) // as committed, with the id the store gave it
				ev.ID = i
			}
			want = append(want, ev)
		}
		wantRev := slices.Clone(want)
		slices.Reverse(wantRev)
		for _, limit := range []int{0, 1, 3, 10, 11} {
			e.equal(e.allHistory(x.Arn, false, limit), want, "History (limit %d)", limit)
			e.equal(e.allHistory(x.Arn, true, limit), wantRev, "History reverse (limit %d)", limit)
		}
		// A page boundary mid-history, in both directions.
		evs, next, err := e.s.History(e.ctx, x.Arn, false, store.Page{Limit: 4})
		e.ok(err, "History")
		if len(evs) != 4 || next == "" {
			e.Fatalf("first page: %d events, next %q", len(evs), next)
		}
		evs, _, err = e.s.History(e.ctx, x.Arn, false, store.Page{Limit: 2, Token: next})
		e.ok(err, "History")
		e.equal(evs, want[4:6], "second forward page")
		evs, next, err = e.s.History(e.ctx, x.Arn, true, store.Page{Limit: 3})
		e.ok(err, "History reverse")
		e.equal(evs, wantRev[:3], "first reverse page")
		evs, _, err = e.s.History(e.ctx, x.Arn, true, store.Page{Limit: 3, Token: next})
		e.ok(err, "History reverse")
		e.equal(evs, wantRev[3:6], "second reverse page")

		for _, tok := range badTokens {
			_, _, err := e.s.History(e.ctx, x.Arn, false, store.Page{Token: tok})
			e.is(err, store.ErrBadToken, "History token %q", tok)
			_, _, err = e.s.History(e.ctx, x.Arn, true, store.Page{Token: tok})
			e.is(err, store.ErrBadToken, "History reverse token %q", tok)
		}
		_, _, err = e.s.History(e.ctx, execArn(smArnA, "missing"), false, store.Page{})
		e.is(err, store.ErrNotFound, "History of a missing execution")
		e.equal(len(e.allHistory(other.Arn, false, 2)), 3, "history of another execution")
	}},
}
