package service

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
	"github.com/batonhq/baton/workflow"
)

// fakeEngine is an Engine for tests: it records calls and keeps executions
// in the store as a real engine would (Standard ones with an
// ExecutionStarted event), but runs nothing.
type fakeEngine struct {
	st  store.Store
	now func() time.Time

	mu         sync.Mutex
	starts     []StartRequest
	stops      []string
	redrives   []string
	successes  []string // token + " " + output
	failures   []string // token + " " + error + " " + cause
	heartbeats []string
	tests      []workflow.RunTask
	polls      []string // activity + " " + worker
	task       *store.Task
	err        error // returned by every call when set
}

var _ Engine = (*fakeEngine)(nil)

func (f *fakeEngine) fail() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (f *fakeEngine) Start(ctx context.Context, req StartRequest) (*store.Execution, error) {
	f.mu.Lock()
	f.starts = append(f.starts, req)
	f.mu.Unlock()
	if err := f.fail(); err != nil {
		return nil, err
	}
	ex := f.execution(req, "RUNNING")
	tr := &store.Transition{Execution: ex, New: true}
	if req.Type == store.TypeStandard {
		ex.EventCount = 1
		body, _ := asl.HistoryEvent{ID: 1, Timestamp: ex.StartDate, Type: "ExecutionStarted",
			Input: map[string]any{"in": req.Input}, HasInput: true,
			Task: &asl.TaskDetails{RoleArn: req.RoleArn}}.MarshalJSON()
		tr.Events = []store.Event{{ID: 1, Type: "ExecutionStarted", Timestamp: ex.StartDate, Body: body}}
		ex.Snapshot = []byte("{}")
	}
	err := f.st.Commit(ctx, []*store.Transition{tr})
	if errors.Is(err, store.ErrExists) {
		old, gerr := f.st.GetExecution(ctx, req.ExecutionArn)
		if gerr != nil {
			return nil, gerr
		}
		if old.Status == "RUNNING" && old.Input == req.Input {
			return old, nil
		}
		return nil, apierr.New(apierr.ExecutionAlreadyExists, "Execution Already Exists: '%s'", req.ExecutionArn)
	}
	if err != nil {
		return nil, err
	}
	return ex, nil
}

func (f *fakeEngine) execution(req StartRequest, status string) *store.Execution {
	return &store.Execution{
		Arn: req.ExecutionArn, StateMachineArn: req.StateMachineArn, VersionArn: req.VersionArn, AliasArn: req.AliasArn,
		Name: req.Name, Type: req.Type, Status: status, Input: req.Input, StartDate: f.now(),
		TraceHeader: req.TraceHeader, Definition: req.Definition, RoleArn: req.RoleArn,
	}
}

func (f *fakeEngine) StartSync(ctx context.Context, req StartRequest) (*store.Execution, error) {
	f.mu.Lock()
	f.starts = append(f.starts, req)
	f.mu.Unlock()
	if err := f.fail(); err != nil {
		return nil, err
	}
	ex := f.execution(req, "SUCCEEDED")
	ex.Output = req.Input
	ex.StopDate = ex.StartDate.Add(1500 * time.Millisecond)
	if err := f.st.Commit(ctx, []*store.Transition{{Execution: ex, New: true}}); err != nil {
		return nil, err
	}
	return ex, nil
}

func (f *fakeEngine) Stop(ctx context.Context, arn, errName, cause string) (*store.Execution, error) {
	f.mu.Lock()
	f.stops = append(f.stops, arn+" "+errName+" "+cause)
	f.mu.Unlock()
	if err := f.fail(); err != nil {
		return nil, err
	}
	ex, err := f.st.GetExecution(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierr.New(apierr.ExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
	}
	if err != nil {
		return nil, err
	}
	if ex.Status != "RUNNING" {
		return ex, nil
	}
	ex.Status, ex.Error, ex.Cause, ex.StopDate = "ABORTED", errName, cause, f.now()
	if err := f.st.Commit(ctx, []*store.Transition{{Execution: ex, DeleteAll: true}}); err != nil {
		return nil, err
	}
	return ex, nil
}

func (f *fakeEngine) Redrive(ctx context.Context, arn string) (*store.Execution, error) {
	f.mu.Lock()
	f.redrives = append(f.redrives, arn)
	f.mu.Unlock()
	if err := f.fail(); err != nil {
		return nil, err
	}
	ex, err := f.st.GetExecution(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierr.New(apierr.ExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
	}
	if err != nil {
		return nil, err
	}
	switch ex.Status {
	case "FAILED", "TIMED_OUT", "ABORTED":
	default:
		return nil, apierr.New(apierr.ExecutionNotRedrivable, "Execution is %s", ex.Status)
	}
	ex.Status, ex.RedriveCount, ex.RedriveDate, ex.StopDate = "RUNNING", ex.RedriveCount+1, f.now(), time.Time{}
	if err := f.st.Commit(ctx, []*store.Transition{{Execution: ex}}); err != nil {
		return nil, err
	}
	return ex, nil
}

func (f *fakeEngine) token(tok string) error {
	if err := f.fail(); err != nil {
		return err
	}
	if tok != "good-token" {
		return apierr.New(apierr.InvalidToken, "Invalid Token: '%s'", tok)
	}
	return nil
}

func (f *fakeEngine) SendTaskSuccess(_ context.Context, token, output string) error {
	f.mu.Lock()
	f.successes = append(f.successes, token+" "+output)
	f.mu.Unlock()
	return f.token(token)
}

func (f *fakeEngine) SendTaskFailure(_ context.Context, token, errName, cause string) error {
	f.mu.Lock()
	f.failures = append(f.failures, token+" "+errName+" "+cause)
	f.mu.Unlock()
	return f.token(token)
}

func (f *fakeEngine) SendTaskHeartbeat(_ context.Context, token string) error {
	f.mu.Lock()
	f.heartbeats = append(f.heartbeats, token)
	f.mu.Unlock()
	return f.token(token)
}

func (f *fakeEngine) GetActivityTask(ctx context.Context, activityArn, workerName string) (*store.Task, error) {
	f.mu.Lock()
	f.polls = append(f.polls, activityArn+" "+workerName)
	t := f.task
	f.task = nil
	f.mu.Unlock()
	if err := f.fail(); err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		return nil, errors.New("GetActivityTask called without a deadline")
	}
	return t, nil
}

func (f *fakeEngine) RunTestTask(_ context.Context, t workflow.RunTask) engine.TaskOutcome {
	f.mu.Lock()
	f.tests = append(f.tests, t)
	f.mu.Unlock()
	if err := f.fail(); err != nil {
		return engine.TaskOutcome{Error: "States.TaskFailed", Cause: err.Error()}
	}
	return engine.TaskOutcome{OK: true, Output: map[string]any{"ran": t.Resource, "input": t.Input}}
}

// env is a service over a fresh SQLite store and a fake engine, with a
// fixed clock and predictable ids.
type env struct {
	svc *Service
	st  store.Store
	eng *fakeEngine
	now time.Time
	ids int
	mu  sync.Mutex
}

// newEnv returns a test environment; cfg's zero fields get test defaults.
func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	e := &env{st: st, now: time.Date(2024, 5, 1, 12, 0, 0, 123e6, time.UTC)}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return e.now }
	}
	if cfg.NewID == nil {
		cfg.NewID = func() string {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.ids++
			return fmt.Sprintf("id-%03d", e.ids)
		}
	}
	e.eng = &fakeEngine{st: st, now: cfg.Now}
	e.svc = New(cfg, st, e.eng)
	return e
}

// Definitions used by the tests.
const (
	passDef  = `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	pass2Def = `{"StartAt":"Q","States":{"Q":{"Type":"Pass","End":true}}}`
	syncDef  = `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync","End":true}}}`
	badDef   = `{"StartAt":"Missing","States":{"P":{"Type":"Pass","End":true}}}`
	smArn    = "arn:aws:states:us-east-1:123456789012:stateMachine:"
	actArn   = "arn:aws:states:us-east-1:123456789012:activity:"
	execArn  = "arn:aws:states:us-east-1:123456789012:execution:"
)

// wantCode fails unless err is an apierr with code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	e, ok := apierr.As(err)
	if !ok {
		t.Fatalf("error = %v, want apierr %s", err, code)
	}
	if e.Code != code {
		t.Fatalf("error code = %s (%s), want %s", e.Code, e.Message, code)
	}
}

// mkSM creates a state machine and fails the test on error.
func (e *env) mkSM(t *testing.T, in *CreateStateMachineInput) *CreateStateMachineOutput {
	t.Helper()
	if in.RoleArn == "" {
		in.RoleArn = "arn:aws:iam::123456789012:role/r"
	}
	out, err := e.svc.CreateStateMachine(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (f *fakeEngine) TokenExecution(_ context.Context, token string) (string, error) {
	return "arn:aws:states:us-east-1:123456789012:execution:sm:run", f.token(token)
}
