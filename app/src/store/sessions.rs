//! The `sessions` table: sign-in session records, kept in our own database on both backends
//! so several instances on one PostgreSQL share them. Records are opaque JSON here; the
//! session layer in `services::auth` owns their meaning and caching.

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

/// Stores a new record under `id`; `false` when the id is taken (nothing is overwritten).
pub async fn insert_new(db: &Db, id: &str, data: &str, expires_at: i64) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
            .bind(id)
            .bind(data)
            .bind(expires_at)
            .execute(db.pool())
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores the record under `id`, replacing what was there.
pub async fn upsert(db: &Db, id: &str, data: &str, expires_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
    )
    .bind(id)
    .bind(data)
    .bind(expires_at)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// The record under `id` if it has not expired by `now` (milliseconds).
pub async fn load(db: &Db, id: &str, now: i64) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as("SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2")
        .bind(id)
        .bind(now)
        .fetch_optional(db.pool())
        .await
}

/// Deletes the record under `id`, if any.
pub async fn delete(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(db.pool()).await?;
    Ok(())
}

/// Deletes every record expired by `now` (milliseconds); returns how many.
pub async fn delete_expired(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(db.pool()).await?;
    Ok(done.rows_affected())
}
