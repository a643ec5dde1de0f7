//! The tenant workbench service: a tenant's snapshots, reviews and packs, and publishing.
//! A tenant or review outside the caller's workspace is "not found".

use crate::api::{FindingRow, InventoryRow, PackRow, RestoreRow, ReviewRow, SnapshotRow, TenantWorkbench};
use crate::domain::access::Capability;
use crate::domain::reconcile::restore_display_status;
use crate::domain::{TenantId, Timestamp};
use crate::runtime::state::AppState;
use crate::services::error::{Conflict, Error, Thing};
use crate::services::principal::Principal;
use crate::store::workbench;

/// The workbench of `tenant`.
pub async fn workbench(state: &AppState, p: &Principal, tenant: &str) -> Result<TenantWorkbench, Error> {
    let (t, info) = crate::services::scope::tenant(state, p, tenant).await?;
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
        Err(PublishError::PublishedMeanwhile) => Err(Error::Conflict(Conflict::PublishedMeanwhile)),
        Err(PublishError::Database(e)) => Err(Error::internal("publishing a review", e)),
    }
}

/// What a download request finds.
#[derive(Debug)]
pub enum PackDownload {
    /// The archive.
    Ready {
        /// The file name to offer.
        file_name: String,
        /// Its size in bytes.
        size_bytes: u64,
        /// Its contents, read a chunk at a time.
        contents: PackContents,
    },
    /// Past its retention period; the contents are gone.
    Expired,
    /// Queued, generating or failed.
    NotReady(String),
    /// No such pack in the caller's workspace.
    NotFound,
}

/// A ready pack's archive, read from the store one chunk at a time so a download never holds
/// the whole pack in memory nor a database connection between chunks.
#[derive(Debug)]
pub struct PackContents {
    db: crate::store::db::Db,
    pack: i64,
    next: i64,
    chunks: i64,
}

impl PackContents {
    /// The next chunk, `None` after the last. A chunk missing before the end (the pack
    /// expired while it was being read) is an error, so a reader never takes a cut-off
    /// archive for a whole one.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, Error> {
        if self.next >= self.chunks {
            return Ok(None);
        }
        let chunk = crate::store::packs::chunk(&self.db, self.pack, self.next)
            .await
            .map_err(|e| Error::internal("reading a review pack", e))?;
        let Some(chunk) = chunk else {
            let gone = format!("pack {} expired while it was read", self.pack);
            return Err(Error::internal("reading a review pack", gone));
        };
        self.next += 1;
        Ok(Some(chunk))
    }
}

/// Looks up pack `id` for the caller: a pack of a tenant outside their entitlement, or of
/// another workspace, does not exist for them.
pub async fn download_pack(state: &AppState, p: &Principal, id: &str) -> Result<PackDownload, Error> {
    let Some(id) = id.trim().parse::<i64>().ok().filter(|i| *i > 0) else { return Ok(PackDownload::NotFound) };
    let row = crate::store::packs::file(&state.db, p.workspace_id, id).await?;
    // A pack of a tenant outside the caller's entitlement does not exist for them.
    let row = row.filter(|f| p.access().sees_tenant(p.workspace_id, TenantId(f.tenant_id)));
    Ok(match row {
        None => PackDownload::NotFound,
        Some(f) if f.status == "expired" => PackDownload::Expired,
        Some(f) if f.status == "ready" => {
            let size = f.size_bytes.unwrap_or(0);
            let contents = PackContents {
                db: state.db.clone(),
                pack: id,
                next: 0,
                chunks: crate::store::packs::chunk_count(size),
            };
            PackDownload::Ready {
                file_name: f.file_name.unwrap_or_else(|| format!("review-pack-{id}.zip")),
                size_bytes: u64::try_from(size).unwrap_or(0),
                contents,
            }
        }
        Some(f) => PackDownload::NotReady(f.status),
    })
}
