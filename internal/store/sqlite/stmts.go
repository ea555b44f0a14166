package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// readStmts caches the prepared statements of the reader pool: SQLite takes
// about as long to parse a statement as to run a point lookup, and the API's
// hot reads (a state machine, an execution, a task by token) are point
// lookups. database/sql prepares a cached statement once per connection.
type readStmts struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// maxReadStmts bounds the cache; list queries are built from a few filters,
// so the distinct statements are few.
const maxReadStmts = 256

func (s *Store) rstmt(ctx context.Context, q string) (*sql.Stmt, error) {
	s.rs.mu.Lock()
	st, ok := s.rs.m[q]
	s.rs.mu.Unlock()
	if ok {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	s.rs.mu.Lock()
	defer s.rs.mu.Unlock()
	if old, ok := s.rs.m[q]; ok {
		st.Close()
		return old, nil
	}
	if s.rs.m == nil {
		s.rs.m = map[string]*sql.Stmt{}
	}
	if len(s.rs.m) < maxReadStmts {
		s.rs.m[q] = st
	}
	return st, nil
}

// queryRow runs a one-row query on the reader pool with a cached statement.
func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := s.rstmt(ctx, q)
	if err != nil {
		return s.db.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// query runs a query on the reader pool with a cached statement.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := s.rstmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (r *readStmts) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, st := range r.m {
		st.Close()
	}
	r.m = nil
}
