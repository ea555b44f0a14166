package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestAWSCLIEventBridge drives the EventBridge API with the real AWS CLI
// (v1, `aws events`): a bus, a rule with a workflow target, a pattern
// tested, an event put that starts the workflow, and AWS's errors.
func TestAWSCLIEventBridge(t *testing.T) {
	cmd := awsCLICommand(t)
	srv := newServer(t)
	env := awsClientEnv(t)
	sfn := &awsCLI{cmd: cmd, endpoint: srv.url, env: env, dir: t.TempDir()}
	ev := &awsCLI{cmd: cmd, endpoint: srv.url, env: env, dir: t.TempDir(), service: "events"}

	var sm struct {
		StateMachineArn string `json:"stateMachineArn"`
	}
	sfn.ok(t, &sm, "create-state-machine", "--name", "on-invoice", "--role-arn", "arn:aws:iam::123456789012:role/r",
		"--definition", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)

	var bus struct{ EventBusArn string }
	ev.ok(t, &bus, "create-event-bus", "--name", "billing")
	if bus.EventBusArn != "arn:aws:events:us-east-1:123456789012:event-bus/billing" {
		t.Fatalf("create-event-bus = %+v", bus)
	}
	ev.apiError(t, "ResourceAlreadyExistsException", "create-event-bus", "--name", "billing")
	var buses struct{ EventBuses []struct{ Name string } }
	ev.ok(t, &buses, "list-event-buses")
	if len(buses.EventBuses) != 2 {
		t.Fatalf("list-event-buses = %+v", buses)
	}

	var rule struct{ RuleArn string }
	ev.ok(t, &rule, "put-rule", "--name", "closed", "--event-bus-name", "billing",
		"--event-pattern", `{"source":["billing"],"detail-type":[{"prefix":"Invoice"}]}`)
	if rule.RuleArn != "arn:aws:events:us-east-1:123456789012:rule/billing/closed" {
		t.Fatalf("put-rule = %+v", rule)
	}
	var put struct{ FailedEntryCount int }
	ev.ok(t, &put, "put-targets", "--rule", "closed", "--event-bus-name", "billing", "--targets",
		`[{"Id":"wf","Arn":"`+sm.StateMachineArn+`","InputPath":"$.detail"}]`)
	if put.FailedEntryCount != 0 {
		t.Fatalf("put-targets = %+v", put)
	}
	var targets struct {
		Targets []struct{ Id, Arn, InputPath string }
	}
	ev.ok(t, &targets, "list-targets-by-rule", "--rule", "closed", "--event-bus-name", "billing")
	if len(targets.Targets) != 1 || targets.Targets[0].InputPath != "$.detail" {
		t.Fatalf("list-targets-by-rule = %+v", targets)
	}
	var rules struct {
		Rules []struct{ Name, State, EventBusName string }
	}
	ev.ok(t, &rules, "list-rules", "--event-bus-name", "billing", "--name-prefix", "clo")
	if len(rules.Rules) != 1 || rules.Rules[0].State != "ENABLED" || rules.Rules[0].EventBusName != "billing" {
		t.Fatalf("list-rules = %+v", rules)
	}
	var test struct{ Result bool }
	ev.ok(t, &test, "test-event-pattern", "--event-pattern", `{"source":["billing"]}`, "--event",
		`{"id":"1","account":"123456789012","source":"billing","time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail-type":"x","detail":{}}`)
	if !test.Result {
		t.Fatal("test-event-pattern: no match")
	}
	ev.apiError(t, "InvalidEventPatternException", "put-rule", "--name", "bad", "--event-pattern", `{"source":"billing"}`)
	r := ev.apiError(t, "ValidationException", "delete-rule", "--name", "closed", "--event-bus-name", "billing")
	if !strings.Contains(r.stderr, "Rule can't be deleted since it has targets.") {
		t.Fatalf("delete-rule with targets: %s", r)
	}
	ev.apiError(t, "ResourceNotFoundException", "describe-rule", "--name", "closed")

	var pe struct {
		FailedEntryCount int
		Entries          []struct{ EventId string }
	}
	ev.ok(t, &pe, "put-events", "--entries",
		`[{"Source":"billing","DetailType":"Invoice Batch Closed","Detail":"{\"batch\":42}","EventBusName":"billing"}]`)
	if pe.FailedEntryCount != 0 || len(pe.Entries) != 1 || pe.Entries[0].EventId == "" {
		t.Fatalf("put-events = %+v", pe)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ls struct {
			Executions []struct{ ExecutionArn string } `json:"executions"`
		}
		sfn.ok(t, &ls, "list-executions", "--state-machine-arn", sm.StateMachineArn)
		if len(ls.Executions) == 1 {
			var d struct {
				Input string `json:"input"`
			}
			sfn.ok(t, &d, "describe-execution", "--execution-arn", ls.Executions[0].ExecutionArn)
			if d.Input != `{"batch":42}` {
				t.Fatalf("the rule's run has input %s, want the event's detail", d.Input)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no run of %s 30 s after put-events", sm.StateMachineArn)
		}
	}

	ev.ok(t, nil, "disable-rule", "--name", "closed", "--event-bus-name", "billing")
	ev.ok(t, nil, "remove-targets", "--rule", "closed", "--event-bus-name", "billing", "--ids", "wf")
	ev.ok(t, nil, "delete-rule", "--name", "closed", "--event-bus-name", "billing")
	ev.apiError(t, "ValidationException", "delete-event-bus", "--name", "default")
	ev.ok(t, nil, "delete-event-bus", "--name", "billing")
}
