//! Our inventory of a tenant's configuration items (`inventory_items`), written by
//! `inventory.sync` inside its run's transactions (the caller holds the run's lease in the
//! same transaction, so nothing is written for a run the reconciler already decided).

use crate::domain::{RunId, TenantId, Timestamp};
use crate::store::provider::ProviderItem;
use sqlx::{AnyConnection, FromRow};

/// What sync compares of an item we already hold.
#[derive(Debug, Clone, FromRow)]
pub struct StoredItem {
    /// The provider's version counter at the last sync.
    pub version: i64,
    /// Its settings at the last sync.
    pub settings: String,
}

/// The item `external_id` of `tenant` as we hold it, if we do.
pub async fn item(
    conn: &mut AnyConnection,
    tenant: TenantId,
    external_id: &str,
) -> Result<Option<StoredItem>, sqlx::Error> {
    sqlx::query_as("SELECT version, settings FROM inventory_items WHERE tenant_id = $1 AND external_id = $2")
        .bind(tenant.get())
        .bind(external_id)
        .fetch_optional(conn)
        .await
}

/// Adds `item` to `tenant`'s inventory, first seen and synced at `now` by `run`.
pub async fn insert(
    conn: &mut AnyConnection,
    tenant: TenantId,
    item: &ProviderItem,
    now: Timestamp,
    run: RunId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO inventory_items (tenant_id, external_id, kind, display_name, settings, version, \
         first_seen_at, last_synced_at, last_sync_run_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
    )
    .bind(tenant.get())
    .bind(&item.external_id)
    .bind(&item.kind)
    .bind(&item.display_name)
    .bind(&item.settings)
    .bind(item.version)
    .bind(now.millis())
    .bind(run.get())
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces what we hold of `item` with what the provider answered, synced at `now` by `run`.
pub async fn update(
    conn: &mut AnyConnection,
    tenant: TenantId,
    item: &ProviderItem,
    now: Timestamp,
    run: RunId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE inventory_items SET kind = $1, display_name = $2, settings = $3, version = $4, \
         last_synced_at = $5, last_sync_run_id = $6 WHERE tenant_id = $7 AND external_id = $8",
    )
    .bind(&item.kind)
    .bind(&item.display_name)
    .bind(&item.settings)
    .bind(item.version)
    .bind(now.millis())
    .bind(run.get())
    .bind(tenant.get())
    .bind(&item.external_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes the items of `tenant` the provider no longer has; returns how many.
pub async fn remove_missing(conn: &mut AnyConnection, tenant: TenantId) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM inventory_items WHERE tenant_id = $1 AND external_id NOT IN \
         (SELECT external_id FROM provider_items WHERE tenant_id = $1)",
    )
    .bind(tenant.get())
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
