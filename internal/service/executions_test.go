package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/store"
)

func TestStartExecution(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{MaxPayloadBytes: 100})
	arn := e.mkSM(t, &CreateStateMachineInput{Name: "sm", Definition: passDef, Publish: true}).StateMachineArn
	expr := e.mkSM(t, &CreateStateMachineInput{Name: "ex", Definition: passDef, Type: "EXPRESS"}).StateMachineArn

	out, err := e.svc.StartExecution(ctx, &StartExecutionInput{StateMachineArn: arn, Name: "run", Input: `{"a":1}`, TraceHeader: "Root=1"})
	if err != nil {
		t.Fatal(err)
	}
	if out.ExecutionArn != execArn+"sm:run" || !out.StartDate.Equal(e.now.Truncate(time.Millisecond)) {
		t.Fatalf("StartExecution = %+v", out)
	}
	req := e.eng.starts[0]
	if req.StateMachineArn != arn || req.VersionArn != "" || req.Name != "run" || req.Type != "STANDARD" ||
		req.Definition != passDef || req.Input != `{"a":1}` || req.TraceHeader != "Root=1" || req.StateMachineName != "sm" ||
		req.RoleArn != "arn:aws:iam::123456789012:role/r" {
		t.Fatalf("StartRequest = %+v", req)
	}
	// The same name and input while RUNNING: the same execution.
	again, err := e.svc.StartExecution(ctx, &StartExecutionInput{StateMachineArn: arn, Name: "run", Input: `{"a":1}`})
	if err != nil || again.ExecutionArn != out.ExecutionArn {
		t.Fatalf("idempotent start = %+v, %v", again, err)
	}
	_, err = e.svc.StartExecution(ctx, &StartExecutionInput{StateMachineArn: arn, Name: "run", Input: `{"a":2}`})
	wantCode(t, err, apierr.ExecutionAlreadyExists)

	// Default name and input.
	out, err = e.svc.StartExecution(ctx, &StartExecutionInput{StateMachineArn: arn})
	if err != nil || !strings.HasPrefix(out.ExecutionArn, execArn+"sm:id-") {
		t.Fatalf("default name = %+v, %v", out, err)
	}
	if last := e.eng.starts[len(e.eng.starts)-1]; last.Input != "{}" {
		t.Fatalf("default input = %q", last.Input)
	}
	// A version.
	if _, err := e.svc.StartExecution(ctx, &StartExecutionInput{StateMachineArn: arn + ":1", Name: "v"}); err != nil {
		t.Fatal(err)
	}
	if last := e.eng.starts[len(e.eng.starts)-1]; last.VersionArn != arn+":1" || last.StateMachineArn != arn || last.ExecutionArn != execArn+"sm:v" {
		t.Fatalf("version start = %+v", last)
	}
	// Express: an express ARN.
	out, err = e.svc.StartExecution(ctx, &StartExecutionInput{StateMachineArn: expr, Name: "x"})
	if err != nil || !strings.HasPrefix(out.ExecutionArn, "arn:aws:states:us-east-1:123456789012:express:ex:x:") {
		t.Fatalf("express start = %+v, %v", out, err)
	}

	for _, tt := range []struct {
		name string
		in   StartExecutionInput
		code string
		msg  string
	}{
		{"null arn", StartExecutionInput{}, apierr.ValidationException, "Value null at 'stateMachineArn'"},
		{"bad arn", StartExecutionInput{StateMachineArn: "nope"}, apierr.InvalidArn, "Invalid Arn"},
		{"execution arn", StartExecutionInput{StateMachineArn: execArn + "sm:run"}, apierr.InvalidArn, "not valid in this context"},
		{"unknown", StartExecutionInput{StateMachineArn: smArn + "nope"}, apierr.StateMachineDoesNotExist, "nope"},
		{"unknown version", StartExecutionInput{StateMachineArn: arn + ":5"}, apierr.StateMachineDoesNotExist, ":5"},
		{"unknown alias", StartExecutionInput{StateMachineArn: arn + ":prod"}, apierr.StateMachineDoesNotExist, ":prod"},
		{"bad name", StartExecutionInput{StateMachineArn: arn, Name: "a*b"}, apierr.InvalidName, "'*'"},
		{"bad input", StartExecutionInput{StateMachineArn: arn, Input: "{"}, apierr.InvalidExecutionInput, "JSON"},
		{"two values", StartExecutionInput{StateMachineArn: arn, Input: "1 2"}, apierr.InvalidExecutionInput, "JSON"},
		{"too large", StartExecutionInput{StateMachineArn: arn, Input: `"` + strings.Repeat("x", 100) + `"`}, apierr.ValidationException, "--max-payload-bytes"},
		{"trace header", StartExecutionInput{StateMachineArn: arn, TraceHeader: strings.Repeat("x", 257)}, apierr.ValidationException, "traceHeader"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.StartExecution(ctx, &tt.in)
			wantCode(t, err, tt.code)
			if !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %q does not contain %q", err, tt.msg)
			}
		})
	}

	// Engine errors pass through.
	e.eng.err = apierr.New(apierr.ExecutionLimitExceeded, "too many")
	_, err = e.svc.StartExecution(ctx, &StartExecutionInput{StateMachineArn: arn})
	wantCode(t, err, apierr.ExecutionLimitExceeded)
}

func TestStartExecutionAliasRouting(t *testing.T) {
	ctx := context.Background()
	var next int
	e := newEnv(t, Config{Rand: func(n int) int {
		if n != 100 {
			t.Fatalf("Rand(%d), want Rand(100)", n)
		}
		return next
	}})
	arn := e.mkSM(t, &CreateStateMachineInput{Name: "sm", Definition: passDef, Publish: true}).StateMachineArn
	if _, err := e.svc.UpdateStateMachine(ctx, &UpdateStateMachineInput{StateMachineArn: arn, Definition: pass2Def, Publish: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateStateMachineAlias(ctx, &CreateStateMachineAliasInput{Name: "prod", RoutingConfiguration: []RoutingConfigurationListItem{
		{StateMachineVersionArn: arn + ":1", Weight: 70}, {StateMachineVersionArn: arn + ":2", Weight: 30},
	}}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		roll    int
		version string
		def     string
	}{{0, ":1", passDef}, {69, ":1", passDef}, {70, ":2", pass2Def}, {99, ":2", pass2Def}} {
		next = tt.roll
		if _, err := e.svc.StartExecution(ctx, &StartExecutionInput{StateMachineArn: arn + ":prod", Name: fmt.Sprint("r", tt.roll)}); err != nil {
			t.Fatal(err)
		}
		req := e.eng.starts[len(e.eng.starts)-1]
		if req.VersionArn != arn+tt.version || req.AliasArn != arn+":prod" || req.Definition != tt.def {
			t.Fatalf("roll %d: %+v", tt.roll, req)
		}
	}
	// ListExecutions by alias and by version.
	l, err := e.svc.ListExecutions(ctx, &ListExecutionsInput{StateMachineArn: arn + ":prod"})
	if err != nil || len(l.Executions) != 4 {
		t.Fatalf("by alias: %+v, %v", l, err)
	}
	l, err = e.svc.ListExecutions(ctx, &ListExecutionsInput{StateMachineArn: arn + ":2"})
	if err != nil || len(l.Executions) != 2 || l.Executions[0].StateMachineVersionArn != arn+":2" || l.Executions[0].StateMachineAliasArn != arn+":prod" {
		t.Fatalf("by version: %+v, %v", l, err)
	}
}

func TestStartSyncExecution(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{})
	std := e.mkSM(t, &CreateStateMachineInput{Name: "sm", Definition: passDef}).StateMachineArn
	expr := e.mkSM(t, &CreateStateMachineInput{Name: "ex", Definition: passDef, Type: "EXPRESS"}).StateMachineArn

	out, err := e.svc.StartSyncExecution(ctx, &StartSyncExecutionInput{StateMachineArn: expr, Input: `{"x":1}`})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != "SUCCEEDED" || out.Output != `{"x":1}` || out.Input != `{"x":1}` || out.BillingDetails.BilledDurationInMilliseconds != 1500 ||
		!strings.HasPrefix(out.ExecutionArn, "arn:aws:states:us-east-1:123456789012:express:ex:") || out.StateMachineArn != expr {
		t.Fatalf("StartSyncExecution = %+v", out)
	}
	meta, err := e.svc.StartSyncExecution(ctx, &StartSyncExecutionInput{StateMachineArn: expr, IncludedData: "METADATA_ONLY"})
	if err != nil || meta.Input != "" || meta.Output != "" || meta.InputDetails != nil {
		t.Fatalf("METADATA_ONLY = %+v, %v", meta, err)
	}
	// Express executions are described from the store, not redrivable.
	d, err := e.svc.DescribeExecution(ctx, &DescribeExecutionInput{ExecutionArn: out.ExecutionArn})
	if err != nil || d.Status != "SUCCEEDED" || d.RedriveCount != nil || d.RedriveStatus != "NOT_REDRIVABLE" {
		t.Fatalf("describe express = %+v, %v", d, err)
	}
	_, err = e.svc.StartSyncExecution(ctx, &StartSyncExecutionInput{StateMachineArn: std})
	wantCode(t, err, apierr.StateMachineTypeNotSupported)
	_, err = e.svc.StartSyncExecution(ctx, &StartSyncExecutionInput{StateMachineArn: expr, IncludedData: "SOME"})
	wantCode(t, err, apierr.ValidationException)
	_, err = e.svc.StartSyncExecution(ctx, &StartSyncExecutionInput{StateMachineArn: expr, Input: "nope"})
	wantCode(t, err, apierr.InvalidExecutionInput)
	_, err = e.svc.GetExecutionHistory(ctx, &GetExecutionHistoryInput{ExecutionArn: out.ExecutionArn})
	wantCode(t, err, apierr.InvalidArn)
	_, err = e.svc.RedriveExecution(ctx, &RedriveExecutionInput{ExecutionArn: out.ExecutionArn})
	wantCode(t, err, apierr.ExecutionNotRedrivable)
}

func TestDescribeStopRedriveExecution(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{})
	arn := e.mkSM(t, &CreateStateMachineInput{Name: "sm", Definition: passDef}).StateMachineArn
	st, err := e.svc.StartExecution(ctx, &StartExecutionInput{StateMachineArn: arn, Name: "run", Input: `{"a":1}`, TraceHeader: "t"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.svc.DescribeExecution(ctx, &DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != "RUNNING" || d.Input != `{"a":1}` || !d.InputDetails.Included || d.Output != "" || !d.StopDate.IsZero() ||
		d.Name != "run" || d.StateMachineArn != arn || d.TraceHeader != "t" || d.RedriveCount == nil || *d.RedriveCount != 0 ||
		d.RedriveStatus != "NOT_REDRIVABLE" {
		t.Fatalf("DescribeExecution = %+v", d)
	}
	_, err = e.svc.RedriveExecution(ctx, &RedriveExecutionInput{ExecutionArn: st.ExecutionArn})
	wantCode(t, err, apierr.ExecutionNotRedrivable)

	e.now = e.now.Add(time.Minute)
	stop, err := e.svc.StopExecution(ctx, &StopExecutionInput{ExecutionArn: st.ExecutionArn, Error: "E", Cause: "C"})
	if err != nil || !stop.StopDate.Equal(e.now.Truncate(time.Millisecond)) {
		t.Fatalf("StopExecution = %+v, %v", stop, err)
	}
	if e.eng.stops[0] != st.ExecutionArn+" E C" {
		t.Fatalf("stop call = %q", e.eng.stops[0])
	}
	d, _ = e.svc.DescribeExecution(ctx, &DescribeExecutionInput{ExecutionArn: st.ExecutionArn, IncludedData: "METADATA_ONLY"})
	if d.Status != "ABORTED" || d.Error != "E" || d.Input != "" || d.RedriveStatus != "REDRIVABLE" {
		t.Fatalf("after stop = %+v", d)
	}
	e.now = e.now.Add(time.Minute)
	r, err := e.svc.RedriveExecution(ctx, &RedriveExecutionInput{ExecutionArn: st.ExecutionArn})
	if err != nil || !r.RedriveDate.Equal(e.now.Truncate(time.Millisecond)) {
		t.Fatalf("RedriveExecution = %+v, %v", r, err)
	}
	l, err := e.svc.ListExecutions(ctx, &ListExecutionsInput{StateMachineArn: arn, RedriveFilter: "REDRIVEN"})
	if err != nil || len(l.Executions) != 1 || *l.Executions[0].RedriveCount != 1 {
		t.Fatalf("redriven list = %+v, %v", l, err)
	}

	for _, tt := range []struct {
		name string
		call func() error
		code string
	}{
		{"describe null", func() error { _, err := e.svc.DescribeExecution(ctx, &DescribeExecutionInput{}); return err }, apierr.ValidationException},
		{"describe bad arn", func() error {
			_, err := e.svc.DescribeExecution(ctx, &DescribeExecutionInput{ExecutionArn: arn})
			return err
		}, apierr.InvalidArn},
		{"describe unknown", func() error {
			_, err := e.svc.DescribeExecution(ctx, &DescribeExecutionInput{ExecutionArn: execArn + "sm:nope"})
			return err
		}, apierr.ExecutionDoesNotExist},
		{"stop unknown", func() error {
			_, err := e.svc.StopExecution(ctx, &StopExecutionInput{ExecutionArn: execArn + "sm:nope"})
			return err
		}, apierr.ExecutionDoesNotExist},
		{"stop bad arn", func() error {
			_, err := e.svc.StopExecution(ctx, &StopExecutionInput{ExecutionArn: "x"})
			return err
		}, apierr.InvalidArn},
		{"stop long cause", func() error {
			_, err := e.svc.StopExecution(ctx, &StopExecutionInput{ExecutionArn: st.ExecutionArn, Cause: strings.Repeat("c", maxCauseLen+1)})
			return err
		}, apierr.ValidationException},
		{"redrive null", func() error { _, err := e.svc.RedriveExecution(ctx, &RedriveExecutionInput{}); return err }, apierr.ValidationException},
		{"redrive unknown", func() error {
			_, err := e.svc.RedriveExecution(ctx, &RedriveExecutionInput{ExecutionArn: execArn + "sm:nope"})
			return err
		}, apierr.ExecutionDoesNotExist},
	} {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.call(), tt.code) })
	}
}

func TestListExecutions(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{})
	arn := e.mkSM(t, &CreateStateMachineInput{Name: "sm", Definition: passDef}).StateMachineArn
	for i := range 3 {
		e.now = e.now.Add(time.Second)
		if _, err := e.svc.StartExecution(ctx, &StartExecutionInput{StateMachineArn: arn, Name: fmt.Sprint("r", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.StopExecution(ctx, &StopExecutionInput{ExecutionArn: execArn + "sm:r1"}); err != nil {
		t.Fatal(err)
	}
	var names []string
	token := ""
	for range 5 {
		l, err := e.svc.ListExecutions(ctx, &ListExecutionsInput{StateMachineArn: arn, MaxResults: 2, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range l.Executions {
			names = append(names, x.Name)
		}
		if token = l.NextToken; token == "" {
			break
		}
	}
	if strings.Join(names, ",") != "r2,r1,r0" {
		t.Fatalf("listed %v", names)
	}
	l, err := e.svc.ListExecutions(ctx, &ListExecutionsInput{StateMachineArn: arn, StatusFilter: "ABORTED"})
	if err != nil || len(l.Executions) != 1 || l.Executions[0].Name != "r1" || l.Executions[0].StopDate.IsZero() {
		t.Fatalf("ABORTED = %+v, %v", l, err)
	}
	succeeded, err := e.svc.ListExecutions(ctx, &ListExecutionsInput{StateMachineArn: arn, StatusFilter: "SUCCEEDED"})
	if err != nil {
		t.Fatal(err)
	}
	alias, err := e.svc.ListExecutions(ctx, &ListExecutionsInput{StateMachineArn: arn, StatusFilter: "SUCCESS"})
	if err != nil || len(alias.Executions) != len(succeeded.Executions) {
		t.Fatalf("SUCCESS, the alias of SUCCEEDED: %+v, %v; SUCCEEDED: %d", alias, err, len(succeeded.Executions))
	}
	l, err = e.svc.ListExecutions(ctx, &ListExecutionsInput{StateMachineArn: arn, RedriveFilter: "NOT_REDRIVEN"})
	if err != nil || len(l.Executions) != 3 {
		t.Fatalf("NOT_REDRIVEN = %+v, %v", l, err)
	}
	for _, tt := range []struct {
		name string
		in   ListExecutionsInput
		code string
	}{
		{"neither arn", ListExecutionsInput{}, apierr.ValidationException},
		{"both arns", ListExecutionsInput{StateMachineArn: arn, MapRunArn: "arn:aws:states:us-east-1:123456789012:mapRun:sm/m:1"}, apierr.ValidationException},
		{"map run", ListExecutionsInput{MapRunArn: "arn:aws:states:us-east-1:123456789012:mapRun:sm/m:1"}, apierr.ResourceNotFound},
		{"bad map run", ListExecutionsInput{MapRunArn: arn}, apierr.InvalidArn},
		{"bad status", ListExecutionsInput{StateMachineArn: arn, StatusFilter: "DONE"}, apierr.ValidationException},
		{"bad redrive", ListExecutionsInput{StateMachineArn: arn, RedriveFilter: "X"}, apierr.ValidationException},
		{"bad max", ListExecutionsInput{StateMachineArn: arn, MaxResults: 1001}, apierr.ValidationException},
		{"bad token", ListExecutionsInput{StateMachineArn: arn, NextToken: "x"}, apierr.InvalidToken},
		{"unknown", ListExecutionsInput{StateMachineArn: smArn + "nope"}, apierr.StateMachineDoesNotExist},
		{"bad arn", ListExecutionsInput{StateMachineArn: actArn + "a"}, apierr.InvalidArn},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.ListExecutions(ctx, &tt.in)
			wantCode(t, err, tt.code)
		})
	}
}

func TestGetExecutionHistory(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{})
	arn := e.mkSM(t, &CreateStateMachineInput{Name: "sm", Definition: passDef}).StateMachineArn
	st, err := e.svc.StartExecution(ctx, &StartExecutionInput{StateMachineArn: arn, Name: "run", Input: `{"a":1}`})
	if err != nil {
		t.Fatal(err)
	}
	// Two more events, written as the engine would.
	ex, _ := e.st.GetExecution(ctx, st.ExecutionArn)
	ex.EventCount = 3
	ts := e.now.Add(time.Second)
	err = e.st.Commit(ctx, []*store.Transition{{Execution: ex, Events: []store.Event{
		{ID: 2, Type: "PassStateEntered", Timestamp: ts, Previous: 1,
			Body: []byte(`{"timestamp":"2024-05-01T12:00:01.123Z","type":"PassStateEntered","id":2,"previousEventId":1,"stateEnteredEventDetails":{"name":"P","input":"{}","inputDetails":{"truncated":false}}}`)},
		{ID: 3, Type: "PassStateExited", Timestamp: ts, Previous: 2,
			Body: []byte(`{"timestamp":"2024-05-01T12:00:01.123Z","type":"PassStateExited","id":3,"previousEventId":2,"stateExitedEventDetails":{"name":"P","output":"{}","outputDetails":{"truncated":false}}}`)},
	}}})
	if err != nil {
		t.Fatal(err)
	}

	h, err := e.svc.GetExecutionHistory(ctx, &GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Events) != 3 || h.NextToken != "" {
		t.Fatalf("history = %s", h.Events)
	}
	var ev map[string]any
	if err := json.Unmarshal(h.Events[1], &ev); err != nil {
		t.Fatal(err)
	}
	if ev["timestamp"] != 1714564801.123 || ev["type"] != "PassStateEntered" || ev["id"] != 2.0 || ev["previousEventId"] != 1.0 {
		t.Fatalf("event = %s", h.Events[1])
	}
	if det := ev["stateEnteredEventDetails"].(map[string]any); det["input"] != "{}" || det["name"] != "P" {
		t.Fatalf("details = %v", det)
	}
	var first map[string]any
	_ = json.Unmarshal(h.Events[0], &first)
	if first["timestamp"] != 1714564800.123 || first["executionStartedEventDetails"].(map[string]any)["input"] == nil {
		t.Fatalf("first event = %s", h.Events[0])
	}

	// Without data, reversed, paged.
	no := false
	h, err = e.svc.GetExecutionHistory(ctx, &GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn, IncludeExecutionData: &no, ReverseOrder: true, MaxResults: 2})
	if err != nil || len(h.Events) != 2 || h.NextToken == "" {
		t.Fatalf("page 1 = %v, %v", h, err)
	}
	if s := string(h.Events[0]); !strings.Contains(s, `"id":3`) || strings.Contains(s, `"output"`) || !strings.Contains(s, `"name":"P"`) {
		t.Fatalf("reverse without data: %s", s)
	}
	h, err = e.svc.GetExecutionHistory(ctx, &GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn, IncludeExecutionData: &no, ReverseOrder: true, NextToken: h.NextToken})
	if err != nil || len(h.Events) != 1 || strings.Contains(string(h.Events[0]), `"input"`) || h.NextToken != "" {
		t.Fatalf("page 2 = %s, %v", h.Events, err)
	}

	for _, tt := range []struct {
		name string
		in   GetExecutionHistoryInput
		code string
	}{
		{"null", GetExecutionHistoryInput{}, apierr.ValidationException},
		{"bad arn", GetExecutionHistoryInput{ExecutionArn: arn}, apierr.InvalidArn},
		{"unknown", GetExecutionHistoryInput{ExecutionArn: execArn + "sm:nope"}, apierr.ExecutionDoesNotExist},
		{"bad max", GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn, MaxResults: 1001}, apierr.ValidationException},
		{"bad token", GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn, NextToken: "zzz"}, apierr.InvalidToken},
		{"express", GetExecutionHistoryInput{ExecutionArn: "arn:aws:states:us-east-1:123456789012:express:sm:e:1"}, apierr.InvalidArn},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.GetExecutionHistory(ctx, &tt.in)
			wantCode(t, err, tt.code)
		})
	}
}

func TestRenderEventFallbacks(t *testing.T) {
	// A body that is not JSON still yields a well-formed event.
	got := renderEvent(store.Event{ID: 4, Type: "X", Previous: 3, Timestamp: time.UnixMilli(1500)}, true)
	var m map[string]any
	if err := json.Unmarshal(got, &m); err != nil || m["timestamp"] != 1.5 || m["id"] != 4.0 || m["type"] != "X" || m["previousEventId"] != 3.0 {
		t.Fatalf("renderEvent = %s (%v)", got, err)
	}
	// A zero Timestamp takes the body's.
	got = renderEvent(store.Event{ID: 1, Body: []byte(`{"timestamp":"2024-05-01T12:00:00.5Z","type":"ExecutionStarted","id":1,"previousEventId":0}`)}, true)
	if !strings.Contains(string(got), `"timestamp":1714564800.5`) {
		t.Fatalf("renderEvent = %s", got)
	}
}

func TestPrepareStart(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{})
	arn := e.mkSM(t, &CreateStateMachineInput{Name: "sm", Definition: passDef}).StateMachineArn
	req, err := e.svc.PrepareStart(ctx, arn, "child", `{"a":1}`)
	if err != nil || req.ExecutionArn != execArn+"sm:child" || req.Definition != passDef || req.Input != `{"a":1}` || len(e.eng.starts) != 0 {
		t.Fatalf("PrepareStart = %+v, %v (engine calls %d)", req, err, len(e.eng.starts))
	}
	_, err = e.svc.PrepareStart(ctx, smArn+"nope", "", "")
	wantCode(t, err, apierr.StateMachineDoesNotExist)
}
