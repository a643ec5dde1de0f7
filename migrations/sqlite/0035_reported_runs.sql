-- Runs of workspace types (specs/runs-api, "One run, whoever runs it"). A run of a built-in
-- type leaves `type_profile` empty: Opshub's own workers run it and the type's rules are in
-- code. A run of a type its workspace registered carries the type as registered, as JSON,
-- so every read of a run (including a write's RETURNING) knows its labels, progress mode,
-- phases and windows without a join; registering the type again rewrites it on the type's
-- active runs in the same transaction. Opshub's workers claim only built-in runs.
ALTER TABLE operation_runs ADD COLUMN type_profile TEXT;

-- The runs API's claim: the oldest queued run of the given types in a workspace.
CREATE INDEX ix_runs_queued_reported ON operation_runs (workspace_id, run_type, created_at, id)
    WHERE status = 'queued' AND type_profile IS NOT NULL;
