package service

import (
	"strings"
	"testing"
)

func TestParseArn(t *testing.T) {
	const p = "arn:aws:states:us-east-1:123456789012:"
	tests := []struct {
		in   string
		want Arn
		err  string
	}{
		{in: p + "stateMachine:sm", want: Arn{Kind: ArnStateMachine, StateMachine: "sm"}},
		{in: p + "stateMachine:sm:7", want: Arn{Kind: ArnVersion, StateMachine: "sm", Version: 7}},
		{in: p + "stateMachine:sm:prod", want: Arn{Kind: ArnAlias, StateMachine: "sm", Alias: "prod"}},
		{in: p + "stateMachine:sm:v1", want: Arn{Kind: ArnAlias, StateMachine: "sm", Alias: "v1"}},
		{in: p + "execution:sm:run-1", want: Arn{Kind: ArnExecution, StateMachine: "sm", Execution: "run-1"}},
		{in: p + "express:sm:run-1:abc-123", want: Arn{Kind: ArnExpressExecution, StateMachine: "sm", Execution: "run-1", ExpressID: "abc-123"}},
		{in: p + "activity:act", want: Arn{Kind: ArnActivity, Activity: "act"}},
		{in: p + "mapRun:sm/Map:123", want: Arn{Kind: ArnMapRun, StateMachine: "sm", Label: "Map", ExpressID: "123"}},
		{in: "", err: "empty"},
		{in: "arn:aws:states", err: "not an ARN"},
		{in: "nra:aws:states:us-east-1:123456789012:stateMachine:sm", err: "not an ARN"},
		{in: "arn:gcp:states:us-east-1:123456789012:stateMachine:sm", err: "partition"},
		{in: "arn:aws:lambda:us-east-1:123456789012:function:f", err: "service"},
		{in: "arn:aws:states::123456789012:stateMachine:sm", err: "region"},
		{in: "arn:aws:states:us-east-1::stateMachine:sm", err: "account"},
		{in: p + "stateMachine:", err: "empty name"},
		{in: p + "stateMachine:sm:", err: "empty name"},
		{in: p + "stateMachine:sm:0", err: "version"},
		{in: p + "stateMachine:sm:07", err: "version"},
		{in: p + "stateMachine:sm:99999999999999999999", err: "version"},
		{in: p + "stateMachine:sm:1:2", err: "too many"},
		{in: p + "execution:sm", err: "execution ARN"},
		{in: p + "execution:sm:a:b", err: "execution ARN"},
		{in: p + "express:sm:a", err: "express"},
		{in: p + "activity:a:b", err: "activity"},
		{in: p + "mapRun:sm:1", err: "map run"},
		{in: p + "widget:w", err: "resource type"},
		{in: p + "activity:a\x00", err: "control"},
		{in: p + "activity:" + strings.Repeat("a", maxArnLen), err: "longer"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseArn(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseArn(%q) error = %v, want one containing %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseArn(%q): %v", tt.in, err)
			}
			tt.want.Partition, tt.want.Region, tt.want.Account = "aws", "us-east-1", "123456789012"
			if got != tt.want {
				t.Fatalf("ParseArn(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if got.String() != tt.in {
				t.Fatalf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestArnBuilders(t *testing.T) {
	n := arns{region: "eu-west-1", account: "000000000000"}
	tests := []struct{ got, want string }{
		{n.stateMachine("sm"), "arn:aws:states:eu-west-1:000000000000:stateMachine:sm"},
		{n.execution("sm", "e"), "arn:aws:states:eu-west-1:000000000000:execution:sm:e"},
		{n.express("sm", "e", "u"), "arn:aws:states:eu-west-1:000000000000:express:sm:e:u"},
		{n.activity("a"), "arn:aws:states:eu-west-1:000000000000:activity:a"},
		{versionArn(n.stateMachine("sm"), 12), "arn:aws:states:eu-west-1:000000000000:stateMachine:sm:12"},
		{aliasArn(n.stateMachine("sm"), "prod"), "arn:aws:states:eu-west-1:000000000000:stateMachine:sm:prod"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	a, _ := ParseArn("arn:aws:states:eu-west-1:000000000000:execution:sm:e")
	if got := a.StateMachineArn(); got != n.stateMachine("sm") {
		t.Errorf("StateMachineArn() = %q", got)
	}
}

// FuzzParseArn checks that ParseArn never panics and that what it accepts
// renders back to the same string.
func FuzzParseArn(f *testing.F) {
	for _, s := range []string{
		"arn:aws:states:us-east-1:123456789012:stateMachine:sm",
		"arn:aws:states:us-east-1:123456789012:stateMachine:sm:3",
		"arn:aws:states:us-east-1:123456789012:stateMachine:sm:prod",
		"arn:aws:states:us-east-1:123456789012:execution:sm:e",
		"arn:aws:states:us-east-1:123456789012:express:sm:e:id",
		"arn:aws:states:us-east-1:123456789012:activity:a",
		"arn:aws:states:us-east-1:123456789012:mapRun:sm/m:id",
		"arn:aws:states:::",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseArn(s)
		if err != nil {
			if a != (Arn{}) {
				t.Fatalf("ParseArn(%q) returned %+v with error %v", s, a, err)
			}
			return
		}
		if a.Kind == ArnInvalid {
			t.Fatalf("ParseArn(%q) accepted with kind invalid", s)
		}
		if got := a.String(); got != s {
			t.Fatalf("ParseArn(%q).String() = %q", s, got)
		}
		b, err := ParseArn(a.StateMachineArn())
		if a.Kind != ArnActivity && (err != nil || b.Kind != ArnStateMachine || b.StateMachine != a.StateMachine) {
			t.Fatalf("StateMachineArn of %q = %q (%v)", s, a.StateMachineArn(), err)
		}
	})
}
