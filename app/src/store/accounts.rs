//! Accounts as they are stored: users with their password hashes, memberships with their
//! tenant entitlements, and the sign-in attempts the throttle counts. Passwords reach
//! this module only as argon2id hashes.

use crate::domain::{TenantId, Timestamp, UserId, WorkspaceId, throttle};
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

/// Creates the user `email` (already normalized), or renames an existing one; a `hash` of
/// `None` keeps the stored hash, a new one ends their sessions. Returns the user's id.
pub async fn upsert_user(
    db: &Db,
    email: &str,
    name: &str,
    hash: Option<&str>,
    now: Timestamp,
) -> Result<UserId, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, display_name, created_at, password_hash) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (email) DO UPDATE SET display_name = excluded.display_name, \
         password_hash = COALESCE(excluded.password_hash, users.password_hash) RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(now.millis())
    .bind(hash)
    .fetch_one(&mut *tx)
    .await?;
    if hash.is_some() {
        end_sessions(&mut tx, UserId(id), None).await?;
    }
    tx.commit().await?;
    Ok(UserId(id))
}

/// Inside the caller's transaction: deletes `user`'s sessions, all of them or those whose
/// chosen workspace is `workspace`.
async fn end_sessions(
    conn: &mut sqlx::AnyConnection,
    user: UserId,
    workspace: Option<WorkspaceId>,
) -> Result<(), sqlx::Error> {
    match workspace {
        None => sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.get()).execute(conn).await?,
        Some(ws) => {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND workspace_id = $2")
                .bind(user.get())
                .bind(ws.get())
                .execute(conn)
                .await?
        }
    };
    Ok(())
}

/// Replaces `user`'s password hash and ends every session they have.
pub async fn set_password_hash(db: &Db, user: UserId, hash: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user.get())
        .execute(&mut *tx)
        .await?;
    end_sessions(&mut tx, user, None).await?;
    tx.commit().await
}

/// Takes every access from `user` in one transaction — memberships with their entitlements,
/// the platform role, the password and every session — and keeps the record, so the runs
/// they started still name them.
pub async fn remove_access(db: &Db, user: UserId) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    for sql in [
        "DELETE FROM membership_tenants WHERE user_id = $1",
        "DELETE FROM memberships WHERE user_id = $1",
        "UPDATE users SET password_hash = NULL, is_platform_operator = 0 WHERE id = $1",
    ] {
        sqlx::query(sql).bind(user.get()).execute(&mut *tx).await?;
    }
    end_sessions(&mut tx, user, None).await?;
    tx.commit().await
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

/// Ends `user`'s membership of `workspace` with its entitlements and their sessions there, in
/// one transaction;
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
    end_sessions(&mut tx, user, Some(workspace)).await?;
    tx.commit().await?;
    Ok(done.rows_affected() > 0)
}

/// The id and password hash of the user `email`, if there is one.
pub async fn credentials(db: &Db, email: &str) -> Result<Option<CredentialRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1").bind(email).fetch_optional(db.pool()).await
}

/// A throttle key's stored count.
#[derive(Debug, Clone, Copy, FromRow)]
struct LimitRow {
    attempts: i64,
    window_start: i64,
    blocks: i64,
    blocked_until: i64,
}

/// Counts one sign-in attempt against each of `keys` (a key and its limit), in one
/// transaction that holds each key's row until it commits, and in the order given (callers
/// name keys in one order, so two attempts never wait on each other crosswise). Returns
/// whether every key let the attempt through.
pub async fn count_attempt(db: &Db, keys: &[(&str, i64)], now: Timestamp) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let mut through = true;
    for (key, max) in keys {
        // Creating the row or touching it takes its lock on PostgreSQL; SQLite's write
        // transaction is one at a time anyway.
        let row: LimitRow = sqlx::query_as(
            "INSERT INTO sign_in_limits (key, attempts, window_start, blocks, blocked_until, seen_at) \
             VALUES ($1, 0, 0, 0, 0, $2) ON CONFLICT (key) DO UPDATE SET seen_at = excluded.seen_at \
             RETURNING attempts, window_start, blocks, blocked_until",
        )
        .bind(*key)
        .bind(now.millis())
        .fetch_one(&mut *tx)
        .await?;
        let count = throttle::Count {
            attempts: row.attempts,
            window_start: Timestamp(row.window_start),
            blocks: row.blocks,
            blocked_until: Timestamp(row.blocked_until),
        };
        let (next, go) = count.attempt(now, *max);
        through &= go;
        sqlx::query(
            "UPDATE sign_in_limits SET attempts = $2, window_start = $3, blocks = $4, blocked_until = $5 \
             WHERE key = $1",
        )
        .bind(*key)
        .bind(next.attempts)
        .bind(next.window_start.millis())
        .bind(next.blocks)
        .bind(next.blocked_until.millis())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(through)
}

/// After a right password: forgets the (client, account) key `pair` and takes the attempt
/// back from the client key `client`, in one transaction, so signing in never uses up a
/// client's allowance (an office behind one address signs in all morning).
pub async fn sign_in_succeeded(db: &Db, pair: &str, client: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM sign_in_limits WHERE key = $1").bind(pair).execute(&mut *tx).await?;
    sqlx::query("UPDATE sign_in_limits SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0")
        .bind(client)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// The statement that prunes quiet throttle keys (its plan is tested to use the index).
pub const PRUNE_LIMITS: &str = "DELETE FROM sign_in_limits WHERE seen_at < $1";

/// Deletes the counts of keys quiet since before `before`; returns how many.
pub async fn prune_attempts(db: &Db, before: Timestamp) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(PRUNE_LIMITS).bind(before.millis()).execute(db.pool()).await?;
    Ok(done.rows_affected())
}
