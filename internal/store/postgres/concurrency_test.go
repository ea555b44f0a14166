package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/pgtest"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/postgres"
)

// nodes opens n Stores on one new database: n servers of a cluster.
func nodes(t *testing.T, srv *pgtest.Server, n int) []*postgres.Store {
	t.Helper()
	dsn := srv.NewDatabase(t)
	var out []*postgres.Store
	for range n {
		s, err := postgres.Open(context.Background(), dsn, postgres.Options{MaxConns: 8})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out = append(out, s)
	}
	return out
}

// together runs fn(i) for i in [0, n) in n goroutines released at once,
// and returns their errors by i.
func together(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

func testStateMachine(name string) *store.StateMachine {
	now := time.UnixMilli(1_700_000_000_000).UTC()
	return &store.StateMachine{
		Arn: "arn:aws:states:us-east-1:123456789012:stateMachine:" + name, Name: name,
		Type: store.TypeStandard, Definition: `{}`, RoleArn: "arn:aws:iam::123456789012:role/r",
		LoggingConfiguration: `{}`, TracingConfiguration: `{}`, RevisionID: "r1",
		CreatedAt: now, UpdatedAt: now,
	}
}

// TestConcurrentCatalog checks what SQLite gets from its single writer and
// PostgreSQL from its locks, with two nodes writing one catalog at once.
func TestConcurrentCatalog(t *testing.T) {
	srv := pgtest.Start(t)
	ctx := context.Background()

	t.Run("CreateVersionNumbers", func(t *testing.T) {
		ss := nodes(t, srv, 2)
		sm := testStateMachine("numbered")
		if err := ss[0].CreateStateMachine(ctx, sm); err != nil {
			t.Fatal(err)
		}
		const n = 24
		nums := make([]int64, n)
		errs := together(n, func(i int) error {
			v := &store.Version{StateMachineArn: sm.Arn, Type: store.TypeStandard, Definition: fmt.Sprint(i)}
			err := ss[i%2].CreateVersion(ctx, v)
			nums[i] = v.Number
			if err == nil && v.Arn != fmt.Sprintf("%s:%d", sm.Arn, v.Number) {
				return fmt.Errorf("version %d has ARN %q", v.Number, v.Arn)
			}
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("CreateVersion %d: %v", i, err)
			}
		}
		slices.Sort(nums)
		for i, num := range nums {
			if num != int64(i+1) {
				t.Fatalf("version numbers %v: want 1..%d, each once", nums, n)
			}
		}
		vs, _, err := ss[1].ListVersions(ctx, sm.Arn, store.Page{})
		if err != nil || len(vs) != n || vs[0].Number != n {
			t.Fatalf("ListVersions: %d versions, err %v", len(vs), err)
		}
	})

	t.Run("CreateStateMachineOnce", func(t *testing.T) {
		ss := nodes(t, srv, 2)
		const n = 12
		errs := together(n, func(i int) error {
			sm := testStateMachine("once")
			sm.RevisionID = fmt.Sprint(i)
			return ss[i%2].CreateStateMachine(ctx, sm)
		})
		created := 0
		for i, err := range errs {
			switch {
			case err == nil:
				created++
			case !errors.Is(err, store.ErrExists):
				t.Errorf("CreateStateMachine %d: %v, want nil or ErrExists", i, err)
			}
		}
		if created != 1 {
			t.Errorf("%d of %d concurrent CreateStateMachine succeeded, want 1", created, n)
		}
	})

	// A version or alias created while another node deletes its state
	// machine is either refused (ErrNotFound) or deleted with it: never
	// left behind.
	t.Run("DeleteStateMachineLeavesNoOrphans", func(t *testing.T) {
		ss := nodes(t, srv, 2)
		for round := range 8 {
			sm := testStateMachine(fmt.Sprintf("doomed-%d", round))
			if err := ss[0].CreateStateMachine(ctx, sm); err != nil {
				t.Fatal(err)
			}
			errs := together(3, func(i int) error {
				switch i {
				case 0:
					return ss[0].DeleteStateMachine(ctx, sm.Arn)
				case 1:
					return ss[1].CreateVersion(ctx, &store.Version{StateMachineArn: sm.Arn, Type: store.TypeStandard})
				default:
					return ss[1].CreateAlias(ctx, &store.Alias{Arn: sm.Arn + ":live", StateMachineArn: sm.Arn, Name: "live"})
				}
			})
			if errs[0] != nil {
				t.Fatalf("DeleteStateMachine: %v", errs[0])
			}
			for _, err := range errs[1:] {
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("round %d: %v, want nil or ErrNotFound", round, err)
				}
			}
			vs, _, err := ss[0].ListVersions(ctx, sm.Arn, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			as, _, err := ss[0].ListAliases(ctx, sm.Arn, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) != 0 || len(as) != 0 {
				t.Fatalf("round %d: %d versions and %d aliases outlive their state machine", round, len(vs), len(as))
			}
		}
	})

	// Concurrent TagResource calls of one resource with the same many keys
	// (in map order, which differs from call to call) neither deadlock
	// nor fail.
	t.Run("TagResourceTogether", func(t *testing.T) {
		ss := nodes(t, srv, 2)
		const arn = "arn:aws:states:us-east-1:123456789012:activity:tagged"
		const n, keys = 8, 300
		errs := together(n, func(i int) error {
			tags := map[string]string{}
			for k := range keys {
				tags[fmt.Sprintf("k%02d", k)] = fmt.Sprint(i)
			}
			return ss[i%2].TagResource(ctx, arn, tags)
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("TagResource %d: %v", i, err)
			}
		}
		tags, err := ss[0].ListTags(ctx, arn)
		if err != nil || len(tags) != keys {
			t.Fatalf("ListTags: %d tags, err %v", len(tags), err)
		}
	})
}
