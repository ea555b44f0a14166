-- Namespaces: each has its own account id in the ARNs of its workflows
-- and runs. "default" is not stored: its account is the server's.

-- +goose Up
CREATE TABLE namespaces (
  name       TEXT PRIMARY KEY,
  account_id TEXT NOT NULL UNIQUE,
  created    INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE namespaces;
