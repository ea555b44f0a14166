-- The workflow language of every stored definition ("asl", "pipeline"), so
-- that the engine compiles each with its own. Rows stored before are ASL.

-- +goose Up
ALTER TABLE state_machines ADD COLUMN language TEXT NOT NULL DEFAULT 'asl';
ALTER TABLE versions ADD COLUMN language TEXT NOT NULL DEFAULT 'asl';
ALTER TABLE execution_inputs ADD COLUMN language TEXT NOT NULL DEFAULT 'asl';

-- +goose Down
ALTER TABLE execution_inputs DROP COLUMN language;
ALTER TABLE versions DROP COLUMN language;
ALTER TABLE state_machines DROP COLUMN language;
