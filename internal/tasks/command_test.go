package tasks

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

const echoLambda = "arn:aws:lambda:us-east-1:123456789012:function:Echo"

func TestMappedCommand(t *testing.T) {
	r := newResolver(t, Options{Mappings: map[string]string{
		echoLambda: "cat",
		"arn:aws:lambda:us-east-1:123456789012:function:Env":   `sh -c 'echo "$BATON_STATE_NAME"'`,
		"arn:aws:lambda:us-east-1:123456789012:function:Throw": `sh -c 'echo "{\"errorType\": \"CustomError\", \"errorMessage\": \"boom\"}"; exit 1'`,
		"arn:aws:lambda:us-east-1:123456789012:function:ASL":   `sh -c 'echo "{\"Error\": \"Validation.Failed\", \"Cause\": \"bad row 3\"}"; exit 2'`,
		"arn:aws:lambda:us-east-1:123456789012:function:Crash": `sh -c 'echo dying >&2; exit 137'`,
		"arn:aws:lambda:us-east-1:123456789012:function:Slow":  "sleep 30",
		"arn:aws:states:::sqs:sendMessage":                     `sh -c 'echo nope >&2; exit 4'`,
		"arn:aws:states:::sns:publish":                         `sh -c 'echo "{\"MessageId\": \"m-1\"}"'`,
	}})
	tests := []struct {
		name     string
		resource string
		input    string
		timeout  time.Duration
		want     string // JSON of the result, when wantErr is ""
		wantErr  string
		causeHas []string
	}{
		{name: "input on stdin, stdout is the result", resource: echoLambda, input: `{"a": [1, "x"]}`, want: `{"a": [1, "x"]}`},
		{name: "a qualified ARN finds the function", resource: echoLambda + ":prod", input: `{"q": true}`, want: `{"q": true}`},
		{name: "any resource can be mapped", resource: "arn:aws:states:::sns:publish", input: `{}`, want: `{"MessageId": "m-1"}`},
		{name: "task variables", resource: "arn:aws:lambda:us-east-1:123456789012:function:Env", input: `{}`, want: `"Step"`},
		{name: "Lambda-style error", resource: "arn:aws:lambda:us-east-1:123456789012:function:Throw", input: `{}`,
			wantErr: "CustomError", causeHas: []string{`{"errorMessage":"boom","errorType":"CustomError"}`}},
		{name: "ASL-style error", resource: "arn:aws:lambda:us-east-1:123456789012:function:ASL", input: `{}`,
			wantErr: "Validation.Failed", causeHas: []string{"bad row 3"}},
		{name: "crashed Lambda is Lambda.Unknown", resource: "arn:aws:lambda:us-east-1:123456789012:function:Crash", input: `{}`,
			wantErr: ErrorLambdaUnknown, causeHas: []string{"exit status 137", "dying"}},
		{name: "crashed command is Shell.ExitError", resource: "arn:aws:states:::sqs:sendMessage", input: `{}`,
			wantErr: ErrorShellExit, causeHas: []string{"exit status 4", "nope"}},
		{name: "timeout", resource: "arn:aws:lambda:us-east-1:123456789012:function:Slow", input: `{}`, timeout: 200 * time.Millisecond,
			wantErr: ErrorTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := run(t, r, Request{Resource: tt.resource, StateName: "Step", Input: jsonValue(t, tt.input), Timeout: tt.timeout})
			if tt.wantErr != "" {
				asFailure(t, err, tt.wantErr, tt.causeHas...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := jsonValue(t, tt.want); !reflect.DeepEqual(got, want) {
				t.Fatalf("result = %s, want %s", encodeJSON(got), encodeJSON(want))
			}
		})
	}
}

func TestLambdaInvoke(t *testing.T) {
	r := newResolver(t, Options{Mappings: map[string]string{
		echoLambda: "cat",
		"Bare":     `sh -c 'echo bare'`,
	}})
	tests := []struct {
		name     string
		input    string
		want     string // the Payload of the result
		wantErr  string // a failure name
		noMapped bool   // want a *NoExecutorError
	}{
		{name: "function name", input: `{"FunctionName": "Echo", "Payload": {"x": 1}}`, want: `{"x": 1}`},
		{name: "name with alias", input: `{"FunctionName": "Echo:live", "Payload": [1]}`, want: `[1]`},
		{name: "full ARN", input: `{"FunctionName": "` + echoLambda + `", "Payload": "s"}`, want: `"s"`},
		{name: "ARN with version", input: `{"FunctionName": "` + echoLambda + `:7", "Payload": 1}`, want: `1`},
		{name: "partial ARN", input: `{"FunctionName": "123456789012:function:Echo", "Payload": null}`, want: `null`},
		{name: "no payload is {}", input: `{"FunctionName": "Echo"}`, want: `{}`},
		{name: "bare-name mapping", input: `{"FunctionName": "arn:aws:lambda:eu-west-1:1:function:Bare"}`, want: `"bare"`},
		{name: "unmapped function", input: `{"FunctionName": "Other"}`, noMapped: true},
		{name: "missing FunctionName", input: `{"Payload": {}}`, wantErr: ErrorRuntime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := run(t, r, Request{Resource: "arn:aws:states:::lambda:invoke", StateName: "Invoke", Input: jsonValue(t, tt.input)})
			switch {
			case tt.noMapped:
				var ne *NoExecutorError
				if !errors.As(err, &ne) || ne.Resource != "Other" || ne.StateName != "Invoke" {
					t.Fatalf("err = %v, want a NoExecutorError for Other", err)
				}
				return
			case tt.wantErr != "":
				asFailure(t, err, tt.wantErr)
				return
			case err != nil:
				t.Fatal(err)
			}
			want := map[string]any{"ExecutedVersion": "$LATEST", "StatusCode": int64(200), "Payload": jsonValue(t, tt.want)}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("result = %s, want %s", encodeJSON(got), encodeJSON(want))
			}
		})
	}
}

func TestLambdaFunctionName(t *testing.T) {
	tests := []struct {
		ref, want string
		ok        bool
	}{
		{"Echo", "Echo", true},
		{"Echo:prod", "Echo", true},
		{"123456789012:function:Echo", "Echo", true},
		{"123456789012:function:Echo:3", "Echo", true},
		{"arn:aws:lambda:us-east-1:123456789012:function:Echo", "Echo", true},
		{"arn:aws-cn:lambda:cn-north-1:123456789012:function:my_fn-2:$LATEST", "my_fn-2", true},
		{"arn:aws:states:::lambda:invoke", "", false},
		{"arn:aws:states:us-east-1:123456789012:activity:Echo", "", false},
		{"bad name!", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := lambdaFunctionName(tt.ref)
		if got != tt.want || ok != tt.ok {
			t.Errorf("lambdaFunctionName(%q) = %q, %v; want %q, %v", tt.ref, got, ok, tt.want, tt.ok)
		}
	}
}
