package engine_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/store"
)

func TestActivityWorker(t *testing.T) {
	w := newWorld(t)
	act := "arn:aws:states:us-east-1:123456789012:activity:resize"
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + act + `","HeartbeatSeconds":30,"End":true}}}`
	ex := w.start("act", def, `{"img":"a.png"}`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	task, err := w.eng.GetActivityTask(ctx, act, "worker-1")
	if err != nil || task == nil {
		t.Fatalf("GetActivityTask: %v %v", task, err)
	}
	if task.Input != `{"img":"a.png"}` {
		t.Fatalf("input %s", task.Input)
	}
	if err := w.eng.SendTaskHeartbeat(ctx, task.Token); err != nil {
		t.Fatal(err)
	}
	if err := w.eng.SendTaskSuccess(ctx, task.Token, `{"ok":true}`); err != nil {
		t.Fatal(err)
	}
	w.wait(ex.Arn, "SUCCEEDED")
	// A second delivery is refused, not applied twice.
	err = w.eng.SendTaskSuccess(ctx, task.Token, `{"ok":false}`)
	if e, ok := apierr.As(err); !ok || e.Code != apierr.TaskTimedOut {
		t.Fatalf("second delivery: %v", err)
	}
	got := strings.Join(w.history(ex.Arn), ",")
	want := "ExecutionStarted,TaskStateEntered,ActivityScheduled,ActivityStarted,ActivitySucceeded,TaskStateExited,ExecutionSucceeded"
	if got != want {
		t.Fatalf("history\n have %s\n want %s", got, want)
	}
}

func TestActivityPollTimesOut(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	task, err := w.eng.GetActivityTask(ctx, "arn:aws:states:us-east-1:123456789012:activity:idle", "w")
	if task != nil || err != nil {
		t.Fatalf("want nothing, have %v %v", task, err)
	}
}

// A queued activity task survives a restart and goes to exactly one of
// several workers polling at once; a task a worker had taken survives a
// restart and that worker's result is applied.
func TestActivityTasksSurviveRestart(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	def := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + actArn + `","Next":"B"},
	  "B":{"Type":"Task","Resource":"` + actArn + `","End":true}}}`
	ex := w.start("actrestart", def, `{"n":1}`)
	w.openTask(ex.Arn)
	w.restart()
	var got atomic.Int32
	var mu sync.Mutex
	var tasksGot []*store.Task
	pctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk, err := w.eng.GetActivityTask(pctx, actArn, fmt.Sprint("w", i))
			if err != nil {
				t.Error(err)
			}
			if tk != nil {
				got.Add(1)
				mu.Lock()
				tasksGot = append(tasksGot, tk)
				mu.Unlock()
				cancel() // release the others
			}
		}()
	}
	wg.Wait()
	cancel()
	if got.Load() != 1 {
		t.Fatalf("%d workers got the task", got.Load())
	}
	first := tasksGot[0]
	if first.StateName != "A" || first.Input != `{"n":1}` {
		t.Fatalf("%+v", first)
	}
	// Taken, then the server restarts: the worker's result still counts.
	w.restart()
	if err := w.eng.SendTaskSuccess(ctx, first.Token, `{"n":2}`); err != nil {
		t.Fatal(err)
	}
	second, err := w.eng.GetActivityTask(ctx, actArn, "w")
	if err != nil || second == nil || second.StateName != "B" || second.Input != `{"n":2}` {
		t.Fatalf("%+v %v", second, err)
	}
	w.restart()
	if err := w.eng.SendTaskHeartbeat(ctx, second.Token); err != nil {
		t.Fatal(err)
	}
	if err := w.eng.SendTaskSuccess(ctx, second.Token, `{"n":3}`); err != nil {
		t.Fatal(err)
	}
	done := w.wait(ex.Arn, "SUCCEEDED")
	want := "ExecutionStarted,TaskStateEntered,ActivityScheduled,ActivityStarted,ActivitySucceeded,TaskStateExited," +
		"TaskStateEntered,ActivityScheduled,ActivityStarted,ActivitySucceeded,TaskStateExited,ExecutionSucceeded"
	if got := strings.Join(w.history(ex.Arn), ","); got != want || done.Output != `{"n":3}` {
		t.Fatalf("history %s output %s", got, done.Output)
	}
}

// A hundred executions with activity tasks, several workers answering
// concurrently: every execution completes once, with a gap-free history,
// and no task is handed out twice.
func TestManyActivityExecutionsConcurrentWorkers(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	const n = 100
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + actArn + `","End":true}}}`
	var starts sync.WaitGroup
	for i := range n {
		starts.Add(1)
		go func() {
			defer starts.Done()
			if _, err := w.eng.Start(ctx, w.req(fmt.Sprint("m", i), def, fmt.Sprintf(`{"i":%d}`, i))); err != nil {
				t.Error(err)
			}
		}()
	}
	var seen sync.Map
	var dup atomic.Int32
	var handled atomic.Int32
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var workers sync.WaitGroup
	for k := range 8 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for handled.Load() < n {
				pctx, pcancel := context.WithTimeout(wctx, 200*time.Millisecond)
				tk, err := w.eng.GetActivityTask(pctx, actArn, fmt.Sprint("w", k))
				pcancel()
				if err != nil || tk == nil {
					if wctx.Err() != nil {
						return
					}
					continue
				}
				if _, loaded := seen.LoadOrStore(tk.Token, true); loaded {
					dup.Add(1)
				}
				if k%2 == 0 {
					if err := w.eng.SendTaskHeartbeat(ctx, tk.Token); err != nil {
						t.Error(err)
					}
				}
				if err := w.eng.SendTaskSuccess(ctx, tk.Token, tk.Input); err != nil {
					t.Error(err)
				}
				handled.Add(1)
			}
		}()
	}
	starts.Wait()
	for i := range n {
		arn := "arn:aws:states:us-east-1:123456789012:execution:test:m" + fmt.Sprint(i)
		done := w.wait(arn, "SUCCEEDED")
		if done.Output != fmt.Sprintf(`{"i":%d}`, i) {
			t.Fatalf("%s: output %s", arn, done.Output)
		}
		w.history(arn)
	}
	cancel()
	workers.Wait()
	if dup.Load() != 0 || handled.Load() != n {
		t.Fatalf("%d duplicates, %d handled", dup.Load(), handled.Load())
	}
}

// Redrive after a restart of an execution whose activity timed out: the
// failed task runs again and completes.
func TestRedriveActivityAfterRestart(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + actArn + `","TimeoutSeconds":5,"End":true}}}`
	ex := w.start("rd", def, `{"x":1}`)
	w.openTask(ex.Arn)
	w.advance(5 * time.Second)
	w.wait(ex.Arn, "FAILED")
	w.restart()
	if _, err := w.eng.Redrive(ctx, ex.Arn); err != nil {
		t.Fatal(err)
	}
	task, err := w.eng.GetActivityTask(ctx, actArn, "w")
	if err != nil || task == nil || task.Input != `{"x":1}` {
		t.Fatalf("%+v %v", task, err)
	}
	if err := w.eng.SendTaskSuccess(ctx, task.Token, `"ok"`); err != nil {
		t.Fatal(err)
	}
	done := w.wait(ex.Arn, "SUCCEEDED")
	if done.RedriveCount != 1 || done.Output != `"ok"` {
		t.Fatalf("%+v", done)
	}
	if len(w.allTimers()) != 0 {
		t.Fatalf("timers left: %+v", w.allTimers())
	}
}

func TestExpressActivity(t *testing.T) {
	w := newWorld(t)
	act := "arn:aws:states:us-east-1:123456789012:activity:fast"
	req := w.req("expact", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+act+`","End":true}}}`, `{"n":1}`)
	req.Type = store.TypeExpress
	req.ExecutionArn = "arn:aws:states:us-east-1:123456789012:express:test:expact:1"
	res := make(chan *store.Execution, 1)
	go func() {
		ex, err := w.eng.StartSync(context.Background(), req)
		if err != nil {
			t.Error(err)
		}
		res <- ex
	}()
	task, err := w.eng.GetActivityTask(context.Background(), act, "w")
	if err != nil || task == nil {
		t.Fatalf("%v %v", task, err)
	}
	if err := w.eng.SendTaskSuccess(context.Background(), task.Token, `{"done":true}`); err != nil {
		t.Fatal(err)
	}
	ex := <-res
	if ex == nil || ex.Status != "SUCCEEDED" || ex.Output != `{"done":true}` {
		t.Fatalf("%+v", ex)
	}
}

// TestTakeActivityTask: TakeActivityTask hands out a task queued now, and
// answers nil at once when none is, without staying in the queue of
// waiting polls (a task queued after it goes to the next poll).
func TestTakeActivityTask(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	act := "arn:aws:states:us-east-1:123456789012:activity:fast"
	if task, err := w.eng.TakeActivityTask(ctx, act, "w"); task != nil || err != nil {
		t.Fatalf("with nothing queued: %+v, %v", task, err)
	}
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + act + `","End":true}}}`
	ex := w.start("take", def, `{"n":1}`)
	var task *store.Task
	w.until("the task to be queued", func() bool {
		var err error
		task, err = w.eng.TakeActivityTask(ctx, act, "w")
		if err != nil {
			t.Fatal(err)
		}
		return task != nil
	})
	if task.WorkerName != "w" || task.State != store.TaskStarted || task.ExecutionArn != ex.Arn {
		t.Fatalf("taken: %+v", task)
	}
	if again, err := w.eng.TakeActivityTask(ctx, act, "w2"); again != nil || err != nil {
		t.Fatalf("taken twice: %+v, %v", again, err)
	}
	if err := w.eng.SendTaskSuccess(ctx, task.Token, `{"done":true}`); err != nil {
		t.Fatal(err)
	}
	w.wait(ex.Arn, "SUCCEEDED")
}

// TestActivityHeldIsTold: an Express run's activity task, which only this
// engine's memory holds, is told of (Config.OnActivityHeld) once queued,
// so that a cluster's other nodes can ask for it; a Standard run's task,
// which the store holds, is not.
func TestActivityHeldIsTold(t *testing.T) {
	held := make(chan string, 4)
	w := newTunedWorld(t, func(c *engine.Config) { c.OnActivityHeld = func(arn string) { held <- arn } })
	ctx := context.Background()
	act := "arn:aws:states:us-east-1:123456789012:activity:fast"
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + act + `","End":true}}}`
	std := w.start("standard", def, `{}`)
	var task *store.Task
	w.until("the Standard run's task", func() bool {
		task, _ = w.eng.TakeActivityTask(ctx, act, "w")
		return task != nil
	})
	if len(held) != 0 {
		t.Fatalf("a Standard run's task was told of as held: %s", <-held)
	}
	if err := w.eng.SendTaskSuccess(ctx, task.Token, `{}`); err != nil {
		t.Fatal(err)
	}
	w.wait(std.Arn, "SUCCEEDED")

	req := w.req("held", def, `{}`)
	req.Type = store.TypeExpress
	req.ExecutionArn = "arn:aws:states:us-east-1:123456789012:express:test:held:1"
	res := make(chan *store.Execution, 1)
	go func() {
		ex, err := w.eng.StartSync(ctx, req)
		if err != nil {
			t.Error(err)
		}
		res <- ex
	}()
	select {
	case got := <-held:
		if got != act {
			t.Fatalf("told of %s, want %s", got, act)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the Express run's task was not told of")
	}
	task, err := w.eng.TakeActivityTask(ctx, act, "w")
	if err != nil || task == nil {
		t.Fatalf("the held task: %+v, %v", task, err)
	}
	if err := w.eng.SendTaskSuccess(ctx, task.Token, `{"ok":1}`); err != nil {
		t.Fatal(err)
	}
	if ex := <-res; ex == nil || ex.Status != "SUCCEEDED" {
		t.Fatalf("%+v", ex)
	}
}

// An Express execution with an activity task that exceeds the Express
// limit times out; the worker's late result is refused.
func TestExpressActivityTimesOut(t *testing.T) {
	w := newRWorld(t, func(c *engine.Config) { withASL(c, func(o *asl.LanguageOptions) { o.ExpressTimeout = time.Minute }) })
	req := w.req("xa", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+actArn+`","End":true}}}`, `{}`)
	req.Type = store.TypeExpress
	req.ExecutionArn = "arn:aws:states:us-east-1:123456789012:express:test:xa:1"
	res := make(chan *store.Execution, 1)
	go func() {
		ex, err := w.eng.StartSync(context.Background(), req)
		if err != nil {
			t.Error(err)
		}
		res <- ex
	}()
	task, err := w.eng.GetActivityTask(context.Background(), actArn, "w")
	if err != nil || task == nil {
		t.Fatalf("%v %v", task, err)
	}
	w.advance(time.Minute)
	ex := <-res
	if ex == nil || ex.Status != "TIMED_OUT" {
		t.Fatalf("%+v", ex)
	}
	if err := w.eng.SendTaskSuccess(context.Background(), task.Token, `{}`); !isCode(err, apierr.TaskTimedOut) && !isCode(err, apierr.InvalidToken) {
		t.Fatalf("late result: %v", err)
	}
}
