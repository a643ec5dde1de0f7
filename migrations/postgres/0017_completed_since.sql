-- "Succeeded in the last 24 h" on a tenant's dashboard drills through to the list filtered to
-- runs completed since an instant. This index keeps that count and that list to the window's
-- rows; it holds completed runs only, so it is written once per run, when it completes.
CREATE INDEX ix_runs_tenant_completed ON operation_runs (tenant_id, completed_at) WHERE status = 'completed';
-- The workspace overview drills through to the same window across every tenant.
CREATE INDEX ix_runs_ws_completed ON operation_runs (workspace_id, completed_at) WHERE status = 'completed';
