//! Review packs (`review_packs`: generating → ready | failed, then expired), made by
//! `review_pack.generate` from a ready or published review, downloaded while ready, expired by
//! the retention sweep.
//!
//! A pack's archive lives in `review_pack_chunks`, cut into [`CHUNK_BYTES`] pieces: any
//! instance serves any download, a download holds one chunk in memory at a time (and no
//! connection between chunks, so a slow reader costs the pool nothing), and expiring a pack
//! deletes its contents in the same transaction, once for every instance.

use crate::domain::{RunId, TenantId, Timestamp, WorkspaceId};
use crate::store::db::Db;
use sqlx::{AnyConnection, FromRow};

/// The review a pack is made from.
#[derive(Debug, Clone, FromRow)]
pub struct PackSource {
    /// The review's id.
    pub id: i64,
    /// Its stored status.
    pub status: String,
    /// The fingerprint of its evidence.
    pub fingerprint: String,
    /// Its sections as JSON.
    pub sections: String,
    /// Its evidence record as JSON.
    pub evidence: String,
}

/// A drift finding as a pack exports it.
#[derive(Debug, Clone, FromRow)]
pub struct ExportedFinding {
    /// The provider's id for the item.
    pub external_id: String,
    /// `added`, `removed` or `changed`.
    pub change: String,
    /// The item's display name.
    pub display_name: String,
    /// The changed settings as JSON.
    pub changed_settings: String,
}

/// How many bytes of an archive one stored chunk holds.
pub const CHUNK_BYTES: usize = 256 * 1024;

/// How many chunks an archive of `size_bytes` is stored in.
pub fn chunk_count(size_bytes: i64) -> i64 {
    let size = u64::try_from(size_bytes).unwrap_or(0);
    i64::try_from(size.div_ceil(CHUNK_BYTES as u64)).unwrap_or(i64::MAX)
}

/// A pack as a download reads it.
#[derive(Debug, Clone, FromRow)]
pub struct PackFile {
    /// Its stored status.
    pub status: String,
    /// Its file name, once ready.
    pub file_name: Option<String>,
    /// The archive's size, once ready.
    pub size_bytes: Option<i64>,
    /// Its tenant (the caller's entitlement decides whether it exists for them).
    pub tenant_id: i64,
}

/// The ready or published review of `tenant` to make a pack from: `wanted` if given (and
/// ready or published), else the published one, else the newest ready one.
pub async fn source_review(db: &Db, tenant: TenantId, wanted: Option<i64>) -> Result<Option<PackSource>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, status, fingerprint, sections, evidence FROM environment_reviews \
         WHERE tenant_id = $1 AND status IN ('ready', 'published') AND ($2 = 0 OR id = $2) \
         ORDER BY CASE status WHEN 'published' THEN 0 ELSE 1 END, updated_at DESC, id DESC LIMIT 1",
    )
    .bind(tenant.get())
    .bind(wanted.unwrap_or(0))
    .fetch_optional(db.pool())
    .await
}

/// Fails the packs `runs` were still making (their runs ended without finishing them), in the
/// runs' terminal transaction.
pub async fn end_with_runs(db: &Db, conn: &mut AnyConnection, runs: &[RunId]) -> Result<(), sqlx::Error> {
    let sql = format!(
        "UPDATE review_packs SET status = 'failed' WHERE run_id IN ({}) AND status IN ('queued', 'generating')",
        db.params().take(runs.len())
    );
    let mut q = sqlx::query(&sql);
    for run in runs {
        q = q.bind(run.get());
    }
    q.execute(conn).await?;
    Ok(())
}

/// Opens a pack of `review` for `tenant`, made by `run` from `now`, inside the run's
/// transaction that holds its lease; its id.
pub async fn begin(
    conn: &mut AnyConnection,
    workspace: WorkspaceId,
    tenant: TenantId,
    review: i64,
    run: RunId,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO review_packs (workspace_id, tenant_id, review_id, run_id, status, created_at) \
         VALUES ($1, $2, $3, $4, 'generating', $5) RETURNING id",
    )
    .bind(workspace.get())
    .bind(tenant.get())
    .bind(review)
    .bind(run.get())
    .bind(now.millis())
    .fetch_one(conn)
    .await
}

/// Marks pack `pack` failed, if it is still being generated.
pub async fn fail(db: &Db, pack: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE review_packs SET status = 'failed' WHERE id = $1 AND status = 'generating'")
        .bind(pack)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Stores `archive` as pack `pack`'s contents and marks it ready under `file_name` at `now`,
/// kept until `expires`, if it is still being generated — inside the run's transaction that
/// holds its lease, so a pack is never ready (nor stored) for a run that ended without it.
pub async fn ready(
    conn: &mut AnyConnection,
    pack: i64,
    file_name: &str,
    archive: &[u8],
    now: Timestamp,
    expires: Timestamp,
) -> Result<(), sqlx::Error> {
    let size = i64::try_from(archive.len()).unwrap_or(i64::MAX);
    let marked = sqlx::query(
        "UPDATE review_packs SET status = 'ready', file_name = $1, size_bytes = $2, ready_at = $3, expires_at = $4 \
         WHERE id = $5 AND status = 'generating'",
    )
    .bind(file_name)
    .bind(size)
    .bind(now.millis())
    .bind(expires.millis())
    .bind(pack)
    .execute(&mut *conn)
    .await?;
    if marked.rows_affected() == 0 {
        return Ok(());
    }
    for (seq, chunk) in archive.chunks(CHUNK_BYTES).enumerate() {
        sqlx::query("INSERT INTO review_pack_chunks (pack_id, seq, bytes) VALUES ($1, $2, $3)")
            .bind(pack)
            .bind(i32::try_from(seq).unwrap_or(i32::MAX))
            .bind(chunk.to_vec())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Chunk `seq` of pack `pack`'s archive, while the pack is stored.
pub async fn chunk(db: &Db, pack: i64, seq: i64) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT bytes FROM review_pack_chunks WHERE pack_id = $1 AND seq = $2")
        .bind(pack)
        .bind(i32::try_from(seq).unwrap_or(i32::MAX))
        .fetch_optional(db.pool())
        .await
}

/// The findings of compare run `run` of `tenant`, by item id.
pub async fn findings(db: &Db, run: i64, tenant: TenantId) -> Result<Vec<ExportedFinding>, sqlx::Error> {
    sqlx::query_as(
        "SELECT external_id, change, display_name, changed_settings FROM drift_findings \
         WHERE run_id = $1 AND tenant_id = $2 ORDER BY external_id",
    )
    .bind(run)
    .bind(tenant.get())
    .fetch_all(db.pool())
    .await
}

/// The ready packs whose retention ended by `now`, at most `limit`, oldest first.
pub async fn due(db: &Db, now: Timestamp, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM review_packs WHERE status = 'ready' AND expires_at <= $1 ORDER BY expires_at, id LIMIT $2",
    )
    .bind(now.millis())
    .bind(limit)
    .fetch_all(db.pool())
    .await
}

/// Marks pack `pack` expired and deletes its contents in one transaction; `false` when it was
/// no longer ready (another instance's sweep got it).
pub async fn expire(db: &Db, pack: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query("UPDATE review_packs SET status = 'expired' WHERE id = $1 AND status = 'ready'")
        .bind(pack)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 1 {
        sqlx::query("DELETE FROM review_pack_chunks WHERE pack_id = $1").bind(pack).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// Pack `pack` of `workspace`, if there is one.
pub async fn file(db: &Db, workspace: WorkspaceId, pack: i64) -> Result<Option<PackFile>, sqlx::Error> {
    sqlx::query_as(
        "SELECT status, file_name, size_bytes, tenant_id FROM review_packs WHERE id = $1 AND workspace_id = $2",
    )
    .bind(pack)
    .bind(workspace.get())
    .fetch_optional(db.pool())
    .await
}
