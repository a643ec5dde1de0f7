-- Baselines: a snapshot of a tenant's provider items (baseline.capture) and the drift found
-- when the tenant is compared against one (baseline.compare).

CREATE TABLE baseline_snapshots (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id),
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    run_id        INTEGER NOT NULL UNIQUE REFERENCES operation_runs (id),
    item_count    INTEGER NOT NULL,
    captured_at   INTEGER NOT NULL
);
CREATE INDEX ix_snapshots_tenant ON baseline_snapshots (tenant_id, captured_at DESC);

CREATE TABLE baseline_snapshot_items (
    snapshot_id   INTEGER NOT NULL REFERENCES baseline_snapshots (id),
    external_id   TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    display_name  TEXT    NOT NULL,
    settings      TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, external_id)
);

CREATE TABLE drift_findings (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES operation_runs (id),
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    snapshot_id   INTEGER NOT NULL REFERENCES baseline_snapshots (id),
    external_id   TEXT    NOT NULL,
    change        TEXT    NOT NULL CHECK (change IN ('added', 'removed', 'changed')),
    display_name  TEXT    NOT NULL,
    -- JSON: [{"setting": "...", "before": ..., "after": ...}] for changed items, [] otherwise.
    changed_settings TEXT NOT NULL DEFAULT '[]',
    created_at    INTEGER NOT NULL,
    UNIQUE (run_id, external_id)
);
CREATE INDEX ix_findings_tenant ON drift_findings (tenant_id, created_at DESC);
