//! Baseline snapshots of a tenant's provider items (`baseline_snapshots`, with their items in
//! `baseline_snapshot_items`) and the drift findings a compare records against one
//! (`drift_findings`). Written by `baseline.capture` and `baseline.compare` inside their runs.

use crate::domain::{RunId, TenantId, Timestamp, WorkspaceId};
use crate::store::db::Db;
use crate::store::provider::ProviderItem;
use sqlx::{AnyConnection, FromRow};

/// One item of a snapshot.
#[derive(Debug, Clone, FromRow)]
pub struct SnapshotItem {
    /// The provider's id for the item.
    pub external_id: String,
    /// What kind of configuration it is.
    pub kind: String,
    /// Its display name.
    pub display_name: String,
    /// Its settings when captured.
    pub settings: String,
}

/// A drift finding to record.
#[derive(Debug, Clone, Copy)]
pub struct NewFinding<'a> {
    /// The provider's id for the item.
    pub external_id: &'a str,
    /// `added`, `removed` or `changed`.
    pub change: &'a str,
    /// The item's display name.
    pub display_name: &'a str,
    /// The changed settings as JSON (`[{"setting": …}, …]`).
    pub changed_settings: &'a str,
}

/// `id` if it is a baseline snapshot of `tenant`; a snapshot of any other tenant is `None`,
/// exactly like one that does not exist.
pub async fn of_tenant(db: &Db, tenant: TenantId, id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM baseline_snapshots WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant.get())
        .fetch_optional(db.pool())
        .await
}

/// The tenant's newest snapshot, if it has one.
pub async fn latest(db: &Db, tenant: TenantId) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM baseline_snapshots WHERE tenant_id = $1 ORDER BY captured_at DESC, id DESC LIMIT 1",
    )
    .bind(tenant.get())
    .fetch_optional(db.pool())
    .await
}

/// The items of `snapshot`, by external id.
pub async fn items(db: &Db, snapshot: i64) -> Result<Vec<SnapshotItem>, sqlx::Error> {
    sqlx::query_as(
        "SELECT external_id, kind, display_name, settings FROM baseline_snapshot_items WHERE snapshot_id = $1 \
         ORDER BY external_id",
    )
    .bind(snapshot)
    .fetch_all(db.pool())
    .await
}

/// Records a snapshot of `item_count` items of `tenant` captured at `now` by `run`; returns
/// its id. Its items follow with [`add_item`] in the same transaction.
pub async fn insert(
    conn: &mut AnyConnection,
    workspace: WorkspaceId,
    tenant: TenantId,
    run: RunId,
    item_count: i64,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO baseline_snapshots (workspace_id, tenant_id, run_id, item_count, captured_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(workspace.get())
    .bind(tenant.get())
    .bind(run.get())
    .bind(item_count)
    .bind(now.millis())
    .fetch_one(conn)
    .await
}

/// Adds `item` as the provider answered it to `snapshot`.
pub async fn add_item(conn: &mut AnyConnection, snapshot: i64, item: &ProviderItem) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO baseline_snapshot_items (snapshot_id, external_id, kind, display_name, settings, version) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(snapshot)
    .bind(&item.external_id)
    .bind(&item.kind)
    .bind(&item.display_name)
    .bind(&item.settings)
    .bind(item.version)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a drift finding of compare `run` of `tenant` against `snapshot` at `now`.
pub async fn add_finding(
    conn: &mut AnyConnection,
    run: RunId,
    tenant: TenantId,
    snapshot: i64,
    finding: NewFinding<'_>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO drift_findings (run_id, tenant_id, snapshot_id, external_id, change, display_name, \
         changed_settings, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(run.get())
    .bind(tenant.get())
    .bind(snapshot)
    .bind(finding.external_id)
    .bind(finding.change)
    .bind(finding.display_name)
    .bind(finding.changed_settings)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}
