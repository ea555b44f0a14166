package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
	"github.com/batonhq/baton/internal/store/storetest"
)

func openTest(t *testing.T, dir string, opts Options) *Store {
	t.Helper()
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dir string) store.Store {
		return openTest(t, dir, Options{})
	})
}

func TestConformanceRelaxed(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	storetest.Run(t, func(t *testing.T, dir string) store.Store {
		return openTest(t, dir, Options{Durability: DurabilityRelaxed})
	})
}

// pragma reads a PRAGMA on the given pool.
func pragma(t *testing.T, db *sql.DB, name string) string {
	t.Helper()
	var v string
	if err := db.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

// writerPragma reads a PRAGMA on the writer connection.
func writerPragma(t *testing.T, s *Store, name string) string {
	t.Helper()
	var v string
	if err := s.w.QueryRowContext(context.Background(), "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestPragmas(t *testing.T) {
	for _, c := range []struct {
		durability string
		sync       string // PRAGMA synchronous: 1 NORMAL, 2 FULL
	}{{"", "2"}, {DurabilityFull, "2"}, {DurabilityRelaxed, "1"}} {
		t.Run("durability="+c.durability, func(t *testing.T) {
			s := openTest(t, t.TempDir(), Options{Durability: c.durability})
			defer s.Close()
			if got := writerPragma(t, s, "journal_mode"); got != "wal" {
				t.Errorf("writer journal_mode %q, want wal", got)
			}
			if got := pragma(t, s.db, "journal_mode"); got != "wal" {
				t.Errorf("reader journal_mode %q, want wal", got)
			}
			if got := writerPragma(t, s, "synchronous"); got != c.sync {
				t.Errorf("writer synchronous %q, want %q", got, c.sync)
			}
			if got := pragma(t, s.db, "query_only"); got != "1" {
				t.Errorf("reader query_only %q, want 1", got)
			}
		})
	}
	if _, err := Open(t.TempDir(), Options{Durability: "sloppy"}); err == nil {
		t.Errorf("Open with an unknown durability succeeded")
	}
}

func TestOpenCreatesDirAndMigratesOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	files, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v, %v", files, err)
	}
	want := len(files)
	// The version is the highest number (goose allows gaps, though a
	// database past a number refuses a lower one added later).
	wantVersion, err := strconv.Atoi(strings.SplitN(path.Base(files[len(files)-1]), "_", 2)[0])
	if err != nil {
		t.Fatalf("migration %s: %v", files[len(files)-1], err)
	}
	for i := range 3 {
		s := openTest(t, dir, Options{})
		var n, version int
		if err := s.db.QueryRow(`SELECT count(*), max(version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&n, &version); err != nil {
			t.Fatalf("open %d: goose_db_version: %v", i, err)
		}
		if n != want || version != wantVersion {
			t.Errorf("open %d: %d applied migrations, version %d; want %d, %d", i, n, version, want, wantVersion)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
}

func TestClosedStore(t *testing.T) {
	s := openTest(t, t.TempDir(), Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.CreateActivity(ctx, &store.Activity{Arn: "a", Name: "a"}); err == nil {
		t.Errorf("write on a closed store succeeded")
	}
	if _, err := s.GetActivity(ctx, "a"); err == nil {
		t.Errorf("read on a closed store succeeded")
	}
}

func TestPageLimitMax(t *testing.T) {
	s := openTest(t, t.TempDir(), Options{})
	defer s.Close()
	ctx := context.Background()
	var batch []*store.Transition
	for i := range sqlrows.MaxLimit + 5 {
		batch = append(batch, &store.Transition{New: true, Execution: &store.Execution{
			Arn: fmt.Sprintf("x%05d", i), StateMachineArn: "sm", Status: "RUNNING", StartDate: time.Unix(int64(i), 0)}})
	}
	if err := s.Commit(ctx, batch); err != nil {
		t.Fatal(err)
	}
	page, next, err := s.ListExecutions(ctx, store.ExecutionFilter{}, store.Page{Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != sqlrows.MaxLimit || next == "" {
		t.Errorf("page of %d (next %q), want %d and a token", len(page), next, sqlrows.MaxLimit)
	}
}

func TestTokenOfAnotherList(t *testing.T) {
	s := openTest(t, t.TempDir(), Options{})
	defer s.Close()
	ctx := context.Background()
	for _, name := range []string{"a", "b"} {
		if err := s.CreateActivity(ctx, &store.Activity{Arn: "arn:" + name, Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	_, tok, err := s.ListActivities(ctx, store.Page{Limit: 1})
	if err != nil || tok == "" {
		t.Fatalf("ListActivities: %q, %v", tok, err)
	}
	if _, _, err := s.ListStateMachines(ctx, store.Page{Token: tok}); !errors.Is(err, store.ErrBadToken) {
		t.Errorf("ListStateMachines with an activities token: %v", err)
	}
	if _, _, err := s.History(ctx, "x", false, store.Page{Token: sqlrows.EncodeToken(sqlrows.PageKey{Kind: sqlrows.KindHistoryRev, N: 3})}); !errors.Is(err, store.ErrBadToken) {
		t.Errorf("History forward with a reverse token: %v", err)
	}
}

// TestTimersChunks walks more timers than one chunk.
func TestTimersChunks(t *testing.T) {
	old := timerChunk
	timerChunk = 7
	defer func() { timerChunk = old }()
	s := openTest(t, t.TempDir(), Options{})
	defer s.Close()
	ctx := context.Background()
	var batch []*store.Transition
	want := map[string]bool{}
	for i := range 5 {
		tr := &store.Transition{New: true, Execution: &store.Execution{Arn: fmt.Sprintf("x%d", i), Status: "RUNNING"}}
		for j := range 6 {
			id := fmt.Sprintf("t%d", j)
			tr.AddTimers = append(tr.AddTimers, store.Timer{TimerID: id, At: time.Unix(int64(j), 0).UTC()})
			want[tr.Execution.Arn+"/"+id] = true
		}
		batch = append(batch, tr)
	}
	if err := s.Commit(ctx, batch); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	err := s.Timers(ctx, func(tm store.Timer) error {
		k := tm.ExecutionArn + "/" + tm.TimerID
		if got[k] {
			t.Errorf("timer %s twice", k)
		}
		got[k] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("%d timers, want %d", len(got), len(want))
	}
}

// TestRecovery100k checks what engine recovery needs: reading 100,000
// timers and tasks of open executions quickly.
func TestRecovery100k(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("a timing test: not with -short or -race")
	}
	const n = 100_000
	s := openTest(t, t.TempDir(), Options{Durability: DurabilityRelaxed})
	defer s.Close()
	ctx := context.Background()
	for b := 0; b < n; b += 1000 {
		batch := make([]*store.Transition, 0, 1000)
		for i := b; i < b+1000; i++ {
			arn := fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:sm:%08d", i)
			batch = append(batch, &store.Transition{New: true,
				Execution: &store.Execution{Arn: arn, StateMachineArn: "sm", Status: "RUNNING", Snapshot: make([]byte, 400)},
				AddTasks:  []*store.Task{{Token: fmt.Sprintf("tok-%08d", i), Kind: store.TaskBuiltin, State: store.TaskQueued}},
				AddTimers: []store.Timer{{TimerID: "wait", At: time.Unix(int64(i), 0)}},
			})
		}
		if err := s.Commit(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	began := time.Now()
	count := 0
	if err := s.Timers(ctx, func(store.Timer) error { count++; return nil }); err != nil {
		t.Fatal(err)
	}
	timers := time.Since(began)
	began = time.Now()
	tasks, err := s.OpenTasks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	taskTime := time.Since(began)
	began = time.Now()
	for i := 0; i < n; i += 100 {
		if _, err := s.GetExecution(ctx, fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:sm:%08d", i)); err != nil {
			t.Fatal(err)
		}
	}
	gets := time.Since(began)
	t.Logf("Timers(%d): %v; OpenTasks(%d): %v; 1000 GetExecution: %v", count, timers, len(tasks), taskTime, gets)
	if count != n || len(tasks) != n {
		t.Errorf("%d timers, %d tasks; want %d", count, len(tasks), n)
	}
	if timers+taskTime > 5*time.Second {
		t.Errorf("recovery reads took %v", timers+taskTime)
	}
}

func FuzzPageToken(f *testing.F) {
	for _, k := range []sqlrows.PageKey{
		{Kind: sqlrows.KindStateMachines, T: "name", S: "arn"},
		{Kind: sqlrows.KindExecutions, N: 1700000000000000000, S: "arn:x"},
		{Kind: sqlrows.KindHistory, N: 3},
		{Kind: sqlrows.KindHistoryRev, N: 1 << 62},
	} {
		f.Add(sqlrows.EncodeToken(k))
	}
	f.Add("")
	f.Add("garbage")
	f.Add("e30")
	s, err := Open(f.TempDir(), Options{Durability: DurabilityRelaxed})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Commit(ctx, []*store.Transition{{New: true,
		Execution: &store.Execution{Arn: "x", StateMachineArn: "sm", Status: "RUNNING"},
		Events:    []store.Event{{Type: "A"}, {Type: "B"}}}}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		page := store.Page{Limit: 1, Token: tok}
		_, _, e1 := s.ListStateMachines(ctx, page)
		_, _, e2 := s.ListActivities(ctx, page)
		_, _, e3 := s.ListVersions(ctx, "sm", page)
		_, _, e4 := s.ListAliases(ctx, "sm", page)
		_, _, e5 := s.ListExecutions(ctx, store.ExecutionFilter{}, page)
		_, _, e6 := s.History(ctx, "x", false, page)
		_, _, e7 := s.History(ctx, "x", true, page)
		for i, err := range []error{e1, e2, e3, e4, e5, e6, e7} {
			if err != nil && !errors.Is(err, store.ErrBadToken) {
				t.Errorf("list %d with token %q: %v, want nil or ErrBadToken", i, tok, err)
			}
		}
		// Garbage is refused, not ignored.
		for _, c := range []struct {
			kind string
			err  error
		}{{sqlrows.KindStateMachines, e1}, {sqlrows.KindActivities, e2}, {sqlrows.KindExecutions, e5}, {sqlrows.KindHistory, e6}, {sqlrows.KindHistoryRev, e7}} {
			if _, _, derr := sqlrows.DecodeToken(c.kind, tok); derr != nil && !errors.Is(c.err, store.ErrBadToken) {
				t.Errorf("token %q for list %q: %v, want ErrBadToken", tok, c.kind, c.err)
			}
		}
		if _, _, err := sqlrows.DecodeToken(sqlrows.KindExecutions, tok); err == nil {
			if _, _, err := sqlrows.DecodeToken(sqlrows.KindHistory, tok); err == nil && tok != "" {
				t.Errorf("token %q valid for two lists", tok)
			}
		}
	})
}
