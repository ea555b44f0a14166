package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/faulty"
	"github.com/batonhq/baton/internal/store/sqlite"
	"github.com/batonhq/baton/internal/store/sqlite/sqlitetest"
)

const waitDefinition = `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`

// sfn calls the Step Functions API and returns the status and the body.
func sfn(t *testing.T, s *Server, op string, in any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, "http://"+s.Addr()+"/", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AWSStepFunctions."+op)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// get returns the status and body of a GET.
func get(t *testing.T, s *Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + s.Addr() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitStatus polls path until it answers code.
func waitStatus(t *testing.T, s *Server, path string, code int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, body := get(t, s, path)
		if got == code {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s stayed %d %s, want %d", path, got, body, code)
		}
		time.Sleep(5 * time.Millisecond) // polling the server with a deadline
	}
}

// createWaiting creates a state machine that waits an hour; it returns its ARN.
func createWaiting(t *testing.T, s *Server) string {
	t.Helper()
	code, out := sfn(t, s, "CreateStateMachine", map[string]any{"name": "wait", "definition": waitDefinition,
		"roleArn": "arn:aws:iam::123456789012:role/r"})
	if code != 200 {
		t.Fatalf("CreateStateMachine: %d %v", code, out)
	}
	return out["stateMachineArn"].(string)
}

func startExec(t *testing.T, s *Server, sm, name string) (int, map[string]any) {
	t.Helper()
	return sfn(t, s, "StartExecution", map[string]any{"stateMachineArn": sm, "name": name, "input": "{}"})
}

// faultyServer starts a server whose store fails on demand.
func faultyServer(t *testing.T) (*Server, *faulty.Store) {
	t.Helper()
	var fs *faulty.Store
	cfg := quietConfig(t.TempDir())
	cfg.WrapStore = func(st store.Store) store.Store {
		fs = faulty.New(st)
		return fs
	}
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	return s, fs
}

// TestFullDiskInjected: while the store cannot write, StartExecution gets a
// 503 ServiceUnavailable saying the disk is full, /readyz says not ready
// (and why) while /healthz stays 200; once writes pass, the server is ready
// again by itself and every acknowledged start is there.
func TestFullDiskInjected(t *testing.T) {
	s, fs := faultyServer(t)
	sm := createWaiting(t, s)
	if code, out := startExec(t, s, sm, "before"); code != 200 {
		t.Fatalf("start: %d %v", code, out)
	}

	fs.FailCommits(faulty.ErrFull)
	for _, name := range []string{"first", "second"} {
		code, out := startExec(t, s, sm, name)
		if code != 503 || out["__type"] != "ServiceUnavailable" || !strings.Contains(out["message"].(string), "disk is full") {
			t.Errorf("start %s while the disk is full: %d %v, want 503 ServiceUnavailable saying the disk is full", name, code, out)
		}
	}
	if code, body := get(t, s, "/readyz"); code != 503 || !strings.Contains(body, "disk is full") {
		t.Errorf("/readyz while the disk is full: %d %q", code, body)
	}
	if code, _ := get(t, s, "/healthz"); code != 200 {
		t.Errorf("/healthz while the disk is full: %d", code)
	}

	fs.FailCommits(nil)
	waitStatus(t, s, "/readyz", 200)
	if code, out := startExec(t, s, sm, "after"); code != 200 {
		t.Fatalf("start once writes pass: %d %v", code, out)
	}
	code, out := sfn(t, s, "ListExecutions", map[string]any{"stateMachineArn": sm})
	if code != 200 {
		t.Fatalf("ListExecutions: %d %v", code, out)
	}
	names := map[string]bool{}
	for _, e := range out["executions"].([]any) {
		names[e.(map[string]any)["name"].(string)] = true
	}
	// "first" was in the batch the engine retried; "second" was refused
	// at the door.
	if !names["before"] || !names["after"] || !names["first"] || names["second"] {
		t.Errorf("executions after recovery: %v, want before, first and after", names)
	}
}

// damagedServerDir makes a data directory whose executions table has
// pages overwritten with random bytes, and returns it.
func damagedServerDir(t *testing.T) string {
	dir := t.TempDir()
	s, err := Start(context.Background(), quietConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	sm := createWaiting(t, s)
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sqlitetest.Fill(t, st, sm, 2000)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, sqlite.FileName)
	sqlitetest.CorruptPages(t, path, sqlitetest.PagesOf(t, path, "executions"), 5, 3)
	return dir
}

// TestDamagedDatabase: the server refuses to start on a damaged database,
// saying what to do; started anyway (--db-check off), a read that meets the
// damage is a 500 naming it and /readyz turns not ready.
func TestDamagedDatabase(t *testing.T) {
	dir := damagedServerDir(t)
	for _, check := range []string{"", sqlite.CheckQuick, sqlite.CheckFull} {
		cfg := quietConfig(dir)
		cfg.DBCheck = check
		_, err := Start(context.Background(), cfg)
		if err == nil {
			t.Fatalf("check %q: the server started on a damaged database", check)
		}
		for _, want := range []string{"damaged", "baton backup", "--db-check off", "Backup and restore"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("check %q: %v\nlacks %q", check, err, want)
			}
		}
	}

	cfg := quietConfig(dir)
	cfg.DBCheck = sqlite.CheckOff
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("with --db-check off: %v", err)
	}
	defer s.Shutdown(context.Background())
	waitStatus(t, s, "/readyz", 200) // nothing damaged was read yet
	code, body := get(t, s, "/api/v1/executions?limit=1000")
	for strings.Contains(body, `"next"`) && code == 200 {
		var page struct{ Next string }
		json.Unmarshal([]byte(body), &page)
		code, body = get(t, s, "/api/v1/executions?limit=1000&next="+page.Next)
	}
	if code != 500 || strings.Count(body, "database damaged") != 1 || !strings.Contains(body, "restore") {
		t.Errorf("listing the executions of a damaged database: %d %s, want 500 naming the damage", code, body)
	}
	if code, body := get(t, s, "/readyz"); code != 503 || !strings.Contains(body, "database damaged") {
		t.Errorf("/readyz after a damaged read: %d %q", code, body)
	}
}

// TestEmptyDatabaseRefused: a 0-byte baton.db is not started on as a new
// database.
func TestEmptyDatabaseRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, sqlite.FileName), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), quietConfig(dir))
	if err == nil || !strings.Contains(err.Error(), "empty (0 bytes)") || !strings.Contains(err.Error(), "delete it") {
		t.Fatalf("start on an empty baton.db: %v", err)
	}
}

// TestDamagedAtRecovery: with the check off, damage met by the recovery of
// running executions still stops the start with what to do.
func TestDamagedAtRecovery(t *testing.T) {
	dir := t.TempDir()
	s, err := Start(context.Background(), quietConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	sm := createWaiting(t, s)
	if code, out := startExec(t, s, sm, "waits"); code != 200 {
		t.Fatalf("start: %d %v", code, out)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, sqlite.FileName)
	sqlitetest.CorruptPages(t, path, sqlitetest.PagesOf(t, path, "timers"), 1, 1)
	cfg := quietConfig(dir)
	cfg.DBCheck = sqlite.CheckOff
	_, err = Start(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), "baton backup") {
		t.Fatalf("start on damaged timers with the check off: %v", err)
	}
}

// TestPassingStoreFailuresRetried: the server's store retries what fails
// for a passing reason (a lock held by another process, an I/O error): a
// read failing twice and a write that had no effect still answer 200; a
// damaged read is not retried.
func TestPassingStoreFailuresRetried(t *testing.T) {
	s, fs := faultyServer(t)
	sm := createWaiting(t, s)
	_, out := startExec(t, s, sm, "x")
	arn := out["executionArn"].(string)

	busy := fmt.Errorf("%w: database is locked (SQLITE_BUSY, injected)", store.ErrUnavailable)
	fs.FailNext("GetExecution", 2, busy)
	if code, out := sfn(t, s, "DescribeExecution", map[string]any{"executionArn": arn}); code != 200 {
		t.Errorf("DescribeExecution with two passing read failures: %d %v, want 200", code, out)
	}
	fs.FailNext("CreateActivity", 1, faulty.ErrFull)
	if code, out := sfn(t, s, "CreateActivity", map[string]any{"name": "a"}); code != 200 {
		t.Errorf("CreateActivity after a failed write with no effect: %d %v, want 200", code, out)
	}
	if n := fs.Calls("CreateActivity"); n != 2 {
		t.Errorf("CreateActivity reached the store %d times, want 2", n)
	}
	fs.FailNext("GetExecution", 1, faulty.ErrCorrupt)
	if code, _ := sfn(t, s, "DescribeExecution", map[string]any{"executionArn": arn}); code == 200 {
		t.Error("a damaged read was retried into a 200")
	}
}
