//! People as sign-in and authorization read them: users, their memberships (role and whether
//! they are entitled to every tenant) and their tenant entitlements.

use crate::domain::{TenantId, UserId, WorkspaceId};
use crate::store::db::Db;
use sqlx::FromRow;

/// A user's membership of one workspace, as stored.
#[derive(Debug, Clone, FromRow)]
pub struct MembershipRow {
    /// The user's display name.
    pub display_name: String,
    /// The stored role spelling.
    pub role: String,
    /// 1 when entitled to every tenant of the workspace.
    pub all_tenants: i64,
    /// 1 for a platform operator.
    pub is_platform_operator: i64,
    /// The stored language code, if the user chose one.
    pub locale: Option<String>,
}

/// A user's own record, as stored.
#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    /// The user's display name.
    pub display_name: String,
    /// 1 for a platform operator.
    pub is_platform_operator: i64,
    /// The stored language code, if the user chose one.
    pub locale: Option<String>,
}

/// `user`'s membership of `workspace` with their own record, or `None` when they are not a
/// member there.
pub async fn membership(db: &Db, user: UserId, workspace: WorkspaceId) -> Result<Option<MembershipRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.display_name, m.role, m.all_tenants, u.is_platform_operator, u.locale FROM users u \
         JOIN memberships m ON m.user_id = u.id WHERE u.id = $1 AND m.workspace_id = $2",
    )
    .bind(user.get())
    .bind(workspace.get())
    .fetch_optional(db.pool())
    .await
}

/// The tenants of `workspace` that `user` is entitled to by name, in id order. Entitlements
/// naming a tenant of another workspace are ignored.
pub async fn entitled_tenants(db: &Db, user: UserId, workspace: WorkspaceId) -> Result<Vec<TenantId>, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT e.tenant_id FROM membership_tenants e JOIN tenants t ON t.id = e.tenant_id \
         WHERE e.user_id = $1 AND e.workspace_id = $2 AND t.workspace_id = $2 ORDER BY e.tenant_id",
    )
    .bind(user.get())
    .bind(workspace.get())
    .fetch_all(db.pool())
    .await?;
    Ok(ids.into_iter().map(TenantId).collect())
}

/// `user`'s own record, or `None` when there is no such user.
pub async fn user(db: &Db, user: UserId) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as("SELECT display_name, is_platform_operator, locale FROM users WHERE id = $1")
        .bind(user.get())
        .fetch_optional(db.pool())
        .await
}

/// Stores `user`'s language code (`None`: follow the browser).
pub async fn set_locale(db: &Db, user: UserId, code: Option<&str>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET locale = $1 WHERE id = $2").bind(code).bind(user.get()).execute(db.pool()).await?;
    Ok(())
}

/// `user`'s display name, or `None` when there is no such user.
pub async fn display_name(db: &Db, user: UserId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1").bind(user.get()).fetch_optional(db.pool()).await
}

/// The workspaces `user` is a member of, by name.
pub async fn workspaces_of(
    db: &Db,
    user: UserId,
) -> Result<Vec<crate::store::workspaces::WorkspaceNameRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT w.id, w.name FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
         WHERE m.user_id = $1 ORDER BY w.name, w.id",
    )
    .bind(user.get())
    .fetch_all(db.pool())
    .await
}

/// The first workspace (by id) `user` is a member of.
pub async fn first_workspace(db: &Db, user: UserId) -> Result<Option<WorkspaceId>, sqlx::Error> {
    let ws: Option<i64> =
        sqlx::query_scalar("SELECT workspace_id FROM memberships WHERE user_id = $1 ORDER BY workspace_id LIMIT 1")
            .bind(user.get())
            .fetch_optional(db.pool())
            .await?;
    Ok(ws.map(WorkspaceId))
}
