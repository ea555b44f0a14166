package sfnapi

import (
	"context"
	"errors"
	"github.com/batonhq/baton/internal/auth"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
	"github.com/batonhq/baton/workflow"
)

// fakeEngine keeps executions in the store as the engine would, with an
// ExecutionStarted event, and runs nothing. Express executions succeed at
// once with their input as output.
type fakeEngine struct {
	st  store.Store
	now func() time.Time

	mu   sync.Mutex
	err  error // returned by every call when set
	task *store.Task
}

var _ service.Engine = (*fakeEngine)(nil)

func (f *fakeEngine) fail() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (f *fakeEngine) exec(req service.StartRequest, status string) *store.Execution {
	return &store.Execution{
		Arn: req.ExecutionArn, StateMachineArn: req.StateMachineArn, VersionArn: req.VersionArn, AliasArn: req.AliasArn,
		Name: req.Name, Type: req.Type, Status: status, Input: req.Input, StartDate: f.now(),
		TraceHeader: req.TraceHeader, Definition: req.Definition, RoleArn: req.RoleArn,
	}
}

func (f *fakeEngine) Start(ctx context.Context, req service.StartRequest) (*store.Execution, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	ex := f.exec(req, "RUNNING")
	ex.EventCount, ex.Snapshot = 1, []byte("{}")
	body, _ := asl.HistoryEvent{ID: 1, Timestamp: ex.StartDate, Type: "ExecutionStarted", Input: map[string]any{"input": true},
		HasInput: true, Task: &asl.TaskDetails{RoleArn: req.RoleArn}}.MarshalJSON()
	err := f.st.Commit(ctx, []*store.Transition{{Execution: ex, New: true,
		Events: []store.Event{{ID: 1, Type: "ExecutionStarted", Timestamp: ex.StartDate, Body: body}}}})
	if errors.Is(err, store.ErrExists) {
		return nil, apierr.New(apierr.ExecutionAlreadyExists, "Execution Already Exists: '%s'", req.ExecutionArn)
	}
	return ex, err
}

func (f *fakeEngine) StartSync(ctx context.Context, req service.StartRequest) (*store.Execution, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	ex := f.exec(req, "SUCCEEDED")
	ex.Output, ex.StopDate = req.Input, ex.StartDate.Add(time.Second)
	return ex, f.st.Commit(ctx, []*store.Transition{{Execution: ex, New: true}})
}

func (f *fakeEngine) Stop(ctx context.Context, arn, errName, cause string) (*store.Execution, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	ex, err := f.st.GetExecution(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierr.New(apierr.ExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
	}
	if err != nil || ex.Status != "RUNNING" {
		return ex, err
	}
	ex.Status, ex.Error, ex.Cause, ex.StopDate = "ABORTED", errName, cause, f.now()
	return ex, f.st.Commit(ctx, []*store.Transition{{Execution: ex, DeleteAll: true}})
}

func (f *fakeEngine) Redrive(ctx context.Context, arn string) (*store.Execution, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return nil, apierr.New(apierr.ExecutionNotRedrivable, "Execution '%s' is not redrivable", arn)
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

func (f *fakeEngine) SendTaskSuccess(_ context.Context, token, _ string) error { return f.token(token) }
func (f *fakeEngine) SendTaskFailure(_ context.Context, token, _, _ string) error {
	return f.token(token)
}
func (f *fakeEngine) SendTaskHeartbeat(_ context.Context, token string) error { return f.token(token) }

func (f *fakeEngine) GetActivityTask(context.Context, string, string) (*store.Task, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.task
	f.task = nil
	return t, nil
}

func (f *fakeEngine) RunTestTask(_ context.Context, t workflow.RunTask) engine.TaskOutcome {
	if err := f.fail(); err != nil {
		return engine.TaskOutcome{Error: "States.TaskFailed", Cause: err.Error()}
	}
	return engine.TaskOutcome{OK: true, Output: t.Input}
}

// testServer is an httptest server of the Step Functions API over a fresh
// SQLite store and a fake engine.
type testServer struct {
	*httptest.Server
	svc *service.Service
	eng *fakeEngine
	st  store.Store
}

func newTestServer(t *testing.T, cfg service.Config) *testServer {
	t.Helper()
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	now := time.Date(2024, 5, 1, 12, 0, 0, 250e6, time.UTC)
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return now }
	}
	eng := &fakeEngine{st: st, now: cfg.Now}
	svc := service.New(cfg, st, eng)
	srv := httptest.NewServer(auth.Open(Handler(svc, slog.New(slog.DiscardHandler))))
	t.Cleanup(srv.Close)
	return &testServer{Server: srv, svc: svc, eng: eng, st: st}
}

func (f *fakeEngine) TokenExecution(_ context.Context, token string) (string, error) {
	return "arn:aws:states:us-east-1:123456789012:execution:sm:run", f.token(token)
}
