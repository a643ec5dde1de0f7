//! `restore.execute`: applies a baseline snapshot back onto the provider's items, with counted
//! progress. Each run keeps a restore record (`restores`: applying → applied,
//! partially applied or failed) and one result per item (`restore_items`: applied, unchanged
//! or failed, with a detail). Items the provider has now but the snapshot lacks are left
//! alone: a restore puts back what the baseline had; it never deletes.

use crate::domain::reconcile::{Decision, RestoreFact, RestoreStatus, decide_restore};
use crate::domain::refusal::Invalid;
use crate::domain::{Run, RunId, RunOutcome, Sentence, TenantId, Timestamp, WorkspaceId};
use crate::jobs::lifecycle::ProgressUpdate;
use crate::jobs::provider::begin;
use crate::jobs::run_types::baselines::{snapshot_of, tenant_snapshot};
use crate::jobs::run_types::{ADAPTER_CHUNK, InputError, StartOptions};
use crate::jobs::worker::{BoxFuture, Handler, HandlerResult, Job};
use crate::runtime::state::AppState;
use crate::store::db::Db;
use crate::store::{baselines, provider, restores, sweeps};
use serde_json::{Map, Value, json};
use sqlx::AnyConnection;
use std::collections::HashMap;

/// Items applied per transaction and per progress report.
const BATCH: usize = 10;

/// The restore.execute handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct RestoreExecute;

/// A restore needs the snapshot of the tenant to put back (`snapshot_id`), takes no review,
/// and — because it changes the tenant's configuration — the person's explicit
/// confirmation, on every start and every retry.
pub(super) async fn inputs(
    state: &AppState,
    tenant: TenantId,
    o: &StartOptions<'_>,
) -> Result<Map<String, Value>, InputError> {
    let Some(spelled) = o.snapshot() else { return Err(InputError::Invalid(Invalid::ChooseSnapshot)) };
    let snapshot = snapshot_of(state, tenant, spelled).await?;
    o.takes_no_review()?;
    if !o.confirm {
        return Err(InputError::Invalid(Invalid::ConfirmRestore));
    }
    let mut inputs = Map::new();
    inputs.insert("snapshot_id".to_owned(), json!(snapshot));
    Ok(inputs)
}

/// The reconciliation adapter: what each run's own restore record says (the record and its
/// per-item counts), decided by the domain. One query per chunk of runs.
pub(super) async fn adapter(state: &AppState, runs: &[&Run]) -> Result<Vec<(RunId, Decision)>, sqlx::Error> {
    let mut decided = Vec::new();
    for chunk in runs.chunks(ADAPTER_CHUNK) {
        let ids: Vec<RunId> = chunk.iter().map(|run| run.id).collect();
        let mut facts: HashMap<RunId, Vec<RestoreFact>> = HashMap::new();
        for r in sweeps::restores(&state.db, &ids).await? {
            facts.entry(RunId(r.run_id)).or_default().push(RestoreFact {
                id: r.id,
                run: RunId(r.run_id),
                workspace: WorkspaceId(r.workspace_id),
                tenant: TenantId(r.tenant_id),
                status: RestoreStatus::parse(&r.status),
                applied: r.applied,
                unchanged: r.unchanged,
                failed: r.failed,
            });
        }
        for run in chunk.iter().filter(|run| run.tenant_id.is_some()) {
            let own = facts.get(&run.id).map_or(&[][..], Vec::as_slice);
            if let Some(d) = decide_restore(run, own) {
                decided.push((run.id, d));
            }
        }
    }
    Ok(decided)
}

impl Handler for RestoreExecute {
    fn run(&self, job: Job) -> BoxFuture<anyhow::Result<HandlerResult>> {
        Box::pin(restore(job))
    }
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
    let items = baselines::items(&db, snapshot).await?;
    // Opened while the run holds its lease; its ending closes the record if the run does not.
    let mut tx = db.begin_write().await?;
    job.hold(&mut tx).await?;
    let record =
        restores::begin(&mut tx, job.run.workspace_id, tenant, job.run.id, snapshot, job.state.clock.now()).await?;
    tx.commit().await?;
    let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
    job.counts(&[("total", total), ("processed", 0)]).await?;

    let mut tally = Tally::default();
    for batch in items.chunks(BATCH) {
        injected.checkpoint(&job).await;
        injected.pace(batch.len()).await;
        let now = job.state.clock.now();
        let mut tx = db.begin_write().await?;
        job.hold(&mut tx).await?;
        for item in batch {
            tally.processed += 1;
            let (result, detail) = if injected.item_fails(tally.processed) {
                ("failed", Sentence::ItemRefused)
            } else {
                match provider::current_settings(&mut tx, tenant, &item.external_id).await? {
                    Some(s) if s == item.settings => ("unchanged", Sentence::ItemUnchanged),
                    Some(_) => {
                        provider::put_settings(&mut tx, tenant, &item.external_id, &item.settings, now).await?;
                        ("applied", Sentence::ItemRestored)
                    }
                    None => {
                        provider::recreate_item(&mut tx, tenant, item, now).await?;
                        ("applied", Sentence::ItemRecreated)
                    }
                }
            };
            match result {
                "applied" => tally.applied += 1,
                "unchanged" => tally.unchanged += 1,
                _ => tally.failed += 1,
            }
            restores::record_item(&mut tx, record, &item.external_id, result, &detail.store()).await?;
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
    restores::finish(&mut tx, record, status, job.state.clock.now()).await?;
    tx.commit().await?;
    injected.crash_point(&job);
    Ok(result)
}

/// Ends the restores `runs` were still applying: their runs ended without finishing them.
pub(super) async fn end_with_runs(
    db: &Db,
    conn: &mut AnyConnection,
    runs: &[RunId],
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    restores::end_with_runs(db, conn, runs, now).await
}
