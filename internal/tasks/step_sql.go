package tasks

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "modernc.org/sqlite" // the sqlite driver of database/sql

	"github.com/batonhq/baton/internal/config"
	"github.com/batonhq/baton/internal/steptask"
)

// stepSQLExecutor runs baton:step:sql tasks: the statements of the step's
// query, one after the other on one connection of a named connection
// (SQLite or PostgreSQL). Output: {"rows_affected": n} and, when a
// statement returns rows, {"rows": [...]}, the rows of the last such
// statement as objects by column name.
type stepSQLExecutor struct{ r *Resolver }

var _ Executor = stepSQLExecutor{}

// sqlResult gathers a script's output, bounded by limit bytes of rows.
type sqlResult struct {
	affected int64
	rows     []any // of the last statement that returned columns; nil: none did
	size     int   // bytes of rows, encoded
	limit    int
}

// newRowSet starts the rows of a statement that returns columns.
func (s *sqlResult) newRowSet() { s.rows, s.size = []any{}, 2 }

// add appends a row, failing with States.DataLimitExceeded past the limit:
// the output is never cut silently.
func (s *sqlResult) add(cols []string, vals []any) error {
	row := make(map[string]any, len(cols))
	for i, c := range cols {
		row[c] = sqlJSON(vals[i])
	}
	s.size += len(encodeJSON(row)) + 1
	if s.size > s.limit {
		return &Failure{Name: ErrorDataLimitExceeded, Cause: fmt.Sprintf("the rows of the query are larger than %d bytes after %d rows (the limit of a step's output, --max-payload-bytes): select fewer rows or columns (LIMIT), or export them to a file", s.limit, len(s.rows))}
	}
	s.rows = append(s.rows, row)
	return nil
}

func (s *sqlResult) output() any {
	out := map[string]any{"rows_affected": s.affected}
	if s.rows != nil {
		out["rows"] = s.rows
	}
	return out
}

// Run runs the step's statements.
func (e stepSQLExecutor) Run(ctx context.Context, req Request) (any, error) {
	t, err := decodeStep[steptask.SQL](req.Input, ErrorSQLInvalidInput)
	if err != nil {
		return nil, err
	}
	if t.Connection == "" {
		return nil, invalidInput(ErrorSQLInvalidInput, "connection", "is missing: a sql step runs against a named connection of the server's --config file")
	}
	stmts := splitSQL(t.Query)
	if len(stmts) == 0 {
		return nil, invalidInput(ErrorSQLInvalidInput, "query", "holds no statement")
	}
	conn, err := e.r.connectionOf(req, t.Connection, config.TypeSQL, ErrorSQLInvalidInput)
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTaskTimeout(ctx, req.Timeout)
	defer cancel()
	res := &sqlResult{limit: e.r.cfg.resultLimit()}
	if conn.SQL.Driver == config.DriverPostgres {
		err = e.runPostgres(ctx, conn, stmts, res)
	} else {
		err = e.runSQLite(ctx, conn, stmts, res)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, interruption(ctx, req.Timeout)
		}
		var f *Failure
		if errors.As(err, &f) {
			return nil, redactFailure(conn, f)
		}
		return nil, redacted(conn, ErrorSQL, "%s", describeSQLError(err))
	}
	return res.output(), nil
}

// statementError names the statement that failed, by its number and start.
func statementError(i int, stmt string, err error) error {
	return fmt.Errorf("statement %d (%s): %w", i+1, excerpt(strings.Join(strings.Fields(stmt), " "), 80), err)
}

// describeSQLError is the database's message: for PostgreSQL its message,
// SQLSTATE, detail and hint, never the connection string.
func describeSQLError(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		msg := strings.TrimSuffix(err.Error(), pe.Error())
		msg += fmt.Sprintf("%s: %s (SQLSTATE %s)", pe.Severity, pe.Message, pe.Code)
		if pe.Detail != "" {
			msg += "; detail: " + pe.Detail
		}
		if pe.Hint != "" {
			msg += "; hint: " + pe.Hint
		}
		return msg
	}
	return err.Error()
}

// runSQLite runs the statements on one connection of the database's pool.
// rows_affected is the difference of total_changes() around the script.
func (e stepSQLExecutor) runSQLite(ctx context.Context, conn *config.Connection, stmts []string, res *sqlResult) error {
	v, err := e.r.clients.get("sql:"+conn.Name, func() (any, error) {
		dsn := conn.SQL.DSN.Reveal()
		if dsn == "" {
			dsn = conn.SQL.Path + "?_pragma=busy_timeout(5000)"
		}
		return sql.Open("sqlite", dsn)
	})
	if err != nil {
		return err
	}
	c, err := v.(*sql.DB).Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	var before, after int64
	if err := c.QueryRowContext(ctx, "SELECT total_changes()").Scan(&before); err != nil {
		return err
	}
	for i, stmt := range stmts {
		if err := sqliteStatement(ctx, c, stmt, res); err != nil {
			return statementError(i, stmt, err)
		}
	}
	if err := c.QueryRowContext(ctx, "SELECT total_changes()").Scan(&after); err != nil {
		return err
	}
	res.affected = after - before
	return nil
}

func sqliteStatement(ctx context.Context, c *sql.Conn, stmt string, res *sqlResult) error {
	rows, err := c.QueryContext(ctx, stmt)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	if len(cols) == 0 {
		return rows.Close()
	}
	res.newRowSet()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := res.add(cols, vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// runPostgres runs the statements on a connection of its own (one per step
// run; steps are coarse). rows_affected sums the counts of the statements
// that change rows (INSERT, UPDATE, DELETE, MERGE, COPY...).
func (e stepSQLExecutor) runPostgres(ctx context.Context, conn *config.Connection, stmts []string, res *sqlResult) error {
	v, err := e.r.clients.get("sql:"+conn.Name, func() (any, error) { return postgresConfig(conn.SQL) })
	if err != nil {
		return err
	}
	pc, err := pgx.ConnectConfig(ctx, v.(*pgx.ConnConfig).Copy())
	if err != nil {
		return err
	}
	defer pc.Close(context.WithoutCancel(ctx))
	for i, stmt := range stmts {
		if err := postgresStatement(ctx, pc, stmt, res); err != nil {
			return statementError(i, stmt, err)
		}
	}
	return nil
}

func postgresStatement(ctx context.Context, pc *pgx.Conn, stmt string, res *sqlResult) error {
	// The simple protocol: a statement is sent as text, as psql does, so
	// that any statement runs (no prepared statement, no parameters).
	rows, err := pc.Query(ctx, stmt, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return err
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	var cols []string
	if len(fields) > 0 {
		res.newRowSet()
		cols = make([]string, len(fields))
		for i, f := range fields {
			cols[i] = f.Name
		}
	}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return err
		}
		if err := res.add(cols, vals); err != nil {
			return err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if tag := rows.CommandTag(); !tag.Select() {
		res.affected += tag.RowsAffected()
	}
	return nil
}

// postgresConnectTimeout bounds connecting to PostgreSQL when the
// connection does not say (connect_timeout).
const postgresConnectTimeout = 30 * time.Second

// postgresConfig builds the driver's configuration from the connection:
// its DSN, or its fields; the password is set on the configuration, never
// written into a string.
func postgresConfig(c *config.SQL) (*pgx.ConnConfig, error) {
	dsn := c.DSN.Reveal()
	if dsn == "" {
		var parts []string
		add := func(k, v string) {
			if v != "" {
				parts = append(parts, k+"='"+strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v)+"'")
			}
		}
		add("host", c.Host)
		if c.Port > 0 {
			add("port", fmt.Sprint(c.Port))
		}
		add("user", c.User)
		add("dbname", c.Database)
		add("sslmode", c.SSLMode)
		dsn = strings.Join(parts, " ")
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, errors.New("the connection's dsn or fields are not a valid PostgreSQL connection string")
	}
	if !c.Password.IsZero() {
		cfg.Password = c.Password.Reveal()
	}
	if cfg.ConnectTimeout == 0 {
		// A server that does not answer fails the step, rather than
		// holding it until the step's timeout, if any (connect_timeout in
		// the dsn sets another bound).
		cfg.ConnectTimeout = postgresConnectTimeout
	}
	return cfg, nil
}

// sqlJSON turns a database value into a JSON value: numbers, strings,
// booleans and null as they are, times as RFC 3339 text, bytes as text
// when they are UTF-8 (else base64), PostgreSQL's json, arrays and
// composite values as JSON, other types (numeric, uuid, intervals...) as
// their text.
func sqlJSON(v any) any {
	switch v := v.(type) {
	case nil, bool, string, int64, float64:
		return v
	case int:
		return int64(v)
	case int8:
		return int64(v)
	case int16:
		return int64(v)
	case int32:
		return int64(v)
	case uint8:
		return int64(v)
	case uint16:
		return int64(v)
	case uint32:
		return int64(v)
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v)
		}
		return fmt.Sprint(v)
	case float32:
		return float64(v)
	case []byte:
		if utf8.Valid(v) {
			return string(v)
		}
		return base64.StdEncoding.EncodeToString(v)
	case time.Time:
		return v.Format(time.RFC3339Nano)
	case [16]byte: // uuid
		return fmt.Sprintf("%x-%x-%x-%x-%x", v[0:4], v[4:6], v[6:8], v[8:10], v[10:16])
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = sqlJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = sqlJSON(e)
		}
		return out
	case fmt.Stringer:
		return v.String()
	case json.Marshaler:
		if b, err := v.MarshalJSON(); err == nil {
			if j, err := parseJSON(b); err == nil {
				return j
			}
		}
	}
	return fmt.Sprint(v)
}
