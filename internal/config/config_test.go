package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testSources resolve env:NAME from a map and file:PATH from the disk.
func testSources(env map[string]string) Sources {
	return Sources{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
}

const secretValue = "s3cr3t-P@ss"

func TestParseConnections(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "lake.key")
	if err := os.WriteFile(keyFile, []byte(secretValue+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := `connections:
  warehouse:
    type: sql
    driver: postgres
    host: db.internal
    port: 5432
    user: baton
    password: env:WH_PASSWORD
    database: analytics
    sslmode: require
  local:
    type: sql
    driver: sqlite
    path: data/app.db
  lake:
    type: s3
    endpoint: http://127.0.0.1:9000
    url_style: path
    access_key_id: AKIDEXAMPLE
    secret_access_key: file:lake.key
  reports:
    type: http
    base_url: https://reports.example.com/api/
    headers:
      Authorization: env:REPORTS_TOKEN
      X-Team: analytics
`
	cfg, err := Parse(filepath.Join(dir, "baton.yaml"), []byte(src), testSources(map[string]string{"WH_PASSWORD": secretValue, "REPORTS_TOKEN": "Bearer " + secretValue}))
	if err != nil {
		t.Fatal(err)
	}
	wh, err := cfg.Connection("warehouse")
	if err != nil {
		t.Fatal(err)
	}
	if wh.SQL.Driver != DriverPostgres || wh.SQL.Port != 5432 || wh.SQL.Password.Reveal() != secretValue || wh.SQL.SSLMode != "require" {
		t.Fatalf("warehouse = %+v", wh.SQL)
	}
	if got := cfg.Connections["local"].SQL.Path; got != filepath.Join(dir, "data/app.db") {
		t.Fatalf("sqlite path = %q, want it relative to the file's directory", got)
	}
	lake := cfg.Connections["lake"].S3
	if lake.Endpoint != "127.0.0.1:9000" || lake.TLS || !lake.PathStyle || lake.Region != "us-east-1" || lake.SecretAccessKey.Reveal() != secretValue {
		t.Fatalf("lake = %+v", lake)
	}
	rep := cfg.Connections["reports"].HTTP
	if rep.BaseURL != "https://reports.example.com/api/" || rep.Headers["Authorization"].Reveal() != "Bearer "+secretValue || rep.Headers["X-Team"].Reveal() != "analytics" {
		t.Fatalf("reports = %+v", rep)
	}
	// No secret shows through fmt, JSON or slog, whichever way the
	// configuration is printed.
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cfg", cfg, "wh", wh, "pw", wh.SQL.Password)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "cfg", cfg, "pw", wh.SQL.Password)
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{
		fmt.Sprintf("%v %+v %#v %s %q %x %d", cfg, wh, lake, wh.SQL.Password, wh.SQL.Password, wh.SQL.Password, wh.SQL.Password),
		fmt.Sprintf("%+v %+v %+v", *wh.SQL, *lake, *rep),
		string(js), logged.String(),
	} {
		if strings.Contains(out, "s3cr3t") {
			t.Fatalf("a secret leaked: %s", out)
		}
	}
	if !strings.Contains(string(js), redacted) {
		t.Fatalf("JSON %s does not say [redacted]", js)
	}
	if got := wh.Redact("auth failed for password " + secretValue); got != "auth failed for password [redacted]" {
		t.Fatalf("Redact = %q", got)
	}
}

func TestParseProblems(t *testing.T) {
	env := map[string]string{"SET": "x"}
	tests := []struct {
		name string
		src  string
		want []string // every problem, in order
	}{
		{"missing env", "connections:\n  wh:\n    type: sql\n    driver: postgres\n    host: h\n    password: env:WH_PASSWORD\n",
			[]string{`baton.yaml:6:15: connection "wh": password refers to the environment variable WH_PASSWORD, which is not set (or is empty) in the server's environment`}},
		{"missing file", "connections:\n  wh:\n    type: sql\n    driver: postgres\n    host: h\n    password: file:/nonexistent/pw\n",
			[]string{`baton.yaml:6:15: connection "wh": password refers to the file /nonexistent/pw, which cannot be read: no such file or directory`}},
		{"literal password", "connections:\n  wh:\n    type: sql\n    driver: postgres\n    host: h\n    password: hunter2\n",
			[]string{`baton.yaml:6:15: connection "wh": password must be a reference, env:NAME or file:PATH, so that no secret is written in the configuration file`}},
		{"unknown field and type", "connections:\n  a:\n    type: ftp\n  b:\n    type: http\n    base: x\n",
			[]string{`baton.yaml:3:11: connection "a" has an unknown type "ftp" (sql, s3, http, slack, smtp, webhook or opsgenie)`, `baton.yaml:6:5: unknown field "base" in connection "b" (fields: type, base_url, headers, namespaces)`}},
		{"namespaces not a list", "connections:\n  a: {type: http, base_url: 'http://h', namespaces: team-a}\n",
			[]string{`baton.yaml:2:53: connection "a": namespaces must be a list of namespaces (namespaces: [team-a, default]), got string`}},
		{"a bad namespace", "connections:\n  a: {type: http, base_url: 'http://h', namespaces: [team-a, Team_B]}\n",
			[]string{`baton.yaml:2:62: connection "a": namespaces[1] must be a namespace's name (lowercase letters, digits and -), got Team_B`}},
		{"namespace policies", "namespaces:\n  Team: {steps: [sql]}\n  team-a: {steps: [sql, ftp], shell: true}\n  team-b: {steps: sql}\n",
			[]string{`baton.yaml:2:3: namespace "Team": a namespace's name has lowercase letters, digits and -, or is * for the namespaces not listed`,
				`baton.yaml:3:31: unknown field "shell" in namespace "team-a" (fields: steps)`,
				`baton.yaml:3:25: namespace "team-a": steps[1] must be one of shell, http, sql, copy, wait_for, mapped, got ftp`,
				`baton.yaml:4:19: namespace "team-b": steps must be a list of step kinds (shell, http, sql, copy, wait_for, mapped), got string`}},
		{"no type", "connections:\n  a: {driver: sqlite}\n", []string{`baton.yaml:2:6: connection "a" needs a type: sql, s3, http, slack, smtp, webhook or opsgenie`}},
		{"sqlite needs a path", "connections:\n  a: {type: sql, driver: sqlite}\n", []string{`baton.yaml:2:6: connection "a" needs path (the database file) or dsn`}},
		{"bad driver", "connections:\n  a: {type: sql, driver: mysql}\n", []string{`baton.yaml:2:26: connection "a": driver must be sqlite or postgres, got "mysql"`}},
		{"s3 half credentials", "connections:\n  a: {type: s3, endpoint: h:9000, secret_access_key: env:SET}\n",
			[]string{`baton.yaml:2:6: connection "a" needs both access_key_id and secret_access_key, or neither (anonymous access)`}},
		{"s3 tls contradicts", "connections:\n  a: {type: s3, endpoint: 'https://h', tls: false}\n",
			[]string{`baton.yaml:2:45: connection "a": tls contradicts the endpoint's scheme https://`}},
		{"bad base url", "connections:\n  a: {type: http, base_url: /api}\n",
			[]string{`baton.yaml:2:29: connection "a": base_url must be an absolute http:// or https:// URL, got "/api"`}},
		// Without a base_url, a step could send the headers (credentials)
		// to any host it names.
		{"headers without base_url", "connections:\n  a: {type: http, headers: {X-Token: env:SET}}\n",
			[]string{`baton.yaml:2:6: connection "a" has headers but no base_url: give the base_url of the service they are for (they are sent to its host only)`}},
		// A credential written in the file would not be scrubbed from
		// what a server echoes: it must be a reference, as a password.
		{"literal credential header", "connections:\n  a: {type: http, base_url: 'https://x', headers: {Authorization: Bearer abc, X-Api-Key: k, Accept: text/csv}}\n",
			[]string{`baton.yaml:2:67: connection "a": Authorization must be a reference, env:NAME or file:PATH, so that no secret is written in the configuration file`,
				`baton.yaml:2:90: connection "a": X-Api-Key must be a reference, env:NAME or file:PATH, so that no secret is written in the configuration file`}},
		{"bad name", "connections:\n  'a b': {type: http}\n", []string{`baton.yaml:2:3: connection name "a b" must be 1 to 80 letters, digits, _ or -`}},
		{"unknown top-level key", "connection: {}\n", []string{`baton.yaml:1:1: unknown field "connection" in the configuration (fields: connections, namespaces)`}},
		{"bad port", "connections:\n  a: {type: sql, driver: postgres, host: h, port: 70000}\n",
			[]string{`baton.yaml:2:51: connection "a": port must be between 1 and 65535, got 70000`}},
		{"not yaml", "connections: [\n", []string{`baton.yaml:`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkProblems(t, tt.src, env, tt.want) })
	}
}

// checkProblems parses src and checks its problems, in order: each starts
// with its want. It returns the error.
func checkProblems(t *testing.T, src string, env map[string]string, want []string) error {
	t.Helper()
	_, err := Parse("baton.yaml", []byte(src), testSources(env))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *Error", err, err)
	}
	if len(e.Problems) != len(want) {
		t.Fatalf("problems:\n%s\nwant:\n%s", e, strings.Join(want, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(e.Problems[i], w) {
			t.Fatalf("problem %d = %q, want %q", i, e.Problems[i], w)
		}
	}
	return err
}

func TestUnknownConnection(t *testing.T) {
	cfg, err := Parse("/etc/baton.yaml", []byte("connections:\n  lake: {type: http}\n  wh: {type: http}\n"), Sources{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cfg.Connection("warehouse")
	want := `no connection "warehouse" in /etc/baton.yaml (it defines: lake, wh); add it under connections: and restart the server`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
	var none *Config
	if _, err := none.Connection("x"); err == nil || !strings.Contains(err.Error(), "--config FILE (BATON_CONFIG)") {
		t.Fatalf("err = %v", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "baton.yaml")
	if err := os.WriteFile(path, []byte("connections:\n  db: {type: sql, driver: sqlite, path: x.db}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Connections["db"].SQL.Path != filepath.Join(dir, "x.db") {
		t.Fatalf("path = %q", cfg.Connections["db"].SQL.Path)
	}
	if err := os.WriteFile(path, bytes.Repeat([]byte("#"), MaxFileBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Fatal("no error for a missing file")
	}
}

// TestRedact: messages lose the secrets given as references and the
// passwords of DSNs written in the file, but not plain values such as a
// header Accept: application/json.
func TestRedact(t *testing.T) {
	src := `connections:
  url: {type: sql, driver: postgres, dsn: "postgres://baton:pw-in-url@db/x"}
  kv: {type: sql, driver: postgres, dsn: "host=db password='pw \\' in kv' user=baton"}
  kv2: {type: sql, driver: postgres, dsn: "host=db password=plainpw user=baton"}
  query: {type: sql, driver: postgres, dsn: "postgres://baton@db/x?sslmode=disable&password=pw-in-query"}
  api: {type: http, base_url: "https://api.example", headers: {Accept: application/json, Authorization: env:TOKEN}}
  bearer: {type: http, base_url: "https://api.example", headers: {Authorization: env:BEARER}}
  slashy: {type: http, base_url: "https://api.example", headers: {X-Token: env:SLASHY}}
`
	cfg, err := Parse("baton.yaml", []byte(src), testSources(map[string]string{"TOKEN": secretValue, "SLASHY": `ab/c"d+e==`, "BEARER": "Bearer tok-" + secretValue}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ conn, in, want string }{
		{"url", "auth failed for pw-in-url", "auth failed for [redacted]"},
		{"kv", `auth failed for pw ' in kv`, "auth failed for [redacted]"},
		{"kv2", "auth failed for plainpw", "auth failed for [redacted]"},
		{"query", "auth failed for pw-in-query", "auth failed for [redacted]"},
		// A server quoting the token of "Authorization: Bearer TOKEN" alone.
		{"bearer", "invalid token tok-" + secretValue, "invalid token [redacted]"},
		// A server quoting a token in JSON (PHP escapes /) or in a URL.
		{"slashy", `{"error": "bad token ab\/c\"d+e=="}`, `{"error": "bad token [redacted]"}`},
		{"slashy", `{"error": "bad token ab/c\"d+e=="}`, `{"error": "bad token [redacted]"}`},
		{"slashy", `GET /x?token=ab%2Fc%22d%2Be%3D%3D failed`, `GET /x?token=[redacted] failed`},
		{"api", "sent application/json with " + secretValue, "sent application/json with [redacted]"},
	}
	for _, tt := range tests {
		if got := cfg.Connections[tt.conn].Redact(tt.in); got != tt.want {
			t.Errorf("%s: Redact(%q) = %q, want %q", tt.conn, tt.in, got, tt.want)
		}
	}
}

// TestFileReferencesAreBounded pins that a file: reference or a ca_file
// naming something else than a regular file (a FIFO would block the
// server's start forever, /dev/zero would fill its memory) or a huge file
// is a problem of the configuration, found at once.
func TestFileReferencesAreBounded(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := mkfifo(fifo); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	huge := filepath.Join(dir, "huge")
	if err := os.WriteFile(huge, bytes.Repeat([]byte("a"), MaxFileBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, field, want string }{
		{"a FIFO", "password: file:" + fifo, "not a regular file"},
		{"a FIFO as ca_file", "ca_file: " + fifo, "not a regular file"},
		{"/dev/zero", "password: file:/dev/zero", "not a regular file"},
		{"a huge file", "password: file:" + huge, fmt.Sprintf("larger than %d bytes", MaxFileBytes)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			typ := "{type: sql, driver: postgres, host: h, "
			if strings.HasPrefix(tc.field, "ca_file") {
				typ = "{type: s3, endpoint: https://s3.example, "
			}
			src := "connections:\n  c: " + typ + tc.field + "}\n"
			_, err := Parse(filepath.Join(dir, "baton.yaml"), []byte(src), Sources{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestConnectionNamespaces: a connection with namespaces is usable in
// those only (and by baton run, which has none); one without, everywhere.
func TestConnectionNamespaces(t *testing.T) {
	cfg, err := Parse("baton.yaml", []byte("connections:\n  wh: {type: sql, driver: sqlite, path: /x.db, namespaces: [team-a]}\n  all: {type: sql, driver: sqlite, path: /y.db}\n"), Sources{})
	if err != nil {
		t.Fatal(err)
	}
	wh, all := cfg.Connections["wh"], cfg.Connections["all"]
	for _, c := range []struct {
		conn *Connection
		ns   string
		want bool
	}{{wh, "team-a", true}, {wh, "team-b", false}, {wh, "", true}, {all, "team-b", true}} {
		if got := c.conn.UsableIn(c.ns); got != c.want {
			t.Errorf("%s usable in %q: %v, want %v", c.conn.Name, c.ns, got, c.want)
		}
	}
}

// TestNamespacePolicies: a namespace's steps, else "*"'s, else all.
func TestNamespacePolicies(t *testing.T) {
	cfg, err := Parse("baton.yaml", []byte("namespaces:\n  team-a: {steps: [sql, http]}\n  '*': {steps: []}\n  ops: {}\n"), Sources{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ns, kind string
		want     bool
	}{{"team-a", "sql", true}, {"team-a", "shell", false}, {"team-b", "sql", false}, {"ops", "shell", true}} {
		if got := cfg.StepAllowed(c.ns, c.kind); got != c.want {
			t.Errorf("%s may run %s: %v, want %v", c.ns, c.kind, got, c.want)
		}
	}
	var none *Config
	if !none.StepAllowed("x", "shell") {
		t.Error("no configuration allows everything")
	}
}
