-- Review packs: a downloadable ZIP of an environment review (review_pack.generate).
-- queued → generating → ready | failed; a ready pack becomes expired after its retention
-- period, when the sweep deletes its file.

CREATE TABLE review_packs (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id),
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    review_id     INTEGER REFERENCES environment_reviews (id),
    run_id        INTEGER NOT NULL UNIQUE REFERENCES operation_runs (id),
    status        TEXT    NOT NULL CHECK (status IN ('queued', 'generating', 'ready', 'failed', 'expired')),
    file_name     TEXT,
    size_bytes    INTEGER,
    created_at    INTEGER NOT NULL,
    ready_at      INTEGER,
    expires_at    INTEGER
);
CREATE INDEX ix_packs_tenant ON review_packs (tenant_id, created_at DESC);
CREATE INDEX ix_packs_expiry ON review_packs (expires_at) WHERE status = 'ready';
