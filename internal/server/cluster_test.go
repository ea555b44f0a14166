package server

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/pgtest"
)

// TestClusterPostgres: two servers on one PostgreSQL database. The first
// is active; the second waits as a standby (it does not listen) until the
// first stops, then takes over. GET /api/v1/cluster shows both, with their
// roles, and the lease's epoch moves on with the takeover.
func TestClusterPostgres(t *testing.T) {
	dsn := pgtest.Start(t).NewDatabase(t)
	cfg := func() Config {
		return Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Store: dsn, LeaseTimeout: 2 * time.Second}
	}
	a, err := Start(context.Background(), cfg())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type started struct {
		s   *Server
		err error
	}
	standby := make(chan started, 1)
	go func() {
		s, err := Start(ctx, cfg())
		standby <- started{s, err}
	}()
	var st struct {
		Store string
		Nodes []struct {
			Name, Role string
			Epoch      int64
		}
	}
	read := func(addr string) {
		t.Helper()
		res, err := http.Get("http://" + addr + "/api/v1/cluster")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("GET /api/v1/cluster: %d", res.StatusCode)
		}
		if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		read(a.Addr())
		if len(st.Nodes) == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline, for the standby to connect
	}
	if st.Store != "postgres" || len(st.Nodes) != 2 || st.Nodes[0].Role != "active" || st.Nodes[1].Role != "standby" {
		t.Fatalf("cluster with a standby: %+v", st)
	}
	first := st.Nodes[0].Epoch
	select {
	case s := <-standby:
		t.Fatalf("the standby started while the first server runs: %v", s.err)
	default:
	}
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	var b started
	select {
	case b = <-standby:
	case <-time.After(30 * time.Second):
		t.Fatal("the standby did not take over")
	}
	if b.err != nil {
		t.Fatal(b.err)
	}
	defer b.s.Shutdown(context.Background())
	read(b.s.Addr())
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
	dsn := pg.NewDatabase(t)
	cfg := func() Config {
		return Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Store: dsn, LeaseTimeout: 2 * time.Second}
	}
	a, err := Start(context.Background(), cfg())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type started struct {
		s   *Server
		err error
	}
	standby := make(chan started, 1)
	go func() {
		s, err := Start(ctx, cfg())
		standby <- started{s, err}
	}()
	// Wait until the standby waits (its lock session shows).
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get("http://" + a.Addr() + "/api/v1/cluster")
		if err != nil {
			t.Fatal(err)
		}
		var st struct{ Nodes []struct{ Role string } }
		err = json.NewDecoder(res.Body).Decode(&st)
		res.Body.Close()
		if err == nil && len(st.Nodes) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no standby after 30s: %+v %v", st, err)
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline
	}
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
	select {
	case s := <-standby:
		t.Fatalf("the standby gave up while the database was down: %v", s.err)
	default:
	}
	if err := pg.Restart(); err != nil {
		t.Fatal(err)
	}
	var b started
	select {
	case b = <-standby:
	case <-time.After(60 * time.Second):
		t.Fatal("the standby did not take over once the database was back")
	}
	if b.err != nil {
		t.Fatal(b.err)
	}
	defer b.s.Shutdown(context.Background())
	res, err := http.Get("http://" + b.s.Addr() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("the new active server: /readyz %d", res.StatusCode)
	}
}
