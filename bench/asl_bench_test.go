// Package bench holds Baton's benchmarks. These measure the asl interpreter
// in process on the scenarios of bench/defs, the same definitions the peer
// (aws-local-stepfunctions) runs; see bench/README.md and bench/RESULTS.md.
package bench

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/asl"
)

func loadMachine(b *testing.B, name string, opts asl.Options) *asl.Machine {
	b.Helper()
	def, err := asl.ParseFile(filepath.Join("defs", name))
	if err != nil {
		b.Fatal(err)
	}
	m, err := asl.Compile(def, opts)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// runToEnd runs an execution that needs no tasks nor timers: Start alone
// takes it to its end.
func runToEnd(b *testing.B, m *asl.Machine, input any, out *asl.Output) *asl.Execution {
	out.Reset()
	x := m.Start(asl.ExecutionInfo{ID: "arn:aws:states:us-east-1:123456789012:execution:bench:1", Name: "1", Input: input}, time.Unix(0, 0), out)
	if x.Status != asl.StatusSucceeded {
		b.Errorf("execution %s: %s %s", x.Status, x.Error, x.Cause) // not Fatal: RunParallel goroutines call it too
	}
	return x
}

// benchOptions are the default options (AWS's 256 KiB payload limit checked
// on state outputs that can grow), with or without building the history.
func benchOptions(history bool) asl.Options { return asl.Options{NoHistory: !history} }

// Scenario (a): a 1,000-state Pass chain. Reports Pass transitions per second.
func BenchmarkPassChain1000(b *testing.B) {
	for _, history := range []bool{true, false} {
		b.Run(historyName(history), func(b *testing.B) {
			m := loadMachine(b, "pass-chain-1000.asl.json", benchOptions(history))
			input := map[string]any{"hello": "world", "n": int64(1)}
			var out asl.Output
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				runToEnd(b, m, input, &out)
			}
			b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "transitions/s")
		})
	}
}

// Scenario (b): a Choice/Pass loop of 100,000 iterations.
func BenchmarkChoiceLoop100k(b *testing.B) {
	for _, history := range []bool{true, false} {
		b.Run(historyName(history), func(b *testing.B) {
			m := loadMachine(b, "choice-loop.asl.json", benchOptions(history))
			input := map[string]any{"n": int64(100000), "i": int64(0)}
			var out asl.Output
			b.ReportAllocs()
			for b.Loop() {
				runToEnd(b, m, input, &out)
			}
			b.ReportMetric(float64(b.N)*200001/b.Elapsed().Seconds(), "transitions/s")
		})
	}
}

// Scenario (c): an inline Map over 100,000 items with a Pass body.
func BenchmarkMap100k(b *testing.B) {
	for _, history := range []bool{true, false} {
		b.Run(historyName(history), func(b *testing.B) {
			// No payload limit: the Map outputs the 1.3 MB array of items, more
			// than AWS's 256 KiB (the peer has no limit).
			opts := benchOptions(history)
			opts.MaxPayloadBytes = -1
			m := loadMachine(b, "map-100k.asl.json", opts)
			items := make([]any, 100000)
			for i := range items {
				items[i] = map[string]any{"id": int64(i)}
			}
			input := map[string]any{"items": items}
			var out asl.Output
			b.ReportAllocs()
			for b.Loop() {
				runToEnd(b, m, input, &out)
			}
		})
	}
}

// Scenario (d): many small executions of an 8-state machine.
func BenchmarkSmallExecutions(b *testing.B) {
	for _, history := range []bool{true, false} {
		b.Run(historyName(history), func(b *testing.B) {
			m := loadMachine(b, "small-8-state.asl.json", benchOptions(history))
			var out asl.Output
			inputs := make([]any, 100)
			for i := range inputs {
				inputs[i] = map[string]any{"id": int64(i), "v": int64(i % 100)}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				runToEnd(b, m, inputs[i%100], &out)
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "executions/s")
		})
	}
}

func historyName(h bool) string {
	if h {
		return "history"
	}
	return "nohistory"
}

// Scenario (d) on every core: executions are independent, and a Machine is
// safe for concurrent use, so throughput scales with cores (the peer runs on
// one JavaScript thread).
func BenchmarkSmallExecutionsParallel(b *testing.B) {
	m := loadMachine(b, "small-8-state.asl.json", benchOptions(true))
	inputs := make([]any, 100)
	for i := range inputs {
		inputs[i] = map[string]any{"id": int64(i), "v": int64(i % 100)}
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var out asl.Output
		i := 0
		for pb.Next() {
			runToEnd(b, m, inputs[i%100], &out)
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "executions/s")
}

// mapItems is the input of the Map scenarios: 100,000 items {"id": i}.
func mapItems(tag bool) map[string]any {
	items := make([]any, 100000)
	for i := range items {
		items[i] = map[string]any{"id": int64(i)}
	}
	in := map[string]any{"items": items}
	if tag {
		in["tag"] = "bench"
	}
	return in
}

// Scenarios (e) and (f): JSONata Maps over 100,000 items and their JSONPath
// equivalents, run side by side so that their ratio can be read off one run
// (the target: JSONata within 3 times JSONPath). (e) is scenario (c) with
// Items instead of ItemsPath; (f) adds an ItemSelector reading the context
// object and the input for every item.
func BenchmarkMap100kJSONata(b *testing.B) {
	for _, sc := range []struct{ name, def string }{
		{"e-jsonpath", "map-100k.asl.json"},
		{"e-jsonata", "map-100k-jsonata.asl.json"},
		{"f-selector-jsonpath", "map-100k-selector-jsonpath.asl.json"},
		{"f-selector-jsonata", "map-100k-selector-jsonata.asl.json"},
	} {
		b.Run(sc.name, func(b *testing.B) {
			opts := benchOptions(true)
			opts.MaxPayloadBytes = -1 // the output is over AWS's 256 KiB, as in (c)
			m := loadMachine(b, sc.def, opts)
			input := mapItems(true)
			var out asl.Output
			b.ReportAllocs()
			for b.Loop() {
				runToEnd(b, m, input, &out)
			}
		})
	}
}

// wideParallel is a Parallel state of n branches of one Wait 1s each, the
// shape of issue 8's reproduction (10,000 branches: an 878 KB definition).
func wideParallel(b *testing.B, n int) *asl.Machine {
	b.Helper()
	var sb strings.Builder
	sb.WriteString(`{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[`)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"StartAt":"W%d","States":{"W%d":{"Type":"Wait","Seconds":1,"End":true}}}`, i, i)
	}
	sb.WriteString(`]}}}`)
	def, err := asl.Parse([]byte(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	opts := asl.Options{}
	opts.MaxOpenBranches = n // the default is 2,000
	m, err := asl.Compile(def, opts)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkWideParallel: a Parallel of N branches of Wait 1s through the
// interpreter: Start, then every timer fired, one Apply each, to the end.
// "snapshot" also serializes the execution after every Apply, as the engine
// does after every transition (asl.MarshalExecution); that part copies the
// whole snapshot, O(N) bytes per event, so it grows faster than N.
func BenchmarkWideParallel(b *testing.B) {
	benchTimers(b, wideParallel, false)
}

// BenchmarkWideMap: an inline Map over N items whose iterations each wait
// 1s, at most 40 at once, driven like BenchmarkWideParallel.
func BenchmarkWideMap(b *testing.B) {
	benchTimers(b, func(b *testing.B, n int) *asl.Machine {
		def, err := asl.Parse([]byte(`{"StartAt":"M","States":{"M":{"Type":"Map","End":true,
			"ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"End":true}}}}}}`))
		if err != nil {
			b.Fatal(err)
		}
		m, err := asl.Compile(def, asl.Options{MaxPayloadBytes: -1})
		if err != nil {
			b.Fatal(err)
		}
		return m
	}, true)
}

// benchTimers runs the machine build(b, N) for N = 1,000, 2,000 and 10,000
// on an input of N small items (withItems) or {}, firing every timer it arms in order, with
// and without a snapshot after every event; it reports items (branches or
// iterations) per second.
func benchTimers(b *testing.B, build func(b *testing.B, n int) *asl.Machine, withItems bool) {
	for _, n := range []int{1000, 2000, 10000} {
		for _, snap := range []bool{false, true} {
			name := fmt.Sprintf("N=%d", n)
			if snap {
				name += "/snapshot"
			}
			b.Run(name, func(b *testing.B) {
				m := build(b, n)
				var input any = map[string]any{}
				if withItems {
					items := make([]any, n)
					for i := range items {
						items[i] = int64(i)
					}
					input = items
				}
				var out asl.Output
				start := time.Unix(0, 0)
				b.ReportAllocs()
				for b.Loop() {
					out.Reset()
					x := m.Start(asl.ExecutionInfo{ID: "arn:aws:states:us-east-1:123456789012:execution:bench:1", Name: "1", Input: input}, start, &out)
					for fired := 0; !x.Done(); fired++ {
						var timers []string
						for _, c := range out.Commands {
							if t, ok := c.(asl.ArmTimer); ok {
								timers = append(timers, t.TimerID)
							}
						}
						if len(timers) == 0 || fired > n {
							b.Fatalf("%s after %d timers: waits for nothing", x.Status, fired)
						}
						out.Reset()
						for _, id := range timers {
							m.Apply(x, asl.TimerFired{TimerID: id}, start.Add(time.Second), &out)
							if snap {
								if _, err := asl.MarshalExecution(x); err != nil {
									b.Fatal(err)
								}
							}
						}
					}
					if x.Status != asl.StatusSucceeded {
						b.Fatalf("%s %s %s", x.Status, x.Error, x.Cause)
					}
				}
				b.ReportMetric(float64(b.N)*float64(n)/b.Elapsed().Seconds(), "items/s")
			})
		}
	}
}
