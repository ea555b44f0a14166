package pipeline

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/batonhq/baton/workflow"
)

// benchPipeline is a DAG of n steps, chains and fan-outs mixed: blocks of
// ten where the first step follows the previous block's last, eight steps
// fan out from it, and the last joins them.
func benchPipeline(n int) *Pipeline {
	pl := &Pipeline{Name: "bench", Type: TypeStandard}
	for i := range n {
		s := &Step{Name: fmt.Sprintf("s%d", i), Type: StepShell, Command: []string{"true"}, TriggerRule: RuleAllSuccess}
		block := i / 10 * 10
		switch i % 10 {
		case 0:
			if i > 0 {
				s.DependsOn = []string{fmt.Sprintf("s%d", i-1)}
			}
		case 9:
			for k := block + 1; k < block+9; k++ {
				s.DependsOn = append(s.DependsOn, fmt.Sprintf("s%d", k))
			}
		default:
			s.DependsOn = []string{fmt.Sprintf("s%d", block)}
		}
		pl.Steps = append(pl.Steps, s)
	}
	return pl
}

// runToEnd answers every task with success, in the order asked.
func runToEnd(tb testing.TB, p workflow.Program) workflow.Instance {
	var out workflow.Output
	now := t0
	inst := p.Start(workflow.Info{ID: "x", StartTime: now}, now, &out)
	var queue []string
	for {
		for _, c := range out.Commands {
			if rt, ok := c.(workflow.RunTask); ok {
				queue = append(queue, rt.TaskID)
			}
		}
		if len(queue) == 0 {
			break
		}
		id := queue[0]
		queue = queue[1:]
		out.Reset()
		inst.Apply(workflow.TaskSucceeded{TaskID: id}, now, &out)
	}
	if inst.Status() != workflow.StatusSucceeded {
		tb.Fatalf("status %s: %+v", inst.Status(), inst.Result())
	}
	return inst
}

// BenchmarkSchedule measures the interpreter's scheduling of a whole run
// (start, every step's task and result, the end) at 1k, 10k and 100k
// steps: ns/step should stay flat as the DAG grows.
func BenchmarkSchedule(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			p, err := compile(benchPipeline(n), NewLanguage(Options{}).(*language).opts, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			var live uint64
			for range b.N {
				base := heapLive()
				inst := runToEnd(b, p)
				live = max(live, heapLive()-min(base, heapLive()))
				runtime.KeepAlive(inst)
			}
			b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(n*b.N), "ns/step")
			// What a finished run of n steps holds (its state, its history
			// as the interpreter keeps it): the bound is 300 MB at
			// 10,000 steps.
			b.ReportMetric(float64(live)/(1<<20), "MB-live")
		})
	}
}

// TestScheduleLarge runs a 10,000-step DAG to its end and restores its
// final snapshot.
func TestScheduleLarge(t *testing.T) {
	p, err := compile(benchPipeline(10_000), NewLanguage(Options{}).(*language).opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	base := heapLive()
	inst := runToEnd(t, p)
	if live := heapLive() - min(base, heapLive()); live > 300<<20 {
		t.Errorf("a finished 10,000-step run holds %d MB; the bound is 300 MB", live>>20)
	}
	snap, _ := inst.Snapshot()
	if _, err := p.Restore(snap); err != nil {
		t.Fatal(err)
	}
	t.Logf("snapshot of a finished 10,000-step run: %d bytes", len(snap))
}

// heapLive is the heap in use after a collection.
func heapLive() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
