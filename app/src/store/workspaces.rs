//! Workspaces and their tenants as the system plane reads them: across every workspace, for
//! platform operators only (the services authorize before they ask).

use crate::domain::{TenantId, WorkspaceId};
use crate::store::db::Db;
use crate::store::runs::scope_sql;
use sqlx::FromRow;

/// A workspace with its sizes, from the counter tables and two small counts.
#[derive(Debug, Clone, FromRow)]
pub struct WorkspaceSizeRow {
    /// The workspace's id.
    pub id: i64,
    /// Its display name.
    pub name: String,
    /// How many tenants it manages.
    pub tenants: i64,
    /// How many people are members.
    pub members: i64,
    /// How many runs it has had.
    pub runs: i64,
    /// How many of them failed.
    pub failed: i64,
}

/// A workspace's id and name.
#[derive(Debug, Clone, FromRow)]
pub struct WorkspaceNameRow {
    /// The workspace's id.
    pub id: i64,
    /// Its display name.
    pub name: String,
}

/// A tenant with its workspace's name.
#[derive(Debug, Clone, FromRow)]
pub struct TenantOfWorkspaceRow {
    /// The tenant's id.
    pub id: i64,
    /// Its workspace's display name.
    pub workspace_name: String,
    /// Its display name.
    pub name: String,
}

/// Every workspace with its sizes, by name.
pub async fn sizes(db: &Db) -> Result<Vec<WorkspaceSizeRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT w.id, w.name, \
         (SELECT COUNT(*) FROM tenants t WHERE t.workspace_id = w.id) AS tenants, \
         (SELECT COUNT(*) FROM memberships m WHERE m.workspace_id = w.id) AS members, \
         (SELECT CAST(COALESCE(SUM(c.n), 0) AS BIGINT) FROM run_counts_ws c WHERE c.workspace_id = w.id) AS runs, \
         (SELECT CAST(COALESCE(SUM(c.n), 0) AS BIGINT) FROM run_counts_ws c WHERE c.workspace_id = w.id \
            AND c.status = 'completed' AND c.outcome = 'failed') AS failed \
         FROM workspaces w ORDER BY w.name, w.id",
    )
    .fetch_all(db.pool())
    .await
}

/// Every workspace's id and name, by name.
pub async fn names(db: &Db) -> Result<Vec<WorkspaceNameRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, name FROM workspaces ORDER BY name, id").fetch_all(db.pool()).await
}

/// Every tenant of every workspace, by workspace name and tenant name.
pub async fn all_tenants(db: &Db) -> Result<Vec<TenantOfWorkspaceRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.id, w.name AS workspace_name, t.name FROM tenants t JOIN workspaces w ON w.id = t.workspace_id \
         ORDER BY w.name, t.name",
    )
    .fetch_all(db.pool())
    .await
}

/// A tenant's id and name.
#[derive(Debug, Clone, FromRow)]
pub struct TenantNameRow {
    /// The tenant's id.
    pub id: i64,
    /// Its display name.
    pub name: String,
}

/// The tenants of `workspace`, by name; only those in `scope` when it is given.
pub async fn tenants_of(
    db: &Db,
    workspace: WorkspaceId,
    scope: Option<&[TenantId]>,
) -> Result<Vec<TenantNameRow>, sqlx::Error> {
    let only = scope.map(|list| scope_sql("id", list.len(), 2)).unwrap_or_default();
    let sql = format!("SELECT id, name FROM tenants WHERE workspace_id = $1{only} ORDER BY name");
    let mut q = sqlx::query_as::<_, TenantNameRow>(&sql).bind(workspace.get());
    for t in scope.into_iter().flatten() {
        q = q.bind(t.get());
    }
    q.fetch_all(db.pool()).await
}

/// Where a tenant belongs and what it is called.
#[derive(Debug, Clone, FromRow)]
pub struct TenantPlaceRow {
    /// The tenant's id.
    pub id: i64,
    /// Its workspace.
    pub workspace_id: i64,
    /// Its display name.
    pub name: String,
}

/// Every tenant of every workspace with its place and name (the live view's table of tenants).
pub async fn tenant_places(db: &Db) -> Result<Vec<TenantPlaceRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, workspace_id, name FROM tenants").fetch_all(db.pool()).await
}

/// One tenant's place and name, or `None` when there is no such tenant.
pub async fn tenant_place(db: &Db, tenant: TenantId) -> Result<Option<TenantPlaceRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, workspace_id, name FROM tenants WHERE id = $1")
        .bind(tenant.get())
        .fetch_optional(db.pool())
        .await
}
