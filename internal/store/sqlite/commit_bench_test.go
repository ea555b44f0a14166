package sqlite

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/store"
)

// BenchmarkCommit measures durable transitions per second for group
// commits of 1, 100 and 1000 transitions. Each transition is a typical
// one: it updates a RUNNING execution (status, ~400-byte snapshot, event
// count), appends 3 events of ~300 bytes, and either retires a task and
// arms a timer or retires the timer and dispatches a task.
func BenchmarkCommit(b *testing.B) {
	for _, durability := range []string{DurabilityFull, DurabilityRelaxed} {
		for _, size := range []int{1, 100, 1000} {
			b.Run(fmt.Sprintf("durability=%s/batch=%d", durability, size), func(b *testing.B) {
				benchCommit(b, durability, size)
			})
		}
	}
}

func benchCommit(b *testing.B, durability string, size int) {
	s, err := Open(b.TempDir(), Options{Durability: durability})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	pool := max(10*size, 2000)
	execs := make([]*store.Execution, pool)
	phase := make([]int, pool) // transitions applied so far
	snapshot := make([]byte, 400)
	for i := range snapshot {
		snapshot[i] = byte(i)
	}
	body := []byte(`{"id":0,"type":"TaskStateEntered","timestamp":"2025-03-14T15:09:26.535Z",` +
		`"previousEventId":0,"stateEnteredEventDetails":{"name":"ProcessSalesDataset",` +
		`"input":"{\"bucket\":\"sales\",\"key\":\"2025/03/14/part-0001.parquet\",\"rows\":123456}",` +
		`"inputDetails":{"truncated":false}},"extra":"0123456789012345678901234567890123456789"}`)
	var batch []*store.Transition
	for i := range pool {
		x := &store.Execution{
			Arn:             fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:sales-pipeline:%036d", i),
			StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sales-pipeline",
			Name:            fmt.Sprintf("%036d", i),
			Type:            store.TypeStandard,
			Status:          "RUNNING",
			Input:           `{"bucket":"sales"}`,
			StartDate:       time.Now(),
			Definition:      string(make([]byte, 2000)),
			Snapshot:        snapshot,
		}
		execs[i] = x
		batch = append(batch, &store.Transition{Execution: x, New: true,
			Events:    []store.Event{{Type: "ExecutionStarted", Timestamp: time.Now(), Body: body}},
			AddTimers: []store.Timer{{TimerID: "t", At: time.Now(), Purpose: "wait"}}})
		if len(batch) == 1000 || i == pool-1 {
			if err := s.Commit(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}

	next := 0
	b.ReportAllocs()
	b.ResetTimer()
	began, cpu0 := time.Now(), cpuTime()
	for range b.N {
		batch = batch[:0]
		for range size {
			i := next % pool
			next++
			x := execs[i]
			p := phase[i]
			phase[i]++
			now := time.Now()
			tr := &store.Transition{Execution: x, Events: []store.Event{
				{Type: "TaskStateExited", Timestamp: now, Previous: x.EventCount, Body: body},
				{Type: "TaskStateEntered", Timestamp: now, Previous: x.EventCount + 1, Body: body},
				{Type: "TaskScheduled", Timestamp: now, Previous: x.EventCount + 2, Body: body},
			}}
			tok := fmt.Sprintf("%s-task-%d", x.Name, p)
			if p%2 == 0 { // the timer fires: dispatch a task
				tr.DeleteTimers = []string{"t"}
				tr.AddTasks = []*store.Task{{Token: tok, Kind: store.TaskBuiltin, Resource: "baton:shell",
					StateName: "ProcessSalesDataset", Input: `{"cmd":"process"}`, State: store.TaskQueued,
					Attempt: 1, TimeoutSec: 300, CreatedAt: now}}
			} else { // the task is done: arm a timer
				tr.DeleteTasks = []string{fmt.Sprintf("%s-task-%d", x.Name, p-1)}
				tr.AddTimers = []store.Timer{{TimerID: "t", At: now.Add(time.Minute), Purpose: "wait"}}
			}
			batch = append(batch, tr)
		}
		if err := s.Commit(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	elapsed, cpu := time.Since(began), cpuTime()-cpu0
	b.ReportMetric(float64(b.N*size)/elapsed.Seconds(), "transitions/s")
	// CPU time of the whole process (writer and checkpointer) per
	// transition: a figure that other load on the machine does not skew.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*size), "cpu-µs/transition")
}

// cpuTime returns the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
