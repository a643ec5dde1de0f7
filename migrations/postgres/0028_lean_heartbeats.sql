-- A heartbeat rewrites only columns no index covers (heartbeat_at, updated_at,
-- lease_expires_at), so PostgreSQL updates the row in place on its page (a HOT update)
-- without touching any of operation_runs' indexes. The reconciler finds silent workers by
-- scanning the running runs (ix_runs_running_started) instead of an index on heartbeat_at.
DROP INDEX ix_runs_running_heartbeat;

-- Room on each page for a row's next versions, so heartbeats stay on their page.
ALTER TABLE operation_runs SET (fillfactor = 85);

-- How many meaningful writes a run has had; a heartbeat does not count. Heartbeats are not
-- announced to other instances, so each instance compares revisions with its live view to
-- catch up on what it missed and copies heartbeats over without re-reading whole runs.
ALTER TABLE operation_runs ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
