package tasks

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSplitSQL(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"one", "SELECT 1", []string{"SELECT 1"}},
		{"several", "CREATE TABLE t(a);\nINSERT INTO t VALUES (1);  SELECT * FROM t;\n", []string{"CREATE TABLE t(a)", "INSERT INTO t VALUES (1)", "SELECT * FROM t"}},
		{"quotes", `INSERT INTO t VALUES ('a;b', 'it''s;'); SELECT "x;y" FROM t`, []string{`INSERT INTO t VALUES ('a;b', 'it''s;')`, `SELECT "x;y" FROM t`}},
		{"comments", "-- a; b\nSELECT 1; /* c; d */ SELECT 2; -- only a comment;\n", []string{"-- a; b\nSELECT 1", "/* c; d */ SELECT 2"}},
		{"dollar quotes", "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql; SELECT $$a;b$$", []string{"CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql", "SELECT $$a;b$$"}},
		{"parameters are not dollar quotes", "SELECT $1; SELECT 2", []string{"SELECT $1", "SELECT 2"}},
		{"trigger bodies", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE u SET n = n + 1; INSERT INTO l VALUES (CASE WHEN 1 THEN 2 END); END; SELECT 1",
			[]string{"CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE u SET n = n + 1; INSERT INTO l VALUES (CASE WHEN 1 THEN 2 END); END", "SELECT 1"}},
		{"transactions", "BEGIN; INSERT INTO t VALUES (1); COMMIT;", []string{"BEGIN", "INSERT INTO t VALUES (1)", "COMMIT"}},
		// PostgreSQL's escape strings: a backslash escapes the quote.
		{"escape strings", `SELECT E'it\'s; fine'; SELECT e'\\'; SELECT 2`, []string{`SELECT E'it\'s; fine'`, `SELECT e'\\'`, "SELECT 2"}},
		{"a backslash in a standard string", `SELECT '\'; SELECT 2`, []string{`SELECT '\'`, "SELECT 2"}},
		// SQL-standard function bodies (PostgreSQL 14+).
		{"BEGIN ATOMIC bodies", "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END; SELECT 3",
			[]string{"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END", "SELECT 3"}},
		// A $ inside an identifier does not open a dollar quote.
		{"identifiers with $", "SELECT a$b$ FROM t; SELECT 1; SELECT $b$x;$b$", []string{"SELECT a$b$ FROM t", "SELECT 1", "SELECT $b$x;$b$"}},
		{"only blanks", " ;\n; -- nothing\n", nil},
		{"unterminated quote", "SELECT 'a;", []string{"SELECT 'a;"}},
	}
	for _, tt := range tests {
		if got := splitSQL(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: splitSQL(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

// FuzzSplitSQL: splitting never panics, and the statements are trimmed,
// non-empty pieces of the script, in order.
func FuzzSplitSQL(f *testing.F) {
	for _, s := range []string{
		"SELECT 1; SELECT 'a;b'",
		"CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END; SELECT $q$;$q$",
		"-- c\n/* d; */ SELECT \"x\"\"y\"; [a;b]",
		"SELECT $1; $$",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rest := s
		for _, stmt := range splitSQL(s) {
			if stmt == "" || strings.TrimSpace(stmt) != stmt {
				t.Fatalf("statement %q is empty or untrimmed", stmt)
			}
			i := strings.Index(rest, stmt)
			if i < 0 {
				t.Fatalf("statement %q is not in order in %q", stmt, s)
			}
			rest = rest[i+len(stmt):]
		}
	})
}

// TestSplitSQLLinear: a hostile script of many BEGIN words in one
// statement splits in linear time.
func TestSplitSQLLinear(t *testing.T) {
	script := "SELECT " + strings.Repeat("BEGIN ", 200_000) + "; SELECT 1"
	start := time.Now()
	if got := splitSQL(script); len(got) != 2 {
		t.Fatalf("%d statements", len(got))
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("splitting took %s", took)
	}
}
