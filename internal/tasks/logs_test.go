package tasks

import (
	"strings"
	"sync"
	"testing"
)

// recordSink keeps what each stream received.
type recordSink struct {
	mu      sync.Mutex
	streams map[string]*strings.Builder
}

func (r *recordSink) WriteLog(stream string, p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.streams == nil {
		r.streams = map[string]*strings.Builder{}
	}
	if r.streams[stream] == nil {
		r.streams[stream] = &strings.Builder{}
	}
	r.streams[stream].Write(p)
}

func (r *recordSink) text(stream string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if b := r.streams[stream]; b != nil {
		return b.String()
	}
	return ""
}

// TestLogsCaptured: every executor that runs a command hands its stdout and
// stderr to Request.Logs, and still returns stdout as the result and the
// stderr tail in a failure's cause.
func TestLogsCaptured(t *testing.T) {
	script := `echo out1; echo err1 >&2; echo '"done"'; echo err2 >&2`
	r := newResolver(t, Options{Mappings: map[string]string{"arn:aws:lambda:us-east-1:123456789012:function:f": "sh -c '" + strings.ReplaceAll(script, "'", `'\''`) + "'"}})
	tests := []struct {
		name     string
		resource string
		input    string
		fails    string // the failure's name, "" for success
	}{
		{"baton:shell", ShellResource, `{"script": ` + jsonString(script) + `}`, ""},
		{"baton:shell failing", ShellResource, `{"script": ` + jsonString(script+"; exit 3") + `}`, ErrorShellExit},
		{"mapped command", "arn:aws:lambda:us-east-1:123456789012:function:f", `{}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &recordSink{}
			out, err := run(t, r, Request{Resource: tt.resource, StateName: "S", Input: jsonValue(t, tt.input), Logs: sink})
			if tt.fails == "" {
				if err != nil {
					t.Fatal(err)
				}
				if out != nil && tt.resource == ShellResource && out != "out1\n\"done\"" {
					t.Errorf("result %q, want stdout", out)
				}
			} else {
				asFailure(t, err, tt.fails, "err1\nerr2")
			}
			if got := sink.text(StreamStdout); got != "out1\n\"done\"\n" {
				t.Errorf("stdout log %q", got)
			}
			if got := sink.text(StreamStderr); got != "err1\nerr2\n" {
				t.Errorf("stderr log %q", got)
			}
		})
	}
}

// TestCommandLogs: a Command (baton worker) hands its output to Logs.
func TestCommandLogs(t *testing.T) {
	sink := &recordSink{}
	x, err := Command{Argv: []string{"sh", "-c", "echo a; echo b >&2"}, Logs: sink}.Run(t.Context())
	if err != nil || !x.State.Success() {
		t.Fatal(err, x.State)
	}
	if sink.text(StreamStdout) != "a\n" || sink.text(StreamStderr) != "b\n" || string(x.Stdout) != "a\n" {
		t.Errorf("stdout %q stderr %q result %q", sink.text(StreamStdout), sink.text(StreamStderr), x.Stdout)
	}
}

func jsonString(s string) string { return encodeJSON(s) }
