-- The transition log behind the run detail's timeline: one row per status change, with who
-- or what caused it. It is written by the database inside the very statement the lifecycle
-- service uses for the transition (so in the same transaction, and no write path can skip
-- it); the lifecycle names the cause of a completion in `completed_by`, since only it knows
-- whether a worker, the reconciler, an adapter or a shutdown ended the run.
--
-- Actors: 'initiator:<user id>', 'system', 'worker:<instance>', 'reconciler',
-- 'adapter:<run type>', 'shutdown:<instance>'. Runs completed before this migration have
-- no log; the detail then falls back to their timestamps.

ALTER TABLE operation_runs ADD COLUMN completed_by TEXT;

CREATE TABLE run_transitions (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES operation_runs (id) ON DELETE CASCADE,
    at           INTEGER NOT NULL,
    from_status  TEXT,  -- NULL when the run was created
    to_status    TEXT    NOT NULL,
    outcome      TEXT,
    actor        TEXT    NOT NULL
);
CREATE INDEX ix_run_transitions_run ON run_transitions (run_id, id);

CREATE TRIGGER trg_run_transitions_insert AFTER INSERT ON operation_runs
BEGIN
    INSERT INTO run_transitions (run_id, at, from_status, to_status, outcome, actor)
    VALUES (NEW.id, NEW.created_at, NULL, NEW.status, NEW.outcome,
            CASE WHEN NEW.initiator_id IS NULL THEN 'system' ELSE 'initiator:' || NEW.initiator_id END);
END;

CREATE TRIGGER trg_run_transitions_update AFTER UPDATE OF status ON operation_runs
WHEN OLD.status IS NOT NEW.status
BEGIN
    INSERT INTO run_transitions (run_id, at, from_status, to_status, outcome, actor)
    VALUES (NEW.id, NEW.updated_at, OLD.status, NEW.status, NEW.outcome,
            CASE WHEN NEW.status = 'running' THEN 'worker:' || COALESCE(NEW.lease_owner, '')
                 ELSE COALESCE(NEW.completed_by, 'unknown') END);
END;
