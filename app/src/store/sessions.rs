//! The `sessions` table: sign-in session records, kept in our own database on both backends
//! so several instances on one PostgreSQL share them. A record is stored under a hash of its
//! token (`key` here), never the token, so a copy of the table signs nobody in; it names its
//! user and workspace so their sessions can be ended together. Records are opaque JSON here;
//! the session layer in `services::auth` owns their meaning and caching.

use crate::domain::{UserId, WorkspaceId};
use crate::store::db::Db;
use sqlx::FromRow;

/// A stored session record.
#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    /// The record's data as JSON text.
    pub data: String,
    /// When it expires (milliseconds).
    pub expires_at: i64,
}

/// What is written for a session.
#[derive(Debug, Clone, Copy)]
pub struct SessionWrite<'a> {
    /// The hash of the session's token.
    pub key: &'a str,
    /// Whose session it is, once signed in.
    pub user: Option<UserId>,
    /// The workspace chosen in it.
    pub workspace: Option<WorkspaceId>,
    /// The record's data as JSON text.
    pub data: &'a str,
    /// When it expires (milliseconds).
    pub expires_at: i64,
}

/// Runs `sql` with the write's five values as `$1`…`$5`; whether it touched a row.
async fn write(db: &Db, sql: &str, w: SessionWrite<'_>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sql)
        .bind(w.key)
        .bind(w.user.map(UserId::get))
        .bind(w.workspace.map(WorkspaceId::get))
        .bind(w.data)
        .bind(w.expires_at)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores a new record; `false` when the key is taken (nothing is overwritten).
pub async fn insert_new(db: &Db, w: SessionWrite<'_>) -> Result<bool, sqlx::Error> {
    let sql = "INSERT INTO sessions (id, user_id, workspace_id, data, expires_at) VALUES ($1, $2, $3, $4, $5) \
               ON CONFLICT (id) DO NOTHING";
    write(db, sql, w).await
}

/// Replaces an existing record; `false` when there is none. Never inserts: a request still in
/// flight when its session was ended must not bring it back.
pub async fn update(db: &Db, w: SessionWrite<'_>) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE sessions SET user_id = $2, workspace_id = $3, data = $4, expires_at = $5 WHERE id = $1";
    write(db, sql, w).await
}

/// The record under `key` if it has not expired by `now` (milliseconds).
pub async fn load(db: &Db, key: &str, now: i64) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as("SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2")
        .bind(key)
        .bind(now)
        .fetch_optional(db.pool())
        .await
}

/// Deletes the record under `key`, if any.
pub async fn delete(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id = $1").bind(key).execute(db.pool()).await?;
    Ok(())
}

/// Deletes every record expired by `now` (milliseconds); returns how many.
pub async fn delete_expired(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(db.pool()).await?;
    Ok(done.rows_affected())
}
