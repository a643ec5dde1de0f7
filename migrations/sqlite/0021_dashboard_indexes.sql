-- A dashboard's digest is rebuilt whenever one of its tenant's runs changes, so its queries
-- must cost the same on a tenant with ten runs and one with a hundred thousand.
--
-- "Needs follow-up" lists (per tenant and per workspace, newest first) hold only runs of the
-- two follow-up classes. Without these, the list walked every newer run of the tenant to find
-- eight follow-ups: on a busy tenant whose failures are older than its successes, thousands
-- of rows per build. Written only when such a run completes.
CREATE INDEX ix_runs_tenant_follow_up ON operation_runs (workspace_id, tenant_id, created_at DESC, id DESC)
    WHERE terminal_class IN ('terminal_follow_up', 'reconciled_stale');
CREATE INDEX ix_runs_ws_follow_up ON operation_runs (workspace_id, created_at DESC, id DESC)
    WHERE terminal_class IN ('terminal_follow_up', 'reconciled_stale');
-- "Succeeded in the last 24 h" counts from the index alone, grouped by tenant and class,
-- instead of reading every run the tenant (or workspace) completed in the window.
CREATE INDEX ix_runs_tenant_outcome_completed
    ON operation_runs (workspace_id, tenant_id, outcome, completed_at, terminal_class) WHERE status = 'completed';
CREATE INDEX ix_runs_ws_outcome_completed
    ON operation_runs (workspace_id, outcome, completed_at, tenant_id, terminal_class) WHERE status = 'completed';
