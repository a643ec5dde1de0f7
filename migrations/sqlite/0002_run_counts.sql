-- Exact run counts, maintained by triggers in the same transaction as every write to
-- operation_runs: per (workspace, tenant, type, status, outcome) for tenant-filtered lists,
-- and per (workspace, type, status, outcome) for workspace-wide ones. A list's total count
-- sums a handful of these rows instead of counting millions of runs.

CREATE TABLE run_counts (
    workspace_id  INTEGER NOT NULL,
    tenant_id     INTEGER NOT NULL,  -- 0 for workspace-level runs
    run_type      TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    outcome       TEXT    NOT NULL,  -- '' while active
    n             INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, tenant_id, run_type, status, outcome)
);

CREATE TABLE run_counts_ws (
    workspace_id  INTEGER NOT NULL,
    run_type      TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    outcome       TEXT    NOT NULL,
    n             INTEGER NOT NULL,
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

CREATE TRIGGER trg_run_counts_insert AFTER INSERT ON operation_runs
BEGIN
    INSERT INTO run_counts (workspace_id, tenant_id, run_type, status, outcome, n)
    VALUES (NEW.workspace_id, COALESCE(NEW.tenant_id, 0), NEW.run_type, NEW.status, COALESCE(NEW.outcome, ''), 1)
    ON CONFLICT (workspace_id, tenant_id, run_type, status, outcome) DO UPDATE SET n = n + 1;
    INSERT INTO run_counts_ws (workspace_id, run_type, status, outcome, n)
    VALUES (NEW.workspace_id, NEW.run_type, NEW.status, COALESCE(NEW.outcome, ''), 1)
    ON CONFLICT (workspace_id, run_type, status, outcome) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER trg_run_counts_update AFTER UPDATE OF workspace_id, tenant_id, run_type, status, outcome ON operation_runs
WHEN OLD.workspace_id IS NOT NEW.workspace_id OR OLD.tenant_id IS NOT NEW.tenant_id OR OLD.run_type IS NOT NEW.run_type
  OR OLD.status IS NOT NEW.status OR OLD.outcome IS NOT NEW.outcome
BEGIN
    UPDATE run_counts SET n = n - 1
    WHERE workspace_id = OLD.workspace_id AND tenant_id = COALESCE(OLD.tenant_id, 0) AND run_type = OLD.run_type
      AND status = OLD.status AND outcome = COALESCE(OLD.outcome, '');
    UPDATE run_counts_ws SET n = n - 1
    WHERE workspace_id = OLD.workspace_id AND run_type = OLD.run_type AND status = OLD.status
      AND outcome = COALESCE(OLD.outcome, '');
    INSERT INTO run_counts (workspace_id, tenant_id, run_type, status, outcome, n)
    VALUES (NEW.workspace_id, COALESCE(NEW.tenant_id, 0), NEW.run_type, NEW.status, COALESCE(NEW.outcome, ''), 1)
    ON CONFLICT (workspace_id, tenant_id, run_type, status, outcome) DO UPDATE SET n = n + 1;
    INSERT INTO run_counts_ws (workspace_id, run_type, status, outcome, n)
    VALUES (NEW.workspace_id, NEW.run_type, NEW.status, COALESCE(NEW.outcome, ''), 1)
    ON CONFLICT (workspace_id, run_type, status, outcome) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER trg_run_counts_delete AFTER DELETE ON operation_runs
BEGIN
    UPDATE run_counts SET n = n - 1
    WHERE workspace_id = OLD.workspace_id AND tenant_id = COALESCE(OLD.tenant_id, 0) AND run_type = OLD.run_type
      AND status = OLD.status AND outcome = COALESCE(OLD.outcome, '');
    UPDATE run_counts_ws SET n = n - 1
    WHERE workspace_id = OLD.workspace_id AND run_type = OLD.run_type AND status = OLD.status
      AND outcome = COALESCE(OLD.outcome, '');
END;
