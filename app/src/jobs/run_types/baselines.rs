//! What the two baseline run types share: reading the provider's items in keyset batches,
//! a phase's progress report, and finding a snapshot of the tenant. Each type lives in its
//! own file: `baseline_capture.rs` and `baseline_compare.rs`.

use crate::domain::refusal::Thing;
use crate::domain::{RunId, RunOutcome, Sentence, TenantId};
use crate::jobs::lifecycle::ProgressUpdate;
use crate::jobs::provider::Injected;
use crate::jobs::run_types::InputError;
use crate::jobs::worker::{HandlerResult, Job};
use crate::runtime::state::AppState;
use crate::store::baselines;
use crate::store::db::Db;
use crate::store::provider::{ProviderItem, items_after};
use anyhow::Context as _;
use serde_json::{Map, Value};

/// Items read per query.
const BATCH: i64 = 100;

/// The snapshot `spelled` names, if it is one of `tenant`'s; anything else — not an id,
/// another tenant's, none at all — is "not found".
pub(super) async fn snapshot_of(state: &AppState, tenant: TenantId, spelled: &str) -> Result<i64, InputError> {
    let not_found = || InputError::NotFound(Thing::Snapshot);
    let id = RunId::parse(spelled).ok_or_else(not_found)?.get();
    tenant_snapshot(&state.db, tenant, id).await?.ok_or_else(not_found)
}

pub(super) fn phase(key: &str, counts: &[(&str, i64)]) -> ProgressUpdate {
    ProgressUpdate {
        phase: Some(key.to_owned()),
        counts: counts.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        composite: None,
    }
}

/// Every provider item of `tenant`, read in keyset batches, pacing and hang checkpoints
/// applied per batch.
pub(super) async fn provider_items(
    job: &Job,
    tenant: TenantId,
    injected: &Injected,
) -> anyhow::Result<Vec<ProviderItem>> {
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

pub(super) fn settings_object(text: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str(text) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// How a baseline run ends once its records are written: succeeded, or partially when it had
/// to skip unreadable items (`skipped`), saying so with `sentence`.
pub(super) fn ended(skipped: i64, sentence: Sentence) -> HandlerResult {
    if skipped == 0 {
        HandlerResult::succeeded()
    } else {
        HandlerResult::ended(RunOutcome::PartiallySucceeded, "items_unreadable", sentence, None)
    }
}
