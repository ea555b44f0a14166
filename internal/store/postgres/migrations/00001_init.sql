-- The PostgreSQL schema: the SQLite schema as of its migration 00014, in
-- one step. Times are BIGINT Unix nanoseconds, 0 for the zero time, as in
-- SQLite, so that both stores round-trip the same values. Text that lists
-- are sorted by is COLLATE "C" (byte order, SQLite's BINARY): the same
-- order as SQLite whatever the database's locale.

-- +goose Up
CREATE TABLE state_machines (
    arn                   TEXT   NOT NULL PRIMARY KEY COLLATE "C",
    name                  TEXT   NOT NULL COLLATE "C",
    type                  TEXT   NOT NULL,
    language              TEXT   NOT NULL DEFAULT 'asl',
    definition            TEXT   NOT NULL,
    bundle                TEXT   NOT NULL DEFAULT '',
    role_arn              TEXT   NOT NULL,
    description           TEXT   NOT NULL,
    logging_configuration TEXT   NOT NULL,
    tracing_configuration TEXT   NOT NULL,
    revision_id           TEXT   NOT NULL,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    last_version          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX state_machines_name ON state_machines (name, arn);

CREATE TABLE versions (
    arn               TEXT   NOT NULL PRIMARY KEY,
    state_machine_arn TEXT   NOT NULL,
    number            BIGINT NOT NULL,
    language          TEXT   NOT NULL DEFAULT 'asl',
    definition        TEXT   NOT NULL,
    bundle            TEXT   NOT NULL DEFAULT '',
    role_arn          TEXT   NOT NULL,
    type              TEXT   NOT NULL,
    description       TEXT   NOT NULL,
    revision_id       TEXT   NOT NULL,
    created_at        BIGINT NOT NULL,
    UNIQUE (state_machine_arn, number)
);

CREATE TABLE aliases (
    arn               TEXT   NOT NULL PRIMARY KEY,
    state_machine_arn TEXT   NOT NULL,
    name              TEXT   NOT NULL COLLATE "C",
    description       TEXT   NOT NULL,
    routing           TEXT   NOT NULL, -- JSON array of {"VersionArn","Weight"}
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    UNIQUE (state_machine_arn, name)
);

CREATE TABLE activities (
    arn        TEXT   NOT NULL PRIMARY KEY COLLATE "C",
    name       TEXT   NOT NULL COLLATE "C",
    created_at BIGINT NOT NULL
);
CREATE INDEX activities_name ON activities (name, arn);

CREATE TABLE tags (
    resource_arn TEXT NOT NULL,
    key          TEXT NOT NULL,
    value        TEXT NOT NULL,
    PRIMARY KEY (resource_arn, key)
);

CREATE TABLE executions (
    id                BIGSERIAL PRIMARY KEY,
    arn               TEXT   NOT NULL UNIQUE,
    state_machine_arn TEXT   NOT NULL,
    version_arn       TEXT   NOT NULL,
    alias_arn         TEXT   NOT NULL,
    name              TEXT   NOT NULL,
    type              TEXT   NOT NULL,
    start_date        BIGINT NOT NULL,
    status            TEXT   NOT NULL,
    output            TEXT   NOT NULL,
    error             TEXT   NOT NULL,
    cause             TEXT   NOT NULL,
    stop_date         BIGINT NOT NULL,
    redrive_count     BIGINT NOT NULL,
    redrive_date      BIGINT NOT NULL,
    event_count       BIGINT NOT NULL,
    snapshot          BYTEA
);
CREATE INDEX executions_start ON executions (start_date, arn);
CREATE INDEX executions_state_machine ON executions (state_machine_arn, start_date, arn);
-- Retention finds closed executions by age; RUNNING ones are left out.
CREATE INDEX executions_closed ON executions (stop_date) WHERE status <> 'RUNNING';

CREATE TABLE execution_inputs (
    execution_id BIGINT PRIMARY KEY,
    input        TEXT   NOT NULL,
    definition   TEXT   NOT NULL,
    role_arn     TEXT   NOT NULL,
    trace_header TEXT   NOT NULL,
    parent_token TEXT   NOT NULL,
    language     TEXT   NOT NULL DEFAULT 'asl',
    bundle       TEXT   NOT NULL DEFAULT '',
    logical_date BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE history (
    execution_id BIGINT NOT NULL,
    id           BIGINT NOT NULL,
    type         TEXT   NOT NULL,
    timestamp    BIGINT NOT NULL,
    previous     BIGINT NOT NULL,
    body         BYTEA  NOT NULL,
    PRIMARY KEY (execution_id, id)
);

CREATE TABLE tasks (
    execution_id  BIGINT NOT NULL,
    token         TEXT   NOT NULL,
    task_id       TEXT   NOT NULL,
    kind          TEXT   NOT NULL,
    resource      TEXT   NOT NULL,
    activity_arn  TEXT   NOT NULL,
    state_name    TEXT   NOT NULL,
    input         TEXT   NOT NULL,
    state         TEXT   NOT NULL,
    worker_name   TEXT   NOT NULL,
    attempt       BIGINT NOT NULL,
    timeout_sec   BIGINT NOT NULL,
    heartbeat_sec BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    started_at    BIGINT NOT NULL,
    PRIMARY KEY (execution_id, token)
);
CREATE UNIQUE INDEX tasks_token ON tasks (token);

CREATE TABLE timers (
    execution_id BIGINT NOT NULL,
    timer_id     TEXT   NOT NULL,
    at           BIGINT NOT NULL,
    purpose      TEXT   NOT NULL,
    PRIMARY KEY (execution_id, timer_id)
);

CREATE TABLE task_logs (
    seq           BIGSERIAL PRIMARY KEY,
    execution_arn TEXT   NOT NULL,
    task_id       TEXT   NOT NULL,
    state_name    TEXT   NOT NULL,
    attempt       BIGINT NOT NULL,
    stream        TEXT   NOT NULL,
    at            BIGINT NOT NULL,
    data          BYTEA  NOT NULL
);
CREATE INDEX task_logs_execution ON task_logs (execution_arn, seq);
CREATE INDEX task_logs_attempt ON task_logs (execution_arn, task_id, seq);

CREATE TABLE task_log_attempts (
    execution_arn TEXT   NOT NULL,
    task_id       TEXT   NOT NULL,
    kept          BIGINT NOT NULL, -- bytes stored
    cut           BIGINT NOT NULL, -- bytes cut by the cap
    first_seq     BIGINT NOT NULL, -- the first chunk kept once some were cut
    PRIMARY KEY (execution_arn, task_id)
);

CREATE TABLE bundles (
    digest  TEXT   PRIMARY KEY,
    size    BIGINT NOT NULL,
    created BIGINT NOT NULL,
    data    BYTEA  NOT NULL
);

CREATE TABLE namespaces (
    name                TEXT   PRIMARY KEY COLLATE "C",
    account_id          TEXT   NOT NULL UNIQUE,
    created             BIGINT NOT NULL,
    execution_retention BIGINT NOT NULL DEFAULT 0
);

-- The outbox. seq is assigned from outbox_head, whose one row each
-- appending transaction locks until it commits: seq order is commit order,
-- so a reader that has read up to seq N never finds a smaller seq later.
CREATE TABLE outbox (
    seq     BIGINT PRIMARY KEY,
    part    INTEGER NOT NULL,
    account TEXT   NOT NULL,
    bus     TEXT   NOT NULL,
    time    BIGINT NOT NULL,
    body    BYTEA  NOT NULL
);
CREATE INDEX outbox_part ON outbox (part, seq);
CREATE INDEX outbox_time ON outbox (time);

CREATE TABLE outbox_head (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    seq BIGINT  NOT NULL
);
INSERT INTO outbox_head (one, seq) VALUES (1, 0);

CREATE TABLE consumer_cursors (
    consumer TEXT    NOT NULL,
    part     INTEGER NOT NULL,
    seq      BIGINT  NOT NULL,
    PRIMARY KEY (consumer, part)
);

CREATE TABLE consumer_state (
    consumer TEXT  NOT NULL,
    key      TEXT  NOT NULL,
    value    BYTEA NOT NULL,
    PRIMARY KEY (consumer, key)
);

CREATE TABLE intents (
    id       TEXT   NOT NULL,
    consumer TEXT   NOT NULL,
    body     BYTEA  NOT NULL,
    created  BIGINT NOT NULL,
    PRIMARY KEY (consumer, id)
);

CREATE TABLE event_buses (
    account     TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    description TEXT   NOT NULL,
    created     BIGINT NOT NULL,
    modified    BIGINT NOT NULL,
    PRIMARY KEY (account, name)
);

CREATE TABLE event_rules (
    account       TEXT   NOT NULL,
    bus           TEXT   NOT NULL,
    name          TEXT   NOT NULL,
    event_pattern TEXT   NOT NULL,
    schedule      TEXT   NOT NULL,
    state         TEXT   NOT NULL,
    description   TEXT   NOT NULL,
    role_arn      TEXT   NOT NULL,
    created       BIGINT NOT NULL,
    modified      BIGINT NOT NULL,
    PRIMARY KEY (account, bus, name)
);

CREATE TABLE event_targets (
    seq     BIGSERIAL PRIMARY KEY,
    account TEXT  NOT NULL,
    bus     TEXT  NOT NULL,
    rule    TEXT  NOT NULL,
    id      TEXT  NOT NULL,
    arn     TEXT  NOT NULL,
    spec    BYTEA NOT NULL,
    UNIQUE (account, bus, rule, id)
);

CREATE TABLE event_rules_generation (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    n   BIGINT  NOT NULL
);
INSERT INTO event_rules_generation (one, n) VALUES (1, 0);

CREATE TABLE notification_settings (
    state_machine_arn TEXT  PRIMARY KEY,
    body              BYTEA NOT NULL
);

CREATE TABLE credentials (
    id        TEXT   PRIMARY KEY COLLATE "C",
    kind      TEXT   NOT NULL,
    name      TEXT   NOT NULL,
    secret    BYTEA  NOT NULL,
    roles     TEXT   NOT NULL,
    created   BIGINT NOT NULL,
    expires   BIGINT NOT NULL,
    revoked   BIGINT NOT NULL,
    last_used BIGINT NOT NULL
);

CREATE TABLE grants (
    from_ns    TEXT   NOT NULL COLLATE "C",
    to_ns      TEXT   NOT NULL COLLATE "C",
    workflow   TEXT   NOT NULL COLLATE "C",
    created    BIGINT NOT NULL,
    created_by TEXT   NOT NULL,
    PRIMARY KEY (from_ns, to_ns, workflow)
);

CREATE TABLE audit (
    seq         BIGSERIAL PRIMARY KEY,
    at          BIGINT  NOT NULL,
    principal   TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    remote_addr TEXT    NOT NULL,
    method      TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    operation   TEXT    NOT NULL,
    namespace   TEXT    NOT NULL,
    resource    TEXT    NOT NULL,
    status      INTEGER NOT NULL
);
CREATE INDEX audit_namespace ON audit (namespace, seq);
CREATE INDEX audit_at ON audit (at);

-- +goose Down
DROP TABLE audit;
DROP TABLE grants;
DROP TABLE credentials;
DROP TABLE notification_settings;
DROP TABLE event_rules_generation;
DROP TABLE event_targets;
DROP TABLE event_rules;
DROP TABLE event_buses;
DROP TABLE intents;
DROP TABLE consumer_state;
DROP TABLE consumer_cursors;
DROP TABLE outbox_head;
DROP TABLE outbox;
DROP TABLE namespaces;
DROP TABLE bundles;
DROP TABLE task_log_attempts;
DROP TABLE task_logs;
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
