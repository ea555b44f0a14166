package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/store/sqlite"
	"github.com/batonhq/baton/internal/tasklog"
)

// BenchmarkShellChainLogs: one execution at a time of 20 baton:shell steps
// that each print a line, with full durability, without and with task logs:
// what keeping a step's output costs its step (ms/step, spawning the
// command included).
func BenchmarkShellChainLogs(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"StartAt":"S0","States":{`)
	const steps = 20
	for i := range steps {
		if i > 0 {
			sb.WriteString(",")
		}
		next := fmt.Sprintf(`"Next":"S%d"`, i+1)
		if i == steps-1 {
			next = `"End":true`
		}
		fmt.Fprintf(&sb, `"S%d":{"Type":"Task","Resource":"baton:shell","Parameters":{"command":["echo","step %d"]},%s}`, i, i, next)
	}
	sb.WriteString(`}}`)
	def := sb.String()
	for _, logs := range []bool{false, true} {
		b.Run(fmt.Sprintf("logs=%v", logs), func(b *testing.B) {
			st, err := sqlite.Open(b.TempDir(), sqlite.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			cfg := engine.Config{Store: st, Log: quiet}
			if logs {
				cfg.TaskLogs = tasklog.New(st, tasklog.Options{})
			}
			eng, err := engine.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			if err := eng.Run(context.Background()); err != nil {
				b.Fatal(err)
			}
			defer eng.Close()
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				startAll(b, eng, fmt.Sprintf("c%d-", i), def, 1, 1)
				waitDone(b, st, fmt.Sprintf("c%d-", i), 1)
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N*steps), "ms/step")
		})
	}
}
