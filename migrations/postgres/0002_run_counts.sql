-- Exact run counts, maintained by a trigger in the same transaction as every write to
-- operation_runs: per (workspace, tenant, type, status, outcome) for tenant-filtered lists,
-- and per (workspace, type, status, outcome) for workspace-wide ones. A list's total count
-- sums a handful of these rows instead of counting millions of runs.

CREATE TABLE run_counts (
    workspace_id  BIGINT NOT NULL,
    tenant_id     BIGINT NOT NULL,  -- 0 for workspace-level runs
    run_type      TEXT   NOT NULL,
    status        TEXT   NOT NULL,
    outcome       TEXT   NOT NULL,  -- '' while active
    n             BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, tenant_id, run_type, status, outcome)
);

CREATE TABLE run_counts_ws (
    workspace_id  BIGINT NOT NULL,
    run_type      TEXT   NOT NULL,
    status        TEXT   NOT NULL,
    outcome       TEXT   NOT NULL,
    n             BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, run_type, status, outcome)
);

INSERT INTO run_counts_ws (workspace_id, run_type, status, outcome, n)
SELECT workspace_id, run_type, status, COALESCE(outcome, ''), COUNT(*)
FROM operation_runs
GROUP BY workspace_id, run_type, status, COALESCE(outcome, '');

INSERT INTO run_counts (workspace_id, tenant_id, run_type, status, outcome, n)
SELECT workspace_id, COALESCE(tenant_id, 0), run_type, status, COALESCE(outcome, ''), COUNT(*)
FROM operation_runs
GROUP BY workspace_id, COALESCE(tenant_id, 0), run_type, status, COALESCE(outcome, '');

CREATE FUNCTION opshub_run_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.workspace_id IS NOT DISTINCT FROM NEW.workspace_id AND OLD.tenant_id IS NOT DISTINCT FROM NEW.tenant_id
       AND OLD.run_type IS NOT DISTINCT FROM NEW.run_type AND OLD.status IS NOT DISTINCT FROM NEW.status
       AND OLD.outcome IS NOT DISTINCT FROM NEW.outcome THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE run_counts SET n = n - 1
        WHERE workspace_id = OLD.workspace_id AND tenant_id = COALESCE(OLD.tenant_id, 0) AND run_type = OLD.run_type
          AND status = OLD.status AND outcome = COALESCE(OLD.outcome, '');
        UPDATE run_counts_ws SET n = n - 1
        WHERE workspace_id = OLD.workspace_id AND run_type = OLD.run_type AND status = OLD.status
          AND outcome = COALESCE(OLD.outcome, '');
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO run_counts (workspace_id, tenant_id, run_type, status, outcome, n)
        VALUES (NEW.workspace_id, COALESCE(NEW.tenant_id, 0), NEW.run_type, NEW.status, COALESCE(NEW.outcome, ''), 1)
        ON CONFLICT (workspace_id, tenant_id, run_type, status, outcome) DO UPDATE SET n = run_counts.n + 1;
        INSERT INTO run_counts_ws (workspace_id, run_type, status, outcome, n)
        VALUES (NEW.workspace_id, NEW.run_type, NEW.status, COALESCE(NEW.outcome, ''), 1)
        ON CONFLICT (workspace_id, run_type, status, outcome) DO UPDATE SET n = run_counts_ws.n + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER trg_run_counts
AFTER INSERT OR DELETE OR UPDATE OF workspace_id, tenant_id, run_type, status, outcome ON operation_runs
FOR EACH ROW EXECUTE FUNCTION opshub_run_counts();
