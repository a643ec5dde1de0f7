-- Environment reviews, composed by environment.review.compose from their evidence sources.
-- Lifecycle: composing → ready → published (a newer published review supersedes the older);
-- failed. At most one mutable review (composing or ready) per tenant and evidence fingerprint.

CREATE TABLE environment_reviews (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id),
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id),
    fingerprint     TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('composing', 'ready', 'published', 'superseded', 'failed')),
    compose_run_id  INTEGER REFERENCES operation_runs (id),
    sections        TEXT    NOT NULL DEFAULT '[]',
    evidence        TEXT    NOT NULL DEFAULT '{}',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    published_at    INTEGER
);
CREATE UNIQUE INDEX ux_reviews_mutable ON environment_reviews (tenant_id, fingerprint)
    WHERE status IN ('composing', 'ready');
CREATE INDEX ix_reviews_tenant ON environment_reviews (tenant_id, created_at DESC);
