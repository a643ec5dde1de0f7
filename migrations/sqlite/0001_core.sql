-- Opshub core schema (SQLite dialect). Timestamps are integer milliseconds since the Unix
-- epoch and JSON documents are TEXT, so one code base reads both databases the same way.

CREATE TABLE workspaces (
    id          INTEGER PRIMARY KEY,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE tenants (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id),
    slug          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (workspace_id, slug)
);

CREATE TABLE users (
    id                    INTEGER PRIMARY KEY,
    email                 TEXT    NOT NULL UNIQUE,
    display_name          TEXT    NOT NULL,
    is_platform_operator  INTEGER NOT NULL DEFAULT 0,
    created_at            INTEGER NOT NULL
);

CREATE TABLE memberships (
    user_id       INTEGER NOT NULL REFERENCES users (id),
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id),
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'manager', 'operator', 'reader')),
    all_tenants   INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (user_id, workspace_id)
);

CREATE TABLE operation_runs (
    id                INTEGER PRIMARY KEY,
    workspace_id      INTEGER NOT NULL REFERENCES workspaces (id),
    tenant_id         INTEGER REFERENCES tenants (id),
    run_type          TEXT    NOT NULL,
    initiator_id      INTEGER REFERENCES users (id),
    status            TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'completed')),
    outcome           TEXT    CHECK (outcome IN ('succeeded', 'partially_succeeded', 'failed', 'blocked', 'cancelled')),
    summary_counts    TEXT    NOT NULL DEFAULT '{}',
    context           TEXT    NOT NULL DEFAULT '{}',
    failure_code      TEXT,
    failure_message   TEXT,
    failure_detail    TEXT,
    created_at        INTEGER NOT NULL,
    started_at        INTEGER,
    completed_at      INTEGER,
    updated_at        INTEGER NOT NULL,
    heartbeat_at      INTEGER,
    lease_owner       TEXT,
    lease_expires_at  INTEGER,
    attempt           INTEGER NOT NULL DEFAULT 0,
    dedupe_key        TEXT,
    active_key        TEXT    NOT NULL,
    CHECK ((status = 'completed') = (outcome IS NOT NULL))
);

-- At most one active run per (workspace, tenant, type, dedupe key): starting again returns it.
CREATE UNIQUE INDEX ux_runs_active_key ON operation_runs (active_key) WHERE status <> 'completed';
-- The poll path: one tenant's active runs.
CREATE INDEX ix_runs_active_tenant ON operation_runs (tenant_id, created_at) WHERE status <> 'completed';
-- Keyset pages of the operations list, unfiltered and by tenant or status.
CREATE INDEX ix_runs_ws_created ON operation_runs (workspace_id, created_at DESC, id DESC);
CREATE INDEX ix_runs_ws_tenant_created ON operation_runs (workspace_id, tenant_id, created_at DESC, id DESC);
CREATE INDEX ix_runs_ws_status_created ON operation_runs (workspace_id, status, created_at DESC, id DESC);
-- Workers claim the oldest queued run.
CREATE INDEX ix_runs_queued ON operation_runs (created_at, id) WHERE status = 'queued';

CREATE TABLE notifications (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id),
    run_id        INTEGER REFERENCES operation_runs (id),
    kind          TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    link          TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    read_at       INTEGER,
    -- e.g. 'run-terminal:42': exactly one terminal notification per run by construction.
    dedupe_key    TEXT    NOT NULL UNIQUE
);
CREATE INDEX ix_notifications_user ON notifications (user_id, created_at DESC);

-- The demo provider's configuration items (stands in for the customer's cloud).
CREATE TABLE provider_items (
    id            INTEGER PRIMARY KEY,
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    external_id   TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    display_name  TEXT    NOT NULL,
    settings      TEXT    NOT NULL DEFAULT '{}',
    version       INTEGER NOT NULL DEFAULT 1,
    updated_at    INTEGER NOT NULL,
    UNIQUE (tenant_id, external_id)
);

-- Our inventory of each tenant's items, written by inventory.sync.
CREATE TABLE inventory_items (
    id                INTEGER PRIMARY KEY,
    tenant_id         INTEGER NOT NULL REFERENCES tenants (id),
    external_id       TEXT    NOT NULL,
    kind              TEXT    NOT NULL,
    display_name      TEXT    NOT NULL,
    settings          TEXT    NOT NULL DEFAULT '{}',
    version           INTEGER NOT NULL,
    first_seen_at     INTEGER NOT NULL,
    last_synced_at    INTEGER NOT NULL,
    last_sync_run_id  INTEGER REFERENCES operation_runs (id),
    UNIQUE (tenant_id, external_id)
);

CREATE TABLE app_meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
