package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton/asl"
)

// progress shows an execution's progress on stderr: plain lines (one per
// state entered and exited, retry, failure) when stderr is not a terminal; on
// a terminal, a compact live line of the running states plus a permanent line
// for every notable event.
type progress struct {
	w       io.Writer
	quiet   bool
	tty     bool
	start   time.Time
	mu      sync.Mutex
	active  map[string]int // state name -> how many frames are in it
	entered map[string]time.Time
	states  int
	last    time.Time
	clock   time.Time // the execution's clock at the last event (virtual under --skip-waits)
}

func newProgress(w io.Writer, quiet bool) *progress {
	p := &progress{w: w, quiet: quiet, start: time.Now(), active: map[string]int{}, entered: map[string]time.Time{}}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = os.Getenv("TERM") != "dumb"
		}
	}
	return p
}

func (p *progress) elapsed(t time.Time) string {
	return fmt.Sprintf("%8.3fs", time.Since(p.start).Seconds())
}

// line prints a permanent line, above the live line on a terminal.
func (p *progress) line(format string, a ...any) {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, "[%s] %s\n", p.elapsed(time.Now()), fmt.Sprintf(format, a...))
}

func (p *progress) events(evs []asl.HistoryEvent) {
	if p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range evs {
		p.clock = e.Timestamp
		switch {
		case strings.HasSuffix(e.Type, "StateEntered"):
			p.active[e.Name]++
			p.entered[e.Name] = e.Timestamp
			p.states++
			if !p.tty {
				p.line("> %s (%s)", e.Name, strings.TrimSuffix(e.Type, "StateEntered"))
			}
		case strings.HasSuffix(e.Type, "StateExited"):
			if p.active[e.Name]--; p.active[e.Name] <= 0 {
				delete(p.active, e.Name)
			}
			d := e.Timestamp.Sub(p.entered[e.Name])
			if !p.tty {
				p.line("< %s (%s)", e.Name, d.Round(time.Millisecond))
			}
		case strings.HasSuffix(e.Type, "Failed") && e.Type != "ExecutionFailed" || strings.HasSuffix(e.Type, "TimedOut") && e.Type != "ExecutionTimedOut":
			cause := e.Cause
			if len(cause) > 300 {
				cause = cause[:300] + "..."
			}
			if e.Error != "" {
				p.line("! %s: %s %s", e.Type, e.Error, oneLine(cause))
			} else {
				p.line("! %s", e.Type)
			}
		case e.Type == "ExecutionSucceeded":
			p.line("execution succeeded after %d states", p.states)
		case e.Type == "ExecutionFailed", e.Type == "ExecutionTimedOut", e.Type == "ExecutionAborted":
			p.line("%s: %s %s", e.Type, e.Error, oneLine(e.Cause))
		}
	}
	p.live()
}

func (p *progress) command(c asl.Command) {
	if p.quiet {
		return
	}
	if t, ok := c.(asl.ArmTimer); ok && t.Purpose == "retry" {
		p.mu.Lock()
		p.line("  retrying in %s", t.At.Sub(p.clock).Round(time.Millisecond))
		p.mu.Unlock()
	}
}

// live redraws the terminal's live line, at most 20 times a second.
func (p *progress) live() {
	if !p.tty || time.Since(p.last) < 50*time.Millisecond {
		return
	}
	p.last = time.Now()
	names := make([]string, 0, len(p.active))
	for n, c := range p.active {
		if c > 1 {
			n = fmt.Sprintf("%s x%d", n, c)
		}
		names = append(names, n)
	}
	sort.Strings(names)
	running := strings.Join(names, ", ")
	if len(running) > 100 {
		running = running[:100] + "..."
	}
	fmt.Fprintf(p.w, "\r\033[K[%s] %d states | running: %s", p.elapsed(time.Now()), p.states, running)
}

func (p *progress) finish() {
	if p.tty && !p.quiet {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// marshalHistory renders events as a JSON array in Step Functions' shape.
func marshalHistory(h []asl.HistoryEvent) ([]byte, error) {
	if h == nil {
		h = []asl.HistoryEvent{}
	}
	return json.Marshal(h)
}
