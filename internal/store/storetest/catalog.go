package storetest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/batonhq/baton/internal/store"
)

var catalogTests = []test{
	{"StateMachineCRUD", func(e *env) {
		sm := stateMachine("alpha")
		e.ok(e.s.CreateStateMachine(e.ctx, sm), "CreateStateMachine")
		got, err := e.s.GetStateMachine(e.ctx, sm.Arn)
		e.ok(err, "GetStateMachine")
		e.equal(got, sm, "GetStateMachine after create")
		e.is(e.s.CreateStateMachine(e.ctx, stateMachine("alpha")), store.ErrExists, "CreateStateMachine twice")

		up := *sm
		up.Definition, up.RoleArn, up.Description = `{"StartAt":"B"}`, "role2", "changed"
		up.LoggingConfiguration, up.TracingConfiguration = `{"level":"ALL"}`, `{"enabled":true}`
		up.RevisionID, up.UpdatedAt, up.Type = "rev-2", at(99), store.TypeExpress
		e.ok(e.s.UpdateStateMachine(e.ctx, &up), "UpdateStateMachine")
		got, err = e.s.GetStateMachine(e.ctx, sm.Arn)
		e.ok(err, "GetStateMachine")
		e.equal(got, &up, "GetStateMachine after update")

		missing := stateMachine("missing")
		e.is(e.s.UpdateStateMachine(e.ctx, missing), store.ErrNotFound, "UpdateStateMachine missing")
		_, err = e.s.GetStateMachine(e.ctx, missing.Arn)
		e.is(err, store.ErrNotFound, "GetStateMachine missing")

		e.ok(e.s.DeleteStateMachine(e.ctx, sm.Arn), "DeleteStateMachine")
		_, err = e.s.GetStateMachine(e.ctx, sm.Arn)
		e.is(err, store.ErrNotFound, "GetStateMachine after delete")
		e.is(e.s.DeleteStateMachine(e.ctx, sm.Arn), store.ErrNotFound, "DeleteStateMachine twice")
		e.ok(e.s.CreateStateMachine(e.ctx, sm), "CreateStateMachine after delete")
	}},
	{"Language", func(e *env) {
		// The language of each definition round-trips; none given is
		// "asl", the language of everything stored before languages were
		// recorded.
		sm := stateMachine("lang")
		sm.Language = "pipeline"
		e.ok(e.s.CreateStateMachine(e.ctx, sm), "CreateStateMachine")
		got, err := e.s.GetStateMachine(e.ctx, sm.Arn)
		e.ok(err, "GetStateMachine")
		e.equal(got.Language, "pipeline", "state machine language")
		sm.Language = ""
		e.ok(e.s.UpdateStateMachine(e.ctx, sm), "UpdateStateMachine")
		got, err = e.s.GetStateMachine(e.ctx, sm.Arn)
		e.ok(err, "GetStateMachine")
		e.equal(got.Language, "asl", "state machine language given none")

		for _, lang := range []string{"pipeline", ""} {
			v := &store.Version{StateMachineArn: sm.Arn, Language: lang, Type: store.TypeStandard, CreatedAt: at(3)}
			e.ok(e.s.CreateVersion(e.ctx, v), "CreateVersion")
			gv, err := e.s.GetVersion(e.ctx, v.Arn)
			e.ok(err, "GetVersion")
			e.equal(gv.Language, cmp.Or(lang, "asl"), "version language (given %q)", lang)

			x := running(sm.Arn, "lang-"+cmp.Or(lang, "none"), at(4))
			x.Language = lang
			e.commit(start(x, 1))
			e.equal(e.getExec(x.Arn).Language, cmp.Or(lang, "asl"), "execution language (given %q)", lang)
		}
	}},
	{"BundleRef", func(e *env) {
		// The bundle a workflow, a version and an execution work with
		// round-trips; "" is none.
		const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		sm := stateMachine("bundled")
		sm.Bundle = digest
		e.ok(e.s.CreateStateMachine(e.ctx, sm), "CreateStateMachine")
		got, err := e.s.GetStateMachine(e.ctx, sm.Arn)
		e.ok(err, "GetStateMachine")
		e.equal(got.Bundle, digest, "state machine bundle")
		sm.Bundle = ""
		e.ok(e.s.UpdateStateMachine(e.ctx, sm), "UpdateStateMachine")
		got, err = e.s.GetStateMachine(e.ctx, sm.Arn)
		e.ok(err, "GetStateMachine")
		e.equal(got.Bundle, "", "state machine bundle removed")
		for _, b := range []string{digest, ""} {
			v := &store.Version{StateMachineArn: sm.Arn, Bundle: b, Type: store.TypeStandard, CreatedAt: at(3)}
			e.ok(e.s.CreateVersion(e.ctx, v), "CreateVersion")
			gv, err := e.s.GetVersion(e.ctx, v.Arn)
			e.ok(err, "GetVersion")
			e.equal(gv.Bundle, b, "version bundle")
			x := running(sm.Arn, "bundle-"+strconv.Itoa(len(b)), at(4))
			x.Bundle = b
			e.commit(start(x, 1))
			e.equal(e.getExec(x.Arn).Bundle, b, "execution bundle")
		}
	}},
	{"ZeroTimes", func(e *env) {
		sm := stateMachine("zero")
		sm.CreatedAt, sm.UpdatedAt = time0, time0
		e.ok(e.s.CreateStateMachine(e.ctx, sm), "CreateStateMachine")
		got, err := e.s.GetStateMachine(e.ctx, sm.Arn)
		e.ok(err, "GetStateMachine")
		if !got.CreatedAt.IsZero() || !got.UpdatedAt.IsZero() {
			e.Errorf("zero times came back as %v, %v", got.CreatedAt, got.UpdatedAt)
		}
	}},
	{"ListStateMachines", func(e *env) {
		var names []string
		for _, i := range rand.Perm(23) {
			name := fmt.Sprintf("sm-%02d", i)
			names = append(names, name)
			e.ok(e.s.CreateStateMachine(e.ctx, stateMachine(name)), "CreateStateMachine")
		}
		slices.Sort(names)
		for _, limit := range []int{1, 5, 23, 50} {
			all := walk(e, limit, func(p store.Page) ([]*store.StateMachine, string, error) {
				return e.s.ListStateMachines(e.ctx, p)
			})
			var got []string
			for _, sm := range all {
				got = append(got, sm.Name)
			}
			e.equal(got, names, "ListStateMachines names (limit %d)", limit)
		}
		all, next, err := e.s.ListStateMachines(e.ctx, store.Page{})
		e.ok(err, "ListStateMachines")
		if len(all) != 23 || next != "" {
			e.Errorf("default page: %d items, next %q", len(all), next)
		}
		e.equal(all[0], stateMachine("sm-00"), "listed state machine")
		for _, tok := range badTokens {
			_, _, err := e.s.ListStateMachines(e.ctx, store.Page{Token: tok})
			e.is(err, store.ErrBadToken, "ListStateMachines token %q", tok)
		}
	}},
	{"DefaultPageLimit", func(e *env) {
		for i := range 105 {
			e.ok(e.s.CreateActivity(e.ctx, &store.Activity{Arn: fmt.Sprintf("%sactivity:a%03d", region, i),
				Name: fmt.Sprintf("a%03d", i), CreatedAt: at(i)}), "CreateActivity")
		}
		page, next, err := e.s.ListActivities(e.ctx, store.Page{})
		e.ok(err, "ListActivities")
		if len(page) != 100 || next == "" {
			e.Fatalf("first default page: %d items, next %q; want 100 and a token", len(page), next)
		}
		page, next, err = e.s.ListActivities(e.ctx, store.Page{Token: next})
		e.ok(err, "ListActivities")
		if len(page) != 5 || next != "" || page[0].Name != "a100" {
			e.Errorf("second default page: %d items, next %q", len(page), next)
		}
	}},
	{"Versions", func(e *env) {
		_, err := e.s.GetVersion(e.ctx, smArnA+":1")
		e.is(err, store.ErrNotFound, "GetVersion missing")
		e.is(e.s.CreateVersion(e.ctx, &store.Version{StateMachineArn: smArnA}), store.ErrNotFound,
			"CreateVersion of a missing state machine")
		e.ok(e.s.CreateStateMachine(e.ctx, stateMachine("alpha")), "CreateStateMachine")
		e.ok(e.s.CreateStateMachine(e.ctx, stateMachine("beta")), "CreateStateMachine")
		var made []*store.Version
		for i := 1; i <= 7; i++ {
			v := &store.Version{StateMachineArn: smArnA, Language: "asl", Definition: "def" + strconv.Itoa(i),
				RoleArn: "role", Type: store.TypeStandard, Description: "v", RevisionID: "rev", CreatedAt: at(i)}
			e.ok(e.s.CreateVersion(e.ctx, v), "CreateVersion")
			if v.Number != int64(i) || v.Arn != smArnA+":"+strconv.Itoa(i) {
				e.Fatalf("version %d: Number %d, Arn %q", i, v.Number, v.Arn)
			}
			made = append(made, v)
		}
		vb := &store.Version{StateMachineArn: smArnB, Type: store.TypeStandard}
		e.ok(e.s.CreateVersion(e.ctx, vb), "CreateVersion beta")
		if vb.Number != 1 {
			e.Errorf("first version of beta numbered %d", vb.Number)
		}
		got, err := e.s.GetVersion(e.ctx, made[2].Arn)
		e.ok(err, "GetVersion")
		e.equal(got, made[2], "GetVersion")

		for _, limit := range []int{2, 7, 100} {
			all := walk(e, limit, func(p store.Page) ([]*store.Version, string, error) {
				return e.s.ListVersions(e.ctx, smArnA, p)
			})
			want := slices.Clone(made)
			slices.Reverse(want)
			e.equal(all, want, "ListVersions newest first (limit %d)", limit)
		}
		for _, tok := range badTokens {
			_, _, err := e.s.ListVersions(e.ctx, smArnA, store.Page{Token: tok})
			e.is(err, store.ErrBadToken, "ListVersions token %q", tok)
		}

		e.ok(e.s.DeleteVersion(e.ctx, made[6].Arn), "DeleteVersion")
		_, err = e.s.GetVersion(e.ctx, made[6].Arn)
		e.is(err, store.ErrNotFound, "GetVersion after delete")
		e.is(e.s.DeleteVersion(e.ctx, made[6].Arn), store.ErrNotFound, "DeleteVersion twice")
		v := &store.Version{StateMachineArn: smArnA, Type: store.TypeStandard}
		e.ok(e.s.CreateVersion(e.ctx, v), "CreateVersion after delete")
		if v.Number != 8 {
			e.Errorf("version after deleting 7 numbered %d, want 8 (numbers are never reused)", v.Number)
		}
		// Updating the state machine keeps the counter.
		e.ok(e.s.UpdateStateMachine(e.ctx, stateMachine("alpha")), "UpdateStateMachine")
		v = &store.Version{StateMachineArn: smArnA, Type: store.TypeStandard}
		e.ok(e.s.CreateVersion(e.ctx, v), "CreateVersion after update")
		if v.Number != 9 {
			e.Errorf("version after an update numbered %d, want 9", v.Number)
		}
	}},
	{"Aliases", func(e *env) {
		a := &store.Alias{Arn: smArnA + ":prod", StateMachineArn: smArnA, Name: "prod", Description: "d",
			Routing:   []store.Route{{VersionArn: smArnA + ":1", Weight: 90}, {VersionArn: smArnA + ":2", Weight: 10}},
			CreatedAt: at(1), UpdatedAt: at(2)}
		e.is(e.s.CreateAlias(e.ctx, a), store.ErrNotFound, "CreateAlias of a missing state machine")
		e.ok(e.s.CreateStateMachine(e.ctx, stateMachine("alpha")), "CreateStateMachine")
		e.ok(e.s.CreateAlias(e.ctx, a), "CreateAlias")
		e.is(e.s.CreateAlias(e.ctx, a), store.ErrExists, "CreateAlias twice")
		got, err := e.s.GetAlias(e.ctx, a.Arn)
		e.ok(err, "GetAlias")
		e.equal(got, a, "GetAlias")

		up := *a
		up.Description, up.UpdatedAt = "d2", at(50)
		up.Routing = []store.Route{{VersionArn: smArnA + ":3", Weight: 100}}
		e.ok(e.s.UpdateAlias(e.ctx, &up), "UpdateAlias")
		got, err = e.s.GetAlias(e.ctx, a.Arn)
		e.ok(err, "GetAlias")
		e.equal(got, &up, "GetAlias after update")
		missing := up
		missing.Arn, missing.Name = smArnA+":nope", "nope"
		e.is(e.s.UpdateAlias(e.ctx, &missing), store.ErrNotFound, "UpdateAlias missing")
		_, err = e.s.GetAlias(e.ctx, missing.Arn)
		e.is(err, store.ErrNotFound, "GetAlias missing")

		var names []string
		for _, i := range rand.Perm(9) {
			name := fmt.Sprintf("al-%d", i)
			names = append(names, name)
			e.ok(e.s.CreateAlias(e.ctx, &store.Alias{Arn: smArnA + ":" + name, StateMachineArn: smArnA, Name: name,
				Routing: []store.Route{{VersionArn: smArnA + ":1", Weight: 100}}}), "CreateAlias")
		}
		names = append(names, "prod")
		slices.Sort(names)
		all := walk(e, 4, func(p store.Page) ([]*store.Alias, string, error) {
			return e.s.ListAliases(e.ctx, smArnA, p)
		})
		var gotNames []string
		for _, a := range all {
			gotNames = append(gotNames, a.Name)
		}
		e.equal(gotNames, names, "ListAliases sorted by name")
		none, next, err := e.s.ListAliases(e.ctx, smArnB, store.Page{})
		e.ok(err, "ListAliases of another machine")
		if len(none) != 0 || next != "" {
			e.Errorf("ListAliases of another machine: %d, %q", len(none), next)
		}
		for _, tok := range badTokens {
			_, _, err := e.s.ListAliases(e.ctx, smArnA, store.Page{Token: tok})
			e.is(err, store.ErrBadToken, "ListAliases token %q", tok)
		}
		e.ok(e.s.DeleteAlias(e.ctx, a.Arn), "DeleteAlias")
		_, err = e.s.GetAlias(e.ctx, a.Arn)
		e.is(err, store.ErrNotFound, "GetAlias after delete")
		e.is(e.s.DeleteAlias(e.ctx, a.Arn), store.ErrNotFound, "DeleteAlias twice")
	}},
	{"Activities", func(e *env) {
		a := &store.Activity{Arn: actArnA, Name: "alpha", CreatedAt: at(3)}
		e.ok(e.s.CreateActivity(e.ctx, a), "CreateActivity")
		e.is(e.s.CreateActivity(e.ctx, a), store.ErrExists, "CreateActivity twice")
		got, err := e.s.GetActivity(e.ctx, a.Arn)
		e.ok(err, "GetActivity")
		e.equal(got, a, "GetActivity")
		var names []string
		for _, i := range rand.Perm(11) {
			name := fmt.Sprintf("act-%02d", i)
			names = append(names, name)
			e.ok(e.s.CreateActivity(e.ctx, &store.Activity{Arn: region + "activity:" + name, Name: name}), "CreateActivity")
		}
		names = append(names, "alpha")
		slices.Sort(names)
		all := walk(e, 3, func(p store.Page) ([]*store.Activity, string, error) { return e.s.ListActivities(e.ctx, p) })
		var gotNames []string
		for _, a := range all {
			gotNames = append(gotNames, a.Name)
		}
		e.equal(gotNames, names, "ListActivities sorted by name")
		for _, tok := range badTokens {
			_, _, err := e.s.ListActivities(e.ctx, store.Page{Token: tok})
			e.is(err, store.ErrBadToken, "ListActivities token %q", tok)
		}
		e.ok(e.s.DeleteActivity(e.ctx, a.Arn), "DeleteActivity")
		_, err = e.s.GetActivity(e.ctx, a.Arn)
		e.is(err, store.ErrNotFound, "GetActivity after delete")
		e.is(e.s.DeleteActivity(e.ctx, a.Arn), store.ErrNotFound, "DeleteActivity twice")
	}},
	{"DeleteStateMachineCascades", func(e *env) {
		for _, name := range []string{"alpha", "beta"} {
			sm := stateMachine(name)
			e.ok(e.s.CreateStateMachine(e.ctx, sm), "CreateStateMachine")
			v := &store.Version{StateMachineArn: sm.Arn, Type: store.TypeStandard}
			e.ok(e.s.CreateVersion(e.ctx, v), "CreateVersion")
			al := &store.Alias{Arn: sm.Arn + ":live", StateMachineArn: sm.Arn, Name: "live",
				Routing: []store.Route{{VersionArn: v.Arn, Weight: 100}}}
			e.ok(e.s.CreateAlias(e.ctx, al), "CreateAlias")
			for _, arn := range []string{sm.Arn, v.Arn, al.Arn} {
				e.ok(e.s.TagResource(e.ctx, arn, map[string]string{"team": name}), "TagResource")
			}
			x := running(sm.Arn, "run", at(5))
			x.VersionArn, x.AliasArn = v.Arn, al.Arn
			e.commit(start(x, 2))
		}
		e.ok(e.s.DeleteStateMachine(e.ctx, smArnA), "DeleteStateMachine")
		_, err := e.s.GetVersion(e.ctx, smArnA+":1")
		e.is(err, store.ErrNotFound, "version of a deleted machine")
		_, err = e.s.GetAlias(e.ctx, smArnA+":live")
		e.is(err, store.ErrNotFound, "alias of a deleted machine")
		vs, _, err := e.s.ListVersions(e.ctx, smArnA, store.Page{})
		e.ok(err, "ListVersions")
		as, _, err := e.s.ListAliases(e.ctx, smArnA, store.Page{})
		e.ok(err, "ListAliases")
		if len(vs) != 0 || len(as) != 0 {
			e.Errorf("after delete: %d versions, %d aliases", len(vs), len(as))
		}
		for _, arn := range []string{smArnA, smArnA + ":1", smArnA + ":live"} {
			tags, err := e.s.ListTags(e.ctx, arn)
			e.ok(err, "ListTags")
			e.equal(tags, map[string]string{}, "tags of %q after delete", arn)
		}
		// The executions stay, and beta keeps everything.
		x := e.getExec(execArn(smArnA, "run"))
		if x.EventCount != 2 {
			e.Errorf("execution of a deleted machine: EventCount %d", x.EventCount)
		}
		list, _, err := e.s.ListExecutions(e.ctx, store.ExecutionFilter{StateMachineArn: smArnA}, store.Page{})
		e.ok(err, "ListExecutions")
		if len(list) != 1 {
			e.Errorf("ListExecutions of a deleted machine: %d", len(list))
		}
		for _, arn := range []string{smArnB, smArnB + ":1", smArnB + ":live"} {
			tags, err := e.s.ListTags(e.ctx, arn)
			e.ok(err, "ListTags")
			e.equal(tags, map[string]string{"team": "beta"}, "tags of %q", arn)
		}
		_, err = e.s.GetVersion(e.ctx, smArnB+":1")
		e.ok(err, "version of the other machine")
		_, err = e.s.GetAlias(e.ctx, smArnB+":live")
		e.ok(err, "alias of the other machine")
	}},
}

var tagTests = []test{
	{"TagUntagList", func(e *env) {
		tags, err := e.s.ListTags(e.ctx, smArnA)
		e.ok(err, "ListTags")
		if tags == nil || len(tags) != 0 {
			e.Errorf("ListTags with none: %#v, want an empty map", tags)
		}
		e.ok(e.s.TagResource(e.ctx, smArnA, map[string]string{"a": "1", "b": "2"}), "TagResource")
		e.ok(e.s.TagResource(e.ctx, smArnA, map[string]string{"b": "3", "c": ""}), "TagResource overwrite")
		e.ok(e.s.TagResource(e.ctx, smArnB, map[string]string{"a": "other"}), "TagResource other")
		tags, err = e.s.ListTags(e.ctx, smArnA)
		e.ok(err, "ListTags")
		e.equal(tags, map[string]string{"a": "1", "b": "3", "c": ""}, "tags after overwrite")
		e.ok(e.s.UntagResource(e.ctx, smArnA, []string{"a", "nope"}), "UntagResource")
		tags, err = e.s.ListTags(e.ctx, smArnA)
		e.ok(err, "ListTags")
		e.equal(tags, map[string]string{"b": "3", "c": ""}, "tags after untag")
		tags, err = e.s.ListTags(e.ctx, smArnB)
		e.ok(err, "ListTags")
		e.equal(tags, map[string]string{"a": "other"}, "tags of another resource")
	}},
	{"DeleteActivityRemovesTags", func(e *env) {
		e.ok(e.s.CreateActivity(e.ctx, &store.Activity{Arn: actArnA, Name: "alpha"}), "CreateActivity")
		e.ok(e.s.TagResource(e.ctx, actArnA, map[string]string{"k": "v"}), "TagResource")
		e.ok(e.s.DeleteActivity(e.ctx, actArnA), "DeleteActivity")
		tags, err := e.s.ListTags(e.ctx, actArnA)
		e.ok(err, "ListTags")
		e.equal(tags, map[string]string{}, "tags of a deleted activity")
	}},
}
