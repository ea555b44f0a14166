-- Task logs: what the commands of tasks write on stdout and stderr, kept by
-- execution ARN (an Express execution is stored only when it ends, its logs
-- while it runs) in chunks appended in seq order; seq is the cursor of a
-- follower: a new chunk's seq is above every seq kept, and the cap never
-- deletes an attempt's newest chunk, so a cursor stays valid.
-- task_log_attempts holds each attempt's size, the bytes its cap
-- cut and the first chunk kept, before which readers see the cut marker.

-- +goose Up
CREATE TABLE task_logs (
    seq           INTEGER PRIMARY KEY,
    execution_arn TEXT    NOT NULL,
    task_id       TEXT    NOT NULL,
    state_name    TEXT    NOT NULL,
    attempt       INTEGER NOT NULL,
    stream        TEXT    NOT NULL,
    at            INTEGER NOT NULL,
    data          BLOB    NOT NULL
);
CREATE INDEX task_logs_execution ON task_logs (execution_arn, seq);
CREATE INDEX task_logs_attempt ON task_logs (execution_arn, task_id, seq);

CREATE TABLE task_log_attempts (
    execution_arn TEXT    NOT NULL,
    task_id       TEXT    NOT NULL,
    kept          INTEGER NOT NULL, -- bytes stored
    cut           INTEGER NOT NULL, -- bytes cut by the cap
    first_seq     INTEGER NOT NULL, -- the first chunk kept once some were cut
    PRIMARY KEY (execution_arn, task_id)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE task_log_attempts;
DROP TABLE task_logs;
