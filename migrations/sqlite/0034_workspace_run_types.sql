-- Run types a workspace registers for the work its platform runs itself and reports
-- (specs/runs-api, "Workspace run types"): a key that is never a built-in type's, a label
-- per language, the progress mode its runs show, their phases (phased types only, as a
-- JSON array of names) and the lifecycle windows in seconds that freshness and the
-- reconciler judge them by.

CREATE TABLE workspace_run_types (
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id),
    key             TEXT    NOT NULL,
    label_en        TEXT    NOT NULL,
    label_de        TEXT    NOT NULL,
    progress_mode   TEXT    NOT NULL,
    phases          TEXT    NOT NULL,
    queue_secs      INTEGER NOT NULL,
    expected_secs   INTEGER NOT NULL,
    stale_secs      INTEGER NOT NULL,
    heartbeat_secs  INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, key)
);
