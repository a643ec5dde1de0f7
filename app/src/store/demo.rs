//! What the demo seed writes beyond the lifecycle and the run types' own records: its
//! workspaces, tenants, people and memberships (each created only if missing), the demo
//! provider's items and the customer's changes to them, and the key that marks the demo as
//! seeded. The seed's run history itself goes through the lifecycle and the real handlers.

use crate::domain::{TenantId, Timestamp, UserId, WorkspaceId};
use crate::store::db::Db;
use sqlx::{AnyConnection, FromRow};

/// A provider item as the customer's changes read it.
#[derive(Debug, Clone, FromRow)]
pub struct ItemSettings {
    /// Our row id.
    pub id: i64,
    /// Its settings.
    pub settings: String,
}

/// A provider item to create.
#[derive(Debug, Clone, Copy)]
pub struct NewProviderItem<'a> {
    /// The provider's id for it.
    pub external_id: &'a str,
    /// What kind of configuration it is.
    pub kind: &'a str,
    /// Its display name.
    pub display_name: &'a str,
    /// Its settings.
    pub settings: &'a str,
}

/// Creates the workspace `slug` if missing; its id.
pub async fn ensure_workspace(db: &Db, slug: &str, name: &str, now: Timestamp) -> Result<WorkspaceId, sqlx::Error> {
    sqlx::query("INSERT INTO workspaces (slug, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (slug) DO NOTHING")
        .bind(slug)
        .bind(name)
        .bind(now.millis())
        .execute(db.pool())
        .await?;
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM workspaces WHERE slug = $1").bind(slug).fetch_one(db.pool()).await?;
    Ok(WorkspaceId(id))
}

/// Creates the tenant `slug` of `workspace` if missing; its id.
pub async fn ensure_tenant(
    db: &Db,
    workspace: WorkspaceId,
    slug: &str,
    name: &str,
    now: Timestamp,
) -> Result<TenantId, sqlx::Error> {
    sqlx::query(
        "INSERT INTO tenants (workspace_id, slug, name, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (workspace_id, slug) DO NOTHING",
    )
    .bind(workspace.get())
    .bind(slug)
    .bind(name)
    .bind(now.millis())
    .execute(db.pool())
    .await?;
    let id: i64 = sqlx::query_scalar("SELECT id FROM tenants WHERE workspace_id = $1 AND slug = $2")
        .bind(workspace.get())
        .bind(slug)
        .fetch_one(db.pool())
        .await?;
    Ok(TenantId(id))
}

/// Creates the user `email` (no password) if missing; their id.
pub async fn ensure_user(db: &Db, email: &str, name: &str, now: Timestamp) -> Result<UserId, sqlx::Error> {
    sqlx::query(
        "INSERT INTO users (email, display_name, created_at) VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING",
    )
    .bind(email)
    .bind(name)
    .bind(now.millis())
    .execute(db.pool())
    .await?;
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(db.pool()).await?;
    Ok(UserId(id))
}

/// Makes `user` a member of `workspace` with `role` over every tenant, unless they are a
/// member there already.
pub async fn ensure_membership(db: &Db, user: UserId, workspace: WorkspaceId, role: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO memberships (user_id, workspace_id, role, all_tenants) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (user_id, workspace_id) DO NOTHING",
    )
    .bind(user.get())
    .bind(workspace.get())
    .bind(role)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Inside the caller's transaction: gives the demo provider `item` for `tenant` (version 1,
/// at `now`), unless it has an item with that id already.
pub async fn ensure_provider_item(
    conn: &mut AnyConnection,
    tenant: TenantId,
    item: NewProviderItem<'_>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO provider_items (tenant_id, external_id, kind, display_name, settings, version, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6) ON CONFLICT (tenant_id, external_id) DO NOTHING",
    )
    .bind(tenant.get())
    .bind(item.external_id)
    .bind(item.kind)
    .bind(item.display_name)
    .bind(item.settings)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// Inside the caller's transaction: the first `limit` provider items of `tenant` by external id.
pub async fn first_provider_items(
    conn: &mut AnyConnection,
    tenant: TenantId,
    limit: i64,
) -> Result<Vec<ItemSettings>, sqlx::Error> {
    sqlx::query_as("SELECT id, settings FROM provider_items WHERE tenant_id = $1 ORDER BY external_id LIMIT $2")
        .bind(tenant.get())
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// Inside the caller's transaction: the customer changed provider item `id` to `settings` at
/// `now` (a new version).
pub async fn change_provider_item(
    conn: &mut AnyConnection,
    id: i64,
    settings: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE provider_items SET settings = $1, version = version + 1, updated_at = $2 WHERE id = $3")
        .bind(settings)
        .bind(now.millis())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Inside the caller's transaction: the customer removed provider item `id`.
pub async fn remove_provider_item(conn: &mut AnyConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM provider_items WHERE id = $1").bind(id).execute(conn).await?;
    Ok(())
}

/// Takes the key `key` with `value`; `false` when it was taken already (the demo is seeded,
/// or another instance is seeding it).
pub async fn take_key(db: &Db, key: &str, value: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("INSERT INTO app_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(value)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives the key `key` back.
pub async fn release_key(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM app_meta WHERE key = $1").bind(key).execute(db.pool()).await?;
    Ok(())
}

/// The newest ready review of `tenant`, if any.
pub async fn newest_ready_review(db: &Db, tenant: TenantId) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM environment_reviews WHERE tenant_id = $1 AND status = 'ready' ORDER BY id DESC LIMIT 1",
    )
    .bind(tenant.get())
    .fetch_optional(db.pool())
    .await
}

/// The newest baseline snapshot of `tenant` by id, if any.
pub async fn newest_snapshot(db: &Db, tenant: TenantId) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM baseline_snapshots WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1")
        .bind(tenant.get())
        .fetch_optional(db.pool())
        .await
}

/// Writes `counts` (JSON) onto run `id` exactly as given, past the lifecycle's checks: the
/// demo's record whose counts contradict each other, as a damaged or foreign record can,
/// which every surface must show as activity and never as a number.
pub async fn write_counts_unchecked(db: &Db, id: i64, counts: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE operation_runs SET summary_counts = $1 WHERE id = $2")
        .bind(counts)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}
