package server

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestLoneSurrogatesRefused: a \uD800-\uDFFF escape without its pair, in a
// name, a tag, an input or a task result, is refused with 400 on both APIs
// (encoding/json silently turned it into U+FFFD, as it did invalid UTF-8);
// a proper pair is a character and passes.
func TestLoneSurrogatesRefused(t *testing.T) {
	s, _ := startServer(t, "", HTTPConfig{})
	native := map[string]string{"Content-Type": "application/json"}
	sfn := func(op string) map[string]string {
		return map[string]string{"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions." + op}
	}
	for _, tc := range []struct {
		path, body string
		hdr        map[string]string
		want       int
	}{
		{"/", `{"name":"a\udc00"}`, sfn("CreateActivity"), 400},
		{"/", `{"taskToken":"t","output":"{\"a\":\"\\ud800\"}"}`, sfn("SendTaskSuccess"), 400},
		{"/", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:x","input":"{\"a\":\"\\udfff\"}"}`, sfn("StartExecution"), 400},
		{"/", `{"resourceArn":"arn:aws:states:us-east-1:123456789012:stateMachine:x","tags":[{"key":"k\ud800","value":"v"}]}`, sfn("TagResource"), 400},
		{"/api/v1/activities", `{"name":"b\ud800"}`, native, 400},
		{"/api/v1/tasks/success", `{"taskToken":"t","output":{"a":"\udc00"}}`, native, 400},
	} {
		status, body, _ := call(t, s.Addr(), http.MethodPost, tc.path, "", tc.hdr, tc.body)
		msg := fmt.Sprint(body["message"])
		if status != tc.want || !strings.Contains(msg, "surrogate") {
			t.Errorf("%s %s: %d %v, want %d naming the surrogate", tc.path, tc.body, status, body, tc.want)
		}
	}
	// An escaped backslash before "u" is text, not an escape.
	if status, body, _ := call(t, s.Addr(), http.MethodPost, "/", "", sfn("CreateActivity"), `{"name":"plain"}`); status != 200 {
		t.Fatalf("CreateActivity: %d %v", status, body)
	}
	if status, body, _ := call(t, s.Addr(), http.MethodPost, "/", "", sfn("SendTaskSuccess"), `{"taskToken":"t","output":"{\"a\":\"\\\\ud800\"}"}`); status == 400 && strings.Contains(fmt.Sprint(body["message"]), "surrogate") {
		t.Fatalf("an escaped backslash taken for an escape: %v", body)
	}
}
