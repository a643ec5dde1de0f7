-- Restores: applying a baseline snapshot back onto the provider's items (restore.execute).
-- One record per run with its own status, and one result per item.

CREATE TABLE restores (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id),
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    run_id        INTEGER NOT NULL UNIQUE REFERENCES operation_runs (id),
    snapshot_id   INTEGER NOT NULL REFERENCES baseline_snapshots (id),
    status        TEXT    NOT NULL CHECK (status IN ('applying', 'applied', 'partially_applied', 'failed')),
    started_at    INTEGER NOT NULL,
    finished_at   INTEGER
);
CREATE INDEX ix_restores_tenant ON restores (tenant_id, started_at DESC);

CREATE TABLE restore_items (
    restore_id    INTEGER NOT NULL REFERENCES restores (id),
    external_id   TEXT    NOT NULL,
    result        TEXT    NOT NULL CHECK (result IN ('applied', 'unchanged', 'failed')),
    detail        TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (restore_id, external_id)
);
