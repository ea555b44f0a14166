package engine_test

// rworld: a world whose store's reads a test can intercept (faulty.Store), and
// the store helpers of the tests that check what is left in the store.

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/faulty"
	"github.com/batonhq/baton/internal/store/sqlite"
	"github.com/batonhq/baton/internal/tasks"
)

// rworld is a world whose engine runs on a hookable store and a tunable
// configuration.
type rworld struct {
	*world
	hs  *faulty.Store // wraps the SQLite store so that a test can intercept reads
	cfg func(*engine.Config)
	cur atomic.Pointer[engine.Engine]
}

func newRWorld(t *testing.T, cfg func(*engine.Config)) *rworld {
	w := &world{t: t, dir: t.TempDir(), clk: clock.NewFake(t0), execs: map[string]tasks.Executor{}}
	r := &rworld{world: w, hs: faulty.New(nil), cfg: cfg}
	r.open()
	t.Cleanup(func() { w.close() })
	return r
}

func (r *rworld) open() {
	w := r.world
	st, err := sqlite.Open(w.dir, sqlite.Options{})
	if err != nil {
		w.t.Fatal(err)
	}
	w.st = st
	r.hs.Store = st
	c := serverConfig(r.hs, w.clk, w)
	if r.cfg != nil {
		r.cfg(&c)
	}
	eng, err := engine.New(c)
	if err != nil {
		w.t.Fatal(err)
	}
	r.cur.Store(eng)
	eng.SetChildren(rstarter{r: r})
	if err := eng.Run(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	w.eng = eng
}

// rstarter starts nested executions as the server does (an existing child
// of the same name is returned), on the engine being started: recovery
// calls it from Run, before world.eng is set.
type rstarter struct {
	childOutcome
	r *rworld
}

func (s rstarter) StartChild(ctx context.Context, req engine.ChildRequest) (*store.Execution, error) {
	p := req.Parameters.(map[string]any)
	def := p["StateMachineArn"].(string)
	input, _ := json.Marshal(p["Input"])
	sr := engine.StartRequest{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:child:" + req.Name,
		StateMachineArn: smArn + "child", Name: req.Name, Type: store.TypeStandard, Definition: def, Input: string(input)}
	eng := s.r.cur.Load()
	ex, err := eng.StartNested(ctx, sr, req.ParentToken)
	if isCode(err, apierr.ExecutionAlreadyExists) {
		if old, gerr := s.r.hs.Store.GetExecution(ctx, sr.ExecutionArn); gerr == nil {
			return old, nil
		}
	}
	return ex, err
}

func (r *rworld) restart() {
	r.close()
	r.open()
}

// eventually polls cond until it holds or a deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
}

// tasksOf returns the store's open tasks of an execution.
func (w *world) tasksOf(arn string) []*store.Task {
	w.t.Helper()
	ts, err := w.st.OpenTasks(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	var out []*store.Task
	for _, t := range ts {
		if t.ExecutionArn == arn {
			out = append(out, t)
		}
	}
	return out
}

// timersOf returns the store's timers of an execution.
func (w *world) timersOf(arn string) []store.Timer {
	w.t.Helper()
	var out []store.Timer
	err := w.st.Timers(context.Background(), func(t store.Timer) error {
		if t.ExecutionArn == arn {
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

func (w *world) allTimers() []store.Timer {
	w.t.Helper()
	var out []store.Timer
	if err := w.st.Timers(context.Background(), func(t store.Timer) error { out = append(out, t); return nil }); err != nil {
		w.t.Fatal(err)
	}
	return out
}

func isCode(err error, code string) bool {
	e, ok := apierr.As(err)
	return ok && e.Code == code
}

const actArn = "arn:aws:states:us-east-1:123456789012:activity:review"

// ---------------------------------------------------------------------------
// Bugs

// ---------------------------------------------------------------------------
// Adversarial tests that pass (regression tests)
