-- Baton's SQLite schema, version 1.
--
-- Times are integer Unix nanoseconds (UTC), 0 for the zero time. Catalog
-- rows are keyed by ARN. Executions have an integer surrogate key (id) that
-- history, tasks and timers reference, so the hot write path never repeats
-- the long execution ARN. The immutable, possibly large fields of an
-- execution (input, definition, ...) live in execution_inputs so that the
-- row updated on every transition stays small.

-- +goose Up
CREATE TABLE state_machines (
    arn                   TEXT    NOT NULL PRIMARY KEY,
    name                  TEXT    NOT NULL,
    type                  TEXT    NOT NULL,
    definition            TEXT    NOT NULL,
    role_arn              TEXT    NOT NULL,
    description           TEXT    NOT NULL,
    logging_configuration TEXT    NOT NULL,
    tracing_configuration TEXT    NOT NULL,
    revision_id           TEXT    NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    last_version          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX state_machines_name ON state_machines (name, arn);

CREATE TABLE versions (
    arn               TEXT    NOT NULL PRIMARY KEY,
    state_machine_arn TEXT    NOT NULL,
    number            INTEGER NOT NULL,
    definition        TEXT    NOT NULL,
    role_arn          TEXT    NOT NULL,
    type              TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    revision_id       TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    UNIQUE (state_machine_arn, number)
);

CREATE TABLE aliases (
    arn               TEXT    NOT NULL PRIMARY KEY,
    state_machine_arn TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    routing           TEXT    NOT NULL, -- JSON array of {"VersionArn","Weight"}
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    UNIQUE (state_machine_arn, name)
);

CREATE TABLE activities (
    arn        TEXT    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX activities_name ON activities (name, arn);

CREATE TABLE tags (
    resource_arn TEXT NOT NULL,
    key          TEXT NOT NULL,
    value        TEXT NOT NULL,
    PRIMARY KEY (resource_arn, key)
) WITHOUT ROWID;

CREATE TABLE executions (
    id                INTEGER PRIMARY KEY,
    arn               TEXT    NOT NULL UNIQUE,
    state_machine_arn TEXT    NOT NULL,
    version_arn       TEXT    NOT NULL,
    alias_arn         TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    type              TEXT    NOT NULL,
    start_date        INTEGER NOT NULL,
    status            TEXT    NOT NULL,
    output            TEXT    NOT NULL,
    error             TEXT    NOT NULL,
    cause             TEXT    NOT NULL,
    stop_date         INTEGER NOT NULL,
    redrive_count     INTEGER NOT NULL,
    redrive_date      INTEGER NOT NULL,
    event_count       INTEGER NOT NULL,
    snapshot          BLOB
);
CREATE INDEX executions_start ON executions (start_date, arn);
CREATE INDEX executions_state_machine ON executions (state_machine_arn, start_date, arn);

CREATE TABLE execution_inputs (
    execution_id INTEGER PRIMARY KEY REFERENCES executions (id),
    input        TEXT    NOT NULL,
    definition   TEXT    NOT NULL,
    role_arn     TEXT    NOT NULL,
    trace_header TEXT    NOT NULL,
    parent_token TEXT    NOT NULL
);

-- History rows are appended in commit order (seq), which keeps inserts at
-- the end of the table; the small index finds an execution's events.
CREATE TABLE history (
    seq          INTEGER PRIMARY KEY,
    execution_id INTEGER NOT NULL,
    id           INTEGER NOT NULL,
    type         TEXT    NOT NULL,
    timestamp    INTEGER NOT NULL,
    previous     INTEGER NOT NULL,
    body         BLOB    NOT NULL
);
CREATE UNIQUE INDEX history_execution ON history (execution_id, id);

-- Tasks are clustered by execution (DeleteAll is a range delete); the
-- unique index on token serves GetTask and rejects duplicates.
CREATE TABLE tasks (
    execution_id  INTEGER NOT NULL,
    token         TEXT    NOT NULL,
    task_id       TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    resource      TEXT    NOT NULL,
    activity_arn  TEXT    NOT NULL,
    state_name    TEXT    NOT NULL,
    input         TEXT    NOT NULL,
    state         TEXT    NOT NULL,
    worker_name   TEXT    NOT NULL,
    attempt       INTEGER NOT NULL,
    timeout_sec   INTEGER NOT NULL,
    heartbeat_sec INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    started_at    INTEGER NOT NULL,
    PRIMARY KEY (execution_id, token)
) WITHOUT ROWID;
CREATE UNIQUE INDEX tasks_token ON tasks (token);

CREATE TABLE timers (
    execution_id INTEGER NOT NULL,
    timer_id     TEXT    NOT NULL,
    at           INTEGER NOT NULL,
    purpose      TEXT    NOT NULL,
    PRIMARY KEY (execution_id, timer_id)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE timers;
DROP TABLE tasks;
DROP TABLE history;
DROP TABLE execution_inputs;
DROP TABLE executions;
DROP TABLE tags;
DROP TABLE activities;
DROP TABLE aliases;
DROP TABLE versions;
DROP TABLE state_machines;
