//go:build linux

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestKilledServerLeavesNoTaskProcess SIGKILLs the server while a shell
// task runs a command that started a child of its own, and checks that the
// command dies with the server (its parent-death signal), that the restarted
// server kills the child before it is ready (the task's recorded process
// group, and a grandchild that left the group with setsid, by the id in
// its environment), and that the task's retry then runs alone: the same job
// never runs twice at once.
func TestKilledServerLeavesNoTaskProcess(t *testing.T) {
	dir := t.TempDir()
	leader, child, escaped := filepath.Join(dir, "leader"), filepath.Join(dir, "child"), filepath.Join(dir, "escaped")
	// The first attempt records its pid and its child's, then waits for the
	// child. The retry fails if that child still runs.
	script := `if [ "$BATON_ATTEMPT" = 0 ]; then echo $$ > ` + leader + `.tmp; mv ` + leader + `.tmp ` + leader + `
	setsid sleep 301 & echo $! > ` + escaped + `.tmp; mv ` + escaped + `.tmp ` + escaped + `
	sleep 300 & echo $! > ` + child + `.tmp; mv ` + child + `.tmp ` + child + `; wait; exit 0; fi
c=$(cat ` + child + `); s=$(cut -d' ' -f3 /proc/$c/stat 2>/dev/null)
if [ -n "$s" ] && [ "$s" != Z ]; then echo "the first attempt's child $c still runs (state $s)" >&2; exit 7; fi
echo '"alone"'`
	def := `{"StartAt":"Job","States":{"Job":{"Type":"Task","Resource":"baton:shell",
		"Parameters":{"script":` + strconv.Quote(script) + `},
		"Retry":[{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":1,"MaxAttempts":1}],"End":true}}}`

	srv := newServer(t)
	c := newClient(srv.url, true)
	sm := createSM(t, c, "orphans", def, smStandard)
	exec := start(t, c, sm, "job", `{}`)

	pids := map[string]int{}
	t.Cleanup(func() { // whatever happens, leave nothing behind
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	waitFor(t, execTimeout, "the task to start its command and its child", func() (bool, string) {
		for name, path := range map[string]string{"leader": leader, "child": child, "escaped": escaped} {
			b, err := os.ReadFile(path)
			if err != nil {
				return false, err.Error()
			}
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				return false, err.Error()
			}
			pids[name] = pid
		}
		// and the server recorded the group, an instant after starting it
		recs, _ := filepath.Glob(filepath.Join(srv.dataDir, "processes", "*.pid"))
		return len(recs) == 1, "no process group record yet"
	})
	if !running(pids["child"]) {
		t.Fatalf("the child %d does not run before the kill", pids["child"])
	}

	srv.kill()
	waitFor(t, 5*time.Second, "the task's command to die with the server (parent-death signal)", func() (bool, string) {
		return !running(pids["leader"]), "pid " + strconv.Itoa(pids["leader"]) + " still runs"
	})
	srv.start()
	// The server is ready only after killing the recorded groups.
	for _, name := range []string{"child", "escaped"} {
		if running(pids[name]) {
			t.Fatalf("the task's %s %d still runs after the restarted server said ready", name, pids[name])
		}
	}

	d := succeeded(t, c, exec, `"alone"`)
	evs, err := history(context.Background(), c, exec)
	must(t, err, "GetExecutionHistory")
	if n := lostTasks(evs); n != 1 {
		t.Fatalf("%d lost tasks, want 1 (status %s):\n%s", n, d.Status, formatHistory(evs))
	}
	if n := countType(evs, types.HistoryEventTypeTaskScheduled); n != 2 {
		t.Fatalf("%d TaskScheduled, want 2:\n%s", n, formatHistory(evs))
	}
	if ents, _ := os.ReadDir(filepath.Join(srv.dataDir, "processes")); len(ents) != 0 {
		t.Fatalf("process group records left: %v", ents)
	}
}

// running tells whether pid is a live process (not a zombie waiting to be
// reaped).
func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}
