package storetest

import "github.com/batonhq/baton/internal/store"

const acctA, acctB = "111111111111", "222222222222"

// rule returns an enabled rule of bus named name with a pattern.
func rule(account, bus, name string) *store.Rule {
	return &store.Rule{Account: account, Bus: bus, Name: name, EventPattern: `{"source":["` + name + `"]}`,
		State: store.RuleEnabled, Description: "rule " + name, RoleArn: "arn:aws:iam::" + account + ":role/r",
		Created: at(1), Modified: at(1)}
}

func target(id string) *store.RuleTarget {
	return &store.RuleTarget{ID: id, Arn: region + "stateMachine:" + id, Spec: []byte(`{"Id":"` + id + `"}`)}
}

var ruleTests = []test{
	{"Buses", func(e *env) {
		b := &store.EventBus{Account: acctA, Name: "orders", Description: "d", Created: at(1), Modified: at(2)}
		e.ok(e.s.CreateEventBus(e.ctx, b), "CreateEventBus")
		e.ok(e.s.CreateEventBus(e.ctx, &store.EventBus{Account: acctB, Name: "orders", Created: at(1), Modified: at(1)}), "the same name in another account")
		e.ok(e.s.CreateEventBus(e.ctx, &store.EventBus{Account: acctA, Name: "billing", Created: at(1), Modified: at(1)}), "CreateEventBus")
		e.is(e.s.CreateEventBus(e.ctx, &store.EventBus{Account: acctA, Name: "orders", Created: at(3), Modified: at(3)}), store.ErrExists, "a bus name taken")
		e.is(e.s.CreateEventBus(e.ctx, &store.EventBus{Account: acctA, Name: store.DefaultBus, Created: at(3), Modified: at(3)}), store.ErrExists, "the default bus")
		got, err := e.s.GetEventBus(e.ctx, acctA, "orders")
		e.ok(err, "GetEventBus")
		e.equal(got, b, "a bus read back")
		_, err = e.s.GetEventBus(e.ctx, acctA, "nope")
		e.is(err, store.ErrNotFound, "GetEventBus of an unknown bus")
		all := walk(e, 1, func(p store.Page) ([]*store.EventBus, string, error) { return e.s.ListEventBuses(e.ctx, acctA, "", p) })
		e.equal(len(all), 2, "buses of account A")
		if len(all) == 2 {
			e.equal([]string{all[0].Name, all[1].Name}, []string{"billing", "orders"}, "buses, sorted by name")
		}
		pre, _, err := e.s.ListEventBuses(e.ctx, acctA, "ord", store.Page{})
		e.ok(err, "ListEventBuses with a prefix")
		e.equal(len(pre), 1, "buses named ord...")
		for _, tok := range badTokens {
			_, _, err := e.s.ListEventBuses(e.ctx, acctA, "", store.Page{Token: tok})
			e.is(err, store.ErrBadToken, "token %q", tok)
		}
		// Deleting a bus takes its rules and targets along.
		_, err = e.s.PutRule(e.ctx, rule(acctA, "orders", "r1"), 0)
		e.ok(err, "PutRule on a custom bus")
		e.ok(e.s.PutTargets(e.ctx, acctA, "orders", "r1", []*store.RuleTarget{target("t1")}, 0), "PutTargets")
		g0, err := e.s.RulesGeneration(e.ctx)
		e.ok(err, "RulesGeneration")
		e.ok(e.s.DeleteEventBus(e.ctx, acctA, "orders"), "DeleteEventBus")
		e.is(e.s.DeleteEventBus(e.ctx, acctA, "orders"), store.ErrNotFound, "deleting it again")
		g1, _ := e.s.RulesGeneration(e.ctx)
		if g1 == g0 {
			e.Errorf("RulesGeneration unchanged by DeleteEventBus")
		}
		e.ok(e.s.CreateEventBus(e.ctx, &store.EventBus{Account: acctA, Name: "orders", Created: at(5), Modified: at(5)}), "re-creating it")
		_, err = e.s.GetRule(e.ctx, acctA, "orders", "r1")
		e.is(err, store.ErrNotFound, "a rule of a deleted bus")
		_, err = e.s.PutRule(e.ctx, rule(acctA, "gone", "r1"), 0)
		e.is(err, store.ErrNotFound, "PutRule on a bus that does not exist")
	}},
	{"Rules", func(e *env) {
		r := rule(acctA, store.DefaultBus, "beta")
		created, err := e.s.PutRule(e.ctx, r, 0)
		e.ok(err, "PutRule")
		e.equal(created, true, "created")
		_, err = e.s.PutRule(e.ctx, rule(acctA, store.DefaultBus, "alpha"), 0)
		e.ok(err, "PutRule")
		_, err = e.s.PutRule(e.ctx, rule(acctB, store.DefaultBus, "alpha"), 0)
		e.ok(err, "PutRule in another account")
		e.ok(e.s.PutTargets(e.ctx, acctA, store.DefaultBus, "beta", []*store.RuleTarget{target("t2"), target("t1")}, 5), "PutTargets")
		// Replacing keeps the targets and the creation time.
		up := rule(acctA, store.DefaultBus, "beta")
		up.EventPattern, up.ScheduleExpression, up.Created, up.Modified = "", "rate(5 minutes)", at(9), at(9)
		created, err = e.s.PutRule(e.ctx, up, 0)
		e.ok(err, "PutRule replacing")
		e.equal(created, false, "created on a replace")
		got, err := e.s.GetRule(e.ctx, acctA, store.DefaultBus, "beta")
		e.ok(err, "GetRule")
		want := *up
		want.Created = at(1)
		want.Targets = []*store.RuleTarget{target("t2"), target("t1")}
		e.equal(got, &want, "the rule replaced, with its targets in order")
		_, err = e.s.GetRule(e.ctx, acctB, store.DefaultBus, "beta")
		e.is(err, store.ErrNotFound, "a rule of another account")

		e.ok(e.s.SetRuleState(e.ctx, acctA, store.DefaultBus, "beta", store.RuleDisabled, at(10)), "SetRuleState")
		e.is(e.s.SetRuleState(e.ctx, acctA, store.DefaultBus, "nope", store.RuleDisabled, at(10)), store.ErrNotFound, "SetRuleState of an unknown rule")
		e.s = e.reopen()
		all := walk(e, 1, func(p store.Page) ([]*store.Rule, string, error) {
			return e.s.ListRules(e.ctx, acctA, store.DefaultBus, "", p)
		})
		e.equal(len(all), 2, "rules of account A")
		if len(all) == 2 {
			e.equal(all[0].Name, "alpha", "first rule")
			e.equal(all[1].State, store.RuleDisabled, "state after SetRuleState")
			e.equal(len(all[1].Targets), 2, "targets of a listed rule")
			e.equal(all[1].Modified, at(10), "modified by SetRuleState")
		}
		pre, _, err := e.s.ListRules(e.ctx, acctA, store.DefaultBus, "be", store.Page{})
		e.ok(err, "ListRules with a prefix")
		e.equal(len(pre), 1, "rules named be...")
		for _, tok := range badTokens {
			_, _, err := e.s.ListRules(e.ctx, acctA, store.DefaultBus, "", store.Page{Token: tok})
			e.is(err, store.ErrBadToken, "token %q", tok)
		}
	}},
	{"RuleLimit", func(e *env) {
		for _, n := range []string{"a", "b"} {
			_, err := e.s.PutRule(e.ctx, rule(acctA, store.DefaultBus, n), 2)
			e.ok(err, "PutRule %s", n)
		}
		_, err := e.s.PutRule(e.ctx, rule(acctA, store.DefaultBus, "c"), 2)
		e.is(err, store.ErrLimit, "a third rule with a limit of 2")
		_, err = e.s.PutRule(e.ctx, rule(acctA, store.DefaultBus, "a"), 2)
		e.ok(err, "replacing a rule at the limit")
		_, err = e.s.PutRule(e.ctx, rule(acctB, store.DefaultBus, "c"), 2)
		e.ok(err, "another account's bus has its own limit")
	}},
	{"Targets", func(e *env) {
		_, err := e.s.PutRule(e.ctx, rule(acctA, store.DefaultBus, "r"), 0)
		e.ok(err, "PutRule")
		e.is(e.s.PutTargets(e.ctx, acctA, store.DefaultBus, "nope", []*store.RuleTarget{target("t")}, 5), store.ErrNotFound, "PutTargets of an unknown rule")
		e.ok(e.s.PutTargets(e.ctx, acctA, store.DefaultBus, "r", []*store.RuleTarget{target("a"), target("b")}, 3), "PutTargets")
		e.is(e.s.PutTargets(e.ctx, acctA, store.DefaultBus, "r", []*store.RuleTarget{target("c"), target("d")}, 3), store.ErrLimit, "a fourth target with a limit of 3")
		changed := target("a")
		changed.Arn = region + "stateMachine:other"
		e.ok(e.s.PutTargets(e.ctx, acctA, store.DefaultBus, "r", []*store.RuleTarget{changed, target("c")}, 3), "replacing a target and adding one")
		got, err := e.s.GetRule(e.ctx, acctA, store.DefaultBus, "r")
		e.ok(err, "GetRule")
		e.equal(got.Targets, []*store.RuleTarget{changed, target("b"), target("c")}, "targets after the failed and the good PutTargets")

		e.is(e.s.DeleteRule(e.ctx, acctA, store.DefaultBus, "r", false), store.ErrConflict, "DeleteRule of a rule with targets")
		removed, err := e.s.RemoveTargets(e.ctx, acctA, store.DefaultBus, "r", []string{"a", "zz", "b"})
		e.ok(err, "RemoveTargets")
		e.equal(removed, []string{"a", "b"}, "targets removed")
		_, err = e.s.RemoveTargets(e.ctx, acctA, store.DefaultBus, "nope", []string{"a"})
		e.is(err, store.ErrNotFound, "RemoveTargets of an unknown rule")
		e.ok(e.s.DeleteRule(e.ctx, acctA, store.DefaultBus, "r", true), "DeleteRule forced")
		e.is(e.s.DeleteRule(e.ctx, acctA, store.DefaultBus, "r", false), store.ErrNotFound, "DeleteRule of a deleted rule")
		// A rule made again under the name has no targets of the old one.
		_, err = e.s.PutRule(e.ctx, rule(acctA, store.DefaultBus, "r"), 0)
		e.ok(err, "PutRule again")
		got, err = e.s.GetRule(e.ctx, acctA, store.DefaultBus, "r")
		e.ok(err, "GetRule")
		e.equal(len(got.Targets), 0, "targets of the new rule")
		e.ok(e.s.DeleteRule(e.ctx, acctA, store.DefaultBus, "r", false), "DeleteRule without targets")
	}},
	{"Generation", func(e *env) {
		gen := func() int64 {
			n, err := e.s.RulesGeneration(e.ctx)
			e.ok(err, "RulesGeneration")
			return n
		}
		last := gen()
		changes := []struct {
			what string
			do   func() error
		}{
			{"PutRule", func() error { _, err := e.s.PutRule(e.ctx, rule(acctA, store.DefaultBus, "r"), 0); return err }},
			{"PutTargets", func() error {
				return e.s.PutTargets(e.ctx, acctA, store.DefaultBus, "r", []*store.RuleTarget{target("t")}, 0)
			}},
			{"SetRuleState", func() error { return e.s.SetRuleState(e.ctx, acctA, store.DefaultBus, "r", store.RuleDisabled, at(2)) }},
			{"RemoveTargets", func() error {
				_, err := e.s.RemoveTargets(e.ctx, acctA, store.DefaultBus, "r", []string{"t"})
				return err
			}},
			{"DeleteRule", func() error { return e.s.DeleteRule(e.ctx, acctA, store.DefaultBus, "r", false) }},
		}
		for _, c := range changes {
			e.ok(c.do(), "%s", c.what)
			if n := gen(); n == last {
				e.Errorf("RulesGeneration unchanged by %s", c.what)
			} else {
				last = n
			}
		}
	}},
}
