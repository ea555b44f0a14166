-- The audit log: every request that changed something and every request
-- refused (401/403), never a body or a credential. seq orders it (newest
-- first for readers); at is Unix nanoseconds. Retention deletes the
-- oldest rows in small batches, by seq.

-- +goose Up
CREATE TABLE audit (
  seq         INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  principal   TEXT NOT NULL,
  kind        TEXT NOT NULL,
  remote_addr TEXT NOT NULL,
  method      TEXT NOT NULL,
  path        TEXT NOT NULL,
  operation   TEXT NOT NULL,
  namespace   TEXT NOT NULL,
  resource    TEXT NOT NULL,
  status      INTEGER NOT NULL
) STRICT;
CREATE INDEX audit_namespace ON audit (namespace, seq);
CREATE INDEX audit_at ON audit (at);

-- +goose Down
DROP TABLE audit;
