-- Completed runs counted per hour of completion, maintained by triggers in the same
-- transaction as every write to operation_runs (like run_counts). A count over a completion
-- window ("completed in the last 7 days") sums the window's whole hours from here and counts
-- only the runs of its first, partial hour, instead of every run in the window
-- (specs/lifecycle-and-storage, "Counting a window").
--
-- `completed_at` is the hour's first millisecond; `status` is always 'completed'. Both carry
-- the runs' column names so the list's filters read this table as they read the runs.
-- Per workspace only: a tenant's window is already bounded by its own index
-- (ix_runs_tenant_outcome_completed), and per tenant and hour the counters would be nearly
-- as many rows as the runs they count.

CREATE TABLE run_completions_ws (
    workspace_id   INTEGER NOT NULL,
    completed_at   INTEGER NOT NULL,
    run_type       TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status = 'completed'),
    outcome        TEXT    NOT NULL,
    terminal_class TEXT    NOT NULL,
    n              INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, completed_at, run_type, outcome, terminal_class)
);

INSERT INTO run_completions_ws (workspace_id, completed_at, run_type, status, outcome, terminal_class, n)
SELECT workspace_id, COALESCE(completed_at, 0) - COALESCE(completed_at, 0) % 3600000, run_type, 'completed',
       COALESCE(outcome, ''), COALESCE(terminal_class, ''), COUNT(*)
FROM operation_runs WHERE status = 'completed'
GROUP BY 1, 2, 3, 5, 6;

CREATE TRIGGER trg_run_completions_insert AFTER INSERT ON operation_runs
WHEN NEW.status = 'completed'
BEGIN
    INSERT INTO run_completions_ws (workspace_id, completed_at, run_type, status, outcome, terminal_class, n)
    VALUES (NEW.workspace_id, COALESCE(NEW.completed_at, 0) - COALESCE(NEW.completed_at, 0) % 3600000,
            NEW.run_type, 'completed', COALESCE(NEW.outcome, ''), COALESCE(NEW.terminal_class, ''), 1)
    ON CONFLICT (workspace_id, completed_at, run_type, outcome, terminal_class) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER trg_run_completions_update
AFTER UPDATE OF workspace_id, run_type, status, outcome, terminal_class, completed_at ON operation_runs
WHEN (OLD.status = 'completed' OR NEW.status = 'completed')
  AND (OLD.workspace_id IS NOT NEW.workspace_id OR OLD.run_type IS NOT NEW.run_type OR OLD.status IS NOT NEW.status
    OR OLD.outcome IS NOT NEW.outcome OR OLD.terminal_class IS NOT NEW.terminal_class
    OR OLD.completed_at IS NOT NEW.completed_at)
BEGIN
    UPDATE run_completions_ws SET n = n - 1
    WHERE OLD.status = 'completed' AND workspace_id = OLD.workspace_id
      AND completed_at = COALESCE(OLD.completed_at, 0) - COALESCE(OLD.completed_at, 0) % 3600000
      AND run_type = OLD.run_type AND outcome = COALESCE(OLD.outcome, '') AND terminal_class = COALESCE(OLD.terminal_class, '');
    INSERT INTO run_completions_ws (workspace_id, completed_at, run_type, status, outcome, terminal_class, n)
    SELECT NEW.workspace_id, COALESCE(NEW.completed_at, 0) - COALESCE(NEW.completed_at, 0) % 3600000,
           NEW.run_type, 'completed', COALESCE(NEW.outcome, ''), COALESCE(NEW.terminal_class, ''), 1
    WHERE NEW.status = 'completed'
    ON CONFLICT (workspace_id, completed_at, run_type, outcome, terminal_class) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER trg_run_completions_delete AFTER DELETE ON operation_runs
WHEN OLD.status = 'completed'
BEGIN
    UPDATE run_completions_ws SET n = n - 1
    WHERE workspace_id = OLD.workspace_id
      AND completed_at = COALESCE(OLD.completed_at, 0) - COALESCE(OLD.completed_at, 0) % 3600000
      AND run_type = OLD.run_type AND outcome = COALESCE(OLD.outcome, '') AND terminal_class = COALESCE(OLD.terminal_class, '');
END;
