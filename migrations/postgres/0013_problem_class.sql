-- The problem class of a completed run (PRODUCT §5), stored when the lifecycle service
-- completes it: `terminal_follow_up`, `reconciled_stale` or `none`; NULL while active (an
-- active run's class depends on time and is derived from the live view). The lifecycle
-- computes it with the one domain rule (`domain::problem::problem_class`), so lists,
-- filters and counts match on a stored value instead of repeating the rule in SQL.
--
-- The run counters gain the class as part of their key, so class counts sum a handful of
-- counter rows like every other count. The backfill below is the only place the rule is
-- spelled in SQL, once, for runs completed before this migration.

ALTER TABLE operation_runs ADD COLUMN terminal_class TEXT
    CHECK (terminal_class IN ('terminal_follow_up', 'reconciled_stale', 'none'));

DROP TRIGGER trg_run_counts_insert ON operation_runs;
DROP TRIGGER trg_run_counts_update ON operation_runs;
DROP TRIGGER trg_run_counts_delete ON operation_runs;
DROP FUNCTION opshub_run_counts();

UPDATE operation_runs SET terminal_class = CASE
    WHEN outcome IN ('failed', 'partially_succeeded', 'blocked') THEN
        CASE WHEN context LIKE '%"reconciliation":{%' THEN 'reconciled_stale' ELSE 'terminal_follow_up' END
    ELSE 'none' END
WHERE status = 'completed';

DROP TABLE run_counts;
DROP TABLE run_counts_ws;

CREATE TABLE run_counts (
    workspace_id   BIGINT NOT NULL,
    tenant_id      BIGINT NOT NULL,  -- 0 for workspace-level runs
    run_type       TEXT   NOT NULL,
    status         TEXT   NOT NULL,
    outcome        TEXT   NOT NULL,  -- '' while active
    terminal_class TEXT   NOT NULL,  -- '' while active
    n              BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, tenant_id, run_type, status, outcome, terminal_class)
);

CREATE TABLE run_counts_ws (
    workspace_id   BIGINT NOT NULL,
    run_type       TEXT   NOT NULL,
    status         TEXT   NOT NULL,
    outcome        TEXT   NOT NULL,
    terminal_class TEXT   NOT NULL,
    n              BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, run_type, status, outcome, terminal_class)
);

INSERT INTO run_counts (workspace_id, tenant_id, run_type, status, outcome, terminal_class, n)
SELECT workspace_id, COALESCE(tenant_id, 0), run_type, status, COALESCE(outcome, ''), COALESCE(terminal_class, ''), COUNT(*)
FROM operation_runs
GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO run_counts_ws (workspace_id, run_type, status, outcome, terminal_class, n)
SELECT workspace_id, run_type, status, COALESCE(outcome, ''), COALESCE(terminal_class, ''), COUNT(*)
FROM operation_runs
GROUP BY 1, 2, 3, 4, 5;

-- The per-statement counter function of 0012, with the class in every key.
CREATE FUNCTION opshub_run_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Each branch names only the transition tables its trigger declares.
    IF TG_OP = 'INSERT' THEN
        WITH delta AS (
            SELECT workspace_id, COALESCE(tenant_id, 0) AS tenant_id, run_type, status, COALESCE(outcome, '') AS outcome, COALESCE(terminal_class, '') AS terminal_class, COUNT(*) AS d
            FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6
        ), per_tenant AS (
            INSERT INTO run_counts (workspace_id, tenant_id, run_type, status, outcome, terminal_class, n)
            SELECT workspace_id, tenant_id, run_type, status, outcome, terminal_class, d FROM delta
            ORDER BY workspace_id, tenant_id, run_type, status, outcome, terminal_class
            ON CONFLICT (workspace_id, tenant_id, run_type, status, outcome, terminal_class)
            DO UPDATE SET n = run_counts.n + excluded.n
        )
        INSERT INTO run_counts_ws (workspace_id, run_type, status, outcome, terminal_class, n)
        SELECT workspace_id, run_type, status, outcome, terminal_class, SUM(d) FROM delta GROUP BY 1, 2, 3, 4, 5 HAVING SUM(d) <> 0
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (workspace_id, run_type, status, outcome, terminal_class) DO UPDATE SET n = run_counts_ws.n + excluded.n;
    ELSIF TG_OP = 'DELETE' THEN
        WITH delta AS (
            SELECT workspace_id, COALESCE(tenant_id, 0) AS tenant_id, run_type, status, COALESCE(outcome, '') AS outcome, COALESCE(terminal_class, '') AS terminal_class, -COUNT(*) AS d
            FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6
        ), per_tenant AS (
            INSERT INTO run_counts (workspace_id, tenant_id, run_type, status, outcome, terminal_class, n)
            SELECT workspace_id, tenant_id, run_type, status, outcome, terminal_class, d FROM delta
            ORDER BY workspace_id, tenant_id, run_type, status, outcome, terminal_class
            ON CONFLICT (workspace_id, tenant_id, run_type, status, outcome, terminal_class)
            DO UPDATE SET n = run_counts.n + excluded.n
        )
        INSERT INTO run_counts_ws (workspace_id, run_type, status, outcome, terminal_class, n)
        SELECT workspace_id, run_type, status, outcome, terminal_class, SUM(d) FROM delta GROUP BY 1, 2, 3, 4, 5 HAVING SUM(d) <> 0
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (workspace_id, run_type, status, outcome, terminal_class) DO UPDATE SET n = run_counts_ws.n + excluded.n;
    ELSE
        WITH delta AS (
            SELECT workspace_id, tenant_id, run_type, status, outcome, terminal_class, SUM(d) AS d FROM (
                SELECT workspace_id, COALESCE(tenant_id, 0) AS tenant_id, run_type, status, COALESCE(outcome, '') AS outcome, COALESCE(terminal_class, '') AS terminal_class, -COUNT(*) AS d FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6
                UNION ALL
                SELECT workspace_id, COALESCE(tenant_id, 0) AS tenant_id, run_type, status, COALESCE(outcome, '') AS outcome, COALESCE(terminal_class, '') AS terminal_class, COUNT(*) AS d FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6
            ) x GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(d) <> 0
        ), per_tenant AS (
            INSERT INTO run_counts (workspace_id, tenant_id, run_type, status, outcome, terminal_class, n)
            SELECT workspace_id, tenant_id, run_type, status, outcome, terminal_class, d FROM delta
            ORDER BY workspace_id, tenant_id, run_type, status, outcome, terminal_class
            ON CONFLICT (workspace_id, tenant_id, run_type, status, outcome, terminal_class)
            DO UPDATE SET n = run_counts.n + excluded.n
        )
        INSERT INTO run_counts_ws (workspace_id, run_type, status, outcome, terminal_class, n)
        SELECT workspace_id, run_type, status, outcome, terminal_class, SUM(d) FROM delta GROUP BY 1, 2, 3, 4, 5 HAVING SUM(d) <> 0
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (workspace_id, run_type, status, outcome, terminal_class) DO UPDATE SET n = run_counts_ws.n + excluded.n;
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

-- Keyset pages filtered by a completed run's class or outcome (rare ones must not scan the
-- whole workspace). Only completed runs are in them, so starting a run writes neither.
CREATE INDEX ix_runs_ws_class_created ON operation_runs (workspace_id, terminal_class, created_at DESC, id DESC)
    WHERE terminal_class IS NOT NULL;
CREATE INDEX ix_runs_ws_outcome_created ON operation_runs (workspace_id, outcome, created_at DESC, id DESC)
    WHERE outcome IS NOT NULL;
