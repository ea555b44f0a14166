-- The notification settings of workflows that are not pipelines (a
-- pipeline's are in its pipeline.yaml): who is told of their runs.

-- +goose Up
CREATE TABLE notification_settings (
  state_machine_arn TEXT PRIMARY KEY,
  body              BLOB NOT NULL
) STRICT;

-- +goose Down
DROP TABLE notification_settings;
