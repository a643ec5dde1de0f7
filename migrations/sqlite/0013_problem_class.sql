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

UPDATE operation_runs SET terminal_class = CASE
    WHEN outcome IN ('failed', 'partially_succeeded', 'blocked') THEN
        CASE WHEN context LIKE '%"reconciliation":{%' THEN 'reconciled_stale' ELSE 'terminal_follow_up' END
    ELSE 'none' END
WHERE status = 'completed';

DROP TRIGGER trg_run_counts_insert;
DROP TRIGGER trg_run_counts_update;
DROP TRIGGER trg_run_counts_delete;
DROP TABLE run_counts;
DROP TABLE run_counts_ws;

CREATE TABLE run_counts (
    workspace_id  INTEGER NOT NULL,
    tenant_id     INTEGER NOT NULL,  -- 0 for workspace-level runs
    run_type      TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    outcome       TEXT    NOT NULL,  -- '' while active
    terminal_class TEXT   NOT NULL,  -- '' while active
    n             INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, tenant_id, run_type, status, outcome, terminal_class)
);

CREATE TABLE run_counts_ws (
    workspace_id  INTEGER NOT NULL,
    run_type      TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    outcome       TEXT    NOT NULL,
    terminal_class TEXT   NOT NULL,
    n             INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, run_type, status, outcome, terminal_class)
);

INSERT INTO run_counts (workspace_id, tenant_id, run_type, status, outcome, terminal_class, n)
SELECT workspace_id, COALESCE(tenant_id, 0), run_type, status, COALESCE(outcome, ''), COALESCE(terminal_class, ''), COUNT(*)
FROM operation_runs
GROUP BY workspace_id, COALESCE(tenant_id, 0), run_type, status, COALESCE(outcome, ''), COALESCE(terminal_class, '');

INSERT INTO run_counts_ws (workspace_id, run_type, status, outcome, terminal_class, n)
SELECT workspace_id, run_type, status, COALESCE(outcome, ''), COALESCE(terminal_class, ''), COUNT(*)
FROM operation_runs
GROUP BY workspace_id, run_type, status, COALESCE(outcome, ''), COALESCE(terminal_class, '');

CREATE TRIGGER trg_run_counts_insert AFTER INSERT ON operation_runs
BEGIN
    INSERT INTO run_counts (workspace_id, tenant_id, run_type, status, outcome, terminal_class, n)
    VALUES (NEW.workspace_id, COALESCE(NEW.tenant_id, 0), NEW.run_type, NEW.status, COALESCE(NEW.outcome, ''), COALESCE(NEW.terminal_class, ''), 1)
    ON CONFLICT (workspace_id, tenant_id, run_type, status, outcome, terminal_class) DO UPDATE SET n = n + 1;
    INSERT INTO run_counts_ws (workspace_id, run_type, status, outcome, terminal_class, n)
    VALUES (NEW.workspace_id, NEW.run_type, NEW.status, COALESCE(NEW.outcome, ''), COALESCE(NEW.terminal_class, ''), 1)
    ON CONFLICT (workspace_id, run_type, status, outcome, terminal_class) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER trg_run_counts_update
AFTER UPDATE OF workspace_id, tenant_id, run_type, status, outcome, terminal_class ON operation_runs
WHEN OLD.workspace_id IS NOT NEW.workspace_id OR OLD.tenant_id IS NOT NEW.tenant_id OR OLD.run_type IS NOT NEW.run_type
  OR OLD.status IS NOT NEW.status OR OLD.outcome IS NOT NEW.outcome OR OLD.terminal_class IS NOT NEW.terminal_class
BEGIN
    UPDATE run_counts SET n = n - 1
    WHERE workspace_id = OLD.workspace_id AND tenant_id = COALESCE(OLD.tenant_id, 0) AND run_type = OLD.run_type
      AND status = OLD.status AND outcome = COALESCE(OLD.outcome, '') AND terminal_class = COALESCE(OLD.terminal_class, '');
    UPDATE run_counts_ws SET n = n - 1
    WHERE workspace_id = OLD.workspace_id AND run_type = OLD.run_type AND status = OLD.status
      AND outcome = COALESCE(OLD.outcome, '') AND terminal_class = COALESCE(OLD.terminal_class, '');
    INSERT INTO run_counts (workspace_id, tenant_id, run_type, status, outcome, terminal_class, n)
    VALUES (NEW.workspace_id, COALESCE(NEW.tenant_id, 0), NEW.run_type, NEW.status, COALESCE(NEW.outcome, ''), COALESCE(NEW.terminal_class, ''), 1)
    ON CONFLICT (workspace_id, tenant_id, run_type, status, outcome, terminal_class) DO UPDATE SET n = n + 1;
    INSERT INTO run_counts_ws (workspace_id, run_type, status, outcome, terminal_class, n)
    VALUES (NEW.workspace_id, NEW.run_type, NEW.status, COALESCE(NEW.outcome, ''), COALESCE(NEW.terminal_class, ''), 1)
    ON CONFLICT (workspace_id, run_type, status, outcome, terminal_class) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER trg_run_counts_delete AFTER DELETE ON operation_runs
BEGIN
    UPDATE run_counts SET n = n - 1
    WHERE workspace_id = OLD.workspace_id AND tenant_id = COALESCE(OLD.tenant_id, 0) AND run_type = OLD.run_type
      AND status = OLD.status AND outcome = COALESCE(OLD.outcome, '') AND terminal_class = COALESCE(OLD.terminal_class, '');
    UPDATE run_counts_ws SET n = n - 1
    WHERE workspace_id = OLD.workspace_id AND run_type = OLD.run_type AND status = OLD.status
      AND outcome = COALESCE(OLD.outcome, '') AND terminal_class = COALESCE(OLD.terminal_class, '');
END;

-- Keyset pages filtered by a completed run's class or outcome (rare ones must not scan the
-- whole workspace). Only completed runs are in them, so starting a run writes neither.
CREATE INDEX ix_runs_ws_class_created ON operation_runs (workspace_id, terminal_class, created_at DESC, id DESC)
    WHERE terminal_class IS NOT NULL;
CREATE INDEX ix_runs_ws_outcome_created ON operation_runs (workspace_id, outcome, created_at DESC, id DESC)
    WHERE outcome IS NOT NULL;
