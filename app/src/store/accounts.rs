//! Accounts as they are stored: users with their password hashes, memberships with their
//! tenant entitlements, and the recent sign-in failures the throttle counts. Passwords reach
//! this module only as argon2id hashes.

use crate::domain::{TenantId, Timestamp, UserId, WorkspaceId};
use crate::store::db::Db;
use sqlx::FromRow;

/// What sign-in needs of a user.
#[derive(Debug, Clone, FromRow)]
pub struct CredentialRow {
    /// The user's id.
    pub id: i64,
    /// Their argon2id hash, if they may sign in with a password.
    pub password_hash: Option<String>,
}

/// Recent sign-in failures, counted the two ways the throttle limits them.
#[derive(Debug, Clone, Copy, FromRow)]
pub struct FailureCounts {
    /// Failures for the account.
    pub by_account: i64,
    /// Failures from the client address.
    pub by_client: i64,
}

/// Creates the user `email` (already normalized), or renames an existing one; a `hash` of
/// `None` keeps the stored hash. Returns the user's id.
pub async fn upsert_user(
    db: &Db,
    email: &str,
    name: &str,
    hash: Option<&str>,
    now: Timestamp,
) -> Result<UserId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, display_name, created_at, password_hash) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (email) DO UPDATE SET display_name = excluded.display_name, \
         password_hash = COALESCE(excluded.password_hash, users.password_hash) RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(now.millis())
    .bind(hash)
    .fetch_one(db.pool())
    .await?;
    Ok(UserId(id))
}

/// Replaces `user`'s password hash.
pub async fn set_password_hash(db: &Db, user: UserId, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user.get())
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Makes `user` a platform operator, or not.
pub async fn set_platform_operator(db: &Db, user: UserId, platform: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET is_platform_operator = $1 WHERE id = $2")
        .bind(i64::from(platform))
        .bind(user.get())
        .execute(db.pool())
        .await?;
    Ok(())
}

/// The user whose (normalized) email is `email`.
pub async fn user_by_email(db: &Db, email: &str) -> Result<Option<UserId>, sqlx::Error> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_optional(db.pool()).await?;
    Ok(id.map(UserId))
}

/// The workspace whose slug is `slug`.
pub async fn workspace_by_slug(db: &Db, slug: &str) -> Result<Option<WorkspaceId>, sqlx::Error> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM workspaces WHERE slug = $1").bind(slug).fetch_optional(db.pool()).await?;
    Ok(id.map(WorkspaceId))
}

/// The tenant of `workspace` whose slug is `slug`.
pub async fn tenant_by_slug(db: &Db, workspace: WorkspaceId, slug: &str) -> Result<Option<TenantId>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM tenants WHERE workspace_id = $1 AND slug = $2")
        .bind(workspace.get())
        .bind(slug)
        .fetch_optional(db.pool())
        .await?;
    Ok(id.map(TenantId))
}

/// Makes `user` a member of `workspace` with `role` (its stored spelling), over every tenant
/// (`tenants` = `None`) or exactly these, replacing an earlier membership there, in one
/// transaction.
pub async fn replace_membership(
    db: &Db,
    user: UserId,
    workspace: WorkspaceId,
    role: &str,
    tenants: Option<&[TenantId]>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO memberships (user_id, workspace_id, role, all_tenants) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, workspace_id) DO UPDATE SET role = excluded.role, all_tenants = excluded.all_tenants",
    )
    .bind(user.get())
    .bind(workspace.get())
    .bind(role)
    .bind(i64::from(tenants.is_none()))
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM membership_tenants WHERE user_id = $1 AND workspace_id = $2")
        .bind(user.get())
        .bind(workspace.get())
        .execute(&mut *tx)
        .await?;
    for t in tenants.unwrap_or_default() {
        sqlx::query("INSERT INTO membership_tenants (user_id, workspace_id, tenant_id) VALUES ($1, $2, $3)")
            .bind(user.get())
            .bind(workspace.get())
            .bind(t.get())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// Ends `user`'s membership of `workspace` with its entitlements, in one transaction;
/// `false` when there was none.
pub async fn remove_membership(db: &Db, user: UserId, workspace: WorkspaceId) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM membership_tenants WHERE user_id = $1 AND workspace_id = $2")
        .bind(user.get())
        .bind(workspace.get())
        .execute(&mut *tx)
        .await?;
    let done = sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND workspace_id = $2")
        .bind(user.get())
        .bind(workspace.get())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected() > 0)
}

/// Sign-in failures since `since` for the account `email` and from `client`.
pub async fn recent_failures(
    db: &Db,
    email: &str,
    client: &str,
    since: Timestamp,
) -> Result<FailureCounts, sqlx::Error> {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM sign_in_failures WHERE email = $1 AND at > $3) AS by_account, \
         (SELECT COUNT(*) FROM sign_in_failures WHERE client = $2 AND at > $3) AS by_client",
    )
    .bind(email)
    .bind(client)
    .bind(since.millis())
    .fetch_one(db.pool())
    .await
}

/// The id and password hash of the user `email`, if there is one.
pub async fn credentials(db: &Db, email: &str) -> Result<Option<CredentialRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1").bind(email).fetch_optional(db.pool()).await
}

/// Records a failed sign-in at `now`, and forgets failures older than `forget_before`.
pub async fn record_failure(
    db: &Db,
    email: &str,
    client: &str,
    now: Timestamp,
    forget_before: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sign_in_failures (email, client, at) VALUES ($1, $2, $3)")
        .bind(email)
        .bind(client)
        .bind(now.millis())
        .execute(db.pool())
        .await?;
    sqlx::query("DELETE FROM sign_in_failures WHERE at < $1").bind(forget_before.millis()).execute(db.pool()).await?;
    Ok(())
}
