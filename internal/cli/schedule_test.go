package cli_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestScheduleNext: schedule next prints fire times in the time zone (the
// DST jump of Europe/Berlin included), as text or JSON, and refuses an
// invalid expression or flag with exit 2 and what to write instead.
func TestScheduleNext(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // the whole of stdout, when not empty
		stderr string // contained in stderr
	}{
		{"berlin spring", []string{"cron(30 2 * * ? *)", "--timezone", "Europe/Berlin", "--after", "2026-03-27T12:00:00Z", "--count", "3"}, 0,
			"2026-03-28T02:30:00+01:00  Sat\n2026-03-29T03:00:00+02:00  Sun\n2026-03-30T02:30:00+02:00  Mon\n", ""},
		{"local after, unquoted words", []string{"0", "3", "1", "*", "*", "--after", "2026-01-31T12:00", "--count", "2"}, 0,
			"2026-02-01T03:00:00Z  Sun\n2026-03-01T03:00:00Z  Sun\n", ""},
		{"at ends", []string{"at(2026-03-29T02:30:00)", "--timezone", "Europe/Berlin", "--after", "2026-03-01"}, 0,
			"2026-03-29T03:00:00+02:00  Sun\n", "at(2026-03-29T02:30:00) fires no more after 2026-03-01T00:00:00+01:00"},
		{"invalid expression", []string{"rate(1 minutes)"}, 2, "", "baton: rate(1 minutes) is not valid: with 1 the unit is singular, rate(1 minute)"},
		{"eventbridge rules", []string{"cron(0 3 * * * *)"}, 2, "", "exactly one of day-of-month (3rd field) and day-of-week (5th) must be '?'"},
		{"bad time zone", []string{"rate(1 hour)", "--timezone", "Mars/Olympus"}, 2, "", "unknown time zone \"Mars/Olympus\""},
		{"bad count", []string{"rate(1 hour)", "--count", "1001"}, 2, "", "--count must be from 1 to 1000"},
		{"bad after", []string{"rate(1 hour)", "--after", "tomorrow"}, 2, "", "--after \"tomorrow\" is not a time"},
		{"bad output", []string{"rate(1 hour)", "-o", "yaml"}, 2, "", "--output must be text or json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runBaton(t, dir, "", append([]string{"schedule", "next"}, tt.args...)...)
			if r.code != tt.code || (tt.stdout != "" && r.stdout != tt.stdout) || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("exit %d (want %d)\nstdout:\n%s\nwant:\n%s\nstderr:\n%s\nwant it to contain %q", r.code, tt.code, r.stdout, tt.stdout, r.stderr, tt.stderr)
			}
		})
	}

	r := runBaton(t, dir, "", "schedule", "next", "rate(1 hour)", "--timezone", "America/New_York", "--after", "2026-11-01T05:30:00Z", "--count", "2", "-o", "json")
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); r.code != 0 || err != nil {
		t.Fatalf("json: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	want := map[string]any{"expression": "rate(1 hour)", "timezone": "America/New_York", "after": "2026-11-01T01:30:00-04:00",
		"next": []any{"2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("json\n got: %v\nwant: %v", got, want)
	}
}

// TestValidateSchedule: baton validate reports a schedule's error with the
// message of schedule next, at the line and column of the expression.
func TestValidateSchedule(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "pipeline.yaml", "name: p\ntrigger:\n  schedule: {cron: \"cron(0 3 ? * 0 *)\"}\nsteps: [{name: a, command: [echo]}]\n")
	r := runBaton(t, dir, "", "validate", file)
	want := file + ":3:20: The day-of-week field (5th) '0' is not valid: 0 is out of range: use 1-7 (1 is SUN, 7 is SAT)"
	if r.code != 2 || !strings.Contains(r.stdout, want) {
		t.Errorf("exit %d, want %q in\n%s%s", r.code, want, r.stdout, r.stderr)
	}
	next := runBaton(t, dir, "", "schedule", "next", "cron(0 3 ? * 0 *)")
	if next.code != 2 || !strings.Contains(next.stderr, "The day-of-week field (5th) '0' is not valid") {
		t.Errorf("schedule next: exit %d\n%s", next.code, next.stderr)
	}
}
