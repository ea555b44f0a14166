package storetest

import (
	"fmt"
	"slices"

	"github.com/batonhq/baton/internal/store"
)

var executionTests = []test{
	{"RoundTrip", func(e *env) {
		x := running(smArnA, "full", at(10))
		x.VersionArn, x.AliasArn = smArnA+":3", smArnA+":prod"
		x.ParentToken, x.RedriveCount, x.RedriveDate = "parent-token", 2, at(11)
		want := clone(x)
		want.EventCount = 3
		e.commit(start(x, 3))
		e.equal(e.getExec(x.Arn), want, "GetExecution")
		_, err := e.s.GetExecution(e.ctx, execArn(smArnA, "missing"))
		e.is(err, store.ErrNotFound, "GetExecution missing")
	}},
	{"ZeroTimesAndNoSnapshot", func(e *env) {
		x := running(smArnA, "z", time0)
		x.Snapshot = nil
		e.commit(start(x, 0))
		got := e.getExec(x.Arn)
		if !got.StartDate.IsZero() || !got.StopDate.IsZero() || !got.RedriveDate.IsZero() {
			e.Errorf("zero times came back as %v %v %v", got.StartDate, got.StopDate, got.RedriveDate)
		}
		if got.Snapshot != nil {
			e.Errorf("nil snapshot came back as %v", got.Snapshot)
		}
	}},
	{"Express", func(e *env) {
		// Express executions are stored once, when they end, without history.
		x := running(smArnA, "express", at(1))
		x.Type, x.Status, x.Output, x.StopDate, x.Snapshot = store.TypeExpress, "SUCCEEDED", `{"ok":true}`, at(2), nil
		e.commit(&store.Transition{Execution: x, New: true})
		got := e.getExec(x.Arn)
		e.equal(got, x, "express execution")
		evs, next, err := e.s.History(e.ctx, x.Arn, false, store.Page{})
		e.ok(err, "History")
		if len(evs) != 0 || next != "" {
			e.Errorf("express history: %d events, next %q", len(evs), next)
		}
	}},
	{"UpdateKeepsImmutableFields", func(e *env) {
		x := running(smArnA, "upd", at(10))
		x.VersionArn, x.AliasArn, x.ParentToken = smArnA+":1", smArnA+":a", "p"
		orig := clone(x)
		e.commit(start(x, 1))
		u := &store.Execution{
			Arn: x.Arn, StateMachineArn: smArnB, VersionArn: "v", AliasArn: "a", Name: "other",
			Type: store.TypeExpress, Status: "FAILED", Input: "{}", Output: "out", Error: "E", Cause: "C",
			StartDate: at(99), StopDate: at(20), RedriveCount: 1, RedriveDate: at(21), TraceHeader: "t",
			ParentToken: "q", Definition: "d", RoleArn: "r", Snapshot: []byte("new"), EventCount: 2,
		}
		e.commit(&store.Transition{Execution: u, Events: []store.Event{event(2, "ExecutionFailed")}})
		want := clone(orig)
		want.Status, want.Output, want.Error, want.Cause = "FAILED", "out", "E", "C"
		want.StopDate, want.RedriveCount, want.RedriveDate = at(20), 1, at(21)
		want.Snapshot, want.EventCount = []byte("new"), 2
		e.equal(e.getExec(x.Arn), want, "execution after update")
	}},
	{"ListOrderAndPages", func(e *env) {
		// 30 executions over 10 distinct start times: ties broken by ARN.
		var want []string
		var batch []*store.Transition
		for i := range 30 {
			x := running(smArnA, fmt.Sprintf("x%02d", i), at(i%10))
			batch = append(batch, start(x, 1))
		}
		e.commit(batch...)
		for _, tr := range batch {
			want = append(want, tr.Execution.Arn)
		}
		slices.SortFunc(want, func(a, b string) int {
			xa, xb := findTr(batch, a).Execution, findTr(batch, b).Execution
			if c := xb.StartDate.Compare(xa.StartDate); c != 0 {
				return c
			}
			if a > b {
				return -1
			}
			return 1
		})
		for _, limit := range []int{1, 7, 30, 31} {
			all := walk(e, limit, func(p store.Page) ([]*store.Execution, string, error) {
				return e.s.ListExecutions(e.ctx, store.ExecutionFilter{}, p)
			})
			e.equal(arns(all), want, "ListExecutions order (limit %d)", limit)
			for _, x := range all {
				if x.Snapshot != nil {
					e.Fatalf("ListExecutions returned a snapshot")
				}
			}
		}
		all, _, err := e.s.ListExecutions(e.ctx, store.ExecutionFilter{}, store.Page{Limit: 1})
		e.ok(err, "ListExecutions")
		wantFirst := clone(findTr(batch, want[0]).Execution)
		wantFirst.Snapshot = nil
		listed := *all[0]
		if got, err := e.s.GetExecution(e.ctx, listed.Arn); err != nil || listed.ID == 0 || got.ID != listed.ID {
			e.Errorf("listed execution's ID %d, GetExecution's %v (%v)", listed.ID, got, err)
		}
		listed.ID = 0
		e.equal(&listed, wantFirst, "listed execution (all fields but the snapshot)")
		for _, tok := range badTokens {
			_, _, err := e.s.ListExecutions(e.ctx, store.ExecutionFilter{}, store.Page{Token: tok})
			e.is(err, store.ErrBadToken, "ListExecutions token %q", tok)
		}
	}},
	{"ListFilters", func(e *env) {
		yes, no := true, false
		type spec struct {
			sm, version, alias, status string
			redrives                   int
		}
		specs := map[string]spec{
			"a-plain":   {smArnA, "", "", "RUNNING", 0},
			"a-v1":      {smArnA, smArnA + ":1", "", "SUCCEEDED", 0},
			"a-v2":      {smArnA, smArnA + ":2", "", "FAILED", 1},
			"a-alias":   {smArnA, smArnA + ":1", smArnA + ":prod", "RUNNING", 2},
			"a-alias2":  {smArnA, smArnA + ":2", smArnA + ":prod", "FAILED", 0},
			"b-plain":   {smArnB, "", "", "RUNNING", 0},
			"b-v1":      {smArnB, smArnB + ":1", "", "FAILED", 1},
			"b-aliasv1": {smArnB, smArnB + ":1", smArnB + ":prod", "SUCCEEDED", 0},
		}
		var batch []*store.Transition
		i := 0
		for name, sp := range specs {
			x := running(sp.sm, name, at(i))
			x.VersionArn, x.AliasArn, x.Status, x.RedriveCount = sp.version, sp.alias, sp.status, sp.redrives
			if sp.redrives > 0 {
				x.RedriveDate = at(100)
			}
			batch = append(batch, start(x, 1))
			i++
		}
		e.commit(batch...)
		names := func(f func(spec) bool) []string {
			var out []string
			for name, sp := range specs {
				if f(sp) {
					out = append(out, name)
				}
			}
			slices.Sort(out)
			return out
		}
		for _, c := range []struct {
			name string
			f    store.ExecutionFilter
			want []string
		}{
			{"none", store.ExecutionFilter{}, names(func(spec) bool { return true })},
			{"state machine incl. versions and aliases", store.ExecutionFilter{StateMachineArn: smArnA},
				names(func(s spec) bool { return s.sm == smArnA })},
			{"version", store.ExecutionFilter{VersionArn: smArnA + ":1"},
				names(func(s spec) bool { return s.version == smArnA+":1" })},
			{"alias", store.ExecutionFilter{AliasArn: smArnA + ":prod"},
				names(func(s spec) bool { return s.alias == smArnA+":prod" })},
			{"status", store.ExecutionFilter{Status: "FAILED"},
				names(func(s spec) bool { return s.status == "FAILED" })},
			{"redriven", store.ExecutionFilter{Redriven: &yes},
				names(func(s spec) bool { return s.redrives > 0 })},
			{"never redriven", store.ExecutionFilter{Redriven: &no},
				names(func(s spec) bool { return s.redrives == 0 })},
			{"state machine and status", store.ExecutionFilter{StateMachineArn: smArnB, Status: "FAILED"},
				[]string{"b-v1"}},
			{"alias and redriven", store.ExecutionFilter{AliasArn: smArnA + ":prod", Redriven: &yes},
				[]string{"a-alias"}},
			{"nothing", store.ExecutionFilter{StateMachineArn: smArnA, Status: "ABORTED"}, nil},
		} {
			all := walk(e, 2, func(p store.Page) ([]*store.Execution, string, error) {
				return e.s.ListExecutions(e.ctx, c.f, p)
			})
			var got []string
			for _, x := range all {
				got = append(got, x.Name)
			}
			slices.Sort(got)
			e.equal(got, c.want, "filter %s", c.name)
		}
	}},
}

func findTr(batch []*store.Transition, arn string) *store.Transition {
	for _, tr := range batch {
		if tr.Execution.Arn == arn {
			return tr
		}
	}
	return nil
}

func arns(xs []*store.Execution) []string {
	var out []string
	for _, x := range xs {
		out = append(out, x.Arn)
	}
	return out
}

var executionIDTests = []test{
	{"ExecutionIDs", func(e *env) {
		// Every stored execution has an id of the store's own, not its
		// ARN: set, distinct, the same when read again and after reopening.
		a, b := running(smArnA, "id-a", at(1)), running(smArnA, "id-b", at(2))
		e.commit(start(a, 1), start(b, 1))
		ga, err := e.s.GetExecution(e.ctx, a.Arn)
		e.ok(err, "GetExecution")
		gb, err := e.s.GetExecution(e.ctx, b.Arn)
		e.ok(err, "GetExecution")
		if ga.ID == 0 || gb.ID == 0 || ga.ID == gb.ID {
			e.Fatalf("IDs %d and %d: want two distinct non-zero ids", ga.ID, gb.ID)
		}
		e.s = e.reopen()
		again, err := e.s.GetExecution(e.ctx, a.Arn)
		e.ok(err, "GetExecution after reopening")
		e.equal(again.ID, ga.ID, "ID after reopening")
	}},
}
