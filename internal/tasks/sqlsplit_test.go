package tasks

import (
	"reflect"
	"testing"
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
		{"only blanks", " ;\n; -- nothing\n", nil},
		{"unterminated quote", "SELECT 'a;", []string{"SELECT 'a;"}},
	}
	for _, tt := range tests {
		if got := splitSQL(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: splitSQL(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}
