-- The project bundle (digest, in the bundles table) whose files a workflow,
-- a version and an execution run with: a pipeline deployed from a directory.
-- Empty for a definition deployed alone (every ASL workflow before).

-- +goose Up
ALTER TABLE state_machines ADD COLUMN bundle TEXT NOT NULL DEFAULT '';
ALTER TABLE versions ADD COLUMN bundle TEXT NOT NULL DEFAULT '';
ALTER TABLE execution_inputs ADD COLUMN bundle TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE execution_inputs DROP COLUMN bundle;
ALTER TABLE versions DROP COLUMN bundle;
ALTER TABLE state_machines DROP COLUMN bundle;
