// Package pgtest starts PostgreSQL servers for tests: Debian's postgresql
// package, initdb and pg_ctl in a temporary directory, no containers.
// `make test-deps` installs the package; without it the tests skip, except
// in CI (CI set), where they fail.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// User is the superuser the servers are created with.
const User = "baton"

// Server is a PostgreSQL server a test started.
type Server struct {
	Port     int
	Password string

	bin, root, data string
	cred            *syscall.Credential
	dbs             atomic.Int64
	durable         bool
}

// Start starts a server of its own for tb, stopped (immediately, as a
// crash would) when tb ends. It skips tb when PostgreSQL is not installed.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return start(tb, false)
}

// StartDurable is Start with fsync on, as a production server runs: for
// benchmarks whose figures must hold against power loss.
func StartDurable(tb testing.TB) *Server {
	tb.Helper()
	return start(tb, true)
}

func start(tb testing.TB, durable bool) *Server {
	tb.Helper()
	bin := Bin()
	if bin == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal("PostgreSQL (initdb, pg_ctl) is not installed: CI must install it (make test-deps)")
		}
		tb.Skip("PostgreSQL (initdb, pg_ctl) is not installed: apt-get install postgresql (make test-deps) to run this test")
	}
	s := &Server{bin: bin, durable: durable, Password: "pw-" + strconv.FormatInt(time.Now().UnixNano(), 36)}
	// PostgreSQL refuses to run as root: as root, run it as the postgres
	// user of the Debian package.
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			tb.Skip("running as root without a postgres user to start PostgreSQL as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	root, err := os.MkdirTemp("", "baton-pg-")
	if err != nil {
		tb.Fatal(err)
	}
	s.root = root
	tb.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil {
		tb.Fatal(err)
	}
	pwFile := filepath.Join(root, "pw")
	if err := os.WriteFile(pwFile, []byte(s.Password+"\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	s.data = filepath.Join(root, "data")
	if err := os.Mkdir(s.data, 0o700); err != nil {
		tb.Fatal(err)
	}
	if s.cred != nil {
		for _, p := range []string{root, s.data, pwFile} {
			if err := os.Chown(p, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if out, err := s.run("initdb", "-D", s.data, "-U", User, "--auth=scram-sha-256", "--pwfile="+pwFile, "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		tb.Fatalf("initdb: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s.Port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if err := s.Restart(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Stop() })
	return s
}

// run runs one of PostgreSQL's programs as the server's user.
func (s *Server) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	cmd.Dir = s.root
	return cmd.CombinedOutput()
}

// Restart starts the server (again, after Stop). fsync is off unless it
// was started with StartDurable: tests need no durability against power
// loss, and it is much faster.
func (s *Server) Restart() error {
	fsync := "off"
	if s.durable {
		fsync = "on"
	}
	opts := fmt.Sprintf("-h 127.0.0.1 -p %d -k %s -c fsync=%s -c max_connections=300", s.Port, s.root, fsync)
	if out, err := s.run("pg_ctl", "-D", s.data, "-o", opts, "-l", filepath.Join(s.root, "log"), "-w", "-t", "30", "start"); err != nil {
		return fmt.Errorf("pg_ctl start: %v\n%s", err, out)
	}
	return nil
}

// Stop stops the server at once, as a crash would (clients see their
// connections cut).
func (s *Server) Stop() error {
	if out, err := s.run("pg_ctl", "-D", s.data, "-m", "immediate", "-w", "stop"); err != nil {
		return fmt.Errorf("pg_ctl stop: %v\n%s", err, out)
	}
	return nil
}

// DSN returns the URL of database db on the server.
func (s *Server) DSN(db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(User, s.Password),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)), Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// NewDatabase creates an empty database of its own on the server and
// returns its URL.
func (s *Server) NewDatabase(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("t%d", s.dbs.Add(1))
	db, err := sql.Open("pgx", s.DSN("postgres"))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	return s.DSN(name)
}

// Bin finds the directory of initdb and pg_ctl: on PATH, or Debian's
// /usr/lib/postgresql/VERSION/bin (the newest). "" when not installed.
func Bin() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "pg_ctl")); err == nil {
			return filepath.Dir(p)
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	return ""
}
