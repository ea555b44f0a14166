package tasks

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestResolverUnmappedResource(t *testing.T) {
	r := newResolver(t, Options{Mappings: map[string]string{"arn:aws:states:::sns:publish": "cat"}})
	tests := []struct{ resource, state string }{
		{"arn:aws:lambda:us-east-1:123456789012:function:Foo", "Foo"},
		{"arn:aws:states:::lambda:invoke", "Invoke"}, // no Lambda mapping at all
		{"arn:aws:states:::dynamodb:putItem", "Put"},
		{"baton:unknown", "X"},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			e, err := r.Executor(tt.resource, tt.state)
			if e != nil {
				t.Fatalf("executor %T, want none", e)
			}
			var ne *NoExecutorError
			if !errors.As(err, &ne) {
				t.Fatalf("err = %v (%T), want a *NoExecutorError", err, err)
			}
			var f *Failure
			if errors.As(err, &f) {
				t.Fatal("an unmapped resource is not a task failure")
			}
			for _, want := range []string{
				`no executor for resource "` + tt.resource + `"`,
				`state "` + tt.state + `"`,
				"--resource " + tt.resource + "=COMMAND",
				"--mock-config FILE --test-case NAME",
			} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestResolverPicks(t *testing.T) {
	r := newResolver(t, Options{
		Mappings:         map[string]string{echoLambda: "cat", "baton:http": "cat"},
		Mocks:            loadMockConfig(t),
		StateMachineName: "LambdaSQSIntegration",
		TestCase:         "HybridPath", // mocks LambdaState only
	})
	tests := []struct {
		name, resource, state string
		want                  string // the executor's type
	}{
		{"a listed state is mocked whatever its resource", ShellResource, "LambdaState", "tasks.mockExecutor"},
		{"an unlisted state runs its mapping", echoLambda, "SQSState", "tasks.commandExecutor"},
		{"mappings come before built-ins", HTTPResource, "Other", "tasks.commandExecutor"},
		{"baton:shell", ShellResource, "Other", "tasks.shellExecutor"},
		{"lambda:invoke with Lambda mappings", "arn:aws:states:::lambda:invoke", "Other", "tasks.lambdaInvokeExecutor"},
		{"lambda:invoke waiting for a token", "arn:aws:states:::lambda:invoke.waitForTaskToken", "Other", "tasks.lambdaInvokeExecutor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := r.Executor(tt.resource, tt.state)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%T", e); got != tt.want {
				t.Fatalf("executor %s, want %s", got, tt.want)
			}
		})
	}
}

func TestNewResolverErrors(t *testing.T) {
	mocks := loadMockConfig(t)
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"unknown state machine", Options{Mocks: mocks, StateMachineName: "Nope", TestCase: "HappyPath"},
			`mock config has no state machine "Nope" (it has: "LambdaSQSIntegration")`},
		{"unknown test case", Options{Mocks: mocks, StateMachineName: "LambdaSQSIntegration", TestCase: "SadPath"},
			`no test case "SadPath" for state machine "LambdaSQSIntegration" (it has: "HappyPath", "HybridPath", "RetryPath")`},
		{"mocks without a test case", Options{Mocks: mocks, StateMachineName: "LambdaSQSIntegration"}, "--test-case NAME"},
		{"test case without mocks", Options{TestCase: "HappyPath"}, "--mock-config FILE"},
		{"unsplittable command", Options{Mappings: map[string]string{"arn:x": "cat 'oops"}}, "--resource arn:x: command \"cat 'oops\" has an unterminated single quote"},
		{"shell syntax in command", Options{Mappings: map[string]string{"arn:x": "cat | jq"}}, "sh -c"},
		{"empty command", Options{Mappings: map[string]string{"arn:x": ""}}, "empty command"},
		{"empty resource", Options{Mappings: map[string]string{"": "cat"}}, "empty resource"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewResolver(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestLambdaInvokeCallback: with .waitForTaskToken the mapped command's output
// is the state's result (what SendTaskSuccess would send), not an Invoke
// response.
func TestLambdaInvokeCallback(t *testing.T) {
	r := newResolver(t, Options{Mappings: map[string]string{"Approve": `sh -c 'echo "{\"approved\":true,\"token\":\"$BATON_TASK_TOKEN\"}"'`}})
	in := jsonValue(t, `{"FunctionName": "Approve", "Payload": {"order": 7}}`)
	for _, tc := range []struct {
		resource string
		want     string
	}{
		{"arn:aws:states:::lambda:invoke.waitForTaskToken", `{"approved":true,"token":"tok-1"}`},
		{"arn:aws:states:::lambda:invoke", `{"ExecutedVersion":"$LATEST","Payload":{"approved":true,"token":"tok-1"},"StatusCode":200}`},
	} {
		out, err := run(t, r, Request{Resource: tc.resource, Input: in, StateName: "Ask", TaskToken: "tok-1"})
		if err != nil {
			t.Fatalf("%s: %v", tc.resource, err)
		}
		if got := encodeJSON(out); got != tc.want {
			t.Errorf("%s: result %s, want %s", tc.resource, got, tc.want)
		}
	}
}
