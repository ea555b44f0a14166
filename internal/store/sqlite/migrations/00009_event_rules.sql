-- Event buses and rules (EventBridge-compatible), per account: the
-- account id of a namespace. The default bus of an account is not stored;
-- its rules are (bus = 'default').

-- +goose Up
CREATE TABLE event_buses (
  account     TEXT NOT NULL,
  name        TEXT NOT NULL,
  description TEXT NOT NULL,
  created     INTEGER NOT NULL,
  modified    INTEGER NOT NULL,
  PRIMARY KEY (account, name)
) STRICT;

CREATE TABLE event_rules (
  account       TEXT NOT NULL,
  bus           TEXT NOT NULL,
  name          TEXT NOT NULL,
  event_pattern TEXT NOT NULL,
  schedule      TEXT NOT NULL,
  state         TEXT NOT NULL,
  description   TEXT NOT NULL,
  role_arn      TEXT NOT NULL,
  created       INTEGER NOT NULL,
  modified      INTEGER NOT NULL,
  PRIMARY KEY (account, bus, name)
) STRICT;

-- Targets keep their rowid across updates (upserts), which orders them as
-- first put.
CREATE TABLE event_targets (
  seq     INTEGER PRIMARY KEY,
  account TEXT NOT NULL,
  bus     TEXT NOT NULL,
  rule    TEXT NOT NULL,
  id      TEXT NOT NULL,
  arn     TEXT NOT NULL,
  spec    BLOB NOT NULL,
  UNIQUE (account, bus, rule, id)
) STRICT;

-- One row: bumped on every change of rules, targets or buses.
CREATE TABLE event_rules_generation (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  n   INTEGER NOT NULL
) STRICT;
INSERT INTO event_rules_generation (one, n) VALUES (1, 0);

-- +goose Down
DROP TABLE event_rules_generation;
DROP TABLE event_targets;
DROP TABLE event_rules;
DROP TABLE event_buses;
