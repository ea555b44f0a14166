package sqlite

import (
	"context"
	"testing"

	"github.com/batonhq/baton/internal/store"
)

// TestAppendLogsKeepsFullSync: a log write commits without a WAL sync,
// and the writer is back to synchronous=FULL for the transitions after it.
func TestAppendLogsKeepsFullSync(t *testing.T) {
	s := openTest(t, t.TempDir(), Options{})
	defer s.Close()
	ctx := context.Background()
	sync := func() int {
		var v int
		if err := s.w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := sync(); v != 2 {
		t.Fatalf("synchronous %d before, want 2 (FULL)", v)
	}
	err := s.AppendLogs(ctx, 0, []*store.LogChunk{{ExecutionArn: "arn:x", TaskID: "t", StateName: "S", Attempt: 1, Stream: store.LogStdout, Data: []byte("hi\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if v := sync(); v != 2 {
		t.Errorf("synchronous %d after a log write, want 2 (FULL)", v)
	}
	// A failed restore is repaired by the next write.
	s.syncDirty = true
	if _, err := s.w.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateActivity(ctx, &store.Activity{Arn: "arn:a", Name: "a"}); err != nil {
		t.Fatal(err)
	}
	if v := sync(); v != 2 || s.syncDirty {
		t.Errorf("synchronous %d (dirty %v) after the next write, want 2 (FULL)", v, s.syncDirty)
	}
}
