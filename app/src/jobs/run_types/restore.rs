//! `restore.execute`: applies a baseline snapshot back onto the provider's items, with counted
//! progress. Each run keeps a restore record (`restores`: applying → applied,
//! partially applied or failed) and one result per item (`restore_items`: applied, unchanged
//! or failed, with a detail). Items the provider has now but the snapshot lacks are left
//! alone: a restore puts back what the baseline had; it never deletes.

use crate::copy::text;
use crate::domain::RunOutcome;
use crate::domain::Sentence;
use crate::jobs::lifecycle::ProgressUpdate;
use crate::jobs::provider::begin;
use crate::jobs::run_types::baselines::tenant_snapshot;
use crate::jobs::worker::{BoxFuture, Handler, HandlerResult, Job};
use serde_json::Value;

/// Items applied per transaction and per progress report.
const BATCH: usize = 10;

/// The restore.execute handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct RestoreExecute;

impl Handler for RestoreExecute {
    fn run(&self, job: Job) -> BoxFuture<anyhow::Result<HandlerResult>> {
        Box::pin(restore(job))
    }
}

#[derive(Debug, sqlx::FromRow)]
struct SnapshotItem {
    external_id: String,
    kind: String,
    display_name: String,
    settings: String,
}

#[derive(Debug, Default)]
struct Tally {
    processed: i64,
    applied: i64,
    unchanged: i64,
    failed: i64,
}

async fn restore(job: Job) -> anyhow::Result<HandlerResult> {
    let (tenant, injected) = match begin(&job).await? {
        Ok(ready) => ready,
        Err(end) => return Ok(end),
    };
    let db = job.state.db.clone();
    let wanted = job.run.context.inputs().and_then(|i| i.get("snapshot_id")).and_then(Value::as_i64);
    let snapshot = match wanted {
        Some(id) => tenant_snapshot(&db, tenant, id).await?,
        None => None,
    };
    let Some(snapshot) = snapshot else {
        return Ok(HandlerResult::ended(RunOutcome::Blocked, "no_baseline", Sentence::RestoreBaselineMissing, None));
    };
    let items: Vec<SnapshotItem> = sqlx::query_as(
        "SELECT external_id, kind, display_name, settings FROM baseline_snapshot_items WHERE snapshot_id = $1 ORDER BY external_id",
    )
    .bind(snapshot)
    .fetch_all(db.pool())
    .await?;
    let now = job.state.clock.now().millis();
    let record: i64 = sqlx::query_scalar(
        "INSERT INTO restores (workspace_id, tenant_id, run_id, snapshot_id, status, started_at) \
         VALUES ($1, $2, $3, $4, 'applying', $5) RETURNING id",
    )
    .bind(job.run.workspace_id.get())
    .bind(tenant.get())
    .bind(job.run.id.get())
    .bind(snapshot)
    .bind(now)
    .fetch_one(db.pool())
    .await?;
    let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
    job.counts(&[("total", total), ("processed", 0)]).await?;

    let mut tally = Tally::default();
    for batch in items.chunks(BATCH) {
        injected.checkpoint(&job).await;
        injected.pace(batch.len()).await;
        let now = job.state.clock.now().millis();
        let mut tx = db.begin_write().await?;
        job.hold(&mut tx).await?;
        for item in batch {
            tally.processed += 1;
            let (result, detail) = if injected.item_fails(tally.processed) {
                ("failed", text().records.item_refused)
            } else {
                let current: Option<String> =
                    sqlx::query_scalar("SELECT settings FROM provider_items WHERE tenant_id = $1 AND external_id = $2")
                        .bind(tenant.get())
                        .bind(&item.external_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                match current {
                    Some(s) if s == item.settings => ("unchanged", text().records.item_unchanged),
                    Some(_) => {
                        sqlx::query(
                            "UPDATE provider_items SET settings = $1, version = version + 1, updated_at = $2 \
                             WHERE tenant_id = $3 AND external_id = $4",
                        )
                        .bind(&item.settings)
                        .bind(now)
                        .bind(tenant.get())
                        .bind(&item.external_id)
                        .execute(&mut *tx)
                        .await?;
                        ("applied", text().records.item_restored)
                    }
                    None => {
                        sqlx::query(
                            "INSERT INTO provider_items (tenant_id, external_id, kind, display_name, settings, version, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, 1, $6)",
                        )
                        .bind(tenant.get())
                        .bind(&item.external_id)
                        .bind(&item.kind)
                        .bind(&item.display_name)
                        .bind(&item.settings)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        ("applied", text().records.item_recreated)
                    }
                }
            };
            match result {
                "applied" => tally.applied += 1,
                "unchanged" => tally.unchanged += 1,
                _ => tally.failed += 1,
            }
            sqlx::query("INSERT INTO restore_items (restore_id, external_id, result, detail) VALUES ($1, $2, $3, $4)")
                .bind(record)
                .bind(&item.external_id)
                .bind(result)
                .bind(detail)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        job.progress(ProgressUpdate {
            counts: vec![
                ("processed".into(), tally.processed),
                ("succeeded".into(), tally.applied),
                ("skipped".into(), tally.unchanged),
                ("failed".into(), tally.failed),
            ],
            ..ProgressUpdate::default()
        })
        .await?;
    }
    let (status, result) = match (tally.failed, total) {
        (0, _) => ("applied", HandlerResult::succeeded()),
        (f, t) if f == t => {
            ("failed", HandlerResult::ended(RunOutcome::Failed, "restore_refused", Sentence::RestoreRefused, None))
        }
        (f, t) => (
            "partially_applied",
            HandlerResult::ended(
                RunOutcome::PartiallySucceeded,
                "restore_partial",
                Sentence::RestorePartial { failed: f, total: t },
                None,
            ),
        ),
    };
    let mut tx = db.begin_write().await?;
    job.hold(&mut tx).await?;
    sqlx::query("UPDATE restores SET status = $1, finished_at = $2 WHERE id = $3")
        .bind(status)
        .bind(job.state.clock.now().millis())
        .bind(record)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    injected.crash_point(&job);
    Ok(result)
}
