package s3test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
)

// moduleRoot is the repository's root, read before TestMain runs (the
// gateway changes the working directory).
var moduleRoot, _ = filepath.Abs("../../..")

// buildBaton builds the baton command into dir.
func buildBaton(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "baton")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/baton")
	cmd.Dir = moduleRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// copyTree copies the files of src under dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, info.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestExampleTableExport runs examples/table-export with the real baton
// binary against a real SQLite database and the real S3 gateway of this
// package: the seed pipeline makes the shop's database, the export of
// 2026-11-20 writes exactly that day's orders as CSV under the day's
// partition; for a day without orders the precondition fails the run and
// the on_failure handler runs; the S3 secret shows nowhere.
func TestExampleTableExport(t *testing.T) {
	tmp := t.TempDir()
	bin := buildBaton(t, tmp)
	ex := filepath.Join(tmp, "table-export")
	copyTree(t, filepath.Join(moduleRoot, "examples", "table-export"), ex)
	// The example's baton.yaml, pointed at this package's gateway.
	cfg, err := os.ReadFile(filepath.Join(ex, "baton.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg = bytes.Replace(cfg, []byte("http://127.0.0.1:7070"), []byte("http://"+endpoint), 1)
	if err := os.WriteFile(filepath.Join(ex, "baton.yaml"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (map[string]any, string) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"run"}, append(args, "--config", "baton.yaml")...)...)
		cmd.Dir = ex
		cmd.Env = append(os.Environ(), "LAKE_ACCESS_KEY_ID="+accessKey, "LAKE_SECRET_ACCESS_KEY="+secretKey)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		_ = cmd.Run()
		if strings.Contains(stdout.String()+stderr.String(), secretKey) {
			t.Fatalf("the S3 secret shows in baton run's output")
		}
		var out map[string]any
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("baton run %v: stdout %q: %v\n%s", args, stdout.String(), err, stderr.String())
		}
		return out, stderr.String()
	}
	if out, log := run("seed"); out["status"] != "SUCCEEDED" {
		t.Fatalf("seed: %v\n%s", out, log)
	}

	out, log := run(".", "--logical-date", "2026-11-20", "--input", `{"bucket": "`+bucket+`"}`)
	want := map[string]any{"day": "2026-11-20", "orders": float64(3), "object": "s3://" + bucket + "/orders/day=2026-11-20/orders.csv"}
	if out["status"] != "SUCCEEDED" || fmt.Sprint(out["output"]) != fmt.Sprint(want) {
		t.Fatalf("export of 2026-11-20: %v\n%s", out, log)
	}
	obj, err := client().GetObject(context.Background(), bucket, "orders/day=2026-11-20/orders.csv", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	got, err := io.ReadAll(obj)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "id,customer,amount\n1,acme,120.5\n2,globex,75\n3,initech,310.25\n" {
		t.Fatalf("the exported object:\n%s", got)
	}

	out, log = run(".", "--logical-date", "2026-11-22", "--input", `{"bucket": "`+bucket+`"}`)
	if out["status"] != "FAILED" || !strings.Contains(fmt.Sprint(out["cause"]), "no orders for 2026-11-22") || !strings.Contains(log, "< note") {
		t.Fatalf("export of a day without orders: %v\n%s", out, log)
	}
	out, _ = run(".", "--input", `{"day": "2026-11-20' OR 1=1 --", "bucket": "`+bucket+`"}`)
	if out["status"] != "FAILED" || !strings.Contains(fmt.Sprint(out["error"]), "QueryEvaluationError") {
		t.Fatalf("a day that is no date must fail before any SQL: %v", out)
	}
}
