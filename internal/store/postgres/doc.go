// Package postgres is the PostgreSQL implementation of store.Store, for
// servers that share one database (a cluster) or that must keep their data
// on a database the team already operates.
//
// The schema (migrations/*.sql, applied by goose under its advisory lock)
// has the tables of the SQLite store with the same columns: times are
// BIGINT Unix nanoseconds, 0 for the zero time.
//
// Unlike SQLite, several transactions write at once, from several
// processes. What the interface promises is kept by the database:
//
//   - an execution's event ids come from its row, read FOR UPDATE in the
//     Commit that appends to it, so two writers of one execution take
//     turns and a stale one gets store.ErrConflict;
//   - outbox sequence numbers come from the one row of outbox_head, locked
//     until the appending transaction commits, so they grow in commit
//     order and a consumer never finds a smaller one after a larger;
//   - task log chunks of an execution are appended under a transaction
//     advisory lock of that execution, for the same reason.
package postgres
