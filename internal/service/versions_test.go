package service

import (
	"context"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/apierr"
)

func TestVersions(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{})
	arn := e.mkSM(t, &CreateStateMachineInput{Name: "sm", Definition: passDef}).StateMachineArn
	d, _ := e.svc.DescribeStateMachine(ctx, &DescribeStateMachineInput{StateMachineArn: arn})

	v1, err := e.svc.PublishStateMachineVersion(ctx, &PublishStateMachineVersionInput{StateMachineArn: arn, RevisionID: "INITIAL", Description: "one"})
	if err != nil || v1.StateMachineVersionArn != arn+":1" {
		t.Fatalf("publish = %+v, %v", v1, err)
	}
	// Same revision again: the same version.
	again, err := e.svc.PublishStateMachineVersion(ctx, &PublishStateMachineVersionInput{StateMachineArn: arn, RevisionID: d.RevisionID})
	if err != nil || again.StateMachineVersionArn != v1.StateMachineVersionArn {
		t.Fatalf("publish again = %+v, %v", again, err)
	}
	_, err = e.svc.PublishStateMachineVersion(ctx, &PublishStateMachineVersionInput{StateMachineArn: arn, Description: "other"})
	wantCode(t, err, apierr.ConflictException)

	e.now = e.now.Add(time.Second)
	if _, err := e.svc.UpdateStateMachine(ctx, &UpdateStateMachineInput{StateMachineArn: arn, Definition: pass2Def}); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.PublishStateMachineVersion(ctx, &PublishStateMachineVersionInput{StateMachineArn: arn, RevisionID: d.RevisionID})
	wantCode(t, err, apierr.ConflictException)
	_, err = e.svc.PublishStateMachineVersion(ctx, &PublishStateMachineVersionInput{StateMachineArn: arn, RevisionID: "INITIAL"})
	wantCode(t, err, apierr.ConflictException)
	v2, err := e.svc.PublishStateMachineVersion(ctx, &PublishStateMachineVersionInput{StateMachineArn: arn})
	if err != nil || v2.StateMachineVersionArn != arn+":2" {
		t.Fatalf("publish 2 = %+v, %v", v2, err)
	}

	list, err := e.svc.ListStateMachineVersions(ctx, &ListStateMachineVersionsInput{StateMachineArn: arn, MaxResults: 1})
	if err != nil || len(list.StateMachineVersions) != 1 || list.StateMachineVersions[0].StateMachineVersionArn != arn+":2" || list.NextToken == "" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	list, err = e.svc.ListStateMachineVersions(ctx, &ListStateMachineVersionsInput{StateMachineArn: arn, NextToken: list.NextToken})
	if err != nil || len(list.StateMachineVersions) != 1 || list.StateMachineVersions[0].StateMachineVersionArn != arn+":1" {
		t.Fatalf("list page 2 = %+v, %v", list, err)
	}

	// A version an alias routes to cannot be deleted.
	if _, err := e.svc.CreateStateMachineAlias(ctx, &CreateStateMachineAliasInput{Name: "prod",
		RoutingConfiguration: []RoutingConfigurationListItem{{StateMachineVersionArn: arn + ":1", Weight: 100}}}); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.DeleteStateMachineVersion(ctx, &DeleteStateMachineVersionInput{StateMachineVersionArn: arn + ":1"})
	wantCode(t, err, apierr.ConflictException)
	_, err = e.svc.DeleteStateMachineVersion(ctx, &DeleteStateMachineVersionInput{StateMachineVersionArn: arn + ":2"})
	wantCode(t, err, "")
	_, err = e.svc.DeleteStateMachineVersion(ctx, &DeleteStateMachineVersionInput{StateMachineVersionArn: arn + ":2"})
	wantCode(t, err, "") // deleting twice succeeds
	// Numbers are not reused.
	if _, err := e.svc.UpdateStateMachine(ctx, &UpdateStateMachineInput{StateMachineArn: arn, Definition: passDef, Publish: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DescribeStateMachine(ctx, &DescribeStateMachineInput{StateMachineArn: arn + ":3"}); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name string
		call func() error
		code string
	}{
		{"publish null", func() error {
			_, err := e.svc.PublishStateMachineVersion(ctx, &PublishStateMachineVersionInput{})
			return err
		}, apierr.ValidationException},
		{"publish unknown", func() error {
			_, err := e.svc.PublishStateMachineVersion(ctx, &PublishStateMachineVersionInput{StateMachineArn: smArn + "nope"})
			return err
		}, apierr.StateMachineDoesNotExist},
		{"publish version arn", func() error {
			_, err := e.svc.PublishStateMachineVersion(ctx, &PublishStateMachineVersionInput{StateMachineArn: arn + ":1"})
			return err
		}, apierr.InvalidArn},
		{"list versions bad arn", func() error {
			_, err := e.svc.ListStateMachineVersions(ctx, &ListStateMachineVersionsInput{StateMachineArn: "x"})
			return err
		}, apierr.InvalidArn},
		{"list versions bad max", func() error {
			_, err := e.svc.ListStateMachineVersions(ctx, &ListStateMachineVersionsInput{StateMachineArn: arn, MaxResults: 5000})
			return err
		}, apierr.ValidationException},
		{"delete version unqualified", func() error {
			_, err := e.svc.DeleteStateMachineVersion(ctx, &DeleteStateMachineVersionInput{StateMachineVersionArn: arn})
			return err
		}, apierr.InvalidArn},
		{"delete version null", func() error {
			_, err := e.svc.DeleteStateMachineVersion(ctx, &DeleteStateMachineVersionInput{})
			return err
		}, apierr.ValidationException},
	} {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.call(), tt.code) })
	}
}

func TestAliases(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{})
	arn := e.mkSM(t, &CreateStateMachineInput{Name: "sm", Definition: passDef, Publish: true}).StateMachineArn
	if _, err := e.svc.UpdateStateMachine(ctx, &UpdateStateMachineInput{StateMachineArn: arn, Definition: pass2Def, Publish: true}); err != nil {
		t.Fatal(err)
	}
	other := e.mkSM(t, &CreateStateMachineInput{Name: "other", Definition: passDef, Publish: true}).StateMachineArn
	v1, v2 := arn+":1", arn+":2"
	route := func(items ...any) []RoutingConfigurationListItem {
		var out []RoutingConfigurationListItem
		for i := 0; i < len(items); i += 2 {
			out = append(out, RoutingConfigurationListItem{StateMachineVersionArn: items[i].(string), Weight: items[i+1].(int)})
		}
		return out
	}

	c, err := e.svc.CreateStateMachineAlias(ctx, &CreateStateMachineAliasInput{Name: "prod", Description: "p", RoutingConfiguration: route(v1, 90, v2, 10)})
	if err != nil || c.StateMachineAliasArn != arn+":prod" {
		t.Fatalf("create alias = %+v, %v", c, err)
	}
	again, err := e.svc.CreateStateMachineAlias(ctx, &CreateStateMachineAliasInput{Name: "prod", Description: "p", RoutingConfiguration: route(v1, 90, v2, 10)})
	if err != nil || again.StateMachineAliasArn != c.StateMachineAliasArn {
		t.Fatalf("idempotent create alias = %+v, %v", again, err)
	}
	d, err := e.svc.DescribeStateMachineAlias(ctx, &DescribeStateMachineAliasInput{StateMachineAliasArn: c.StateMachineAliasArn})
	if err != nil || d.Name != "prod" || d.Description != "p" || len(d.RoutingConfiguration) != 2 || d.RoutingConfiguration[1].Weight != 10 {
		t.Fatalf("describe alias = %+v, %v", d, err)
	}
	desc := "new"
	if _, err := e.svc.UpdateStateMachineAlias(ctx, &UpdateStateMachineAliasInput{StateMachineAliasArn: c.StateMachineAliasArn, Description: &desc, RoutingConfiguration: route(v2, 100)}); err != nil {
		t.Fatal(err)
	}
	d, _ = e.svc.DescribeStateMachineAlias(ctx, &DescribeStateMachineAliasInput{StateMachineAliasArn: c.StateMachineAliasArn})
	if d.Description != "new" || len(d.RoutingConfiguration) != 1 || d.RoutingConfiguration[0].StateMachineVersionArn != v2 {
		t.Fatalf("after update = %+v", d)
	}
	if _, err := e.svc.CreateStateMachineAlias(ctx, &CreateStateMachineAliasInput{Name: "beta", RoutingConfiguration: route(v1, 100)}); err != nil {
		t.Fatal(err)
	}
	l, err := e.svc.ListStateMachineAliases(ctx, &ListStateMachineAliasesInput{StateMachineArn: arn})
	if err != nil || len(l.StateMachineAliases) != 2 || l.StateMachineAliases[0].StateMachineAliasArn != arn+":beta" {
		t.Fatalf("list aliases = %+v, %v", l, err)
	}
	l, err = e.svc.ListStateMachineAliases(ctx, &ListStateMachineAliasesInput{StateMachineArn: v1})
	if err != nil || len(l.StateMachineAliases) != 1 || l.StateMachineAliases[0].StateMachineAliasArn != arn+":beta" {
		t.Fatalf("list aliases of v1 = %+v, %v", l, err)
	}

	for _, tt := range []struct {
		name string
		in   CreateStateMachineAliasInput
		code string
	}{
		{"no name", CreateStateMachineAliasInput{RoutingConfiguration: route(v1, 100)}, apierr.ValidationException},
		{"no routing", CreateStateMachineAliasInput{Name: "x"}, apierr.ValidationException},
		{"empty routing", CreateStateMachineAliasInput{Name: "x", RoutingConfiguration: route()}, apierr.ValidationException},
		{"digits only", CreateStateMachineAliasInput{Name: "123", RoutingConfiguration: route(v1, 100)}, apierr.InvalidName},
		{"bad char", CreateStateMachineAliasInput{Name: "a b", RoutingConfiguration: route(v1, 100)}, apierr.InvalidName},
		{"three routes", CreateStateMachineAliasInput{Name: "x", RoutingConfiguration: route(v1, 50, v2, 25, v1, 25)}, apierr.ValidationException},
		{"sum not 100", CreateStateMachineAliasInput{Name: "x", RoutingConfiguration: route(v1, 50, v2, 40)}, apierr.ValidationException},
		{"weight over 100", CreateStateMachineAliasInput{Name: "x", RoutingConfiguration: route(v1, 101)}, apierr.ValidationException},
		{"same version twice", CreateStateMachineAliasInput{Name: "x", RoutingConfiguration: route(v1, 50, v1, 50)}, apierr.ValidationException},
		{"two machines", CreateStateMachineAliasInput{Name: "x", RoutingConfiguration: route(v1, 50, other+":1", 50)}, apierr.ValidationException},
		{"unqualified arn", CreateStateMachineAliasInput{Name: "x", RoutingConfiguration: route(arn, 100)}, apierr.InvalidArn},
		{"unknown version", CreateStateMachineAliasInput{Name: "x", RoutingConfiguration: route(arn+":9", 100)}, apierr.ResourceNotFound},
		{"exists, different", CreateStateMachineAliasInput{Name: "beta", RoutingConfiguration: route(v2, 100)}, apierr.ConflictException},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.CreateStateMachineAlias(ctx, &tt.in)
			wantCode(t, err, tt.code)
		})
	}
	for _, tt := range []struct {
		name string
		call func() error
		code string
	}{
		{"update nothing", func() error {
			_, err := e.svc.UpdateStateMachineAlias(ctx, &UpdateStateMachineAliasInput{StateMachineAliasArn: arn + ":prod"})
			return err
		}, apierr.ValidationException},
		{"update unknown", func() error {
			_, err := e.svc.UpdateStateMachineAlias(ctx, &UpdateStateMachineAliasInput{StateMachineAliasArn: arn + ":nope", Description: &desc})
			return err
		}, apierr.ResourceNotFound},
		{"update other machine's version", func() error {
			_, err := e.svc.UpdateStateMachineAlias(ctx, &UpdateStateMachineAliasInput{StateMachineAliasArn: arn + ":prod", RoutingConfiguration: route(other+":1", 100)})
			return err
		}, apierr.ValidationException},
		{"describe unknown", func() error {
			_, err := e.svc.DescribeStateMachineAlias(ctx, &DescribeStateMachineAliasInput{StateMachineAliasArn: arn + ":nope"})
			return err
		}, apierr.ResourceNotFound},
		{"describe version arn", func() error {
			_, err := e.svc.DescribeStateMachineAlias(ctx, &DescribeStateMachineAliasInput{StateMachineAliasArn: v1})
			return err
		}, apierr.InvalidArn},
		{"list unknown machine", func() error {
			_, err := e.svc.ListStateMachineAliases(ctx, &ListStateMachineAliasesInput{StateMachineArn: smArn + "nope"})
			return err
		}, apierr.StateMachineDoesNotExist},
		{"list unknown version", func() error {
			_, err := e.svc.ListStateMachineAliases(ctx, &ListStateMachineAliasesInput{StateMachineArn: arn + ":9"})
			return err
		}, apierr.ResourceNotFound},
		{"delete unknown", func() error {
			_, err := e.svc.DeleteStateMachineAlias(ctx, &DeleteStateMachineAliasInput{StateMachineAliasArn: arn + ":nope"})
			return err
		}, apierr.ResourceNotFound},
		{"delete", func() error {
			_, err := e.svc.DeleteStateMachineAlias(ctx, &DeleteStateMachineAliasInput{StateMachineAliasArn: arn + ":beta"})
			return err
		}, ""},
		{"delete null", func() error {
			_, err := e.svc.DeleteStateMachineAlias(ctx, &DeleteStateMachineAliasInput{})
			return err
		}, apierr.ValidationException},
	} {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.call(), tt.code) })
	}
}
