package server

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/pgtest"
)

// started is what Start gave a standby once it took over.
type started struct {
	s   *Server
	err error
}

// clusterView is GET /api/v1/cluster's answer.
type clusterView struct {
	Store string
	Nodes []struct {
		Name, Role string
		Epoch      int64
	}
}

// readCluster reads GET /api/v1/cluster from the server at addr.
func readCluster(t *testing.T, addr string) clusterView {
	t.Helper()
	var st clusterView
	getCluster(t, addr, &st)
	return st
}

// getCluster decodes GET /api/v1/cluster of the server at addr into out.
func getCluster(t *testing.T, addr string, out any) {
	t.Helper()
	res, err := http.Get("http://" + addr + "/api/v1/cluster")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET /api/v1/cluster: %d", res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

// activeAndStandby starts a server on the PostgreSQL database dsn and a
// second one that waits as its standby (Start returns on the channel once
// it takes over), and returns once the active one lists both.
func activeAndStandby(t *testing.T, dsn string) (*Server, <-chan started, clusterView) {
	t.Helper()
	cfg := func() Config {
		return Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Store: dsn, LeaseTimeout: 2 * time.Second}
	}
	a, err := Start(context.Background(), cfg())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	standby := make(chan started, 1)
	go func() {
		s, err := Start(ctx, cfg())
		standby <- started{s, err}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st := readCluster(t, a.Addr())
		if len(st.Nodes) == 2 {
			return a, standby, st
		}
		if time.Now().After(deadline) {
			t.Fatalf("no standby after 30s: %+v", st)
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline, for the standby to connect
	}
}

// takeOver waits up to d for the standby to take over.
func takeOver(t *testing.T, standby <-chan started, d time.Duration) *Server {
	t.Helper()
	select {
	case b := <-standby:
		if b.err != nil {
			t.Fatal(b.err)
		}
		t.Cleanup(func() { b.s.Shutdown(context.Background()) })
		return b.s
	case <-time.After(d):
		t.Fatal("the standby did not take over")
	}
	return nil
}

// notYet fails if the standby has already started (or given up).
func notYet(t *testing.T, standby <-chan started, when string) {
	t.Helper()
	select {
	case s := <-standby:
		t.Fatalf("the standby ended its wait %s: %v", when, s.err)
	default:
	}
}

// TestClusterPostgres: two servers on one PostgreSQL database. The first
// is active; the second waits as a standby (it does not listen) until the
// first stops, then takes over. GET /api/v1/cluster shows both, with their
// roles, and the lease's epoch moves on with the takeover.
func TestClusterPostgres(t *testing.T) {
	a, standby, st := activeAndStandby(t, pgtest.Start(t).NewDatabase(t))
	if st.Store != "postgres" || len(st.Nodes) != 2 || st.Nodes[0].Role != "active" || st.Nodes[1].Role != "standby" {
		t.Fatalf("cluster with a standby: %+v", st)
	}
	first := st.Nodes[0].Epoch
	notYet(t, standby, "while the first server runs")
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := takeOver(t, standby, 30*time.Second)
	st = readCluster(t, b.Addr())
	if len(st.Nodes) != 1 || st.Nodes[0].Role != "active" || st.Nodes[0].Epoch != first+1 {
		t.Fatalf("after the takeover: %+v (first epoch %d)", st, first)
	}
}

// TestPostgresRestart: PostgreSQL restarts under an active server and a
// standby. The active server loses its node lock with the session and
// says so (Done); the standby does not give up while the database is
// down, and takes over once it is back.
func TestPostgresRestart(t *testing.T) {
	pg := pgtest.Start(t)
	a, standby, _ := activeAndStandby(t, pg.NewDatabase(t))
	defer a.Shutdown(context.Background())
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-a.Done():
		if err == nil {
			t.Fatal("the active server stopped serving without saying why")
		}
		t.Logf("the active server: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the active server did not notice it lost the database")
	}
	notYet(t, standby, "while the database was down")
	if err := pg.Restart(); err != nil {
		t.Fatal(err)
	}
	b := takeOver(t, standby, 60*time.Second)
	res, err := http.Get("http://" + b.Addr() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("the new active server: /readyz %d", res.StatusCode)
	}
}
