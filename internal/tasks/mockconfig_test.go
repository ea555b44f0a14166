package tasks

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// loadMockConfig parses testdata/mockconfig.json, the example of the AWS
// documentation.
func loadMockConfig(t *testing.T) *MockConfig {
	t.Helper()
	data, err := os.ReadFile("testdata/mockconfig.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseMockConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestParseMockConfigAWSExample(t *testing.T) {
	cfg := loadMockConfig(t)
	want := MockTestCase{"LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess"}
	if got := cfg.StateMachines["LambdaSQSIntegration"].TestCases["RetryPath"]; !reflect.DeepEqual(got, want) {
		t.Fatalf("RetryPath = %v, want %v", got, want)
	}
	retry := cfg.MockedResponses["MockedLambdaRetry"]
	tests := []struct {
		invocation int
		wantError  string // "" for a Return
		wantOK     bool
	}{
		{0, "Lambda.ResourceNotReadyException", true},
		{1, "Lambda.TimeoutException", true},
		{2, "Lambda.TimeoutException", true},
		{3, "", true},
		{4, "", false},
		{-1, "", false},
	}
	for _, tt := range tests {
		step, ok := retry.At(tt.invocation)
		if ok != tt.wantOK {
			t.Fatalf("At(%d) ok = %v, want %v", tt.invocation, ok, tt.wantOK)
		}
		if !ok {
			continue
		}
		switch {
		case tt.wantError == "" && step.Throw != nil:
			t.Errorf("At(%d) throws %v, want a Return", tt.invocation, step.Throw)
		case tt.wantError != "" && (step.Throw == nil || step.Throw.Name != tt.wantError):
			t.Errorf("At(%d) = %+v, want Throw %s", tt.invocation, step, tt.wantError)
		}
	}
	if got := retry.Ranges(); got != "0, 1-2, 3" {
		t.Errorf("Ranges() = %q", got)
	}
}

func TestParseMockConfigErrors(t *testing.T) {
	tests := []struct {
		name, config, want string
	}{
		{"syntax error has a position", "{\n  \"StateMachines\": {,}\n}", "2:"},
		{"empty", "", "empty document"},
		{"not an object", "[]", "mock config /: must be an object, got an array"},
		{"unknown top-level field", `{"MockedResponse": {}}`, `/MockedResponse: unknown field`},
		{"state machine without test cases", `{"StateMachines": {"SM": {}}}`, `/StateMachines/SM: a state machine needs "TestCases"`},
		{"test case value not a string", `{"StateMachines": {"SM": {"TestCases": {"T": {"S": 1}}}}}`, "/StateMachines/SM/TestCases/T/S: must be the name of a mocked response"},
		{"missing mocked response", `{"StateMachines": {"SM": {"TestCases": {"T": {"S": "Nope"}}}}}`, `/StateMachines/SM/TestCases/T/S: no mocked response "Nope"`},
		{"pointer escapes slash and tilde", `{"StateMachines": {"a/b~c": {"TestCases": []}}}`, `/StateMachines/a~1b~0c/TestCases: must be an object`},
		{"bad range", `{"MockedResponses": {"R": {"1-x": {"Return": 1}}}}`, `/MockedResponses/R/1-x: invalid invocation range "1-x"`},
		{"negative index", `{"MockedResponses": {"R": {"-1": {"Return": 1}}}}`, `invalid invocation range "-1"`},
		{"reversed range", `{"MockedResponses": {"R": {"3-1": {"Return": 1}}}}`, `3 comes after 1`},
		{"huge index", `{"MockedResponses": {"R": {"99999999999999999999": {"Return": 1}}}}`, `invalid invocation range`},
		{"overlap", `{"MockedResponses": {"R": {"0-2": {"Return": 1}, "2": {"Return": 2}}}}`, `/MockedResponses/R/2: invocations "2" overlap with "0-2"`},
		{"both return and throw", `{"MockedResponses": {"R": {"0": {"Return": 1, "Throw": {"Error": "E"}}}}}`, `not both`},
		{"neither return nor throw", `{"MockedResponses": {"R": {"0": {}}}}`, `needs "Return" (the result) or "Throw"`},
		{"throw without error", `{"MockedResponses": {"R": {"0": {"Throw": {"Cause": "c"}}}}}`, `/MockedResponses/R/0/Throw: "Error" must be a non-empty string`},
		{"throw cause not a string", `{"MockedResponses": {"R": {"0": {"Throw": {"Error": "E", "Cause": 1}}}}}`, `/MockedResponses/R/0/Throw/Cause: must be a string`},
		{"unknown throw field", `{"MockedResponses": {"R": {"0": {"Throw": {"Error": "E", "Message": "m"}}}}}`, `/MockedResponses/R/0/Throw/Message: unknown field`},
		{"empty mocked response", `{"MockedResponses": {"R": {}}}`, `/MockedResponses/R: a mocked response needs at least one invocation`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMockConfig([]byte(tt.config))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseMockConfigAccepts(t *testing.T) {
	tests := []struct{ name, config string }{
		{"empty object", `{}`},
		{"null return", `{"MockedResponses": {"R": {"0": {"Return": null}}}}`},
		{"throw without cause", `{"MockedResponses": {"R": {"0": {"Throw": {"Error": "E"}}}}}`},
		{"gaps are allowed", `{"MockedResponses": {"R": {"0": {"Return": 1}, "5-6": {"Return": 2}}}}`},
		{"leading zeros", `{"MockedResponses": {"R": {"00-01": {"Return": 1}}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseMockConfig([]byte(tt.config)); err != nil {
				t.Fatal(err)
			}
		})
	}
}
