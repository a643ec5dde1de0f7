//! `baseline.capture`, a phased run type: *checking eligibility → capturing evidence → saving
//! snapshot* — reads the tenant's items from the demo provider and saves a baseline snapshot
//! of them.

use super::baselines::{ended, phase, provider_items, settings_object};
use crate::domain::{RunOutcome, Sentence};
use crate::jobs::provider::begin;
use crate::jobs::run_types::{InputError, StartOptions};
use crate::jobs::worker::{BoxFuture, Handler, HandlerResult, Job};
use crate::store::baselines;
use crate::store::provider::count_items;
use serde_json::{Map, Value};

/// The baseline.capture handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct BaselineCapture;

/// A capture takes no snapshot and no review, and starts with no inputs of its own.
pub(super) fn inputs(o: &StartOptions<'_>) -> Result<Map<String, Value>, InputError> {
    o.takes_nothing()
}

impl Handler for BaselineCapture {
    fn run(&self, job: Job) -> BoxFuture<anyhow::Result<HandlerResult>> {
        Box::pin(capture(job))
    }
}

async fn capture(job: Job) -> anyhow::Result<HandlerResult> {
    let (tenant, injected) = match begin(&job).await? {
        Ok(ready) => ready,
        Err(end) => return Ok(end),
    };
    job.progress(phase("checking_eligibility", &[])).await?;
    injected.pace(1).await;
    let total = count_items(&job.state.db, tenant).await?;
    if total == 0 {
        return Ok(HandlerResult::ended(RunOutcome::Blocked, "nothing_to_capture", Sentence::NothingToCapture, None));
    }

    job.progress(phase("capturing_evidence", &[("total", total)])).await?;
    let items = provider_items(&job, tenant, &injected).await?;
    let mut kept = Vec::new();
    let mut skipped = 0_i64;
    for (i, item) in items.iter().enumerate() {
        let n = i64::try_from(i).unwrap_or(i64::MAX) + 1;
        if settings_object(&item.settings).is_none() || injected.item_fails(n) {
            skipped += 1;
        } else {
            kept.push(item);
        }
    }
    let processed = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let captured = i64::try_from(kept.len()).unwrap_or(i64::MAX);
    job.progress(phase("saving_snapshot", &[("processed", processed), ("skipped", skipped)])).await?;
    injected.pace(1).await;

    let now = job.state.clock.now();
    let mut tx = job.state.db.begin_write().await?;
    // Saved only while the run holds its lease: a run already decided elsewhere saves nothing.
    job.hold(&mut tx).await?;
    let snapshot = baselines::insert(&mut tx, job.run.workspace_id, tenant, job.run.id, captured, now).await?;
    for item in &kept {
        baselines::add_item(&mut tx, snapshot, item).await?;
    }
    tx.commit().await?;
    job.counts(&[("items_captured", captured), ("succeeded", captured)]).await?;
    injected.crash_point(&job);
    Ok(ended(skipped, Sentence::CaptureSkipped { skipped, total: processed }))
}
