package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestExampleSalesMarketingPipeline runs the first scenario as a pipeline
// with its real jobs on its real data: the run starts with nothing landed,
// the sales and marketing files are dropped in while it waits, each job
// starts when its own file lands, the join follows, and the output matches
// the expected file byte for byte. A bad file then fails the run and the
// on_failure handler removes the half-made outputs.
func TestExampleSalesMarketingPipeline(t *testing.T) {
	ex := filepath.Join(t.TempDir(), "sales-marketing-pipeline")
	copyDir(t, filepath.Join(repoRoot(t), "examples", "sales-marketing-pipeline"), ex)
	for _, d := range []string{"landing/sales", "landing/marketing"} {
		if err := os.MkdirAll(filepath.Join(ex, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Nothing has landed at the start, so any time before it will do as
	// `since`; the default (the start of the run) would be compared with
	// file times that the kernel's coarse clock may round below it.
	cmd := exec.CommandContext(ctx, baton, "run", ".", "--input", `{"since": "2000-01-01T00:00:00Z"}`)
	cmd.Dir = ex
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var progress strings.Builder
	lines := bufio.NewScanner(stderr)
	waitFor := func(want string) {
		t.Helper()
		for lines.Scan() {
			progress.WriteString(lines.Text() + "\n")
			if strings.Contains(lines.Text(), want) {
				return
			}
		}
		t.Fatalf("the run ended before %q:\n%s", want, progress.String())
	}
	land := func(name, dir string) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(ex, "data", name))
		if err != nil {
			t.Fatal(err)
		}
		// Written under another name, then renamed: a reader never sees half a file.
		tmp := filepath.Join(ex, "landing", dir, "."+name+".part")
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(ex, "landing", dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor("> wait-marketing")
	land("sales.csv", "sales")
	waitFor("< psd") // PSD ran while the marketing file had not landed yet
	land("marketing.csv", "marketing")
	for lines.Scan() {
		progress.WriteString(lines.Text() + "\n")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("baton run: %v\n%s\n%s", err, stdout.String(), progress.String())
	}
	got := decode(t, stdout.String())
	out, _ := got["output"].(map[string]any)
	if got["status"] != "SUCCEEDED" || out["rows"] != 20.0 || out["first_date"] != "2024-03-04" || out["last_date"] != "2024-03-29" {
		t.Fatalf("outcome: %s", stdout.String())
	}
	if strings.Index(progress.String(), "< psd") > strings.Index(progress.String(), "> pmd") {
		t.Fatalf("PSD did not run before the marketing file landed:\n%s", progress.String())
	}
	if r := runCmd(t, ex, "sh", "check.sh", "."); r.code != 0 {
		t.Fatalf("check.sh: %+v", r)
	}

	// A bad sales file: PSD fails after its retries, JMSD is skipped, the
	// undo handler removes what the run wrote and records the failed step.
	bad := filepath.Join(t.TempDir(), "bad")
	copyDir(t, filepath.Join(repoRoot(t), "examples", "sales-marketing-pipeline"), bad)
	os.MkdirAll(filepath.Join(bad, "landing", "sales"), 0o755)
	os.MkdirAll(filepath.Join(bad, "landing", "marketing"), 0o755)
	writeFile(t, filepath.Join(bad, "landing", "sales"), "s.csv", "Date,Salesperson,Segment,Forecasted Monthly Revenue\nnot-a-date,x,SMB,1\n")
	data, _ := os.ReadFile(filepath.Join(bad, "data", "marketing.csv"))
	writeFile(t, filepath.Join(bad, "landing", "marketing"), "m.csv", string(data))
	r := runBaton(t, bad, "", "run", ".", "--skip-waits", "--input", `{"since": "2000-01-01T00:00:00Z"}`)
	got = decode(t, r.stdout)
	if r.code != 1 || got["status"] != "FAILED" || !strings.Contains(got["cause"].(string), "bad date: not-a-date") {
		t.Fatalf("bad file: %+v", r)
	}
	failed, err := os.ReadFile(filepath.Join(bad, "out", "FAILED"))
	if err != nil || strings.TrimSpace(string(failed)) != "psd" {
		t.Fatalf("undo did not record the failed step: %q %v\n%s", failed, err, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(bad, "out", "marketing.csv.gz")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("undo left PMD's output behind: %v", err)
	}
}

// runCmd runs a command in dir.
func runCmd(t *testing.T, dir, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}
