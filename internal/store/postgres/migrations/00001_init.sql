-- The PostgreSQL schema: the SQLite schema as of its migration 00014, in
-- one step. Times are BIGINT Unix nanoseconds, 0 for the zero time, as in
-- SQLite, so that both stores round-trip the same values. Every TEXT column
-- is COLLATE "C": lists sort by bytes, as in SQLite, whatever the
-- database's locale.

-- +goose Up
CREATE TABLE state_machines (
    arn                   TEXT COLLATE "C"   NOT NULL PRIMARY KEY,
    name                  TEXT COLLATE "C"   NOT NULL,
    type                  TEXT COLLATE "C"   NOT NULL,
    language              TEXT COLLATE "C"   NOT NULL DEFAULT 'asl',
    definition            TEXT COLLATE "C"   NOT NULL,
    bundle                TEXT COLLATE "C"   NOT NULL DEFAULT '',
    role_arn              TEXT COLLATE "C"   NOT NULL,
    description           TEXT COLLATE "C"   NOT NULL,
    logging_configuration TEXT COLLATE "C"   NOT NULL,
    tracing_configuration TEXT COLLATE "C"   NOT NULL,
    revision_id           TEXT COLLATE "C"   NOT NULL,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    last_version          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX state_machines_name ON state_machines (name, arn);

CREATE TABLE versions (
    arn               TEXT COLLATE "C"   NOT NULL PRIMARY KEY,
    state_machine_arn TEXT COLLATE "C"   NOT NULL,
    number            BIGINT NOT NULL,
    language          TEXT COLLATE "C"   NOT NULL DEFAULT 'asl',
    definition        TEXT COLLATE "C"   NOT NULL,
    bundle            TEXT COLLATE "C"   NOT NULL DEFAULT '',
    role_arn          TEXT COLLATE "C"   NOT NULL,
    type              TEXT COLLATE "C"   NOT NULL,
    description       TEXT COLLATE "C"   NOT NULL,
    revision_id       TEXT COLLATE "C"   NOT NULL,
    created_at        BIGINT NOT NULL,
    UNIQUE (state_machine_arn, number)
);

CREATE TABLE aliases (
    arn               TEXT COLLATE "C"   NOT NULL PRIMARY KEY,
    state_machine_arn TEXT COLLATE "C"   NOT NULL,
    name              TEXT COLLATE "C"   NOT NULL,
    description       TEXT COLLATE "C"   NOT NULL,
    routing           TEXT COLLATE "C"   NOT NULL, -- JSON array of {"VersionArn","Weight"}
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    UNIQUE (state_machine_arn, name)
);

CREATE TABLE activities (
    arn        TEXT COLLATE "C"   NOT NULL PRIMARY KEY,
    name       TEXT COLLATE "C"   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX activities_name ON activities (name, arn);

CREATE TABLE tags (
    resource_arn TEXT COLLATE "C" NOT NULL,
    key          TEXT COLLATE "C" NOT NULL,
    value        TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (resource_arn, key)
);

CREATE TABLE executions (
    id                BIGSERIAL PRIMARY KEY,
    arn               TEXT COLLATE "C"   NOT NULL UNIQUE,
    state_machine_arn TEXT COLLATE "C"   NOT NULL,
    version_arn       TEXT COLLATE "C"   NOT NULL,
    alias_arn         TEXT COLLATE "C"   NOT NULL,
    name              TEXT COLLATE "C"   NOT NULL,
    type              TEXT COLLATE "C"   NOT NULL,
    start_date        BIGINT NOT NULL,
    status            TEXT COLLATE "C"   NOT NULL,
    output            TEXT COLLATE "C"   NOT NULL,
    error             TEXT COLLATE "C"   NOT NULL,
    cause             TEXT COLLATE "C"   NOT NULL,
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
    input        TEXT COLLATE "C"   NOT NULL,
    definition   TEXT COLLATE "C"   NOT NULL,
    role_arn     TEXT COLLATE "C"   NOT NULL,
    trace_header TEXT COLLATE "C"   NOT NULL,
    parent_token TEXT COLLATE "C"   NOT NULL,
    language     TEXT COLLATE "C"   NOT NULL DEFAULT 'asl',
    bundle       TEXT COLLATE "C"   NOT NULL DEFAULT '',
    logical_date BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE history (
    execution_id BIGINT NOT NULL,
    id           BIGINT NOT NULL,
    type         TEXT COLLATE "C"   NOT NULL,
    timestamp    BIGINT NOT NULL,
    previous     BIGINT NOT NULL,
    body         BYTEA  NOT NULL,
    PRIMARY KEY (execution_id, id)
);

CREATE TABLE tasks (
    execution_id  BIGINT NOT NULL,
    token         TEXT COLLATE "C"   NOT NULL,
    task_id       TEXT COLLATE "C"   NOT NULL,
    kind          TEXT COLLATE "C"   NOT NULL,
    resource      TEXT COLLATE "C"   NOT NULL,
    activity_arn  TEXT COLLATE "C"   NOT NULL,
    state_name    TEXT COLLATE "C"   NOT NULL,
    input         TEXT COLLATE "C"   NOT NULL,
    state         TEXT COLLATE "C"   NOT NULL,
    worker_name   TEXT COLLATE "C"   NOT NULL,
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
    timer_id     TEXT COLLATE "C"   NOT NULL,
    at           BIGINT NOT NULL,
    purpose      TEXT COLLATE "C"   NOT NULL,
    PRIMARY KEY (execution_id, timer_id)
);

CREATE TABLE task_logs (
    seq           BIGSERIAL PRIMARY KEY,
    execution_arn TEXT COLLATE "C"   NOT NULL,
    task_id       TEXT COLLATE "C"   NOT NULL,
    state_name    TEXT COLLATE "C"   NOT NULL,
    attempt       BIGINT NOT NULL,
    stream        TEXT COLLATE "C"   NOT NULL,
    at            BIGINT NOT NULL,
    data          BYTEA  NOT NULL
);
CREATE INDEX task_logs_execution ON task_logs (execution_arn, seq);
CREATE INDEX task_logs_attempt ON task_logs (execution_arn, task_id, seq);

CREATE TABLE task_log_attempts (
    execution_arn TEXT COLLATE "C"   NOT NULL,
    task_id       TEXT COLLATE "C"   NOT NULL,
    kept          BIGINT NOT NULL, -- bytes stored
    cut           BIGINT NOT NULL, -- bytes cut by the cap
    first_seq     BIGINT NOT NULL, -- the first chunk kept once some were cut
    PRIMARY KEY (execution_arn, task_id)
);

CREATE TABLE bundles (
    digest  TEXT COLLATE "C"   PRIMARY KEY,
    size    BIGINT NOT NULL,
    created BIGINT NOT NULL,
    data    BYTEA  NOT NULL
);

CREATE TABLE namespaces (
    name                TEXT COLLATE "C"   PRIMARY KEY,
    account_id          TEXT COLLATE "C"   NOT NULL UNIQUE,
    created             BIGINT NOT NULL,
    execution_retention BIGINT NOT NULL DEFAULT 0
);

-- The outbox. seq is assigned from outbox_head, whose one row each
-- appending transaction locks until it commits: seq order is commit order,
-- so a reader that has read up to seq N never finds a smaller seq later.
CREATE TABLE outbox (
    seq     BIGINT PRIMARY KEY,
    part    INTEGER NOT NULL,
    account TEXT COLLATE "C"   NOT NULL,
    bus     TEXT COLLATE "C"   NOT NULL,
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
    consumer TEXT COLLATE "C"    NOT NULL,
    part     INTEGER NOT NULL,
    seq      BIGINT  NOT NULL,
    PRIMARY KEY (consumer, part)
);

CREATE TABLE consumer_state (
    consumer TEXT COLLATE "C"  NOT NULL,
    key      TEXT COLLATE "C"  NOT NULL,
    value    BYTEA NOT NULL,
    PRIMARY KEY (consumer, key)
);

CREATE TABLE intents (
    id       TEXT COLLATE "C"   NOT NULL,
    consumer TEXT COLLATE "C"   NOT NULL,
    body     BYTEA  NOT NULL,
    created  BIGINT NOT NULL,
    PRIMARY KEY (consumer, id)
);

CREATE TABLE event_buses (
    account     TEXT COLLATE "C"   NOT NULL,
    name        TEXT COLLATE "C"   NOT NULL,
    description TEXT COLLATE "C"   NOT NULL,
    created     BIGINT NOT NULL,
    modified    BIGINT NOT NULL,
    PRIMARY KEY (account, name)
);

CREATE TABLE event_rules (
    account       TEXT COLLATE "C"   NOT NULL,
    bus           TEXT COLLATE "C"   NOT NULL,
    name          TEXT COLLATE "C"   NOT NULL,
    event_pattern TEXT COLLATE "C"   NOT NULL,
    schedule      TEXT COLLATE "C"   NOT NULL,
    state         TEXT COLLATE "C"   NOT NULL,
    description   TEXT COLLATE "C"   NOT NULL,
    role_arn      TEXT COLLATE "C"   NOT NULL,
    created       BIGINT NOT NULL,
    modified      BIGINT NOT NULL,
    PRIMARY KEY (account, bus, name)
);

CREATE TABLE event_targets (
    seq     BIGSERIAL PRIMARY KEY,
    account TEXT COLLATE "C"  NOT NULL,
    bus     TEXT COLLATE "C"  NOT NULL,
    rule    TEXT COLLATE "C"  NOT NULL,
    id      TEXT COLLATE "C"  NOT NULL,
    arn     TEXT COLLATE "C"  NOT NULL,
    spec    BYTEA NOT NULL,
    UNIQUE (account, bus, rule, id)
);

CREATE TABLE event_rules_generation (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    n   BIGINT  NOT NULL
);
INSERT INTO event_rules_generation (one, n) VALUES (1, 0);

-- The node lease: which server runs the database's executions. A server
-- that takes the node lock (an advisory lock) bumps epoch; every write
-- transaction of a server reads epoch FOR SHARE and is refused if it is not
-- the one it took: a server that lost the lock can never write again.
CREATE TABLE node_lease (
    one    INTEGER PRIMARY KEY CHECK (one = 1),
    epoch  BIGINT NOT NULL,
    holder TEXT COLLATE "C" NOT NULL,
    since  BIGINT NOT NULL
);
INSERT INTO node_lease (one, epoch, holder, since) VALUES (1, 0, '', 0);

CREATE TABLE notification_settings (
    state_machine_arn TEXT COLLATE "C"  PRIMARY KEY,
    body              BYTEA NOT NULL
);

CREATE TABLE credentials (
    id        TEXT COLLATE "C"   PRIMARY KEY,
    kind      TEXT COLLATE "C"   NOT NULL,
    name      TEXT COLLATE "C"   NOT NULL,
    secret    BYTEA  NOT NULL,
    roles     TEXT COLLATE "C"   NOT NULL,
    created   BIGINT NOT NULL,
    expires   BIGINT NOT NULL,
    revoked   BIGINT NOT NULL,
    last_used BIGINT NOT NULL
);

CREATE TABLE grants (
    from_ns    TEXT COLLATE "C"   NOT NULL,
    to_ns      TEXT COLLATE "C"   NOT NULL,
    workflow   TEXT COLLATE "C"   NOT NULL,
    created    BIGINT NOT NULL,
    created_by TEXT COLLATE "C"   NOT NULL,
    PRIMARY KEY (from_ns, to_ns, workflow)
);

CREATE TABLE audit (
    seq         BIGSERIAL PRIMARY KEY,
    at          BIGINT  NOT NULL,
    principal   TEXT COLLATE "C"    NOT NULL,
    kind        TEXT COLLATE "C"    NOT NULL,
    remote_addr TEXT COLLATE "C"    NOT NULL,
    method      TEXT COLLATE "C"    NOT NULL,
    path        TEXT COLLATE "C"    NOT NULL,
    operation   TEXT COLLATE "C"    NOT NULL,
    namespace   TEXT COLLATE "C"    NOT NULL,
    resource    TEXT COLLATE "C"    NOT NULL,
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
DROP TABLE node_lease;
DROP TABLE tags;
DROP TABLE activities;
DROP TABLE aliases;
DROP TABLE versions;
DROP TABLE state_machines;
