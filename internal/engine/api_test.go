package engine_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/tasks"
)

// A refused Redrive (here: the history is at its limit) records no
// transition: the ended execution keeps its StopDate, and ended() does not
// run again (metrics, report to a parent). Found in review: it once did.
func TestRefusedRedriveStoresNothing(t *testing.T) {
	w := newRWorld(t, func(c *engine.Config) { withASL(c, func(o *asl.LanguageOptions) { o.MaxHistoryEvents = 12 }) })
	def := `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},
	 "B":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"S"}],"Default":"A"},"S":{"Type":"Succeed"}}}`
	ex := w.start("limit", def, `{}`)
	failed := w.wait(ex.Arn, "FAILED")
	w.clk.Advance(time.Hour)
	_, err := w.eng.Redrive(context.Background(), ex.Arn)
	if !isCode(err, apierr.ExecutionNotRedrivable) {
		t.Fatalf("redrive: %v", err)
	}
	// A start answered after its commit: what Redrive queued is stored too.
	w.start("probe", passChain, `{}`)
	after, err := w.st.GetExecution(context.Background(), ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	if !after.StopDate.Equal(failed.StopDate) {
		t.Fatalf("a refused redrive moved StopDate from %v to %v", failed.StopDate, after.StopDate)
	}
}

// StopExecution while a built-in task runs cancels it; an activity task of
// the stopped execution is never handed to a worker; nothing is left in
// the store.
func TestStopCancelsTasksAndClearsStore(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	running := make(chan struct{})
	cancelled := make(chan struct{})
	w.execs["zz:block"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		close(running)
		<-ctx.Done()
		close(cancelled)
		return nil, ctx.Err()
	})
	def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
	  {"StartAt":"B","States":{"B":{"Type":"Task","Resource":"zz:block","TimeoutSeconds":100,"End":true}}},
	  {"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + actArn + `","HeartbeatSeconds":50,"End":true}}},
	  {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1000,"End":true}}}],"End":true}}}`
	ex := w.start("stopall", def, `{}`)
	<-running
	got, err := w.eng.Stop(ctx, ex.Arn, "Manual", "test")
	if err != nil || got.Status != "ABORTED" {
		t.Fatalf("%+v %v", got, err)
	}
	<-cancelled
	pctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if task, err := w.eng.GetActivityTask(pctx, actArn, "w"); task != nil || err != nil {
		t.Fatalf("a stopped execution's activity task was handed out: %+v %v", task, err)
	}
	if len(w.tasksOf(ex.Arn)) != 0 || len(w.timersOf(ex.Arn)) != 0 {
		t.Fatalf("left: tasks %+v timers %+v", w.tasksOf(ex.Arn), w.timersOf(ex.Arn))
	}
	// Stopping again returns the stopped execution.
	again, err := w.eng.Stop(ctx, ex.Arn, "Other", "")
	if err != nil || again.Status != "ABORTED" || again.Error != "Manual" {
		t.Fatalf("second stop: %+v %v", again, err)
	}
	w.restart()
	if got := strings.Join(w.history(ex.Arn), ","); !strings.HasSuffix(got, "ExecutionAborted") {
		t.Fatalf("history %s", got)
	}
}

// Concurrent starts of one name make exactly one execution; each caller
// gets it back (same name and input) or ExecutionAlreadyExists.
func TestConcurrentSameNameStartsMakeOneExecution(t *testing.T) {
	w := newWorld(t)
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`
	var wg sync.WaitGroup
	var mu sync.Mutex
	arns := map[string]int{}
	var exists, other atomic.Int32
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			input := `{}`
			if i%4 == 3 {
				input = `{"other":true}`
			}
			ex, err := w.eng.Start(context.Background(), w.req("same", def, input))
			switch {
			case err == nil:
				mu.Lock()
				arns[ex.Arn+"|"+ex.StartDate.String()]++
				mu.Unlock()
			case isCode(err, apierr.ExecutionAlreadyExists):
				exists.Add(1)
			default:
				other.Add(1)
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(arns) != 1 {
		t.Fatalf("different executions returned: %v", arns)
	}
	execs, _, err := w.st.ListExecutions(context.Background(), store.ExecutionFilter{}, store.Page{})
	if err != nil || len(execs) != 1 {
		t.Fatalf("%d executions stored (%v)", len(execs), err)
	}
	if got := strings.Join(w.history(execs[0].Arn), ","); got != "ExecutionStarted,WaitStateEntered" {
		t.Fatalf("history %s", got)
	}
}

// StartSync of an Express Parallel whose one branch fails returns FAILED
// at once (the other branch's task is cancelled), and the outcome is stored
// without history, tasks or timers.
func TestExpressSyncFailingParallel(t *testing.T) {
	w := newWorld(t)
	cancelled := make(chan struct{})
	w.execs["zz:block"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		<-ctx.Done()
		close(cancelled)
		return nil, ctx.Err()
	})
	w.execs["zz:fail"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		return nil, &tasks.Failure{Name: "Broken", Cause: "on purpose"}
	})
	req := w.req("xp", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
	  {"StartAt":"B","States":{"B":{"Type":"Task","Resource":"zz:block","TimeoutSeconds":10,"End":true}}},
	  {"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"F","States":{"F":{"Type":"Task","Resource":"zz:fail","End":true}}},"End":true}}}],"End":true}}}`, `{"items":[1,2,3]}`)
	req.Type = store.TypeExpress
	req.ExecutionArn = "arn:aws:states:us-east-1:123456789012:express:test:xp:1"
	ex, err := w.eng.StartSync(context.Background(), req)
	if err != nil || ex.Status != "FAILED" || ex.Error != "Broken" {
		t.Fatalf("%+v %v", ex, err)
	}
	<-cancelled
	stored := w.wait(req.ExecutionArn, "FAILED")
	if stored.Error != "Broken" || stored.Type != store.TypeExpress {
		t.Fatalf("%+v", stored)
	}
	if len(w.allTimers()) != 0 || len(w.tasksOf(req.ExecutionArn)) != 0 {
		t.Fatal("an Express execution left timers or tasks in the store")
	}
	// Express executions cannot be redriven nor stopped twice into another status.
	if _, err := w.eng.Redrive(context.Background(), req.ExecutionArn); !isCode(err, apierr.ExecutionNotRedrivable) {
		t.Fatalf("redrive: %v", err)
	}
}

// Watch sees an execution's updates, ending with its final status, and
// only once they are stored.
func TestWatchSeesFinalStatus(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := w.eng.Watch(ctx, "")
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"Next":"P"},"P":{"Type":"Pass","End":true}}}`
	ex := w.start("watched", def, `{}`)
	w.advance(5 * time.Second)
	deadline := time.After(5 * time.Second)
	for {
		select {
		case u := <-ch:
			if u.ExecutionArn != ex.Arn {
				continue
			}
			stored, err := w.st.GetExecution(context.Background(), ex.Arn)
			if err != nil || stored.EventCount < u.LastEventID {
				t.Fatalf("update %+v before it was stored (%+v)", u, stored)
			}
			if u.Status == "SUCCEEDED" {
				return
			}
		case <-deadline:
			t.Fatal("no SUCCEEDED update")
		}
	}
}
