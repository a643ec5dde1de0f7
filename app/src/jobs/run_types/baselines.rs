//! `baseline.capture` and `baseline.compare`, the phased run types.
//!
//! Capture: *checking eligibility → capturing evidence → saving snapshot* — reads the
//! tenant's items from the demo provider and saves a baseline snapshot of them. Compare:
//! *loading the baseline → comparing → recording findings* — compares the provider's items now
//! with a snapshot (the one named in `inputs.snapshot_id`, else the latest) and records drift
//! findings: added, removed, and changed items with the settings that changed.

use crate::domain::Sentence;
use crate::domain::refusal::Thing;
use crate::domain::{RunId, RunOutcome, TenantId};
use crate::jobs::lifecycle::ProgressUpdate;
use crate::jobs::provider::{Injected, begin};
use crate::jobs::run_types::{InputError, StartOptions};
use crate::jobs::worker::{BoxFuture, Handler, HandlerResult, Job};
use crate::runtime::state::AppState;
use crate::store::baselines;
use crate::store::db::Db;
use crate::store::provider::{ProviderItem, count_items, items_after};
use anyhow::Context as _;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Items read per query.
const BATCH: i64 = 100;

/// The baseline.capture handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct BaselineCapture;

/// The baseline.compare handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct BaselineCompare;

/// A capture takes no snapshot and no review, and starts with no inputs of its own.
pub(super) fn capture_inputs(o: &StartOptions<'_>) -> Result<Map<String, Value>, InputError> {
    o.takes_no_snapshot()?;
    o.takes_no_review()?;
    Ok(Map::new())
}

/// A compare takes an optional snapshot of the tenant (`snapshot_id`; the latest one when
/// none is named) and no review.
pub(super) async fn compare_inputs(
    state: &AppState,
    tenant: TenantId,
    o: &StartOptions<'_>,
) -> Result<Map<String, Value>, InputError> {
    let mut inputs = Map::new();
    if let Some(spelled) = o.snapshot() {
        inputs.insert("snapshot_id".to_owned(), json!(snapshot_of(state, tenant, spelled).await?));
    }
    o.takes_no_review()?;
    Ok(inputs)
}

/// The snapshot `spelled` names, if it is one of `tenant`'s; anything else — not an id,
/// another tenant's, none at all — is "not found".
pub(super) async fn snapshot_of(state: &AppState, tenant: TenantId, spelled: &str) -> Result<i64, InputError> {
    let not_found = || InputError::NotFound(Thing::Snapshot);
    let id = RunId::parse(spelled).ok_or_else(not_found)?.get();
    tenant_snapshot(&state.db, tenant, id).await?.ok_or_else(not_found)
}

impl Handler for BaselineCapture {
    fn run(&self, job: Job) -> BoxFuture<anyhow::Result<HandlerResult>> {
        Box::pin(capture(job))
    }
}

impl Handler for BaselineCompare {
    fn run(&self, job: Job) -> BoxFuture<anyhow::Result<HandlerResult>> {
        Box::pin(compare(job))
    }
}

fn phase(key: &str, counts: &[(&str, i64)]) -> ProgressUpdate {
    ProgressUpdate {
        phase: Some(key.to_owned()),
        counts: counts.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        composite: None,
    }
}

/// Every provider item of `tenant`, read in keyset batches, pacing and hang checkpoints
/// applied per batch.
async fn provider_items(job: &Job, tenant: TenantId, injected: &Injected) -> anyhow::Result<Vec<ProviderItem>> {
    let mut all = Vec::new();
    let mut after = 0_i64;
    loop {
        let batch = items_after(&job.state.db, tenant, after, BATCH).await.context("reading provider items")?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        injected.checkpoint(job).await;
        injected.pace(batch.len()).await;
        all.extend(batch);
    }
    Ok(all)
}

/// `id` if it is a baseline snapshot of `tenant`; a snapshot of any other tenant is `None`,
/// exactly like one that does not exist.
pub async fn tenant_snapshot(db: &Db, tenant: TenantId, id: i64) -> Result<Option<i64>, sqlx::Error> {
    baselines::of_tenant(db, tenant, id).await
}

fn settings_object(text: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str(text) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
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
    let snapshot = baselines::insert(&mut tx, job.run.workspace_id, tenant, job.run.id, captured, now).await?;
    for item in &kept {
        baselines::add_item(&mut tx, snapshot, item).await?;
    }
    tx.commit().await?;
    job.counts(&[("items_captured", captured), ("succeeded", captured)]).await?;
    injected.crash_point(&job);
    Ok(if skipped == 0 {
        HandlerResult::succeeded()
    } else {
        HandlerResult::ended(
            RunOutcome::PartiallySucceeded,
            "items_unreadable",
            Sentence::CaptureSkipped { skipped, total: processed },
            None,
        )
    })
}

/// The settings that differ between two versions of an item.
fn changed_settings(before: &Map<String, Value>, after: &Map<String, Value>) -> Vec<Value> {
    let keys: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| json!({ "setting": k, "before": before.get(k), "after": after.get(k) }))
        .collect()
}

async fn compare(job: Job) -> anyhow::Result<HandlerResult> {
    let (tenant, injected) = match begin(&job).await? {
        Ok(ready) => ready,
        Err(end) => return Ok(end),
    };
    job.progress(phase("loading_baseline", &[])).await?;
    injected.pace(1).await;
    let wanted = job.run.context.inputs().and_then(|i| i.get("snapshot_id")).and_then(Value::as_i64);
    let snapshot: Option<i64> = match wanted {
        Some(id) => tenant_snapshot(&job.state.db, tenant, id).await?,
        None => baselines::latest(&job.state.db, tenant).await?,
    };
    let Some(snapshot) = snapshot else {
        let message = if wanted.is_some() { Sentence::BaselineMissing } else { Sentence::NoBaselineYet };
        return Ok(HandlerResult::ended(RunOutcome::Blocked, "no_baseline", message, None));
    };
    let rows = baselines::items(&job.state.db, snapshot).await?;
    let mut baseline: BTreeMap<String, (String, Map<String, Value>)> = rows
        .into_iter()
        .map(|i| (i.external_id, (i.display_name, settings_object(&i.settings).unwrap_or_default())))
        .collect();

    job.progress(phase("comparing", &[])).await?;
    let items = provider_items(&job, tenant, &injected).await?;
    let mut findings: Vec<(String, &'static str, String, Vec<Value>)> = Vec::new();
    let mut skipped = 0_i64;
    for item in &items {
        let Some(now) = settings_object(&item.settings) else {
            skipped += 1;
            continue;
        };
        match baseline.remove(&item.external_id) {
            None => findings.push((item.external_id.clone(), "added", item.display_name.clone(), Vec::new())),
            Some((_, before)) => {
                let diff = changed_settings(&before, &now);
                if !diff.is_empty() {
                    findings.push((item.external_id.clone(), "changed", item.display_name.clone(), diff));
                }
            }
        }
    }
    for (id, (name, _)) in baseline {
        findings.push((id, "removed", name, Vec::new()));
    }

    job.progress(phase("recording_findings", &[])).await?;
    injected.pace(1).await;
    let now = job.state.clock.now();
    let mut tx = job.state.db.begin_write().await?;
    for (external_id, change, name, diff) in &findings {
        let changed_settings = Value::Array(diff.clone()).to_string();
        let finding =
            baselines::NewFinding { external_id, change, display_name: name, changed_settings: &changed_settings };
        baselines::add_finding(&mut tx, job.run.id, tenant, snapshot, finding, now).await?;
    }
    tx.commit().await?;
    let count = |c: &str| i64::try_from(findings.iter().filter(|f| f.1 == c).count()).unwrap_or(i64::MAX);
    let processed = i64::try_from(items.len()).unwrap_or(i64::MAX);
    job.counts(&[
        ("total", processed),
        ("processed", processed),
        ("succeeded", processed - skipped),
        ("skipped", skipped),
        ("findings_added", count("added")),
        ("findings_removed", count("removed")),
        ("findings_changed", count("changed")),
    ])
    .await?;
    injected.crash_point(&job);
    Ok(if skipped == 0 {
        HandlerResult::succeeded()
    } else {
        HandlerResult::ended(
            RunOutcome::PartiallySucceeded,
            "items_unreadable",
            Sentence::CompareSkipped { skipped, total: processed },
            None,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_settings_name_each_difference_with_before_and_after() {
        let a = settings_object(r#"{"enabled": true, "level": 2, "gone": 1}"#).unwrap_or_default();
        let b = settings_object(r#"{"enabled": false, "level": 2, "new": "x"}"#).unwrap_or_default();
        let diff = changed_settings(&a, &b);
        assert_eq!(
            diff,
            vec![
                json!({"setting": "enabled", "before": true, "after": false}),
                json!({"setting": "gone", "before": 1, "after": null}),
                json!({"setting": "new", "before": null, "after": "x"}),
            ]
        );
        assert!(changed_settings(&a, &a).is_empty());
    }
}
