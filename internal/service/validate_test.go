package service

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/apierr"
)

func TestValidateStateMachineDefinition(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{})
	ok, err := e.svc.ValidateStateMachineDefinition(ctx, &ValidateStateMachineDefinitionInput{Definition: passDef})
	if err != nil || ok.Result != "OK" || ok.Diagnostics == nil || len(ok.Diagnostics) != 0 || ok.Truncated {
		t.Fatalf("valid = %+v, %v", ok, err)
	}
	bad, err := e.svc.ValidateStateMachineDefinition(ctx, &ValidateStateMachineDefinitionInput{Definition: badDef})
	if err != nil || bad.Result != "FAIL" || len(bad.Diagnostics) == 0 {
		t.Fatalf("invalid = %+v, %v", bad, err)
	}
	d := bad.Diagnostics[0]
	if d.Severity != "ERROR" || d.Code != "MISSING_TRANSITION_TARGET" || d.Location != "/StartAt" || !strings.Contains(d.Message, "line 1") {
		t.Fatalf("diagnostic = %+v", d)
	}
	// Many problems, truncated.
	many := `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"X"},"B":{"Type":"Pass","Next":"Y"},"C":{"Type":"Pass","Next":"Z"}}}`
	tr, err := e.svc.ValidateStateMachineDefinition(ctx, &ValidateStateMachineDefinitionInput{Definition: many, MaxResults: 1})
	if err != nil || tr.Result != "FAIL" || len(tr.Diagnostics) != 1 || !tr.Truncated {
		t.Fatalf("truncated = %+v, %v", tr, err)
	}
	// Express rules.
	ex, err := e.svc.ValidateStateMachineDefinition(ctx, &ValidateStateMachineDefinitionInput{Definition: syncDef, Type: "EXPRESS"})
	if err != nil || ex.Result != "FAIL" || ex.Diagnostics[0].Location != "/States/T/Resource" {
		t.Fatalf("express = %+v, %v", ex, err)
	}
	std, _ := e.svc.ValidateStateMachineDefinition(ctx, &ValidateStateMachineDefinitionInput{Definition: syncDef})
	if std.Result != "OK" {
		t.Fatalf("standard .sync = %+v", std)
	}
	notJSON, _ := e.svc.ValidateStateMachineDefinition(ctx, &ValidateStateMachineDefinitionInput{Definition: "{"})
	if notJSON.Result != "FAIL" || notJSON.Diagnostics[0].Code == "" {
		t.Fatalf("not JSON = %+v", notJSON)
	}
	for _, tt := range []struct {
		name string
		in   ValidateStateMachineDefinitionInput
		code string
	}{
		{"null", ValidateStateMachineDefinitionInput{}, apierr.ValidationException},
		{"bad type", ValidateStateMachineDefinitionInput{Definition: passDef, Type: "X"}, apierr.ValidationException},
		{"bad severity", ValidateStateMachineDefinitionInput{Definition: passDef, Severity: "INFO"}, apierr.ValidationException},
		{"bad max", ValidateStateMachineDefinitionInput{Definition: passDef, MaxResults: 101}, apierr.ValidationException},
		{"warning severity", ValidateStateMachineDefinitionInput{Definition: passDef, Severity: "WARNING"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.ValidateStateMachineDefinition(ctx, &tt.in)
			wantCode(t, err, tt.code)
		})
	}
}

func TestNames(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"a", true}, {"my-machine_1.v2", true}, {strings.Repeat("é", 80), true}, {"ünïcode", true},
		{"", false}, {strings.Repeat("a", 81), false}, {"a b", false}, {"a\u00a0b", false}, {"a\x01", false}, {"a\u0085", false},
		{"a<b", false}, {"a}", false}, {"[", false}, {"?", false}, {"*", false}, {`"`, false}, {"#", false}, {"%", false},
		{`\`, false}, {"^", false}, {"|", false}, {"~", false}, {"`", false}, {"$", false}, {"&", false}, {",", false},
		{";", false}, {":", false}, {"/", false}, {"\xff", false},
	} {
		err := checkName("state machine", tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("checkName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil {
			wantCode(t, err, apierr.InvalidName)
		}
	}
	for _, tt := range []struct {
		name string
		ok   bool
	}{{"prod", true}, {"v1.2-beta_3", true}, {"1", false}, {"", false}, {"a b", false}, {"a:b", false}, {strings.Repeat("a", 81), false}} {
		if err := checkAliasName(tt.name); (err == nil) != tt.ok {
			t.Errorf("checkAliasName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestValidationMessages(t *testing.T) {
	err := required(field{"stateMachineArn", ""})
	if err.Error() != "ValidationException: 1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null" {
		t.Fatalf("message = %q", err)
	}
	if required(field{"a", "x"}) != nil {
		t.Fatal("required with a value must pass")
	}
}

// TestValidateNestedYAMLIsCheap is the reproduction of issue 8: a Result
// nested 30,000 levels deep (60 KB of YAML) left the server at 1.5 GB.
func TestValidateNestedYAMLIsCheap(t *testing.T) {
	e := newEnv(t, Config{})
	def := "StartAt: A\nStates:\n  A:\n    Type: Pass\n    Result: " +
		strings.Repeat("[", 30_000) + strings.Repeat("]", 30_000) + "\n    End: true\n"
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	out, err := e.svc.ValidateStateMachineDefinition(context.Background(), &ValidateStateMachineDefinitionInput{Definition: def})
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if err != nil || out.Result != "FAIL" || len(out.Diagnostics) != 1 {
		t.Fatalf("validate = %+v, %v", out, err)
	}
	if d := out.Diagnostics[0]; !strings.Contains(d.Message, "line 5, column 1010") || !strings.Contains(d.Message, "more than 1000 levels") {
		t.Errorf("diagnostic = %+v", d)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 100<<20 || elapsed > time.Second {
		t.Errorf("allocated %d MB in %v", alloc>>20, elapsed)
	}
}
