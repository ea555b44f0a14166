// Package sqlite is the default implementation of store.Store: one SQLite
// database, dir/baton.db, in WAL mode, through the pure-Go driver
// modernc.org/sqlite. It passes the conformance suite in store/storetest.
//
// # Schema
//
// The schema is created and upgraded by the goose migrations embedded from
// migrations/*.sql (goose's Provider API, no global state); Open applies the
// pending ones. Times are integer Unix nanoseconds, 0 for the zero time.
//
//   - state_machines, versions, aliases, activities: keyed by ARN.
//     state_machines.last_version counts the versions ever published, so
//     numbers are never reused after a DeleteVersion. Alias routing is a
//     JSON column. tags: (resource_arn, key).
//   - executions: an integer surrogate key (id) besides the unique ARN, and
//     only the fields a transition changes plus the immutable ones the
//     listing filters and sorts on (indexes on (start_date, arn) and
//     (state_machine_arn, start_date, arn), never updated). The immutable,
//     possibly large fields (input, definition, ...) are in
//     execution_inputs, so the row rewritten by every transition stays
//     small.
//   - history: appended in commit order (an integer primary key) with a
//     unique index on (execution_id, id).
//   - tasks: clustered by (execution_id, token), unique index on token.
//   - timers: clustered by (execution_id, timer_id).
//
// # Write path
//
// Every write goes through one dedicated writer connection, serialized by
// a mutex, in a BEGIN IMMEDIATE transaction; reads use a separate pool of
// query-only connections, which WAL lets run during a write. Commit, the
// engine's group commit, applies a batch in one transaction:
//
//   - the execution's id and last event id come from an in-memory cache of
//     RUNNING executions (ARN -> id, last event id), filled only with
//     committed state, so the common transition needs no SELECT; a miss
//     costs one indexed lookup;
//   - event ids are checked (or assigned) against that counter, so history
//     has no gaps and a stale writer gets store.ErrConflict;
//   - new executions are inserted at once (their id is needed); tasks and
//     timers are written in transition order with statements prepared once
//     per connection;
//   - the history events of the whole batch and the final state of each
//     updated execution are written at the end with multi-row statements
//     (INSERT ... VALUES (...), (...) and UPDATE ... FROM (VALUES ...)).
//
// Durability "full" syncs the WAL at every commit (synchronous=FULL);
// "relaxed" only at checkpoints (synchronous=NORMAL). Automatic
// checkpoints are off on the writer: a background checkpointer with its
// own connection copies the WAL back into the database (PASSIVE) once it
// exceeds 32 MiB, so checkpoints leave the commit path and a page updated
// by many commits is copied once.
//
// The store assumes it is the only process writing the database: the
// execution cache would not see another writer's commits.
package sqlite
