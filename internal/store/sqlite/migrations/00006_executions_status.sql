-- Executions by status: the server reads the QUEUED runs (pipelines past
-- their max_active_runs) at start, and a workflow's RUNNING runs when its
-- limit is first used, without scanning every execution.

-- +goose Up
CREATE INDEX executions_status ON executions (status, start_date, arn);

-- +goose Down
DROP INDEX executions_status;
