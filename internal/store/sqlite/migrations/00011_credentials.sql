-- Tokens and AWS access keys (authentication). secret is the SHA-256 of a
-- token's secret, or an access key's secret sealed with AES-GCM under the
-- server's key; roles is a JSON list of {namespace, role}. Times are Unix
-- nanoseconds, 0 for none.

-- +goose Up
CREATE TABLE credentials (
  id        TEXT PRIMARY KEY,
  kind      TEXT NOT NULL,
  name      TEXT NOT NULL,
  secret    BLOB NOT NULL,
  roles     TEXT NOT NULL,
  created   INTEGER NOT NULL,
  expires   INTEGER NOT NULL,
  revoked   INTEGER NOT NULL,
  last_used INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE credentials;
