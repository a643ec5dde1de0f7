-- Run types a workspace registers for the work its platform runs itself and reports
-- (specs/runs-api, "Workspace run types"): a key that is never a built-in type's, a label
-- per language, the progress mode its runs show, their phases (phased types only, as a
-- JSON array of names) and the lifecycle windows in seconds that freshness and the
-- reconciler judge them by.

CREATE TABLE workspace_run_types (
    workspace_id    BIGINT  NOT NULL REFERENCES workspaces (id),
    key             TEXT    NOT NULL,
    label_en        TEXT    NOT NULL,
    label_de        TEXT    NOT NULL,
    progress_mode   TEXT    NOT NULL,
    phases          TEXT    NOT NULL,
    queue_secs      BIGINT  NOT NULL,
    expected_secs   BIGINT  NOT NULL,
    stale_secs      BIGINT  NOT NULL,
    heartbeat_secs  BIGINT  NOT NULL,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    PRIMARY KEY (workspace_id, key)
);
