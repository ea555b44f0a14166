-- +goose Up
-- A cluster of servers sharing the database (several active at once), as
-- opposed to one active server and its standbys (node_lease):
--
--   - partition_leases: one row per partition (package partition, 64);
--     the node holding the partition's session advisory lock bumps epoch
--     when it takes it, and every Commit of a member checks the epochs of
--     the partitions it writes (fencing).
--   - cluster_nodes: each member's advertised address; the live ones are
--     those whose session is in pg_stat_activity.
--   - cluster_key: the secret members authenticate each other's internal
--     calls with, created once.
CREATE TABLE partition_leases (
    part   INTEGER PRIMARY KEY,
    epoch  BIGINT NOT NULL DEFAULT 0,
    holder TEXT COLLATE "C" NOT NULL DEFAULT '',
    since  BIGINT NOT NULL DEFAULT 0
);
INSERT INTO partition_leases (part) SELECT generate_series(0, 63);

CREATE TABLE cluster_nodes (
    holder  TEXT COLLATE "C" PRIMARY KEY,
    addr    TEXT COLLATE "C" NOT NULL,
    started BIGINT NOT NULL,
    seen    BIGINT NOT NULL
);

CREATE TABLE cluster_key (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    key BYTEA NOT NULL
);

-- The queued tasks of one activity, oldest first (a poll that arrived on
-- any node of the cluster).
CREATE INDEX tasks_queued_activity ON tasks (activity_arn, created_at, token)
    WHERE state = 'queued' AND kind = 'activity';

-- +goose Down
DROP INDEX tasks_queued_activity;
DROP TABLE cluster_key;
DROP TABLE cluster_nodes;
DROP TABLE partition_leases;
