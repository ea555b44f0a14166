package server

import (
	"context"
	"fmt"
	"testing"

	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/pgtest"
	"github.com/batonhq/baton/internal/server"
	"github.com/batonhq/baton/internal/store/postgres"
)

// The benchmarks of issue 14 on one node: the engine and the server on a
// PostgreSQL 15 started by the benchmark on this machine, with fsync on
// (pgtest.StartDurable), as in production.

// newPostgresEngine runs an engine on a fresh database of pg, both closed
// when b ends.
func newPostgresEngine(b *testing.B, pg *pgtest.Server) (*engine.Engine, *postgres.Store) {
	st, err := postgres.Open(context.Background(), pg.NewDatabase(b), postgres.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	eng, _ := runEngine(b, st, clock.Real{})
	b.Cleanup(func() { eng.Close() })
	return eng, st
}

// BenchmarkPostgresDurableTransitions is BenchmarkDurableTransitions on
// PostgreSQL: 64 clients start 1,000 executions of a 20-state Pass chain.
func BenchmarkPostgresDurableTransitions(b *testing.B) {
	eng, _ := newPostgresEngine(b, pgtest.StartDurable(b))
	transitions(b, eng, nil, "r", passChain(20), 20)
}

// BenchmarkPostgresStepTransitions is BenchmarkStepTransitions (a chain of
// 0-second Waits: every transition its own commit) on PostgreSQL.
func BenchmarkPostgresStepTransitions(b *testing.B) {
	eng, st := newPostgresEngine(b, pgtest.StartDurable(b))
	transitions(b, eng, st, "w", waitChain(10), 10)
}

// BenchmarkPostgresStartExecutionAPI is BenchmarkStartExecutionAPI against
// a server started with --store postgres://...
func BenchmarkPostgresStartExecutionAPI(b *testing.B) {
	pg := pgtest.StartDurable(b)
	srv, err := server.Start(context.Background(), server.Config{Listen: "127.0.0.1:0", DataDir: b.TempDir(),
		Store: pg.NewDatabase(b), Log: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	c := newClient(srv.Addr())
	arn := createMachine(b, c, "starts", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	startConcurrently(b, func(i int64) error {
		return c.call("StartExecution", map[string]any{"stateMachineArn": arn, "name": fmt.Sprint("e", i), "input": `{"i":1}`}, nil)
	})
}
