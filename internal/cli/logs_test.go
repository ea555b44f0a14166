package cli_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batonhq/baton/client"
	batonserver "github.com/batonhq/baton/internal/server"
	"github.com/batonhq/baton/internal/service"
)

// logServer starts a real server in-process, with the task log cap given.
func logServer(t *testing.T, maxLog int64) (*batonserver.Server, string) {
	t.Helper()
	s, err := batonserver.Start(context.Background(), batonserver.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(),
		MaxTaskLogBytes: maxLog, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	return s, "http://" + s.Addr()
}

// shellMachine deploys a state machine of one baton:shell Task running
// script, with the given Retry (JSON, or "").
func shellMachine(t *testing.T, s *batonserver.Server, name, script, retry string) string {
	t.Helper()
	task := map[string]any{"Type": "Task", "Resource": "baton:shell", "Arguments": map[string]any{"script": script}, "End": true}
	if retry != "" {
		var r any
		if err := json.Unmarshal([]byte(retry), &r); err != nil {
			t.Fatal(err)
		}
		task["Retry"] = r
	}
	def, _ := json.Marshal(map[string]any{"QueryLanguage": "JSONata", "StartAt": "Say", "States": map[string]any{"Say": task}})
	sm, err := s.Service().CreateStateMachine(context.Background(), &service.CreateStateMachineInput{Name: name, Definition: string(def)})
	if err != nil {
		t.Fatal(err)
	}
	return sm.StateMachineArn
}

func startAndWait(t *testing.T, c *client.Client, workflow string) *client.Execution {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := c.StartExecution(ctx, workflow, client.StartExecutionInput{})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := c.WaitExecution(ctx, out.ExecutionArn)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// allLogs reads every chunk of an execution's logs through the API.
func allLogs(t *testing.T, c *client.Client, arn string, opts client.LogsOptions) string {
	t.Helper()
	var b strings.Builder
	for {
		page, err := c.ExecutionLogs(context.Background(), arn, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range page.Chunks {
			b.WriteString(ch.Text)
		}
		if len(page.Chunks) == 0 {
			return b.String()
		}
		opts.Offset = page.Offset
	}
}

// TestLogsOfShellTasks: a baton:shell task's stdout and stderr are kept per
// attempt and read back through the API and `baton logs`, filtered by step
// and attempt; the task's result is still its stdout.
func TestLogsOfShellTasks(t *testing.T) {
	s, url := logServer(t, 0)
	c := client.New(url)
	dir := t.TempDir()
	marker := filepath.Join(dir, "tried")
	// The first attempt fails, the retry succeeds.
	script := `echo "line 1"; echo "warn 1" >&2; if [ -f ` + marker + ` ]; then echo '"second"'; else touch ` + marker + `; echo first try; exit 3; fi`
	shellMachine(t, s, "say", script, `[{"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"MaxAttempts":1}]`)
	ex := startAndWait(t, c, "say")
	if ex.Status != "SUCCEEDED" || strings.TrimSpace(string(ex.Output)) != `"line 1\n\"second\""` {
		t.Fatalf("execution %s, output %s", ex.Status, ex.Output)
	}
	// stdout and stderr are two pipes: their lines interleave as they
	// come. Each stream keeps its order.
	byStream := func(opts client.LogsOptions) map[string]string {
		out := map[string]string{}
		for {
			page, err := c.ExecutionLogs(context.Background(), ex.ExecutionArn, opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, ch := range page.Chunks {
				out[fmt.Sprintf("%d %s", ch.Attempt, ch.Stream)] += ch.Text
			}
			if len(page.Chunks) == 0 {
				return out
			}
			opts.Offset = page.Offset
		}
	}
	want := map[string]string{"1 stdout": "line 1\nfirst try\n", "1 stderr": "warn 1\n", "2 stdout": "line 1\n\"second\"\n", "2 stderr": "warn 1\n"}
	if got := byStream(client.LogsOptions{}); !reflect.DeepEqual(got, want) {
		t.Errorf("logs of every attempt: %q, want %q", got, want)
	}
	if got := byStream(client.LogsOptions{Step: "Say", Attempt: 2}); !reflect.DeepEqual(got, map[string]string{"2 stdout": want["2 stdout"], "2 stderr": want["2 stderr"]}) {
		t.Errorf("logs of attempt 2: %q", got)
	}
	if got := allLogs(t, c, ex.ExecutionArn, client.LogsOptions{Step: "Other"}); got != "" {
		t.Errorf("logs of a step that did not run: %q", got)
	}

	// `baton logs` prints them, each attempt under its header; lines are
	// compared sorted within an attempt (the streams interleave).
	first := sortedLines("line 1\nwarn 1\nfirst try\n")
	second := sortedLines("line 1\nwarn 1\n\"second\"\n")
	tests := []struct {
		args []string
		want string
	}{
		{nil, "==> Say attempt 1 <==\n" + first + "==> Say attempt 2 <==\n" + second},
		{[]string{"--step", "Say", "--attempt", "1"}, first},
		{[]string{"--follow"}, "==> Say attempt 1 <==\n" + first + "==> Say attempt 2 <==\n" + second},
	}
	for _, tt := range tests {
		r := runBaton(t, dir, "", append([]string{"logs", ex.ExecutionArn, "--server", url}, tt.args...)...)
		if got := sortedAttempts(r.stdout); r.code != 0 || got != tt.want {
			t.Errorf("baton logs %v: exit %d\nstdout %q\nwant   %q\nstderr %s", tt.args, r.code, got, tt.want, r.stderr)
		}
	}
	r := runBaton(t, dir, "", "logs", ex.ExecutionArn, "--server", url, "--output", "json", "--attempt", "2")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var ch client.LogChunk
	if err := json.Unmarshal([]byte(lines[0]), &ch); err != nil || ch.Step != "Say" || ch.Attempt != 2 || ch.Stream == "" {
		t.Errorf("baton logs --output json: %q (%v)", r.stdout, err)
	}
}

// sortedLines sorts the lines of s.
func sortedLines(s string) string {
	lines := strings.SplitAfter(s, "\n")
	slices.Sort(lines)
	return strings.Join(lines, "")
}

// sortedAttempts sorts the lines under each header of baton logs' output.
func sortedAttempts(out string) string {
	var b strings.Builder
	var body []string
	flush := func() {
		slices.Sort(body)
		b.WriteString(strings.Join(body, ""))
		body = nil
	}
	for _, l := range strings.SplitAfter(out, "\n") {
		if strings.HasPrefix(l, "==> ") {
			flush()
			b.WriteString(l)
			continue
		}
		body = append(body, l)
	}
	flush()
	return b.String()
}

// TestLogsFollowLive: `baton logs --follow` prints a running task's output
// as it is written, and returns once the execution has ended.
func TestLogsFollowLive(t *testing.T) {
	s, url := logServer(t, 0)
	c := client.New(url)
	gate := filepath.Join(t.TempDir(), "gate")
	// The task waits for the test to open the gate once it saw "started".
	shellMachine(t, s, "gated", `echo started; while [ ! -f `+gate+` ]; do sleep 0.02; done; echo finished >&2`, "")
	out, err := c.StartExecution(context.Background(), "gated", client.StartExecutionInput{})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(baton, "logs", out.ExecutionArn, "--follow", "--server", url)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func(what string) string {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("baton logs --follow ended before %s (stderr %s)", what, stderr.String())
			}
			return l
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("no %s from baton logs --follow", what)
		}
		return ""
	}
	if l := next("the header"); l != "==> Say attempt 1 <==" {
		t.Fatalf("first line %q", l)
	}
	if l := next(`"started"`); l != "started" {
		t.Fatalf("second line %q", l)
	}
	// The task still runs: its output came live.
	if ex, err := c.DescribeExecution(context.Background(), out.ExecutionArn); err != nil || ex.Status != "RUNNING" {
		t.Fatalf("the execution is %v (%v) while its task waits", ex, err)
	}
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if l := next(`"finished"`); l != "finished" {
		t.Fatalf("third line %q", l)
	}
	if _, ok := <-lines; ok {
		t.Error("more output after the task's last line")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("baton logs --follow: %v (stderr %s)", err, stderr.String())
	}
}

// TestLogsCap: past --max-task-log-bytes the newest output is kept, after a
// marker line that says how much was cut.
func TestLogsCap(t *testing.T) {
	s, url := logServer(t, 1024)
	c := client.New(url)
	// 200 lines of 10 bytes on stderr.
	shellMachine(t, s, "chatty", `i=0; while [ $i -lt 200 ]; do printf 'line %04d\n' $i; i=$((i+1)); done >&2`, "")
	ex := startAndWait(t, c, "chatty")
	got := allLogs(t, c, ex.ExecutionArn, client.LogsOptions{})
	wantCut := 200*10 - 1024
	if !strings.HasPrefix(got, "[... "+strconv.Itoa(wantCut)+" bytes cut ...]\n") || !strings.HasSuffix(got, "line 0198\nline 0199\n") {
		t.Errorf("capped log: %q", got)
	}
	if n := len(got) - len("[... "+strconv.Itoa(wantCut)+" bytes cut ...]\n"); n != 1024 {
		t.Errorf("kept %d bytes, want 1024", n)
	}
}

// TestLogsBadRequests: mistakes get 4xx saying what is wrong.
func TestLogsBadRequests(t *testing.T) {
	s, url := logServer(t, 0)
	shellMachine(t, s, "one", "echo hi", "")
	ex := startAndWait(t, client.New(url), "one")
	tests := []struct {
		query string
		code  int
		has   string
	}{
		{"?attempt=-1", 400, "attempt"},
		{"?attempt=x", 400, "attempt"},
		{"?offset=-5", 400, "offset"},
		{"?limit=5000", 400, "limit"},
		{"?follow=maybe", 400, "follow"},
	}
	for _, tt := range tests {
		res, err := http.Get(url + "/api/v1/executions/" + ex.ExecutionArn + "/logs" + tt.query)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tt.code || !strings.Contains(string(b), tt.has) {
			t.Errorf("%s: %d %s, want %d naming %s", tt.query, res.StatusCode, b, tt.code, tt.has)
		}
	}
	posts := []struct {
		body string
		code int
		has  string
	}{
		{`{"chunks":[{"stream":"stdout","text":"x"}]}`, 400, "taskToken"},
		{`{"taskToken":"nope","chunks":[{"stream":"stdin","text":"x"}]}`, 400, "stdout or stderr"},
		{`{"taskToken":"nope","chunks":[{"stream":"stdout","text":"` + strings.Repeat("x", 1<<20+1) + `"}]}`, 400, "several calls"},
		{`{"taskToken":"nope","chunks":[{"stream":"stdout","text":"x"}]}`, 400, "TaskTimedOut"},
	}
	for _, tt := range posts {
		res, err := http.Post(url+"/api/v1/tasks/logs", "application/json", strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tt.code || !strings.Contains(string(b), tt.has) {
			t.Errorf("POST /tasks/logs %.60s: %d %s, want %d naming %s", tt.body, res.StatusCode, b, tt.code, tt.has)
		}
	}
	res, err := http.Get(url + "/api/v1/executions/" + strings.Replace(ex.ExecutionArn, ":one:", ":none:", 1) + "/logs")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	// As DescribeExecution answers it (the Step Functions error, a 400).
	if res.StatusCode != 400 || !strings.Contains(string(b), "ExecutionDoesNotExist") {
		t.Errorf("logs of an unknown execution: %d %s, want ExecutionDoesNotExist", res.StatusCode, b)
	}
}

// TestLogsOfWorkerCommands: the output of a command that `baton worker`
// runs for an activity task lands in the task's log on the server.
func TestLogsOfWorkerCommands(t *testing.T) {
	s, url := logServer(t, 0)
	c := client.New(url)
	ctx := context.Background()
	if _, err := c.CreateActivity(ctx, "jobs"); err != nil {
		t.Fatal(err)
	}
	def := `{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:jobs","End":true}}}`
	if _, err := s.Service().CreateStateMachine(ctx, &service.CreateStateMachineInput{Name: "remote", Definition: def}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(baton, "worker", "--activity", "jobs", "--server", url, "--", "sh", "-c", `echo "from the worker" >&2; echo '{"ok":true}'`)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	ex := startAndWait(t, c, "remote")
	if ex.Status != "SUCCEEDED" {
		t.Fatalf("execution %s (worker: %s)", ex.Status, stderr.String())
	}
	r := runBaton(t, t.TempDir(), "", "logs", ex.ExecutionArn, "--server", url)
	if got := sortedAttempts(r.stdout); r.code != 0 || got != "==> Work attempt 1 <==\n"+sortedLines("from the worker\n{\"ok\":true}\n") {
		t.Errorf("baton logs of a worker's task: exit %d\n%q\nstderr %s\nworker %s", r.code, r.stdout, r.stderr, stderr.String())
	}
}

// TestWatchShowsLogLines: baton executions watch shows the tasks' output
// line by line, each line prefixed with its step, with the states; a line
// without its newline comes at the end; --logs=false leaves them out; baton
// start --wait --logs shows them too.
func TestWatchShowsLogLines(t *testing.T) {
	s, url := logServer(t, 0)
	sm := shellMachine(t, s, "chatty", `echo line one; echo line two >&2; printf 'no newline'; echo '{}'`, "")
	c := client.New(url)
	ex := startAndWait(t, c, sm)
	r := runBaton(t, "", "", "executions", "watch", ex.ExecutionArn, "--server", url)
	for _, want := range []string{"  Say | line one\n", "  Say | line two\n", "> Say (Task)", "  Say | no newline"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("watch's stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r.code != 0 {
		t.Fatalf("watch exited %d: %s", r.code, r.stderr)
	}
	r = runBaton(t, "", "", "executions", "watch", ex.ExecutionArn, "--logs=false", "--server", url)
	if strings.Contains(r.stderr, "line one") {
		t.Errorf("watch --logs=false showed output:\n%s", r.stderr)
	}
	r = runBaton(t, "", "", "start", "chatty", "--wait", "--logs", "--server", url)
	if !strings.Contains(r.stderr, "  Say | line one\n") || r.code != 0 {
		t.Errorf("start --wait --logs (exit %d):\n%s", r.code, r.stderr)
	}
}
