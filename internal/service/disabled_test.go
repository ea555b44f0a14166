package service

import (
	"context"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/tasks"
)

// TestDisabledResourceRefusedAtDeploy: with baton:shell switched off, a
// definition using it, at the top or nested in a Parallel or a Map, is
// refused by CreateStateMachine, UpdateStateMachine and
// ValidateStateMachineDefinition, naming the state and the flag.
func TestDisabledResourceRefusedAtDeploy(t *testing.T) {
	ctx := context.Background()
	r, err := tasks.NewResolver(tasks.Options{DisableShell: true})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, Config{DisabledResource: r.Disabled})
	shell := `{"Type":"Task","Resource":"baton:shell","Parameters":{"script":"id"},"End":true}`
	tests := []struct{ name, def, state, pointer string }{
		{"top level", `{"StartAt":"Sh","States":{"Sh":` + shell + `}}`, "Sh", "/States/Sh/Resource"},
		{"in a Parallel", `{"StartAt":"Par","States":{"Par":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"B","States":{"B":` + shell + `}}]}}}`,
			"B", "/States/Par/Branches/0/States/B/Resource"},
		{"in a Map", `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"I","States":{"I":` + shell + `}}}}}`,
			"I", "/States/M/ItemProcessor/States/I/Resource"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.CreateStateMachine(ctx, &CreateStateMachineInput{Name: "sh", Definition: tt.def, RoleArn: "arn:aws:iam::123456789012:role/r"})
			wantCode(t, err, apierr.InvalidDefinition)
			for _, want := range []string{`state "` + tt.state + `"`, "--disable-shell (BATON_DISABLE_SHELL)", tt.pointer} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%v does not say %q", err, want)
				}
			}
			v, err := e.svc.ValidateStateMachineDefinition(ctx, &ValidateStateMachineDefinitionInput{Definition: tt.def})
			if err != nil || v.Result != "FAIL" || v.Diagnostics[0].Location != tt.pointer {
				t.Errorf("ValidateStateMachineDefinition = %+v, %v; want FAIL at %s", v, err, tt.pointer)
			}
		})
	}
	out, err := e.svc.CreateStateMachine(ctx, &CreateStateMachineInput{Name: "p", Definition: passDef, RoleArn: "arn:aws:iam::123456789012:role/r"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.UpdateStateMachine(ctx, &UpdateStateMachineInput{StateMachineArn: out.StateMachineArn, Definition: tests[0].def})
	wantCode(t, err, apierr.InvalidDefinition)
}
