//! The demo provider's data, which stands in for the customer's cloud: its configuration
//! items per tenant (`provider_items`) and the faults injected per run type
//! (`provider_faults`, read at the start of every run so `opshub fault …` changes a running
//! server).

use crate::domain::{TenantId, Timestamp};
use crate::store::db::Db;
use sqlx::{AnyConnection, FromRow};

/// One configuration item as the demo provider answers it.
#[derive(Debug, Clone, FromRow)]
pub struct ProviderItem {
    /// Our row id (the keyset cursor).
    pub id: i64,
    /// The provider's id for the item.
    pub external_id: String,
    /// What kind of configuration it is.
    pub kind: String,
    /// Its display name.
    pub display_name: String,
    /// Its settings as the provider returns them (should be a JSON object).
    pub settings: String,
    /// The provider's version counter.
    pub version: i64,
}

/// An injected fault as stored.
#[derive(Debug, Clone, FromRow)]
pub struct FaultRow {
    /// The run type's stored spelling.
    pub run_type: String,
    /// The fault's stored spelling.
    pub fault: String,
}

/// The next `limit` items of `tenant` after row id `after`, in id order.
pub async fn items_after(db: &Db, tenant: TenantId, after: i64, limit: i64) -> Result<Vec<ProviderItem>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, external_id, kind, display_name, settings, version FROM provider_items \
         WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(tenant.get())
    .bind(after)
    .bind(limit)
    .fetch_all(db.pool())
    .await
}

/// How many items the provider has for `tenant`.
pub async fn count_items(db: &Db, tenant: TenantId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM provider_items WHERE tenant_id = $1")
        .bind(tenant.get())
        .fetch_one(db.pool())
        .await
}

/// The settings the provider holds now for `external_id` of `tenant`, if it has the item.
pub async fn current_settings(
    conn: &mut AnyConnection,
    tenant: TenantId,
    external_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT settings FROM provider_items WHERE tenant_id = $1 AND external_id = $2")
        .bind(tenant.get())
        .bind(external_id)
        .fetch_optional(conn)
        .await
}

/// Puts `settings` back on the provider's item `external_id` of `tenant` (a new version).
pub async fn put_settings(
    conn: &mut AnyConnection,
    tenant: TenantId,
    external_id: &str,
    settings: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE provider_items SET settings = $1, version = version + 1, updated_at = $2 \
         WHERE tenant_id = $3 AND external_id = $4",
    )
    .bind(settings)
    .bind(now.millis())
    .bind(tenant.get())
    .bind(external_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Creates the provider's item `external_id` of `tenant` again (version 1).
pub async fn recreate_item(
    conn: &mut AnyConnection,
    tenant: TenantId,
    item: &crate::store::baselines::SnapshotItem,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO provider_items (tenant_id, external_id, kind, display_name, settings, version, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6)",
    )
    .bind(tenant.get())
    .bind(&item.external_id)
    .bind(&item.kind)
    .bind(&item.display_name)
    .bind(&item.settings)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// The stored fault of run type `run_type` (its spelling), if one is injected.
pub async fn fault(db: &Db, run_type: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT fault FROM provider_faults WHERE run_type = $1")
        .bind(run_type)
        .fetch_optional(db.pool())
        .await
}

/// Injects `fault` for `run_type` (both by their stored spellings) at `now`.
pub async fn set_fault(db: &Db, run_type: &str, fault: &str, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO provider_faults (run_type, fault, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (run_type) DO UPDATE SET fault = $2, updated_at = $3",
    )
    .bind(run_type)
    .bind(fault)
    .bind(now.millis())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Clears the fault of `run_type`, if any.
pub async fn clear_fault(db: &Db, run_type: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM provider_faults WHERE run_type = $1").bind(run_type).execute(db.pool()).await?;
    Ok(())
}

/// Every injected fault, by run type.
pub async fn faults(db: &Db) -> Result<Vec<FaultRow>, sqlx::Error> {
    sqlx::query_as("SELECT run_type, fault FROM provider_faults ORDER BY run_type").fetch_all(db.pool()).await
}
