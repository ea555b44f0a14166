package sfnapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

const passDef = `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`

// post sends one raw AWS JSON 1.0 request and returns the status, the
// decoded body and the response.
func post(t *testing.T, srv *testServer, target, contentType, body string, hdr ...string) (int, map[string]any, *http.Response) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("response %q is not a JSON object: %v", b, err)
	}
	return resp.StatusCode, m, resp
}

func TestHandlerProtocol(t *testing.T) {
	srv := newTestServer(t, serviceConfig())
	const ct = "application/x-amz-json-1.0"
	tests := []struct {
		name   string
		target string
		ctype  string
		body   string
		hdr    []string
		status int
		typ    string // __type, "" for success
		msg    string
	}{
		{"create", "AWSStepFunctions.CreateStateMachine", ct, `{"name":"sm","definition":` + quote(passDef) + `,"roleArn":"arn:aws:iam::1:role/r"}`, nil, 200, "", ""},
		{"charset", "AWSStepFunctions.ListStateMachines", "application/x-amz-json-1.0; charset=utf-8", `{}`, nil, 200, "", ""},
		// Only AWS JSON 1.0, what the SDKs send: never a type a web page
		// may post to another site without asking (CSRF).
		{"plain json", "AWSStepFunctions.ListStateMachines", "application/json", `{}`, nil, 415, "SerializationException", ct},
		{"json 1.1", "AWSStepFunctions.ListStateMachines", "application/x-amz-json-1.1", `{}`, nil, 415, "SerializationException", ct},
		{"no content type", "AWSStepFunctions.ListStateMachines", "", `{}`, nil, 415, "SerializationException", "Content-Type none"},
		{"form", "AWSStepFunctions.ListStateMachines", "application/x-www-form-urlencoded", `{}`, nil, 415, "SerializationException", "Content-Type"},
		{"sigv4 and sync host", "AWSStepFunctions.ListActivities", ct, `{}`,
			[]string{"Authorization", "AWS4-HMAC-SHA256 Credential=k/20240501/us-east-1/states/aws4_request, SignedHeaders=host, Signature=00", "Host", "sync-localhost"}, 200, "", ""},
		{"empty body", "AWSStepFunctions.ListActivities", ct, ``, nil, 200, "", ""},
		{"unknown op", "AWSStepFunctions.FlyToTheMoon", ct, `{}`, nil, 400, "UnknownOperationException", "FlyToTheMoon"},
		{"other service", "AmazonSQS.ListQueues", ct, `{}`, nil, 400, "UnknownOperationException", "AmazonSQS"},
		{"no target", "", ct, `{}`, nil, 400, "UnknownOperationException", "missing X-Amz-Target"},
		{"bad content type", "AWSStepFunctions.ListStateMachines", "text/plain", `{}`, nil, 415, "SerializationException", "Content-Type"},
		// Invalid UTF-8 is refused, not turned into U+FFFD.
		{"invalid utf-8 name", "AWSStepFunctions.CreateActivity", ct, "{\"name\":\"a\xffb\"}", nil, 400, "SerializationException", "UTF-8"},
		{"invalid utf-8 input", "AWSStepFunctions.StartExecution", ct, "{\"stateMachineArn\":\"arn:aws:states:us-east-1:123456789012:stateMachine:sm\",\"input\":\"{\\\"k\\\":\\\"\xc3\x28\\\"}\"}", nil, 400, "SerializationException", "offset"},
		{"not json", "AWSStepFunctions.ListStateMachines", ct, `{`, nil, 400, "SerializationException", "not a JSON object"},
		{"array body", "AWSStepFunctions.ListStateMachines", ct, `[]`, nil, 400, "SerializationException", ""},
		{"wrong member type", "AWSStepFunctions.ListStateMachines", ct, `{"maxResults":"ten"}`, nil, 400, "SerializationException", "maxResults"},
		{"null member", "AWSStepFunctions.DescribeStateMachine", ct, `{}`, nil, 400, "ValidationException", "Value null at 'stateMachineArn'"},
		{"unknown member ignored", "AWSStepFunctions.ListStateMachines", ct, `{"futureMember":1}`, nil, 200, "", ""},
		{"not found", "AWSStepFunctions.DescribeStateMachine", ct, `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:nope"}`, nil, 400, "StateMachineDoesNotExist", "nope"},
		{"invalid arn", "AWSStepFunctions.DescribeStateMachine", ct, `{"stateMachineArn":"nope"}`, nil, 400, "InvalidArn", "Invalid Arn"},
		{"too large", "AWSStepFunctions.StartExecution", ct, `{"input":"` + strings.Repeat("x", 3<<20) + `"}`, nil, 413, "ValidationException", "--max-payload-bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, resp := post(t, srv, tt.target, tt.ctype, tt.body, tt.hdr...)
			if status != tt.status {
				t.Fatalf("status = %d (%v), want %d", status, body, tt.status)
			}
			if got := resp.Header.Get("Content-Type"); got != ct {
				t.Fatalf("Content-Type = %q", got)
			}
			if resp.Header.Get("x-amzn-RequestId") == "" {
				t.Fatal("no x-amzn-RequestId")
			}
			if tt.typ == "" {
				if _, ok := body["__type"]; ok {
					t.Fatalf("unexpected error %v", body)
				}
				return
			}
			if body["__type"] != tt.typ || !strings.Contains(body["message"].(string), tt.msg) {
				t.Fatalf("error = %v, want %s containing %q", body, tt.typ, tt.msg)
			}
			if resp.Header.Get("x-amzn-ErrorType") != tt.typ {
				t.Fatalf("x-amzn-ErrorType = %q", resp.Header.Get("x-amzn-ErrorType"))
			}
		})
	}
}

func TestHandlerEmptyOutputAndMethod(t *testing.T) {
	srv := newTestServer(t, serviceConfig())
	status, body, _ := post(t, srv, "AWSStepFunctions.DeleteActivity", "application/x-amz-json-1.0",
		`{"activityArn":"arn:aws:states:us-east-1:123456789012:activity:nope"}`)
	if status != 200 || len(body) != 0 {
		t.Fatalf("DeleteActivity = %d %v, want 200 {}", status, body)
	}
	resp, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Fatalf("GET / = %d", resp.StatusCode)
	}
}

func TestHandlerInternalError(t *testing.T) {
	srv := newTestServer(t, serviceConfig())
	srv.eng.err = errors.New("disk on fire")
	status, body, _ := post(t, srv, "AWSStepFunctions.SendTaskHeartbeat", "application/x-amz-json-1.0", `{"taskToken":"t"}`)
	if status != 500 || body["__type"] != "InternalServerError" || strings.Contains(body["message"].(string), "disk") {
		t.Fatalf("internal error = %d %v", status, body)
	}
}

func TestOperations(t *testing.T) {
	if n := len(Operations()); n != 34 {
		t.Fatalf("%d operations, want 34", n)
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
