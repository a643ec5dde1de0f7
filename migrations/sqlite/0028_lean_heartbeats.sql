-- The same schema as PostgreSQL's 0028: no index on heartbeat_at (the reconciler scans the
-- running runs for silent workers), and a revision counting a run's meaningful writes, a
-- heartbeat not among them. (Page fill is PostgreSQL's concern only.)
DROP INDEX ix_runs_running_heartbeat;

ALTER TABLE operation_runs ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
