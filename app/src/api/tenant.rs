//! Server functions of the tenant workbench (`/admin/t/{tenant}`): what the tenant has
//! (snapshots, reviews, packs) and publishing a review. Starting work goes through
//! [`super::start_operation`].

use super::ApiError;
use crate::domain::Timestamp;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A baseline snapshot row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRow {
    /// The snapshot's id (what a compare or restore names).
    pub id: i64,
    /// Items in it.
    pub item_count: i64,
    /// When it was captured.
    pub captured_at: Timestamp,
}

/// An environment review row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRow {
    /// The review's id.
    pub id: i64,
    /// composing / ready / published / superseded / failed.
    pub status: String,
    /// Evidence fingerprint.
    pub fingerprint: String,
    /// Last change.
    pub updated_at: Timestamp,
}

/// A review pack row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackRow {
    /// The pack's id (its download link).
    pub id: i64,
    /// queued / generating / ready / failed / expired.
    pub status: String,
    /// When a ready pack expires.
    pub expires_at: Option<Timestamp>,
}

/// A restore record row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreRow {
    /// The restore's id.
    pub id: i64,
    /// applying / applied / partially_applied / failed, or interrupted (still applying when
    /// its run ended).
    pub status: String,
    /// The snapshot it put back.
    pub snapshot_id: i64,
    /// Its run.
    pub run_id: i64,
    /// Items put back.
    pub applied: i64,
    /// Items the provider refused.
    pub failed: i64,
    /// When it started.
    pub started_at: Timestamp,
}

/// An inventory item row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryRow {
    /// The provider's id.
    pub external_id: String,
    /// Display name.
    pub display_name: String,
    /// Kind of configuration.
    pub kind: String,
    /// Provider version last synced.
    pub version: i64,
}

/// A drift finding row of the latest compare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingRow {
    /// The provider's id.
    pub external_id: String,
    /// Display name.
    pub display_name: String,
    /// added / removed / changed.
    pub change: String,
    /// Names of the settings that changed.
    pub settings: Vec<String>,
}

/// Everything the tenant workbench shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantWorkbench {
    /// The tenant.
    pub tenant_id: i64,
    /// Its name.
    pub tenant_name: String,
    /// How many items our inventory holds.
    pub inventory_count: i64,
    /// The first items of the inventory, by name.
    pub inventory: Vec<InventoryRow>,
    /// The drift findings of the latest successful compare, if any.
    pub findings: Option<Vec<FindingRow>>,
    /// Newest first.
    pub snapshots: Vec<SnapshotRow>,
    /// Newest first.
    pub reviews: Vec<ReviewRow>,
    /// Newest first.
    pub packs: Vec<PackRow>,
    /// Newest first.
    pub restores: Vec<RestoreRow>,
    /// The server's clock when this was read.
    pub observed_at: Timestamp,
}

/// The tenant workbench's data.
#[server(endpoint = "load_workbench")]
pub async fn load_workbench(tenant: String) -> Result<TenantWorkbench, ApiError> {
    super::answer::serve(|s, p| async move { crate::services::tenant::workbench(&s, &p, &tenant).await }).await
}

/// Publishes a ready review (the tenant's previous published review is superseded); answers
/// what to tell the operator.
#[server(endpoint = "publish_review")]
pub async fn publish_review(review: String) -> Result<String, ApiError> {
    super::answer::serve(|s, p| async move { crate::services::tenant::publish(&s, &p, &review).await }).await?;
    Ok(crate::copy::text().tenant.published.to_owned())
}
