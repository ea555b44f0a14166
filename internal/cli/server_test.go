package cli_test

import (
	"strings"
	"testing"
)

// TestServerFlagRanges: a meaningless number is a usage error (exit 2)
// naming the flag and its valid range, before anything starts.
func TestServerFlagRanges(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--workers", "-1"}, "", "--workers -1: want 1 or more"},
		{[]string{"--workers", "0"}, "", "--workers 0: want 1 or more"},
		{[]string{"--max-payload-bytes", "-5"}, "", "--max-payload-bytes -5: want 1 to 1073741824"},
		{[]string{"--max-history-events", "0"}, "", "--max-history-events 0: want 1 or more (or -1: no limit)"},
		{[]string{"--max-history-events", "-2"}, "", "--max-history-events -2"},
		{[]string{"--max-connections", "0"}, "", "--max-connections 0: want 1 or more"},
		{[]string{"--max-connections", "100000000"}, "", "ulimit -n"},
		{[]string{"--max-connections", "10", "--max-streams", "11"}, "", "--max-streams 11: want 1 to 10 (at most --max-connections)"},
		{[]string{"--max-streams", "-1"}, "", "--max-streams -1"},
		{[]string{"--read-timeout", "0s"}, "", "--read-timeout 0s: want a duration above 0"},
		{[]string{"--write-timeout", "-1s"}, "", "--write-timeout -1s"},
		{[]string{"--idle-timeout", "0"}, "", "--idle-timeout 0s"},
		{[]string{"--shutdown-grace", "-1s"}, "", "--shutdown-grace -1s: want 0 or more"},
		{[]string{"--max-header-bytes", "10"}, "", "--max-header-bytes 10: want 1024 to 1048576"},
		{[]string{"--max-body-memory", "1000"}, "", "--max-body-memory 1000: want 4194304 or more"},
		{nil, "BATON_MAX_BODY_MEMORY=-1", "--max-body-memory -1"},
		{nil, "BATON_SHUTDOWN_GRACE=-1s", "--shutdown-grace -1s"},
		{nil, "BATON_WORKERS=-3", "--workers -3"},
		{[]string{"--max-task-log-bytes", "100"}, "", "--max-task-log-bytes 100: want 1024 to 1073741824"},
		{nil, "BATON_MAX_TASK_LOG_BYTES=0", "--max-task-log-bytes 0"},
		{nil, "BATON_READ_TIMEOUT=soon", `BATON_READ_TIMEOUT="soon": want a duration`},
		{[]string{"--arrivals-dir-rescan", "10ms"}, "", "--arrivals-dir-rescan 10ms: want 100ms or more, such as 10s"},
		{[]string{"--arrivals-s3-rescan", "0s"}, "", "--arrivals-s3-rescan 0s: want 1s or more"},
		{[]string{"--arrivals-lookback", "0s"}, "", "--arrivals-lookback 0s: want 1s or more, such as 15m"},
		{[]string{"--arrivals-settle", "-1s"}, "", "--arrivals-settle -1s: want 0 or more"},
		{nil, "BATON_ARRIVALS_SETTLE=soon", `BATON_ARRIVALS_SETTLE="soon": want a duration`},
	} {
		t.Run(strings.Join(tc.args, " ")+tc.env, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"server", "--listen", "127.0.0.1:0", "--data-dir", dir}, tc.args...)
			if k, v, ok := strings.Cut(tc.env, "="); ok {
				t.Setenv(k, v)
			}
			r := runBaton(t, dir, "", args...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, want 2 with %q:\n%s", r.code, tc.want, r.stderr)
			}
		})
	}
}
