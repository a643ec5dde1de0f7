-- Stale-after is a hard time limit: the reconciler finds running runs past it by when they
-- started, as it finds silent ones by their heartbeat. A range scan over running runs only.
CREATE INDEX ix_runs_running_started ON operation_runs (started_at) WHERE status = 'running';
