-- The exact run counts of 0002, maintained once per statement instead of once per row: a
-- statement's old and new rows (transition tables) are grouped into signed deltas, and only
-- keys whose count changes are written. A batch of 1,000 reconciler decisions then costs a
-- few grouped writes, not 4,000 single-row ones; a heartbeat (no counted column changes)
-- writes nothing. SQLite keeps its row triggers: they run in-process and cost little.
--
-- Counter rows are always locked in key order (per-tenant table first, then per-workspace),
-- so concurrent statements touching the same counters queue instead of deadlocking.

DROP TRIGGER trg_run_counts ON operation_runs;
DROP FUNCTION opshub_run_counts();

CREATE FUNCTION opshub_run_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Each branch names only the transition tables its trigger declares.
    IF TG_OP = 'INSERT' THEN
        WITH delta AS (
            SELECT workspace_id, COALESCE(tenant_id, 0) AS tenant_id, run_type, status, COALESCE(outcome, '') AS outcome, COUNT(*) AS d
            FROM new_rows GROUP BY 1, 2, 3, 4, 5
        ), per_tenant AS (
            INSERT INTO run_counts (workspace_id, tenant_id, run_type, status, outcome, n)
            SELECT workspace_id, tenant_id, run_type, status, outcome, d FROM delta
            ORDER BY workspace_id, tenant_id, run_type, status, outcome
            ON CONFLICT (workspace_id, tenant_id, run_type, status, outcome)
            DO UPDATE SET n = run_counts.n + excluded.n
        )
        INSERT INTO run_counts_ws (workspace_id, run_type, status, outcome, n)
        SELECT workspace_id, run_type, status, outcome, SUM(d) FROM delta GROUP BY 1, 2, 3, 4 HAVING SUM(d) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (workspace_id, run_type, status, outcome) DO UPDATE SET n = run_counts_ws.n + excluded.n;
    ELSIF TG_OP = 'DELETE' THEN
        WITH delta AS (
            SELECT workspace_id, COALESCE(tenant_id, 0) AS tenant_id, run_type, status, COALESCE(outcome, '') AS outcome, -COUNT(*) AS d
            FROM old_rows GROUP BY 1, 2, 3, 4, 5
        ), per_tenant AS (
            INSERT INTO run_counts (workspace_id, tenant_id, run_type, status, outcome, n)
            SELECT workspace_id, tenant_id, run_type, status, outcome, d FROM delta
            ORDER BY workspace_id, tenant_id, run_type, status, outcome
            ON CONFLICT (workspace_id, tenant_id, run_type, status, outcome)
            DO UPDATE SET n = run_counts.n + excluded.n
        )
        INSERT INTO run_counts_ws (workspace_id, run_type, status, outcome, n)
        SELECT workspace_id, run_type, status, outcome, SUM(d) FROM delta GROUP BY 1, 2, 3, 4 HAVING SUM(d) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (workspace_id, run_type, status, outcome) DO UPDATE SET n = run_counts_ws.n + excluded.n;
    ELSE
        WITH delta AS (
            SELECT workspace_id, tenant_id, run_type, status, outcome, SUM(d) AS d FROM (
                SELECT workspace_id, COALESCE(tenant_id, 0) AS tenant_id, run_type, status, COALESCE(outcome, '') AS outcome, -COUNT(*) AS d FROM old_rows GROUP BY 1, 2, 3, 4, 5
                UNION ALL
                SELECT workspace_id, COALESCE(tenant_id, 0) AS tenant_id, run_type, status, COALESCE(outcome, '') AS outcome, COUNT(*) AS d FROM new_rows GROUP BY 1, 2, 3, 4, 5
            ) x GROUP BY 1, 2, 3, 4, 5 HAVING SUM(d) <> 0
        ), per_tenant AS (
            INSERT INTO run_counts (workspace_id, tenant_id, run_type, status, outcome, n)
            SELECT workspace_id, tenant_id, run_type, status, outcome, d FROM delta
            ORDER BY workspace_id, tenant_id, run_type, status, outcome
            ON CONFLICT (workspace_id, tenant_id, run_type, status, outcome)
            DO UPDATE SET n = run_counts.n + excluded.n
        )
        INSERT INTO run_counts_ws (workspace_id, run_type, status, outcome, n)
        SELECT workspace_id, run_type, status, outcome, SUM(d) FROM delta GROUP BY 1, 2, 3, 4 HAVING SUM(d) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (workspace_id, run_type, status, outcome) DO UPDATE SET n = run_counts_ws.n + excluded.n;
    END IF;
    RETURN NULL;
END;
$$;

-- PostgreSQL allows transition tables only on single-event triggers without column lists.
CREATE TRIGGER trg_run_counts_insert AFTER INSERT ON operation_runs
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION opshub_run_counts();
CREATE TRIGGER trg_run_counts_update AFTER UPDATE ON operation_runs
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION opshub_run_counts();
CREATE TRIGGER trg_run_counts_delete AFTER DELETE ON operation_runs
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION opshub_run_counts();
