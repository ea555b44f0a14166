package tasks

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/config"
	"github.com/batonhq/baton/internal/pgtest"
	"github.com/batonhq/baton/internal/steptask"
)

// sqlCases are run against SQLite and PostgreSQL alike.
func sqlCases(conn string) []stepCase {
	c := `"connection": "` + conn + `", `
	return []stepCase{
		{name: "statements and a query", input: `{` + c + `"query": "CREATE TABLE sales (id integer, region text, amount real);\nINSERT INTO sales VALUES (1, 'north', 2.5), (2, 'south', 4);\nSELECT id, region, amount, NULL AS missing FROM sales ORDER BY id"}`,
			want: `{"rows_affected": 2, "rows": [{"id": 1, "region": "north", "amount": 2.5, "missing": null}, {"id": 2, "region": "south", "amount": 4, "missing": null}]}`},
		{name: "rows affected", input: `{` + c + `"query": "UPDATE sales SET amount = amount + 1; DELETE FROM sales WHERE id = 2"}`, want: `{"rows_affected": 3}`},
		{name: "a query without rows", input: `{` + c + `"query": "SELECT id FROM sales WHERE id > 100"}`, want: `{"rows_affected": 0, "rows": []}`},
		{name: "the last query's rows", input: `{` + c + `"query": "SELECT 1 AS a; SELECT 2 AS b"}`, want: `{"rows_affected": 0, "rows": [{"b": 2}]}`},
		{name: "a syntax error", input: `{` + c + `"query": "SELECT 1; SELEC 2"}`, failure: ErrorSQL, causeHas: []string{"statement 2 (SELEC 2)", "syntax error"}},
		{name: "a missing table", input: `{` + c + `"query": "SELECT * FROM nowhere"}`, failure: ErrorSQL, causeHas: []string{"nowhere"}},
		{name: "rows over the limit", input: `{` + c + `"query": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) SELECT i, 'some text' AS t FROM n"}`,
			failure: ErrorDataLimitExceeded, causeHas: []string{"larger than 4096 bytes", "LIMIT"}},
		{name: "no statement", input: `{` + c + `"query": " -- nothing\n"}`, failure: ErrorSQLInvalidInput, causeHas: []string{`"query" holds no statement`}},
		{name: "no connection", input: `{"query": "SELECT 1"}`, failure: ErrorSQLInvalidInput, causeHas: []string{`"connection" is missing`}},
		{name: "unknown connection", input: `{"connection": "nope", "query": "SELECT 1"}`, failure: ErrorUnknownConnection, causeHas: []string{`"nope"`, "baton.yaml"}},
		{name: "a connection of another type", input: `{"connection": "api", "query": "SELECT 1"}`, failure: ErrorSQLInvalidInput, causeHas: []string{"http connection"}},
		{name: "wrong type", input: `{` + c + `"query": 5}`, failure: ErrorSQLInvalidInput, causeHas: []string{`"query" must be a string, got a JSON number`}},
	}
}

func TestStepSQLite(t *testing.T) {
	dir := t.TempDir()
	conns := testConnections(t, `connections:
  db: {type: sql, driver: sqlite, path: `+filepath.Join(dir, "app.db")+`}
  api: {type: http, base_url: "http://127.0.0.1:1"}
`, nil)
	r := newResolver(t, Options{Connections: conns, MaxResultBytes: 4096})
	runStepCases(t, r, steptask.ResourceSQL, sqlCases("db"))
	// SQLite's own types: bytes, and a query interrupted by the timeout.
	runStepCases(t, r, steptask.ResourceSQL, []stepCase{
		{name: "blobs", input: `{"connection": "db", "query": "SELECT x'00ff' AS bin, CAST('text' AS BLOB) AS txt"}`, want: `{"rows_affected": 0, "rows": [{"bin": "AP8=", "txt": "text"}]}`},
		{name: "timeout", input: `{"connection": "db", "query": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"}`,
			req: Request{Timeout: 200 * time.Millisecond}, failure: ErrorTimeout},
	})
	// Close releases the pools; a step after it opens one again.
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if len(r.clients.m) != 0 {
		t.Fatalf("clients kept after Close: %d", len(r.clients.m))
	}
	runStepCases(t, r, steptask.ResourceSQL, []stepCase{
		{name: "after Close", input: `{"connection": "db", "query": "SELECT 1 AS one"}`, want: `{"rows_affected": 0, "rows": [{"one": 1}]}`},
	})
}

func TestStepPostgres(t *testing.T) {
	pg := pgtest.Start(t)
	conns := testConnections(t, `connections:
  pg:
    type: sql
    driver: postgres
    host: 127.0.0.1
    port: `+strconv.Itoa(pg.Port)+`
    user: `+pgtest.User+`
    database: postgres
    sslmode: disable
    password: env:PG_PASSWORD
  wrong:
    type: sql
    driver: postgres
    dsn: "postgres://`+pgtest.User+`@127.0.0.1:`+strconv.Itoa(pg.Port)+`/postgres?sslmode=disable"
    password: env:WRONG_PASSWORD
  api: {type: http, base_url: "http://127.0.0.1:1"}
`, map[string]string{"PG_PASSWORD": pg.Password, "WRONG_PASSWORD": stepSecret})
	r := newResolver(t, Options{Connections: conns, MaxResultBytes: 4096})
	runStepCases(t, r, steptask.ResourceSQL, sqlCases("pg"))
	runStepCases(t, r, steptask.ResourceSQL, []stepCase{
		{name: "PostgreSQL types", input: `{"connection": "pg", "query": "SELECT 12.50::numeric AS n, true AS ok, '{\"a\": [1]}'::jsonb AS j, ARRAY[1, 2] AS arr, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS id, '2026-12-04 10:00:00+00'::timestamptz AS at, 'x'::bytea AS b"}`,
			want: `{"rows_affected": 0, "rows": [{"n": 12.5, "ok": true, "j": {"a": [1]}, "arr": [1, 2], "id": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "at": "2026-12-04T10:00:00Z", "b": "x"}]}`},
		{name: "the database's message", input: `{"connection": "pg", "query": "SELECT 1/0"}`, failure: ErrorSQL, causeHas: []string{"division by zero", "SQLSTATE 22012"}},
		{name: "a wrong password is not shown", input: `{"connection": "wrong", "query": "SELECT 1"}`, failure: ErrorSQL, causeHas: []string{"password authentication failed"}},
		{name: "timeout", input: `{"connection": "pg", "query": "SELECT pg_sleep(30)"}`, req: Request{Timeout: 300 * time.Millisecond}, failure: ErrorTimeout},
	})
}

func TestPostgresConfig(t *testing.T) {
	tests := []struct {
		name    string
		sql     config.SQL
		host    string
		port    uint16
		user    string
		db      string
		timeout time.Duration
	}{
		{"fields", config.SQL{Host: "db.internal", Port: 6432, User: `o'brien \ x`, Database: "sales data", SSLMode: "disable", Password: config.NewSecret(stepSecret)},
			"db.internal", 6432, `o'brien \ x`, "sales data", postgresConnectTimeout},
		{"dsn", config.SQL{DSN: config.NewSecret("postgres://baton@db:5433/app?sslmode=disable&connect_timeout=5"), Password: config.NewSecret(stepSecret)},
			"db", 5433, "baton", "app", 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := postgresConfig(&tt.sql)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Host != tt.host || cfg.Port != tt.port || cfg.User != tt.user || cfg.Database != tt.db || cfg.Password != stepSecret || cfg.ConnectTimeout != tt.timeout {
				t.Fatalf("config = host %q port %d user %q db %q timeout %s", cfg.Host, cfg.Port, cfg.User, cfg.Database, cfg.ConnectTimeout)
			}
		})
	}
	_, err := postgresConfig(&config.SQL{DSN: config.NewSecret("postgres://baton:" + stepSecret + "@db:notaport/x")})
	if err == nil {
		t.Fatal("no error for a bad dsn")
	}
	noSecret(t, "the error", err.Error())
}
