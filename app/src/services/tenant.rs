//! The tenant workbench service: a tenant's snapshots, reviews and packs, and publishing.
//! A tenant or review outside the caller's workspace is "not found".

use crate::api::{ApiError, FindingRow, InventoryRow, PackRow, RestoreRow, ReviewRow, SnapshotRow, TenantWorkbench};
use crate::copy::text;
use crate::domain::access::Capability;
use crate::domain::reconcile::restore_display_status;
use crate::domain::{TenantId, Timestamp};
use crate::runtime::state::AppState;
use crate::services::live::TenantInfo;
use crate::services::principal::Principal;

fn internal(e: impl std::fmt::Display) -> ApiError {
    crate::services::internal_error("tenant workbench request failed", e)
}

/// The tenant `tenant` names, if the caller may see it: one of their workspace's tenants within
/// their entitlement. Anything else — not an id, another workspace's tenant, a tenant outside
/// the entitlement — is "not found", indistinguishable from a tenant that does not exist.
pub async fn visible_tenant(state: &AppState, p: &Principal, tenant: &str) -> Result<(TenantId, TenantInfo), ApiError> {
    let not_found = || ApiError::NotFound(text().errors.no_tenant.to_owned());
    let t = TenantId::parse(tenant).ok_or_else(not_found)?;
    let info = state
        .live
        .tenant(t)
        .await
        .map_err(internal)?
        .filter(|i| i.workspace_id == p.workspace_id)
        .ok_or_else(not_found)?;
    p.authorize(info.workspace_id, Some(t), Capability::ViewRuns, text().errors.no_tenant)?;
    Ok((t, info))
}

/// The workbench of `tenant`.
pub async fn workbench(state: &AppState, p: &Principal, tenant: &str) -> Result<TenantWorkbench, ApiError> {
    let (t, info) = visible_tenant(state, p, tenant).await?;
    let db = state.db.pool();
    let snapshots: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT id, item_count, captured_at FROM baseline_snapshots WHERE tenant_id = $1 ORDER BY captured_at DESC, id DESC LIMIT 20",
    )
    .bind(t.get())
    .fetch_all(db)
    .await
    .map_err(internal)?;
    let reviews: Vec<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT id, status, fingerprint, updated_at FROM environment_reviews WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 20",
    )
    .bind(t.get())
    .fetch_all(db)
    .await
    .map_err(internal)?;
    let packs: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT id, status, expires_at FROM review_packs WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 20",
    )
    .bind(t.get())
    .fetch_all(db)
    .await
    .map_err(internal)?;
    let restores: Vec<RestoreRecord> = sqlx::query_as(
        "SELECT r.id, r.status, r.snapshot_id, r.run_id, r.started_at, o.status AS run_status, \
         (SELECT COUNT(*) FROM restore_items i WHERE i.restore_id = r.id AND i.result = 'applied') AS applied, \
         (SELECT COUNT(*) FROM restore_items i WHERE i.restore_id = r.id AND i.result = 'failed') AS failed \
         FROM restores r JOIN operation_runs o ON o.id = r.run_id WHERE r.tenant_id = $1 \
         ORDER BY r.started_at DESC, r.id DESC LIMIT 20",
    )
    .bind(t.get())
    .fetch_all(db)
    .await
    .map_err(internal)?;
    let inventory_count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inventory_items WHERE tenant_id = $1")
        .bind(t.get())
        .fetch_one(db)
        .await
        .map_err(internal)?;
    let inventory: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT external_id, display_name, kind, version FROM inventory_items WHERE tenant_id = $1 ORDER BY display_name, external_id LIMIT 20",
    )
    .bind(t.get())
    .fetch_all(db)
    .await
    .map_err(internal)?;
    let compare: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM operation_runs WHERE tenant_id = $1 AND run_type = 'baseline.compare' AND status = 'completed' \
         AND outcome IN ('succeeded', 'partially_succeeded') ORDER BY completed_at DESC, id DESC LIMIT 1",
    )
    .bind(t.get())
    .fetch_optional(db)
    .await
    .map_err(internal)?;
    let findings = match compare {
        None => None,
        Some(run) => {
            let rows: Vec<(String, String, String, String)> = sqlx::query_as(
                "SELECT external_id, display_name, change, changed_settings FROM drift_findings WHERE run_id = $1 ORDER BY external_id LIMIT 50",
            )
            .bind(run)
            .fetch_all(db)
            .await
            .map_err(internal)?;
            Some(
                rows.into_iter()
                    .map(|(external_id, display_name, change, settings)| FindingRow {
                        external_id,
                        display_name,
                        change,
                        // Stored as [{"setting": …}]; anything else reads as no names.
                        settings: serde_json::from_str::<Vec<serde_json::Value>>(&settings)
                            .unwrap_or_default()
                            .iter()
                            .filter_map(|v| v.get("setting")?.as_str().map(str::to_owned))
                            .collect(),
                    })
                    .collect(),
            )
        }
    };
    Ok(TenantWorkbench {
        tenant_id: t.get(),
        tenant_name: info.name,
        inventory_count,
        inventory: inventory
            .into_iter()
            .map(|(external_id, display_name, kind, version)| InventoryRow { external_id, display_name, kind, version })
            .collect(),
        findings,
        snapshots: snapshots
            .into_iter()
            .map(|(id, item_count, at)| SnapshotRow { id, item_count, captured_at: Timestamp(at) })
            .collect(),
        reviews: reviews
            .into_iter()
            .map(|(id, status, fingerprint, at)| ReviewRow { id, status, fingerprint, updated_at: Timestamp(at) })
            .collect(),
        packs: packs
            .into_iter()
            .map(|(id, status, exp)| PackRow { id, status, expires_at: exp.map(Timestamp) })
            .collect(),
        restores: restores
            .into_iter()
            .map(|r| RestoreRow {
                id: r.id,
                status: restore_display_status(&r.status, r.run_status != "completed").to_owned(),
                snapshot_id: r.snapshot_id,
                run_id: r.run_id,
                applied: r.applied,
                failed: r.failed,
                started_at: Timestamp(r.started_at),
            })
            .collect(),
        observed_at: state.clock.now(),
    })
}

/// A restore record with its run's status and per-item tallies, as read.
#[derive(Debug, sqlx::FromRow)]
struct RestoreRecord {
    id: i64,
    status: String,
    snapshot_id: i64,
    run_id: i64,
    started_at: i64,
    run_status: String,
    applied: i64,
    failed: i64,
}

/// Publishes review `review` of the caller's workspace.
pub async fn publish(state: &AppState, p: &Principal, review: &str) -> Result<String, ApiError> {
    use crate::jobs::run_types::reviews::PublishError;
    let id = review
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or_else(|| ApiError::NotFound(text().errors.no_review.to_owned()))?;
    let tenant: Option<i64> =
        sqlx::query_scalar("SELECT tenant_id FROM environment_reviews WHERE id = $1 AND workspace_id = $2")
            .bind(id)
            .bind(p.workspace_id.get())
            .fetch_optional(state.db.pool())
            .await
            .map_err(internal)?;
    let tenant = tenant.ok_or_else(|| ApiError::NotFound(text().errors.no_review.to_owned()))?;
    p.authorize(p.workspace_id, Some(TenantId(tenant)), Capability::PublishReviews, text().errors.no_review)?;
    match crate::jobs::run_types::reviews::publish(&state.db, state.clock.as_ref(), p.workspace_id, id).await {
        Ok(()) => Ok(text().tenant.published.to_owned()),
        Err(PublishError::NotFound) => Err(ApiError::NotFound(text().errors.no_review.to_owned())),
        Err(PublishError::NotReady(status)) => {
            Err(ApiError::Conflict((text().errors.not_publishable)(&(text().tenant.record_status)(&status))))
        }
        Err(PublishError::Database(e)) => Err(internal(e)),
    }
}
