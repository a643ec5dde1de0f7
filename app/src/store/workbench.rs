//! A tenant's business records as its workbench lists them: baseline snapshots, environment
//! reviews, review packs, restores, inventory and the latest compare's drift findings. The
//! run types write these records inside their runs; this module reads the newest of each.

use crate::domain::{TenantId, WorkspaceId};
use crate::store::db::Db;
use sqlx::FromRow;

/// How many records of each kind a workbench lists.
pub const RECENT: i64 = 20;

/// How many drift findings a workbench lists.
pub const FINDINGS: i64 = 50;

/// A baseline snapshot.
#[derive(Debug, Clone, FromRow)]
pub struct SnapshotRecord {
    /// The snapshot's id.
    pub id: i64,
    /// How many items it holds.
    pub item_count: i64,
    /// When it was captured (milliseconds).
    pub captured_at: i64,
}

/// An environment review.
#[derive(Debug, Clone, FromRow)]
pub struct ReviewRecord {
    /// The review's id.
    pub id: i64,
    /// Its stored status.
    pub status: String,
    /// The fingerprint of the evidence it was composed from.
    pub fingerprint: String,
    /// When it last changed (milliseconds).
    pub updated_at: i64,
}

/// A review pack.
#[derive(Debug, Clone, FromRow)]
pub struct PackRecord {
    /// The pack's id.
    pub id: i64,
    /// Its stored status.
    pub status: String,
    /// When it expires (milliseconds), once ready.
    pub expires_at: Option<i64>,
}

/// A restore with its run's status and per-item tallies.
#[derive(Debug, Clone, FromRow)]
pub struct RestoreRecord {
    /// The restore's id.
    pub id: i64,
    /// Its stored status.
    pub status: String,
    /// The snapshot it puts back.
    pub snapshot_id: i64,
    /// The run that applies it.
    pub run_id: i64,
    /// When it started (milliseconds).
    pub started_at: i64,
    /// Its run's stored status.
    pub run_status: String,
    /// Items applied so far.
    pub applied: i64,
    /// Items that failed.
    pub failed: i64,
}

/// One inventory item.
#[derive(Debug, Clone, FromRow)]
pub struct InventoryRecord {
    /// The provider's id of the item.
    pub external_id: String,
    /// Its display name.
    pub display_name: String,
    /// What kind of configuration item it is.
    pub kind: String,
    /// Its version at the last sync.
    pub version: i64,
}

/// One drift finding of a compare.
#[derive(Debug, Clone, FromRow)]
pub struct FindingRecord {
    /// The provider's id of the item.
    pub external_id: String,
    /// Its display name.
    pub display_name: String,
    /// `added`, `removed` or `changed`.
    pub change: String,
    /// The changed settings as stored JSON (`[{"setting": …}, …]`).
    pub changed_settings: String,
}

/// The tenant's newest baseline snapshots.
pub async fn snapshots(db: &Db, tenant: TenantId) -> Result<Vec<SnapshotRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, item_count, captured_at FROM baseline_snapshots WHERE tenant_id = $1 \
         ORDER BY captured_at DESC, id DESC LIMIT $2",
    )
    .bind(tenant.get())
    .bind(RECENT)
    .fetch_all(db.pool())
    .await
}

/// The tenant's newest environment reviews.
pub async fn reviews(db: &Db, tenant: TenantId) -> Result<Vec<ReviewRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, status, fingerprint, updated_at FROM environment_reviews WHERE tenant_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(tenant.get())
    .bind(RECENT)
    .fetch_all(db.pool())
    .await
}

/// The tenant's newest review packs.
pub async fn packs(db: &Db, tenant: TenantId) -> Result<Vec<PackRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, status, expires_at FROM review_packs WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(tenant.get())
    .bind(RECENT)
    .fetch_all(db.pool())
    .await
}

/// The tenant's newest restores with their runs' statuses and item tallies.
pub async fn restores(db: &Db, tenant: TenantId) -> Result<Vec<RestoreRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id, r.status, r.snapshot_id, r.run_id, r.started_at, o.status AS run_status, \
         (SELECT COUNT(*) FROM restore_items i WHERE i.restore_id = r.id AND i.result = 'applied') AS applied, \
         (SELECT COUNT(*) FROM restore_items i WHERE i.restore_id = r.id AND i.result = 'failed') AS failed \
         FROM restores r JOIN operation_runs o ON o.id = r.run_id WHERE r.tenant_id = $1 \
         ORDER BY r.started_at DESC, r.id DESC LIMIT $2",
    )
    .bind(tenant.get())
    .bind(RECENT)
    .fetch_all(db.pool())
    .await
}

/// How many inventory items the tenant has.
pub async fn inventory_count(db: &Db, tenant: TenantId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM inventory_items WHERE tenant_id = $1")
        .bind(tenant.get())
        .fetch_one(db.pool())
        .await
}

/// The first inventory items of the tenant by name.
pub async fn inventory(db: &Db, tenant: TenantId) -> Result<Vec<InventoryRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT external_id, display_name, kind, version FROM inventory_items WHERE tenant_id = $1 \
         ORDER BY display_name, external_id LIMIT $2",
    )
    .bind(tenant.get())
    .bind(RECENT)
    .fetch_all(db.pool())
    .await
}

/// The run id of the tenant's latest baseline compare that produced findings (succeeded or
/// partially succeeded).
pub async fn latest_compare(db: &Db, tenant: TenantId) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM operation_runs WHERE tenant_id = $1 AND run_type = 'baseline.compare' AND status = 'completed' \
         AND outcome IN ('succeeded', 'partially_succeeded') ORDER BY completed_at DESC, id DESC LIMIT 1",
    )
    .bind(tenant.get())
    .fetch_optional(db.pool())
    .await
}

/// The first drift findings of compare run `run`, by item id.
pub async fn findings(db: &Db, run: i64) -> Result<Vec<FindingRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT external_id, display_name, change, changed_settings FROM drift_findings WHERE run_id = $1 \
         ORDER BY external_id LIMIT $2",
    )
    .bind(run)
    .bind(FINDINGS)
    .fetch_all(db.pool())
    .await
}

/// The tenant of review `review` of `workspace`, or `None` when the workspace has no such
/// review.
pub async fn review_tenant(db: &Db, workspace: WorkspaceId, review: i64) -> Result<Option<TenantId>, sqlx::Error> {
    let tenant: Option<i64> =
        sqlx::query_scalar("SELECT tenant_id FROM environment_reviews WHERE id = $1 AND workspace_id = $2")
            .bind(review)
            .bind(workspace.get())
            .fetch_optional(db.pool())
            .await?;
    Ok(tenant.map(TenantId))
}

/// Whether review `review` is the tenant's and ready or published (what a pack is made from).
pub async fn review_ready_for_pack(db: &Db, tenant: TenantId, review: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM environment_reviews WHERE id = $1 AND tenant_id = $2 AND status IN ('ready', 'published')",
    )
    .bind(review)
    .bind(tenant.get())
    .fetch_optional(db.pool())
    .await?;
    Ok(found.is_some())
}

/// The tenant's newest review pack with its run's stored failure sentence.
#[derive(Debug, Clone, FromRow)]
pub struct LatestPackRecord {
    /// The pack's id.
    pub id: i64,
    /// Its stored status.
    pub status: String,
    /// The review it was made from.
    pub review_id: Option<i64>,
    /// The run that makes it.
    pub run_id: i64,
    /// The archive's size, once ready.
    pub size_bytes: Option<i64>,
    /// When it expires (milliseconds), once ready.
    pub expires_at: Option<i64>,
    /// Its run's stored failure sentence, if the run failed.
    pub failure_message: Option<String>,
}

/// The tenant's newest review pack, if it has one.
pub async fn latest_pack(db: &Db, tenant: TenantId) -> Result<Option<LatestPackRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.id, p.status, p.review_id, p.run_id, p.size_bytes, p.expires_at, o.failure_message \
         FROM review_packs p JOIN operation_runs o ON o.id = p.run_id WHERE p.tenant_id = $1 \
         ORDER BY p.created_at DESC, p.id DESC LIMIT 1",
    )
    .bind(tenant.get())
    .fetch_optional(db.pool())
    .await
}
