-- Completed runs counted per hour of completion, maintained by the run-count trigger in the
-- same statement as every write to operation_runs. A count over a completion window
-- ("completed in the last 7 days") sums the window's whole hours from here and counts only
-- the runs of its first, partial hour, instead of every run in the window
-- (specs/lifecycle-and-storage, "Counting a window").
--
-- `completed_at` is the hour's first millisecond; `status` is always 'completed'. Both carry
-- the runs' column names so the list's filters read this table as they read the runs.
-- Per workspace only: a tenant's window is already bounded by its own index
-- (ix_runs_tenant_outcome_completed), and per tenant and hour the counters would be nearly
-- as many rows as the runs they count.

CREATE TABLE run_completions_ws (
    workspace_id   BIGINT NOT NULL,
    completed_at   BIGINT NOT NULL,
    run_type       TEXT   NOT NULL,
    status         TEXT   NOT NULL CHECK (status = 'completed'),
    outcome        TEXT   NOT NULL,
    terminal_class TEXT   NOT NULL,
    n              BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, completed_at, run_type, outcome, terminal_class)
);

INSERT INTO run_completions_ws (workspace_id, completed_at, run_type, status, outcome, terminal_class, n)
SELECT workspace_id, COALESCE(completed_at, 0) - COALESCE(completed_at, 0) % 3600000, run_type, 'completed',
       COALESCE(outcome, ''), COALESCE(terminal_class, ''), COUNT(*)
FROM operation_runs WHERE status = 'completed'
GROUP BY 1, 2, 3, 5, 6;

-- A statement's signed change to the counters: one key (with the hour of completion for a
-- completed run, NULL otherwise) and how many runs it gained or lost.
CREATE TYPE opshub_run_delta AS (
    workspace_id   BIGINT,
    tenant_id      BIGINT,
    run_type       TEXT,
    status         TEXT,
    outcome        TEXT,
    terminal_class TEXT,
    hour           BIGINT,
    d              BIGINT
);

-- Writes a statement's deltas into all three counter tables, only where a count changes, each
-- table's rows in key order (so concurrent statements queue instead of deadlocking).
CREATE FUNCTION opshub_apply_run_deltas(deltas opshub_run_delta[]) RETURNS void LANGUAGE sql AS $$
    WITH delta AS (
        SELECT * FROM unnest(deltas)
    ), per_tenant AS (
        INSERT INTO run_counts (workspace_id, tenant_id, run_type, status, outcome, terminal_class, n)
        SELECT workspace_id, tenant_id, run_type, status, outcome, terminal_class, SUM(d) FROM delta
        GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(d) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (workspace_id, tenant_id, run_type, status, outcome, terminal_class)
        DO UPDATE SET n = run_counts.n + excluded.n
    ), per_workspace AS (
        INSERT INTO run_counts_ws (workspace_id, run_type, status, outcome, terminal_class, n)
        SELECT workspace_id, run_type, status, outcome, terminal_class, SUM(d) FROM delta
        GROUP BY 1, 2, 3, 4, 5 HAVING SUM(d) <> 0 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (workspace_id, run_type, status, outcome, terminal_class)
        DO UPDATE SET n = run_counts_ws.n + excluded.n
    )
    INSERT INTO run_completions_ws (workspace_id, completed_at, run_type, status, outcome, terminal_class, n)
    SELECT workspace_id, hour, run_type, 'completed', outcome, terminal_class, SUM(d) FROM delta
    WHERE status = 'completed'
    GROUP BY 1, 2, 3, 5, 6 HAVING SUM(d) <> 0 ORDER BY 1, 2, 3, 5, 6
    ON CONFLICT (workspace_id, completed_at, run_type, outcome, terminal_class)
    DO UPDATE SET n = run_completions_ws.n + excluded.n;
$$;

-- The run-count trigger function of 0013, now feeding every counter through the one writer
-- above. Each statement names only the transition tables its trigger declares (plpgsql plans
-- a statement when it first runs, so the branch not taken is never planned).
CREATE OR REPLACE FUNCTION opshub_run_counts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lost opshub_run_delta[] := '{}';
    gained opshub_run_delta[] := '{}';
BEGIN
    IF TG_OP <> 'INSERT' THEN
        lost := ARRAY(
            SELECT ROW(k.*)::opshub_run_delta FROM (
                SELECT workspace_id, COALESCE(tenant_id, 0), run_type, status, COALESCE(outcome, ''), COALESCE(terminal_class, ''),
                       CASE WHEN status = 'completed' THEN COALESCE(completed_at, 0) - COALESCE(completed_at, 0) % 3600000 END,
                       -COUNT(*)
                FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6, 7
            ) k
        );
    END IF;
    IF TG_OP <> 'DELETE' THEN
        gained := ARRAY(
            SELECT ROW(k.*)::opshub_run_delta FROM (
                SELECT workspace_id, COALESCE(tenant_id, 0), run_type, status, COALESCE(outcome, ''), COALESCE(terminal_class, ''),
                       CASE WHEN status = 'completed' THEN COALESCE(completed_at, 0) - COALESCE(completed_at, 0) % 3600000 END,
                       COUNT(*)
                FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6, 7
            ) k
        );
    END IF;
    PERFORM opshub_apply_run_deltas(lost || gained);
    RETURN NULL;
END;
$$;
