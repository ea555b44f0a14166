package server

import (
	"context"
	"fmt"
	"github.com/batonhq/baton/client"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/pgtest"
	"github.com/batonhq/baton/internal/server"
	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/postgres"
	"github.com/prometheus/client_golang/prometheus"
)

// The benchmarks of issue 14 on a cluster: several nodes on one
// PostgreSQL 15 with fsync on, all on this machine, against one node in
// the same run.

// clusterWorkflows is how many workflows the load is spread over: a
// workflow's runs share one partition, so one workflow would load one node.
const clusterWorkflows = 48

// clusterEngines runs n partitioned engines on one database, each on a
// store of its own that joined the cluster, partition p owned by engine
// p % n, and returns them with their metrics.
func clusterEngines(b *testing.B, dsn string, n int) ([]*engine.Engine, []*prometheus.Registry) {
	var engs []*engine.Engine
	var regs []*prometheus.Registry
	for i := range n {
		st, err := postgres.Open(context.Background(), dsn, postgres.Options{MigrateUnderLock: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		m, err := st.JoinCluster(context.Background(), postgres.JoinOptions{Holder: fmt.Sprint("bench-", i), Addr: "http://127.0.0.1:1"})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { m.Leave() })
		var mine partition.Set
		for p := range partition.Count {
			if p%n == i {
				ok, err := m.Acquire(context.Background(), p)
				if err != nil || !ok {
					b.Fatalf("partition %d: %v %v", p, ok, err)
				}
				mine = mine.With(p)
			}
		}
		eng, reg := runPartitionedEngine(b, st)
		if err := eng.Acquire(context.Background(), mine); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { eng.Close() })
		engs, regs = append(engs, eng), append(regs, reg)
	}
	return engs, regs
}

// BenchmarkClusterDurableTransitions is PostgresDurableTransitions on 1
// and 3 nodes' engines (in one process, each with its own store and
// committer): 64 clients start 1,000 executions of a 20-state Pass chain
// per op, spread over 48 workflows, each on the engine owning it; the
// metric counts state transitions stored per second until all have ended.
func BenchmarkClusterDurableTransitions(b *testing.B) {
	pg := pgtest.StartDurable(b)
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprint("nodes=", n), func(b *testing.B) {
			engs, regs := clusterEngines(b, pg.NewDatabase(b), n)
			const perOp, states = 1000, 20
			def := passChain(states)
			owner := func(arn string) *engine.Engine { return engs[partition.Of(arn)%n] }
			b.ResetTimer()
			start := time.Now()
			for op := range b.N {
				var next atomic.Int64
				var wg sync.WaitGroup
				for range 64 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							i := next.Add(1) - 1
							if i >= perOp {
								return
							}
							r := workflowReq(int(i)%clusterWorkflows, fmt.Sprintf("c%d-%d", op, i), def)
							if _, err := owner(r.ExecutionArn).Start(context.Background(), r); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				want := float64((op + 1) * perOp)
				deadline := time.Now().Add(5 * time.Minute)
				for {
					sum := 0.0
					for _, reg := range regs {
						sum += finished(b, reg)
					}
					if sum >= want {
						break
					}
					if time.Now().After(deadline) {
						b.Fatalf("%v of %v executions ended", sum, want)
					}
					time.Sleep(time.Millisecond) // polling with a deadline
				}
			}
			el := time.Since(start)
			b.ReportMetric(float64(b.N*perOp*states)/el.Seconds(), "transitions/s")
		})
	}
}

// workflowReq is a start of workflow w's execution name.
func workflowReq(w int, name, def string) service.StartRequest {
	sm := fmt.Sprint("bench", w)
	return service.StartRequest{ExecutionArn: acct + "execution:" + sm + ":" + name, StateMachineArn: acct + "stateMachine:" + sm,
		StateMachineName: sm, Name: name, Type: store.TypeStandard, Definition: def, Input: `{"k":"v"}`}
}

// runPartitionedEngine is runEngine with Config.Partitioned.
func runPartitionedEngine(b *testing.B, st store.Store) (*engine.Engine, *prometheus.Registry) {
	return runEngineWith(b, st, func(c *engine.Config) { c.Partitioned = true })
}

// BenchmarkClusterStartExecutionAPI: 64 clients call StartExecution over
// HTTP on 48 workflows, on one server (not a cluster), on a cluster of
// one node, and on a cluster of three nodes where each call goes to the
// nodes in turn (two calls in three are forwarded to the owner).
func BenchmarkClusterStartExecutionAPI(b *testing.B) {
	pg := pgtest.StartDurable(b)
	for _, c := range clusterModes {
		b.Run(c.name, func(b *testing.B) {
			var clients []*sfnClient
			for _, srv := range startNodes(b, pg.NewDatabase(b), c.cluster, c.nodes) {
				clients = append(clients, newClient(srv.Addr()))
			}
			var arns []string
			for w := range clusterWorkflows {
				arns = append(arns, createMachine(b, clients[0], fmt.Sprint("starts", w), `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`))
			}
			startConcurrently(b, func(i int64) error {
				return clients[int(i)%len(clients)].call("StartExecution", map[string]any{"stateMachineArn": arns[int(i/3)%len(arns)], "name": fmt.Sprint("e", i), "input": `{"i":1}`}, nil)
			})
		})
	}
}

// BenchmarkClusterUpstreamTriggerLatency is UpstreamTriggerLatency on
// PostgreSQL: one server (not a cluster), a cluster of one node (the
// triggers split into 64 members, all on it), and of three nodes (the
// members spread over them, so up's end and down's trigger are decided
// where their partitions are owned). Calls and polls go to the first node.
func BenchmarkClusterUpstreamTriggerLatency(b *testing.B) {
	pg := pgtest.StartDurable(b)
	for _, c := range clusterModes {
		b.Run(c.name, func(b *testing.B) {
			first := startNodes(b, pg.NewDatabase(b), c.cluster, c.nodes)[0]
			upstreamTriggerLatency(b, newClient(first.Addr()), client.New("http://"+first.Addr()))
		})
	}
}

// clusterModes are the set-ups the cluster benchmarks compare.
var clusterModes = []struct {
	name    string
	cluster bool
	nodes   int
}{{"single", false, 1}, {"cluster-nodes=1", true, 1}, {"cluster-nodes=3", true, 3}}

// startNodes starts n servers on the database dsn (nodes of a cluster, or
// one server that is not), stopped when b ends; on a cluster, once the
// partitions are spread over them.
func startNodes(b *testing.B, dsn string, clustered bool, n int) []*server.Server {
	var out []*server.Server
	for i := range n {
		srv, err := server.Start(context.Background(), server.Config{Listen: "127.0.0.1:0", DataDir: b.TempDir(),
			Store: dsn, Cluster: clustered, NodeName: fmt.Sprint("node-", i), Log: quiet})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { srv.Shutdown(context.Background()) })
		out = append(out, srv)
	}
	if clustered {
		waitSpread(b, newClient(out[0].Addr()), n)
	}
	return out
}

// waitSpread waits until n nodes own every partition between them.
func waitSpread(b *testing.B, c *sfnClient, n int) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		var st struct {
			Nodes      []struct{ Partitions *int }
			Partitions []struct{ Owner string }
		}
		if err := c.get("/api/v1/cluster", &st); err != nil {
			b.Fatal(err)
		}
		owned := 0
		for _, p := range st.Partitions {
			if p.Owner != "" {
				owned++
			}
		}
		busy := 0
		for _, node := range st.Nodes {
			if node.Partitions != nil && *node.Partitions > 0 {
				busy++
			}
		}
		if owned == partition.Count && busy == n {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("the partitions did not spread over %d nodes: %d owned, %d nodes own some", n, owned, busy)
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline
	}
}
