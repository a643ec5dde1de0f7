//! The tenant workbench service: a tenant's snapshots, reviews and packs, and publishing.
//! A tenant or review outside the caller's workspace is "not found".

use crate::api::{FindingRow, InventoryRow, PackRow, RestoreRow, ReviewRow, SnapshotRow, TenantWorkbench};
use crate::domain::access::Capability;
use crate::domain::reconcile::restore_display_status;
use crate::domain::{TenantId, Timestamp};
use crate::runtime::state::AppState;
use crate::services::error::{Conflict, Error, Thing};
use crate::services::live::TenantInfo;
use crate::services::principal::Principal;
use crate::store::workbench;

/// The tenant `tenant` names, if the caller may see it: one of their workspace's tenants within
/// their entitlement. Anything else — not an id, another workspace's tenant, a tenant outside
/// the entitlement — is "not found", indistinguishable from a tenant that does not exist.
pub async fn visible_tenant(state: &AppState, p: &Principal, tenant: &str) -> Result<(TenantId, TenantInfo), Error> {
    let not_found = || Error::NotFound(Thing::Tenant);
    let t = TenantId::parse(tenant).ok_or_else(not_found)?;
    let info = state.live.tenant(t).await?.filter(|i| i.workspace_id == p.workspace_id).ok_or_else(not_found)?;
    p.authorize(info.workspace_id, Some(t), Capability::ViewRuns, Thing::Tenant)?;
    Ok((t, info))
}

/// The workbench of `tenant`.
pub async fn workbench(state: &AppState, p: &Principal, tenant: &str) -> Result<TenantWorkbench, Error> {
    let (t, info) = visible_tenant(state, p, tenant).await?;
    let db = &state.db;
    let snapshots = workbench::snapshots(db, t).await?;
    let reviews = workbench::reviews(db, t).await?;
    let packs = workbench::packs(db, t).await?;
    let restores = workbench::restores(db, t).await?;
    let inventory_count = workbench::inventory_count(db, t).await?;
    let inventory = workbench::inventory(db, t).await?;
    let findings = match workbench::latest_compare(db, t).await? {
        None => None,
        Some(run) => Some(
            workbench::findings(db, run)
                .await?
                .into_iter()
                .map(|f| FindingRow {
                    external_id: f.external_id,
                    display_name: f.display_name,
                    change: f.change,
                    // Stored as [{"setting": …}]; anything else reads as no names.
                    settings: serde_json::from_str::<Vec<serde_json::Value>>(&f.changed_settings)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|v| v.get("setting")?.as_str().map(str::to_owned))
                        .collect(),
                })
                .collect(),
        ),
    };
    Ok(TenantWorkbench {
        tenant_id: t.get(),
        tenant_name: info.name,
        inventory_count,
        inventory: inventory
            .into_iter()
            .map(|i| InventoryRow {
                external_id: i.external_id,
                display_name: i.display_name,
                kind: i.kind,
                version: i.version,
            })
            .collect(),
        findings,
        snapshots: snapshots
            .into_iter()
            .map(|s| SnapshotRow { id: s.id, item_count: s.item_count, captured_at: Timestamp(s.captured_at) })
            .collect(),
        reviews: reviews
            .into_iter()
            .map(|r| ReviewRow {
                id: r.id,
                status: r.status,
                fingerprint: r.fingerprint,
                updated_at: Timestamp(r.updated_at),
            })
            .collect(),
        packs: packs
            .into_iter()
            .map(|p| PackRow { id: p.id, status: p.status, expires_at: p.expires_at.map(Timestamp) })
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

/// Publishes review `review` of the caller's workspace.
pub async fn publish(state: &AppState, p: &Principal, review: &str) -> Result<(), Error> {
    use crate::jobs::run_types::reviews::PublishError;
    let id = review.trim().parse::<i64>().ok().filter(|i| *i > 0).ok_or_else(|| Error::NotFound(Thing::Review))?;
    let tenant =
        workbench::review_tenant(&state.db, p.workspace_id, id).await?.ok_or_else(|| Error::NotFound(Thing::Review))?;
    p.authorize(p.workspace_id, Some(tenant), Capability::PublishReviews, Thing::Review)?;
    match crate::jobs::run_types::reviews::publish(&state.db, state.clock.as_ref(), p.workspace_id, id).await {
        Ok(()) => Ok(()),
        Err(PublishError::NotFound) => Err(Error::NotFound(Thing::Review)),
        Err(PublishError::NotReady(status)) => Err(Error::Conflict(Conflict::NotPublishable(status))),
        Err(PublishError::Database(e)) => Err(Error::internal("publishing a review", e)),
    }
}
