//! The `api_tokens` table: a workspace's API tokens. A token is stored under the SHA-256 of
//! its secret, never the secret, so a copy of the table authorizes nobody; `services::tokens`
//! owns what a token means.

use crate::domain::{TenantId, TokenId, UserId, WorkspaceId};
use crate::store::db::Db;
use sqlx::FromRow;

/// A stored token, as lists and the authentication step read it.
#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    /// The token's id.
    pub id: i64,
    /// Its workspace.
    pub workspace_id: i64,
    /// The one tenant it is restricted to, if any.
    pub tenant_id: Option<i64>,
    /// That tenant's slug.
    pub tenant_slug: Option<String>,
    /// That tenant's display name.
    pub tenant_name: Option<String>,
    /// Its name.
    pub name: String,
    /// Its grants as stored (comma-separated spellings).
    pub capabilities: String,
    /// The first characters of its secret.
    pub prefix: String,
    /// Who made it.
    pub created_by: i64,
    /// When it was made (milliseconds).
    pub created_at: i64,
    /// When it stops working, if ever.
    pub expires_at: Option<i64>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
    /// When it was last used (kept to the minute).
    pub last_used_at: Option<i64>,
}

/// What is written for a new token.
#[derive(Debug, Clone, Copy)]
pub struct NewTokenRow<'a> {
    /// Its workspace.
    pub workspace: WorkspaceId,
    /// The one tenant it is restricted to, if any.
    pub tenant: Option<TenantId>,
    /// Its name.
    pub name: &'a str,
    /// Its grants' stored spelling.
    pub capabilities: &'a str,
    /// The first characters of its secret.
    pub prefix: &'a str,
    /// The SHA-256 of its secret, in hex.
    pub secret_hash: &'a str,
    /// Who made it.
    pub created_by: UserId,
    /// When (milliseconds).
    pub created_at: i64,
    /// When it stops working, if ever.
    pub expires_at: Option<i64>,
}

const COLUMNS: &str = "t.id, t.workspace_id, t.tenant_id, tn.slug AS tenant_slug, tn.name AS tenant_name, t.name, t.capabilities, t.prefix, \
                       t.created_by, t.created_at, t.expires_at, t.revoked_at, t.last_used_at";

/// Stores a new token; its id.
pub async fn insert(db: &Db, t: NewTokenRow<'_>) -> Result<TokenId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (workspace_id, tenant_id, name, capabilities, prefix, secret_hash, created_by, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(t.workspace.get())
    .bind(t.tenant.map(TenantId::get))
    .bind(t.name)
    .bind(t.capabilities)
    .bind(t.prefix)
    .bind(t.secret_hash)
    .bind(t.created_by.get())
    .bind(t.created_at)
    .bind(t.expires_at)
    .fetch_one(db.pool())
    .await?;
    Ok(TokenId(id))
}

/// Every token of `workspace`, newest first, revoked ones included (the record stays).
pub async fn list(db: &Db, workspace: WorkspaceId) -> Result<Vec<TokenRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM api_tokens t LEFT JOIN tenants tn ON tn.id = t.tenant_id \
         WHERE t.workspace_id = $1 ORDER BY t.id DESC"
    );
    sqlx::query_as(&sql).bind(workspace.get()).fetch_all(db.pool()).await
}

/// Token `id` of `workspace`, whatever its state.
pub async fn get(db: &Db, workspace: WorkspaceId, id: TokenId) -> Result<Option<TokenRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM api_tokens t LEFT JOIN tenants tn ON tn.id = t.tenant_id \
         WHERE t.id = $1 AND t.workspace_id = $2"
    );
    sqlx::query_as(&sql).bind(id.get()).bind(workspace.get()).fetch_optional(db.pool()).await
}

/// The token stored under `secret_hash`, whatever its state (the caller decides).
pub async fn by_secret_hash(db: &Db, secret_hash: &str) -> Result<Option<TokenRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM api_tokens t LEFT JOIN tenants tn ON tn.id = t.tenant_id WHERE t.secret_hash = $1"
    );
    sqlx::query_as(&sql).bind(secret_hash).fetch_optional(db.pool()).await
}

/// Revokes token `id` of `workspace` at `now`; `false` when there is no such token or it was
/// revoked already (the first revocation's time is kept).
pub async fn revoke(db: &Db, workspace: WorkspaceId, id: TokenId, now: i64) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND workspace_id = $2 AND revoked_at IS NULL")
            .bind(id.get())
            .bind(workspace.get())
            .bind(now)
            .execute(db.pool())
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether token `id` of `workspace` exists (revoked or not).
pub async fn exists(db: &Db, workspace: WorkspaceId, id: TokenId) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens WHERE id = $1 AND workspace_id = $2")
        .bind(id.get())
        .bind(workspace.get())
        .fetch_one(db.pool())
        .await?;
    Ok(n > 0)
}

/// Notes that token `id` was used at `now`, at most once per `every` milliseconds, so a busy
/// worker's calls do not each write a row.
pub async fn touch(db: &Db, id: TokenId, now: i64, every: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)",
    )
    .bind(id.get())
    .bind(now)
    .bind(now - every)
    .execute(db.pool())
    .await?;
    Ok(())
}
