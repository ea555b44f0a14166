-- Grants between namespaces: namespace to_ns may trigger on the runs of
-- workflow (or '*') of namespace from_ns. created is Unix nanoseconds.

-- +goose Up
CREATE TABLE grants (
  from_ns    TEXT NOT NULL,
  to_ns      TEXT NOT NULL,
  workflow   TEXT NOT NULL,
  created    INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  PRIMARY KEY (from_ns, to_ns, workflow)
) STRICT;

-- +goose Down
DROP TABLE grants;
