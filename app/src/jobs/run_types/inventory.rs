//! `inventory.sync`: reads the tenant's items from the demo provider (which stands in for the
//! customer's cloud) and upserts our inventory, reporting counted progress. An item whose
//! settings are not a JSON object is counted as failed and left out, so a sync over damaged
//! provider data ends `partially_succeeded` rather than inventing records.

use crate::domain::Sentence;
use crate::domain::{RunOutcome, TenantId};
use crate::jobs::lifecycle::ProgressUpdate;
use crate::jobs::provider::{Injected, begin};
use crate::jobs::run_types::{InputError, StartOptions};
use crate::jobs::worker::{BoxFuture, Handler, HandlerResult, Job};
use crate::store::inventory;
use crate::store::provider::{ProviderItem, count_items, items_after};
use anyhow::Context as _;
use serde_json::{Map, Value};

/// Items written per transaction and per progress report.
const BATCH: i64 = 10;

/// The inventory.sync handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct InventorySync;

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    processed: i64,
    succeeded: i64,
    failed: i64,
    created: i64,
    updated: i64,
    unchanged: i64,
}

/// A sync takes no snapshot and no review, and starts with no inputs of its own.
pub(super) fn inputs(o: &StartOptions<'_>) -> Result<Map<String, Value>, InputError> {
    o.takes_nothing()
}

impl Handler for InventorySync {
    fn run(&self, job: Job) -> BoxFuture<anyhow::Result<HandlerResult>> {
        Box::pin(sync(job))
    }
}

async fn sync(job: Job) -> anyhow::Result<HandlerResult> {
    let (tenant, injected) = match begin(&job).await? {
        Ok(ready) => ready,
        Err(end) => return Ok(end),
    };
    let db = job.state.db.clone();
    let total = count_items(&db, tenant).await.context("counting provider items")?;
    job.counts(&[("total", total), ("processed", 0)]).await?;
    let mut tally = Tally::default();
    let mut after = 0_i64;
    loop {
        let items = items_after(&db, tenant, after, BATCH).await.context("reading provider items")?;
        let Some(last) = items.last() else { break };
        after = last.id;
        injected.checkpoint(&job).await;
        // Demo pacing so a person can watch progress; zero in tests.
        injected.pace(items.len()).await;
        upsert_batch(&job, tenant, &items, &injected, &mut tally).await?;
        job.progress(ProgressUpdate {
            counts: vec![
                ("processed".into(), tally.processed),
                ("succeeded".into(), tally.succeeded),
                ("failed".into(), tally.failed),
                ("created".into(), tally.created),
                ("updated".into(), tally.updated),
                ("unchanged".into(), tally.unchanged),
            ],
            ..ProgressUpdate::default()
        })
        .await?;
    }
    // Items the provider no longer has leave our inventory (unreadable items stay: they
    // still exist, we just could not read them this time).
    let mut tx = db.begin_write().await?;
    job.hold(&mut tx).await?;
    let removed = inventory::remove_missing(&mut tx, tenant).await?;
    tx.commit().await?;
    if removed > 0 {
        job.counts(&[("removed", i64::try_from(removed).unwrap_or(i64::MAX))]).await?;
    }
    injected.crash_point(&job);
    Ok(match (tally.failed, tally.succeeded) {
        (0, _) => HandlerResult::succeeded(),
        (f, 0) => {
            HandlerResult::ended(RunOutcome::Failed, "items_unreadable", Sentence::NoneReadable { total: f }, None)
        }
        (f, _) => HandlerResult::ended(
            RunOutcome::PartiallySucceeded,
            "items_unreadable",
            Sentence::SomeUnreadable { failed: f, total: tally.processed },
            None,
        ),
    })
}

async fn upsert_batch(
    job: &Job,
    tenant: TenantId,
    items: &[ProviderItem],
    injected: &Injected,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let now = job.state.clock.now();
    let mut tx = job.state.db.begin_write().await?;
    for item in items {
        tally.processed += 1;
        let settings_ok = matches!(serde_json::from_str::<Value>(&item.settings), Ok(Value::Object(_)));
        if !settings_ok || injected.item_fails(tally.processed) {
            tally.failed += 1;
            continue;
        }
        match inventory::item(&mut tx, tenant, &item.external_id).await? {
            None => {
                inventory::insert(&mut tx, tenant, item, now, job.run.id).await?;
                tally.created += 1;
            }
            Some(held) => {
                let changed = held.version != item.version || held.settings != item.settings;
                inventory::update(&mut tx, tenant, item, now, job.run.id).await?;
                if changed { tally.updated += 1 } else { tally.unchanged += 1 }
            }
        }
        tally.succeeded += 1;
    }
    tx.commit().await?;
    Ok(())
}
