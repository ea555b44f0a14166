package tasks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFilePolicy: on a server, copy and wait_for steps' file:// locations
// stay in their run's directory and the allowed ones, never in the data
// directory (a link out, a ../ and a link into it included).
func TestFilePolicy(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	run := filepath.Join(data, "runs", "r1")
	landing := filepath.Join(root, "landing")
	for _, d := range []string{run, landing} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(data, filepath.Join(landing, "sneaky")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc", filepath.Join(run, "etc")); err != nil {
		t.Fatal(err)
	}
	server := newFilePolicy([]string{landing}, []string{data})
	laptop := newFilePolicy(nil, nil)
	open := newFilePolicy(nil, []string{data})
	for _, tc := range []struct {
		name   string
		policy filePolicy
		url    string
		refuse string // "" when allowed, else a part of the error
	}{
		{"the run's own directory", server, "file://out/part.csv", ""},
		{"an allowed directory", server, "file://" + landing + "/x/day.csv", ""},
		{"a new file in an allowed directory", server, "file://" + landing + "/new/deep/f", ""},
		{"elsewhere", server, "file:///etc/passwd", "outside the directories"},
		{"the data directory", server, "file://" + data + "/baton.db", "data directory"},
		{"out of the run by ..", server, "file://../../baton.db", "data directory"},
		{"a link out of the run", server, "file://etc/passwd", "outside the directories"},
		{"a link into the data directory", server, "file://" + landing + "/sneaky/secret.key", "data directory"},
		{"a pattern in an allowed directory", server, "file://" + landing + "/*.csv", ""},
		{"anywhere but the data directory", open, "file:///etc/hosts", ""},
		{"not the data directory", open, "file://" + data + "/secret.key", "data directory"},
		{"a laptop allows all", laptop, "file://" + data + "/secret.key", ""},
		{"s3 is not a file", server, "s3://bucket/key", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := parseObjectURL(tc.url, "to", ErrorCopyInvalidInput, run, "file", "s3")
			if err != nil {
				t.Fatal(err)
			}
			err = tc.policy.check(u, run, "to", ErrorCopyInvalidInput)
			switch {
			case tc.refuse == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.refuse != "" && (err == nil || !strings.Contains(err.Error(), tc.refuse)):
				t.Fatalf("got %v, want a refusal saying %q", err, tc.refuse)
			}
		})
	}
}
