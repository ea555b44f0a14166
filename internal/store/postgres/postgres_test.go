package postgres_test

import (
	"context"
	"sync"
	"testing"

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
