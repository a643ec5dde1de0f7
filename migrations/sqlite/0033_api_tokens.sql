-- Workspace API tokens (specs/runs-api, "Tokens"): a platform's own workers call the runs API
-- with one. Only a SHA-256 of the secret is kept, so a copy of this table authorizes nobody;
-- `prefix` is the secret's first characters, for telling tokens apart in a list.
-- `capabilities` is the token's grant as comma-separated spellings (read_runs, start_runs,
-- report_runs); `tenant_id` restricts it to one tenant of the workspace when set.

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id),
    tenant_id     INTEGER REFERENCES tenants (id),
    name          TEXT    NOT NULL,
    capabilities  TEXT    NOT NULL,
    prefix        TEXT    NOT NULL,
    secret_hash   TEXT    NOT NULL UNIQUE,
    created_by    INTEGER NOT NULL REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    revoked_at    INTEGER,
    last_used_at  INTEGER
);

CREATE INDEX ix_api_tokens_workspace ON api_tokens (workspace_id, id);
