package faulty_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/faulty"
	"github.com/batonhq/baton/internal/store/sqlite"
)

// TestFaults pins each kind of fault on real SQLite: the next N calls,
// every call, a hook, and a failure after the call (not marked NoEffect).
func TestFaults(t *testing.T) {
	sq, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	fs := faulty.New(sq)
	ctx := context.Background()
	act := func(name string) *store.Activity {
		return &store.Activity{Arn: "arn:aws:states:us-east-1:123456789012:activity:" + name, Name: name, CreatedAt: time.Unix(1, 0).UTC()}
	}

	fs.FailNext("CreateActivity", 2, faulty.ErrFull)
	for i := 0; i < 2; i++ {
		if err := fs.CreateActivity(ctx, act("a")); !errors.Is(err, store.ErrUnavailable) || !errors.Is(err, store.ErrNoEffect) {
			t.Fatalf("call %d: %v, want the injected fault marked NoEffect", i, err)
		}
	}
	if err := fs.CreateActivity(ctx, act("a")); err != nil {
		t.Fatalf("third call: %v, want it through", err)
	}
	if c, f := fs.Calls("CreateActivity"), fs.Failed("CreateActivity"); c != 3 || f != 2 {
		t.Errorf("calls %d failed %d, want 3 and 2", c, f)
	}

	fs.FailAfter("CreateActivity", 1, faulty.ErrFull)
	if err := fs.CreateActivity(ctx, act("b")); !errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrNoEffect) {
		t.Fatalf("FailAfter: %v, want the fault, not marked NoEffect", err)
	}
	if _, err := sq.GetActivity(ctx, act("b").Arn); err != nil {
		t.Errorf("FailAfter did not reach the store: %v", err)
	}

	var keys []string
	fs.SetHook("GetActivity", func(_ context.Context, key string) error {
		keys = append(keys, key)
		if key == act("b").Arn {
			return faulty.ErrCorrupt
		}
		return nil
	})
	if _, err := fs.GetActivity(ctx, act("a").Arn); err != nil {
		t.Errorf("hook let a through: %v", err)
	}
	if _, err := fs.GetActivity(ctx, act("b").Arn); !errors.Is(err, store.ErrDamaged) {
		t.Errorf("hook failed b: %v", err)
	}
	if len(keys) != 2 || keys[0] != act("a").Arn {
		t.Errorf("hook saw keys %v", keys)
	}

	fs.FailCommits(faulty.ErrFull)
	if err := fs.Health(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Health while commits fail: %v", err)
	}
	fs.FailCommits(nil)
	fs.Clear("GetActivity")
	if err := fs.Health(ctx); err != nil {
		t.Errorf("Health after the fault cleared: %v", err)
	}
	if _, err := fs.GetActivity(ctx, act("b").Arn); err != nil {
		t.Errorf("after Clear: %v", err)
	}
}
