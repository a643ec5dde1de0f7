-- Tenant entitlements: a membership with all_tenants = 0 covers only the tenants listed here.
CREATE TABLE membership_tenants (
    user_id       BIGINT  NOT NULL REFERENCES users (id),
    workspace_id  BIGINT  NOT NULL REFERENCES workspaces (id),
    tenant_id     BIGINT  NOT NULL REFERENCES tenants (id),
    PRIMARY KEY (user_id, workspace_id, tenant_id)
);
