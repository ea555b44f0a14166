-- The event bus (issue: triggers). Status events of executions are
-- written to the outbox in the same transaction as the transition that
-- caused them, custom events by PutEvents; consumers (rule and trigger
-- evaluation) read it in seq order per partition, from cursors stored with
-- their state and the intents (durable, idempotent starts) they decide.

-- +goose Up
-- The time a run stands for (a schedule's slot, a backfill's date), so that
-- its status events say it: "both succeeded for the same day".
ALTER TABLE execution_inputs ADD COLUMN logical_date INTEGER NOT NULL DEFAULT 0;

CREATE TABLE outbox (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  part    INTEGER NOT NULL,
  account TEXT NOT NULL,
  bus     TEXT NOT NULL,
  time    INTEGER NOT NULL,
  body    BLOB NOT NULL
) STRICT;
CREATE INDEX outbox_part ON outbox (part, seq);
CREATE INDEX outbox_time ON outbox (time);

CREATE TABLE consumer_cursors (
  consumer TEXT NOT NULL,
  part     INTEGER NOT NULL,
  seq      INTEGER NOT NULL,
  PRIMARY KEY (consumer, part)
) STRICT, WITHOUT ROWID;

CREATE TABLE consumer_state (
  consumer TEXT NOT NULL,
  key      TEXT NOT NULL,
  value    BLOB NOT NULL,
  PRIMARY KEY (consumer, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE intents (
  id       TEXT NOT NULL,
  consumer TEXT NOT NULL,
  body     BLOB NOT NULL,
  created  INTEGER NOT NULL,
  PRIMARY KEY (consumer, id)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE intents;
DROP TABLE consumer_state;
DROP TABLE consumer_cursors;
DROP TABLE outbox;
ALTER TABLE execution_inputs DROP COLUMN logical_date;
