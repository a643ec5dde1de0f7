//! `baseline.compare`, a phased run type: *loading the baseline → comparing → recording
//! findings* — compares the provider's items now with a snapshot (the one named in
//! `inputs.snapshot_id`, else the latest) and records drift findings: added, removed, and
//! changed items with the settings that changed.

use super::baselines::{ended, phase, provider_items, settings_object, snapshot_of, tenant_snapshot};
use crate::domain::{RunOutcome, Sentence, TenantId};
use crate::jobs::provider::begin;
use crate::jobs::run_types::{InputError, StartOptions};
use crate::jobs::worker::{BoxFuture, Handler, HandlerResult, Job};
use crate::runtime::state::AppState;
use crate::store::baselines;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The baseline.compare handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct BaselineCompare;

/// A compare takes an optional snapshot of the tenant (`snapshot_id`; the latest one when
/// none is named) and no review.
pub(super) async fn inputs(
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

impl Handler for BaselineCompare {
    fn run(&self, job: Job) -> BoxFuture<anyhow::Result<HandlerResult>> {
        Box::pin(compare(job))
    }
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
    Ok(ended(skipped, Sentence::CompareSkipped { skipped, total: processed }))
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
