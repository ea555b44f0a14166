-- How long a namespace keeps its closed executions, in nanoseconds: 0 is
-- the server's --execution-retention, a negative value forever. The
-- default namespace is not stored: it follows the server's flag.

-- +goose Up
ALTER TABLE namespaces ADD COLUMN execution_retention INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE namespaces DROP COLUMN execution_retention;
