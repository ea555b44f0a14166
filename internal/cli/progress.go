package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/tasks"
)

// progress shows an execution's progress on stderr: plain lines (one per
// state entered and exited, retry, failure) when stderr is not a terminal; on
// a terminal, a compact live line of the running states, redrawn as time
// passes, plus a permanent line for every notable event.
type progress struct {
	w       io.Writer
	quiet   bool
	tty     bool
	start   time.Time
	mu      sync.Mutex
	active  map[string]int // state name -> how many branches or iterations are in it
	entered map[string]time.Time
	states  int
	clock   time.Time // the execution's clock at the last event (virtual under --skip-waits)
	// stateOf maps an event id to the state it belongs to, following
	// previousEventId, so that task and failure lines can name their state.
	stateOf map[int64]string
	stop    chan struct{}
	done    chan struct{}
	// visits counts entries per state name: after perStateLines of them a
	// state's plain lines stop (a Map over 100,000 items would print 200,000),
	// and finish says how many were left out.
	visits map[string]int
	exits  map[string]int
}

// perStateLines is how many plain enter/exit pairs a state prints.
const perStateLines = 20

func newProgress(w io.Writer, quiet bool) *progress {
	p := &progress{w: w, quiet: quiet, start: time.Now(), active: map[string]int{}, entered: map[string]time.Time{}, stateOf: map[int64]string{}, visits: map[string]int{}, exits: map[string]int{}}
	if f, ok := w.(*os.File); ok && !quiet {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = os.Getenv("TERM") != "dumb"
		}
	}
	if p.tty {
		p.stop, p.done = make(chan struct{}), make(chan struct{})
		go p.tick()
	}
	return p
}

// tick redraws the live line while tasks run and no event comes.
func (p *progress) tick() {
	defer close(p.done)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.live()
			p.mu.Unlock()
		}
	}
}

func (p *progress) elapsed() string {
	return fmt.Sprintf("%8.3fs", time.Since(p.start).Seconds())
}

// line prints a permanent line, above the live line on a terminal.
func (p *progress) line(format string, a ...any) {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, "[%s] %s\n", p.elapsed(), fmt.Sprintf(format, a...))
}

// nameOf returns the state an event belongs to.
func (p *progress) nameOf(e asl.HistoryEvent) string {
	name := e.Name
	if name == "" || strings.HasPrefix(e.Type, "MapIteration") {
		if n, ok := p.stateOf[e.PreviousEventID]; ok {
			name = n
		}
	}
	if e.Name != "" && !strings.HasPrefix(e.Type, "MapIteration") {
		name = e.Name
	}
	if strings.HasSuffix(e.Type, "StateExited") {
		// What follows an exit is a state entry, which names itself: the
		// exit's id is not kept (a loop of Pass states grew the map by one
		// entry a state, 50 MB a second).
		delete(p.stateOf, e.PreviousEventID)
		return name
	}
	if len(p.stateOf) >= maxTrackedEvents {
		// Events of long runs that no later event refers to (a task's
		// scheduled and started events...) are dropped wholesale; a later
		// failure line may then miss its state's name.
		clear(p.stateOf)
	}
	p.stateOf[e.ID] = name
	return name
}

// maxTrackedEvents bounds stateOf, whose entries are not all removed when
// their state exits.
const maxTrackedEvents = 100_000

func (p *progress) events(evs []asl.HistoryEvent) {
	if p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range evs {
		p.clock = e.Timestamp
		name := p.nameOf(e)
		switch {
		case strings.HasSuffix(e.Type, "StateEntered"):
			p.active[e.Name]++
			p.entered[e.Name] = e.Timestamp
			p.states++
			p.visits[e.Name]++
			if !p.tty && p.visits[e.Name] <= perStateLines {
				p.line("> %s (%s)", e.Name, strings.TrimSuffix(e.Type, "StateEntered"))
			}
		case strings.HasSuffix(e.Type, "StateExited"):
			if p.active[e.Name]--; p.active[e.Name] <= 0 {
				delete(p.active, e.Name)
			}
			p.exits[e.Name]++
			if !p.tty && p.exits[e.Name] <= perStateLines {
				p.line("< %s (%s)", e.Name, e.Timestamp.Sub(p.entered[e.Name]).Round(time.Millisecond))
			}
		case e.Type == "MapIterationFailed":
			p.line("! %s: iteration %d failed", name, e.Index)
		case strings.HasSuffix(e.Type, "Failed") && e.Type != "ExecutionFailed" || strings.HasSuffix(e.Type, "TimedOut") && e.Type != "ExecutionTimedOut":
			if e.Error != "" {
				p.line("! %s: %s: %s %s", name, e.Type, e.Error, shorten(e.Cause))
			} else {
				p.line("! %s: %s", name, e.Type)
			}
		case e.Type == "ExecutionSucceeded":
			p.line("execution succeeded (%s)", plural(p.states, "state entered", "states entered"))
		case e.Type == "ExecutionFailed", e.Type == "ExecutionTimedOut", e.Type == "ExecutionAborted":
			p.line("%s: %s %s", e.Type, e.Error, shorten(e.Cause))
		}
		if strings.HasPrefix(e.Type, "Execution") && e.Type != "ExecutionStarted" {
			clear(p.active) // nothing runs any more
		}
	}
	p.live()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// shorten keeps a cause to one line of reasonable length.
func shorten(cause string) string {
	cause = strings.Join(strings.Fields(cause), " ")
	if len(cause) > 300 {
		cause = cause[:300] + "..."
	}
	return cause
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

// live redraws the terminal's live line.
func (p *progress) live() {
	if !p.tty || len(p.active) == 0 {
		return
	}
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
	fmt.Fprintf(p.w, "\r\033[K[%s] %s | running: %s", p.elapsed(), plural(p.states, "state", "states"), running)
}

func (p *progress) finish() {
	if p.stop != nil {
		close(p.stop)
		<-p.done
	}
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	if p.quiet || p.tty {
		return
	}
	names := make([]string, 0, len(p.visits))
	for n, c := range p.visits {
		if c > perStateLines {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		p.line("  (%s was entered %d times; lines after the first %d left out)", n, p.visits[n], perStateLines)
	}
}

// marshalHistory renders events as a JSON array in Step Functions' shape.
func marshalHistory(h []asl.HistoryEvent) ([]byte, error) {
	if h == nil {
		h = []asl.HistoryEvent{}
	}
	return json.Marshal(h)
}

// progressLogs prints tasks' output with the progress lines (baton run
// --logs): one line per line written, prefixed with the state or step and
// the attempt after the first, stderr lines marked.
type progressLogs struct{ p *progress }

func (l progressLogs) OpenLog(_, _, stateName string, attempt int) tasks.LogWriter {
	prefix := stateName
	if attempt > 1 {
		prefix = fmt.Sprintf("%s#%d", stateName, attempt)
	}
	return &attemptLog{p: l.p, prefix: prefix}
}

// attemptLog holds the unfinished line of each stream of one attempt.
type attemptLog struct {
	p       *progress
	prefix  string
	mu      sync.Mutex
	partial map[string][]byte
}

// maxLogLine cuts a line that never ends, so that memory stays bounded.
const maxLogLine = 64 << 10

func (a *attemptLog) WriteLog(stream string, b []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.partial == nil {
		a.partial = map[string][]byte{}
	}
	buf := append(a.partial[stream], b...)
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		a.print(stream, buf[:i])
		buf = buf[i+1:]
	}
	if len(buf) > maxLogLine {
		a.print(stream, buf)
		buf = nil
	}
	a.partial[stream] = append([]byte(nil), buf...)
}

func (a *attemptLog) Close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, stream := range []string{tasks.StreamStdout, tasks.StreamStderr} {
		if len(a.partial[stream]) > 0 {
			a.print(stream, a.partial[stream])
		}
	}
	a.partial = nil
}

func (a *attemptLog) print(stream string, line []byte) {
	mark := "|"
	if stream == tasks.StreamStderr {
		mark = "!"
	}
	a.p.mu.Lock()
	a.p.line("  %s %s %s", a.prefix, mark, strings.TrimSuffix(string(line), "\r"))
	a.p.mu.Unlock()
}
