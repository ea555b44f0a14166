package service

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/apierr"
)

func TestCreateStateMachine(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{})
	out := e.mkSM(t, &CreateStateMachineInput{Name: "sm", Definition: passDef, Tags: []Tag{{Key: "team", Value: "a"}}})
	if out.StateMachineArn != smArn+"sm" || !out.CreationDate.Equal(e.now.Truncate(time.Millisecond)) || out.StateMachineVersionArn != "" {
		t.Fatalf("CreateStateMachine = %+v", out)
	}
	tags, err := e.svc.ListTagsForResource(ctx, &ListTagsForResourceInput{ResourceArn: out.StateMachineArn})
	if err != nil || len(tags.Tags) != 1 || tags.Tags[0] != (Tag{"team", "a"}) {
		t.Fatalf("tags = %+v, %v", tags, err)
	}
	// Same name, same definition: idempotent.
	again, err := e.svc.CreateStateMachine(ctx, &CreateStateMachineInput{Name: "sm", Definition: passDef, RoleArn: "arn:aws:iam::123456789012:role/r"})
	if err != nil || again.StateMachineArn != out.StateMachineArn {
		t.Fatalf("idempotent create = %+v, %v", again, err)
	}
	// Publish on create.
	pub := e.mkSM(t, &CreateStateMachineInput{Name: "pub", Definition: passDef, Publish: true, VersionDescription: "first", Type: "EXPRESS"})
	if pub.StateMachineVersionArn != smArn+"pub:1" {
		t.Fatalf("publish on create = %+v", pub)
	}

	long := strings.Repeat("x", 81)
	manyTags := make([]Tag, 51)
	for i := range manyTags {
		manyTags[i] = Tag{Key: strings.Repeat("k", i+1)}
	}
	tests := []struct {
		name string
		in   CreateStateMachineInput
		code string
		msg  string
	}{
		{"no name", CreateStateMachineInput{Definition: passDef}, apierr.ValidationException, "Value null at 'name'"},
		{"no definition", CreateStateMachineInput{Name: "x"}, apierr.ValidationException, "Value null at 'definition'"},
		{"nothing", CreateStateMachineInput{}, apierr.ValidationException, "2 validation errors detected"},
		{"name too long", CreateStateMachineInput{Name: long, Definition: passDef}, apierr.InvalidName, "81 characters"},
		{"name with space", CreateStateMachineInput{Name: "a b", Definition: passDef}, apierr.InvalidName, "whitespace"},
		{"name with slash", CreateStateMachineInput{Name: "a/b", Definition: passDef}, apierr.InvalidName, "'/'"},
		{"bad type", CreateStateMachineInput{Name: "x", Definition: passDef, Type: "FAST"}, apierr.ValidationException, "enum value set: [STANDARD, EXPRESS]"},
		{"bad role", CreateStateMachineInput{Name: "x", Definition: passDef, RoleArn: "role"}, apierr.InvalidArn, "role"},
		{"bad definition", CreateStateMachineInput{Name: "x", Definition: badDef}, apierr.InvalidDefinition, "(/StartAt)"},
		{"not json", CreateStateMachineInput{Name: "x", Definition: "{"}, apierr.InvalidDefinition, "Invalid State Machine Definition"},
		{"express .sync", CreateStateMachineInput{Name: "x", Definition: syncDef, Type: "EXPRESS"}, apierr.InvalidDefinition, "'.sync'"},
		{"too many tags", CreateStateMachineInput{Name: "x", Definition: passDef, Tags: manyTags}, apierr.TooManyTags, "limit is 50"},
		{"reserved tag", CreateStateMachineInput{Name: "x", Definition: passDef, Tags: []Tag{{Key: "aws:x"}}}, apierr.ValidationException, "reserved"},
		{"version description without publish", CreateStateMachineInput{Name: "x", Definition: passDef, VersionDescription: "d"}, apierr.ValidationException, "publish"},
		{"bad logging level", CreateStateMachineInput{Name: "x", Definition: passDef, LoggingConfiguration: &LoggingConfiguration{Level: "LOUD"}}, apierr.ValidationException, "loggingConfiguration.level"},
		{"exists, different", CreateStateMachineInput{Name: "sm", Definition: pass2Def}, apierr.StateMachineAlreadyExists, smArn + "sm"},
		{"definition too large", CreateStateMachineInput{Name: "x", Definition: strings.Repeat(" ", maxDefinitionLen+1)}, apierr.ValidationException, "definition"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.CreateStateMachine(ctx, &tt.in)
			wantCode(t, err, tt.code)
			if !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

func TestDescribeUpdateDeleteStateMachine(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{})
	arn := e.mkSM(t, &CreateStateMachineInput{Name: "sm", Definition: passDef,
		LoggingConfiguration: &LoggingConfiguration{Level: "ERROR", IncludeExecutionData: true}}).StateMachineArn

	d, err := e.svc.DescribeStateMachine(ctx, &DescribeStateMachineInput{StateMachineArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "sm" || d.Status != "ACTIVE" || d.Type != "STANDARD" || d.Definition != passDef ||
		d.LoggingConfiguration.Level != "ERROR" || !d.LoggingConfiguration.IncludeExecutionData ||
		d.TracingConfiguration == nil || d.TracingConfiguration.Enabled || d.RevisionID == "" {
		t.Fatalf("DescribeStateMachine = %+v", d)
	}

	e.now = e.now.Add(time.Minute)
	u, err := e.svc.UpdateStateMachine(ctx, &UpdateStateMachineInput{StateMachineArn: arn, Definition: pass2Def, Publish: true, VersionDescription: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	if u.RevisionID == d.RevisionID || u.StateMachineVersionArn != arn+":1" || !u.UpdateDate.Equal(e.now.Truncate(time.Millisecond)) {
		t.Fatalf("UpdateStateMachine = %+v", u)
	}
	d2, _ := e.svc.DescribeStateMachine(ctx, &DescribeStateMachineInput{StateMachineArn: arn})
	if d2.Definition != pass2Def || d2.RevisionID != u.RevisionID || d2.LoggingConfiguration.Level != "ERROR" {
		t.Fatalf("after update: %+v", d2)
	}
	// Describe the version and an alias pointing at it.
	dv, err := e.svc.DescribeStateMachine(ctx, &DescribeStateMachineInput{StateMachineArn: arn + ":1"})
	if err != nil || dv.StateMachineArn != arn+":1" || dv.Description != "v1" || dv.Definition != pass2Def || dv.Name != "sm" {
		t.Fatalf("describe version = %+v, %v", dv, err)
	}
	if _, err := e.svc.CreateStateMachineAlias(ctx, &CreateStateMachineAliasInput{Name: "prod",
		RoutingConfiguration: []RoutingConfigurationListItem{{StateMachineVersionArn: arn + ":1", Weight: 100}}}); err != nil {
		t.Fatal(err)
	}
	da, err := e.svc.DescribeStateMachine(ctx, &DescribeStateMachineInput{StateMachineArn: arn + ":prod"})
	if err != nil || da.StateMachineArn != arn+":1" {
		t.Fatalf("describe alias = %+v, %v", da, err)
	}

	errs := []struct {
		name string
		call func() error
		code string
	}{
		{"describe null", func() error { _, err := e.svc.DescribeStateMachine(ctx, &DescribeStateMachineInput{}); return err }, apierr.ValidationException},
		{"describe bad arn", func() error {
			_, err := e.svc.DescribeStateMachine(ctx, &DescribeStateMachineInput{StateMachineArn: "sm"})
			return err
		}, apierr.InvalidArn},
		{"describe activity arn", func() error {
			_, err := e.svc.DescribeStateMachine(ctx, &DescribeStateMachineInput{StateMachineArn: actArn + "a"})
			return err
		}, apierr.InvalidArn},
		{"describe unknown", func() error {
			_, err := e.svc.DescribeStateMachine(ctx, &DescribeStateMachineInput{StateMachineArn: smArn + "nope"})
			return err
		}, apierr.StateMachineDoesNotExist},
		{"describe unknown version", func() error {
			_, err := e.svc.DescribeStateMachine(ctx, &DescribeStateMachineInput{StateMachineArn: arn + ":9"})
			return err
		}, apierr.StateMachineDoesNotExist},
		{"describe unknown alias", func() error {
			_, err := e.svc.DescribeStateMachine(ctx, &DescribeStateMachineInput{StateMachineArn: arn + ":beta"})
			return err
		}, apierr.StateMachineDoesNotExist},
		{"update nothing", func() error {
			_, err := e.svc.UpdateStateMachine(ctx, &UpdateStateMachineInput{StateMachineArn: arn})
			return err
		}, apierr.MissingRequiredParameter},
		{"update unknown", func() error {
			_, err := e.svc.UpdateStateMachine(ctx, &UpdateStateMachineInput{StateMachineArn: smArn + "nope", Definition: passDef})
			return err
		}, apierr.StateMachineDoesNotExist},
		{"update version arn", func() error {
			_, err := e.svc.UpdateStateMachine(ctx, &UpdateStateMachineInput{StateMachineArn: arn + ":1", Definition: passDef})
			return err
		}, apierr.InvalidArn},
		{"update bad definition", func() error {
			_, err := e.svc.UpdateStateMachine(ctx, &UpdateStateMachineInput{StateMachineArn: arn, Definition: badDef})
			return err
		}, apierr.InvalidDefinition},
		{"update description without publish", func() error {
			_, err := e.svc.UpdateStateMachine(ctx, &UpdateStateMachineInput{StateMachineArn: arn, Definition: passDef, VersionDescription: "x"})
			return err
		}, apierr.ValidationException},
		{"delete version arn", func() error {
			_, err := e.svc.DeleteStateMachine(ctx, &DeleteStateMachineInput{StateMachineArn: arn + ":1"})
			return err
		}, apierr.ValidationException},
		{"delete null", func() error { _, err := e.svc.DeleteStateMachine(ctx, &DeleteStateMachineInput{}); return err }, apierr.ValidationException},
		{"delete unknown", func() error {
			_, err := e.svc.DeleteStateMachine(ctx, &DeleteStateMachineInput{StateMachineArn: smArn + "nope"})
			return err
		}, ""},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.call(), tt.code) })
	}

	if _, err := e.svc.DeleteStateMachine(ctx, &DeleteStateMachineInput{StateMachineArn: arn}); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.DescribeStateMachine(ctx, &DescribeStateMachineInput{StateMachineArn: arn})
	wantCode(t, err, apierr.StateMachineDoesNotExist)
	_, err = e.svc.DescribeStateMachine(ctx, &DescribeStateMachineInput{StateMachineArn: arn + ":1"})
	wantCode(t, err, apierr.StateMachineDoesNotExist)
}

func TestListStateMachines(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{})
	for _, n := range []string{"c", "a", "b"} {
		e.mkSM(t, &CreateStateMachineInput{Name: n, Definition: passDef})
	}
	var names []string
	token := ""
	for range 5 {
		out, err := e.svc.ListStateMachines(ctx, &ListStateMachinesInput{MaxResults: 2, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, sm := range out.StateMachines {
			names = append(names, sm.Name)
		}
		if token = out.NextToken; token == "" {
			break
		}
	}
	if strings.Join(names, ",") != "a,b,c" {
		t.Fatalf("listed %v", names)
	}
	for _, tt := range []struct {
		in   ListStateMachinesInput
		code string
	}{
		{ListStateMachinesInput{MaxResults: 1001}, apierr.ValidationException},
		{ListStateMachinesInput{MaxResults: -1}, apierr.ValidationException},
		{ListStateMachinesInput{NextToken: "garbage"}, apierr.InvalidToken},
		{ListStateMachinesInput{MaxResults: 1000}, ""},
	} {
		_, err := e.svc.ListStateMachines(ctx, &tt.in)
		wantCode(t, err, tt.code)
	}
}

func TestDescribeStateMachineForExecution(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{})
	arn := e.mkSM(t, &CreateStateMachineInput{Name: "sm", Definition: passDef}).StateMachineArn
	st, err := e.svc.StartExecution(ctx, &StartExecutionInput{StateMachineArn: arn, Name: "run"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateStateMachine(ctx, &UpdateStateMachineInput{StateMachineArn: arn, Definition: pass2Def}); err != nil {
		t.Fatal(err)
	}
	d, err := e.svc.DescribeStateMachineForExecution(ctx, &DescribeStateMachineForExecutionInput{ExecutionArn: st.ExecutionArn})
	if err != nil || d.Definition != passDef || d.Name != "sm" || d.StateMachineArn != arn {
		t.Fatalf("DescribeStateMachineForExecution = %+v, %v", d, err)
	}
	_, err = e.svc.DescribeStateMachineForExecution(ctx, &DescribeStateMachineForExecutionInput{ExecutionArn: execArn + "sm:nope"})
	wantCode(t, err, apierr.ExecutionDoesNotExist)
	_, err = e.svc.DescribeStateMachineForExecution(ctx, &DescribeStateMachineForExecutionInput{ExecutionArn: arn})
	wantCode(t, err, apierr.InvalidArn)
	_, err = e.svc.DescribeStateMachineForExecution(ctx, &DescribeStateMachineForExecutionInput{})
	wantCode(t, err, apierr.ValidationException)
}
