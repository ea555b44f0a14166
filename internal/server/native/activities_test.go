package native

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestActivities(t *testing.T) {
	e := setup(t)
	r := e.do(t, "POST", "/api/v1/activities", map[string]any{"name": "resize"})
	expect(t, r, http.StatusOK)
	arn := r.json(t)["activityArn"].(string)
	if !strings.HasSuffix(arn, ":activity:resize") {
		t.Fatalf("arn %s", arn)
	}
	// Creating it again returns the same activity.
	if again := e.do(t, "POST", "/api/v1/activities", map[string]any{"name": "resize"}).json(t); again["activityArn"] != arn {
		t.Fatalf("again: %v", again)
	}
	r = e.do(t, "GET", "/api/v1/activities", nil)
	expect(t, r, http.StatusOK)
	if as := r.json(t)["activities"].([]any); len(as) != 1 || as[0].(map[string]any)["name"] != "resize" {
		t.Fatalf("list: %s", r.body)
	}
	if m := e.do(t, "GET", "/api/v1/activities/resize", nil).json(t); m["activityArn"] != arn {
		t.Fatalf("describe: %v", m)
	}
	expectError(t, e.do(t, "POST", "/api/v1/activities", map[string]any{"name": ""}), http.StatusBadRequest, "ValidationException")
	expectError(t, e.do(t, "GET", "/api/v1/activities/none", nil), http.StatusBadRequest, "ActivityDoesNotExist")
	expect(t, e.do(t, "DELETE", "/api/v1/activities/resize", nil), http.StatusNoContent)
	expectError(t, e.do(t, "GET", "/api/v1/activities/resize", nil), http.StatusBadRequest, "ActivityDoesNotExist")
}

func TestPollAndReport(t *testing.T) {
	e := setup(t, func(h *handler) { h.maxPoll = 100 * time.Millisecond })
	arn := e.do(t, "POST", "/api/v1/activities", map[string]any{"name": "work"}).json(t)["activityArn"].(string)

	// Nothing queued: 204 once the poll runs out.
	expect(t, e.do(t, "POST", "/api/v1/activities/work/poll", map[string]any{"workerName": "w1"}), http.StatusNoContent)
	expectError(t, e.do(t, "POST", "/api/v1/activities/nope/poll", nil), http.StatusBadRequest, "ActivityDoesNotExist")

	token := e.Engine.QueueTask(arn, `{"image":"a.png"}`)
	r := e.do(t, "POST", "/api/v1/activities/work/poll", map[string]any{"workerName": "w1"})
	expect(t, r, http.StatusOK)
	m := r.json(t)
	if m["taskToken"] != token || !reflect.DeepEqual(m["input"], map[string]any{"image": "a.png"}) {
		t.Fatalf("task: %s", r.body)
	}

	expect(t, e.do(t, "POST", "/api/v1/tasks/heartbeat", map[string]any{"taskToken": token}), http.StatusOK)
	if got := <-e.Engine.Results(); got.Kind != "heartbeat" || got.Token != token {
		t.Fatalf("heartbeat: %+v", got)
	}
	expect(t, e.do(t, "POST", "/api/v1/tasks/success", map[string]any{"taskToken": token, "output": map[string]any{"ok": true}}), http.StatusOK)
	if got := <-e.Engine.Results(); got.Kind != "success" || got.Output != `{"ok":true}` {
		t.Fatalf("success: %+v", got)
	}
	expectError(t, e.do(t, "POST", "/api/v1/tasks/success", map[string]any{"taskToken": token, "output": 1}), http.StatusBadRequest, "TaskDoesNotExist")
	expectError(t, e.do(t, "POST", "/api/v1/tasks/success", map[string]any{"taskToken": "t"}), http.StatusBadRequest, "ValidationException")

	token2 := e.Engine.QueueTask(arn, `[]`)
	expect(t, e.do(t, "POST", "/api/v1/activities/"+esc(arn)+"/poll", nil), http.StatusOK)
	expect(t, e.do(t, "POST", "/api/v1/tasks/failure", map[string]any{"taskToken": token2, "error": "Worker.ExitError", "cause": "exit 3"}), http.StatusOK)
	if got := <-e.Engine.Results(); got.Kind != "failure" || got.Error != "Worker.ExitError" || got.Cause != "exit 3" {
		t.Fatalf("failure: %+v", got)
	}
	expectError(t, e.do(t, "POST", "/api/v1/tasks/heartbeat", map[string]any{}), http.StatusBadRequest, "ValidationException")
	expectError(t, e.do(t, "POST", "/api/v1/tasks/failure", map[string]any{"taskToken": "zzz"}), http.StatusBadRequest, "TaskDoesNotExist")
}

func TestPollWaitsForATask(t *testing.T) {
	e := setup(t)
	arn := e.do(t, "POST", "/api/v1/activities", map[string]any{"name": "work"}).json(t)["activityArn"].(string)
	done := make(chan resp, 1)
	go func() { done <- e.do(t, "POST", "/api/v1/activities/work/poll", nil) }()
	token := e.Engine.QueueTask(arn, `{"late":true}`)
	r := <-done
	expect(t, r, http.StatusOK)
	if r.json(t)["taskToken"] != token {
		t.Fatalf("poll: %s", r.body)
	}
}
