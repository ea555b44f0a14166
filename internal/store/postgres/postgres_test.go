package postgres_test

import (
	"context"
	"net/url"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/internal/pgtest"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/postgres"
	"github.com/batonhq/baton/internal/store/storetest"
)

// TestConformance runs the store conformance suite, unchanged, with a
// database of its own for each of its tests.
func TestConformance(t *testing.T) {
	srv := pgtest.Start(t)
	var mu sync.Mutex
	dsns := map[string]string{} // the suite's dir -> its database
	storetest.Run(t, func(t *testing.T, dir string) store.Store {
		mu.Lock()
		dsn, ok := dsns[dir]
		if !ok {
			dsn = srv.NewDatabase(t)
			dsns[dir] = dsn
		}
		mu.Unlock()
		s, err := postgres.Open(context.Background(), dsn, postgres.Options{MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestApplicationName: the store's connections keep an application_name
// the connection string sets (one per node of a cluster, say), "baton"
// otherwise.
func TestApplicationName(t *testing.T) {
	srv := pgtest.Start(t)
	dsn := srv.NewDatabase(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	count := func(app string) int {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`, app).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	named, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := named.Query()
	q.Set("application_name", "node-c")
	named.RawQuery = q.Encode()
	for _, c := range []struct{ dsn, app string }{{dsn, "baton"}, {named.String(), "node-c"}} {
		s := open(t, c.dsn)
		// The migrations left an idle connection in the pool.
		if n := count(c.app); n == 0 {
			t.Errorf("Open(%s): no connection named %q", c.dsn, c.app)
		}
		s.Close()
	}
}
