//! `environment.review.compose` and the review lifecycle.
//!
//! A compose gathers four evidence sources — the latest inventory sync, the latest baseline
//! compare, that compare's drift findings, and the tenant's recent failures — reporting
//! composite progress ("3 of 4 evidence sources ready, 1 failed"), and writes an
//! **environment review** with sections and a **fingerprint** of its evidence basis.
//! Reviews go composing → ready → published (publishing supersedes the tenant's previous
//! published review); at most one mutable review (composing or ready) exists per tenant and
//! fingerprint — a unique partial index — so composing again over the same evidence refreshes
//! that review instead of adding another.

use crate::domain::context::CompositeCounts;
use crate::domain::reconcile::{Decision, ReviewFact, ReviewStatus, Verdict, decide_compose};
use crate::domain::review::{ReviewSection, SectionFinding};
use crate::domain::{ReviewSource, Sentence};
use crate::domain::{Run, RunId, RunOutcome, TenantId, WorkspaceId};
use crate::jobs::provider::begin;
use crate::jobs::run_types::{ADAPTER_CHUNK, InputError, StartOptions};
use crate::jobs::worker::{BoxFuture, Handler, HandlerResult, Job};
use crate::runtime::clock::Clock;
use crate::runtime::state::AppState;
use crate::store::db::Db;
use crate::store::reviews as stored;
use crate::store::sweeps;
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashMap};

/// Evidence sources a compose aggregates.
const SOURCES: u64 = 4;
/// How far back "recent failures" looks.
const RECENT_MS: i64 = 7 * 86_400_000;

/// The environment.review.compose handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct ComposeReview;

/// A compose takes no snapshot and no review; it starts with the fingerprint of the
/// tenant's evidence as it stands now, so its work can be proven later.
pub(super) async fn inputs(
    state: &AppState,
    tenant: TenantId,
    o: &StartOptions<'_>,
) -> Result<Map<String, Value>, InputError> {
    o.takes_no_snapshot()?;
    o.takes_no_review()?;
    let mut inputs = Map::new();
    inputs.insert("fingerprint".to_owned(), json!(evidence_fingerprint(state, tenant).await?));
    Ok(inputs)
}

/// The reconciliation adapter: the reviews that can decide each compose — those with its
/// evidence fingerprint, and published ones (possible successors) of its tenant — decided
/// by the domain, which still checks scope and fingerprint per run. One query per chunk.
pub(super) async fn adapter(state: &AppState, runs: &[&Run]) -> Result<Vec<(RunId, Decision)>, sqlx::Error> {
    let composes: Vec<(&Run, TenantId, &str)> = runs
        .iter()
        .filter_map(|run| {
            let fp = run.context.inputs().and_then(|i| i.get("fingerprint")).and_then(Value::as_str)?;
            Some((*run, run.tenant_id?, fp))
        })
        .collect();
    let mut decided = Vec::new();
    for chunk in composes.chunks(ADAPTER_CHUNK) {
        let tenants: Vec<i64> = chunk.iter().map(|(_, t, _)| t.get()).collect::<BTreeSet<_>>().into_iter().collect();
        let fps: Vec<&str> = chunk.iter().map(|(_, _, fp)| *fp).collect::<BTreeSet<_>>().into_iter().collect();
        let mut facts: HashMap<(WorkspaceId, TenantId), Vec<ReviewFact>> = HashMap::new();
        for sweeps::ReviewRecord { id, workspace_id, tenant_id, fingerprint, status } in
            sweeps::reviews(&state.db, &tenants, &fps).await?
        {
            let fact = ReviewFact {
                id,
                workspace: WorkspaceId(workspace_id),
                tenant: TenantId(tenant_id),
                fingerprint,
                status: ReviewStatus::parse(&status),
            };
            facts.entry((fact.workspace, fact.tenant)).or_default().push(fact);
        }
        for (run, tenant, fp) in chunk {
            let scope = facts.get(&(run.workspace_id, *tenant)).map_or(&[][..], Vec::as_slice);
            if let Some(d) = decide_compose(run, Some(fp), scope) {
                decided.push((run.id, d));
            }
        }
    }
    Ok(decided)
}

impl Handler for ComposeReview {
    fn run(&self, job: Job) -> BoxFuture<anyhow::Result<HandlerResult>> {
        Box::pin(compose(job))
    }
}

/// One evidence source as gathered.
#[derive(Debug, Clone)]
struct Source {
    /// What the review says about the source.
    section: ReviewSection,
    /// Its part of the evidence basis the fingerprint is taken over.
    basis: String,
}

/// FNV-1a (64-bit): a stable, dependency-free fingerprint of the evidence basis. It
/// identifies evidence; it is not a security boundary.
pub fn fingerprint(basis: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in basis.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

async fn latest_run(db: &Db, tenant: TenantId, run_type: &str) -> Result<Option<(i64, String)>, sqlx::Error> {
    let run = stored::latest_completed_run(db, tenant, run_type).await?;
    Ok(run.map(|r| (r.id, r.outcome.unwrap_or_default())))
}

fn usable(outcome: &str) -> bool {
    matches!(outcome, "succeeded" | "partially_succeeded")
}

async fn gather(state: &AppState, tenant: TenantId, index: u64) -> Result<Source, sqlx::Error> {
    let db = &state.db;
    let (source, finding, basis) = match index {
        0 => match latest_run(db, tenant, "inventory.sync").await? {
            Some((run, outcome)) if usable(&outcome) => {
                let items = crate::store::workbench::inventory_count(db, tenant).await?;
                (ReviewSource::Inventory, SectionFinding::InventoryReady { items, run }, format!("inv:{run}"))
            }
            Some((run, _)) => {
                (ReviewSource::Inventory, SectionFinding::InventoryFailed { run }, format!("inv-failed:{run}"))
            }
            None => (ReviewSource::Inventory, SectionFinding::InventoryNone, "inv:none".into()),
        },
        1 => match latest_run(db, tenant, "baseline.compare").await? {
            Some((run, outcome)) if usable(&outcome) => {
                (ReviewSource::Comparison, SectionFinding::ComparisonReady { run }, format!("cmp:{run}"))
            }
            Some((run, _)) => {
                (ReviewSource::Comparison, SectionFinding::ComparisonFailed { run }, format!("cmp-failed:{run}"))
            }
            None => (ReviewSource::Comparison, SectionFinding::ComparisonNone, "cmp:none".into()),
        },
        2 => match latest_run(db, tenant, "baseline.compare").await? {
            Some((id, outcome)) if usable(&outcome) => {
                let rows = stored::finding_counts(db, id).await?;
                let n = |c: &str| rows.iter().find(|r| r.change == c).map_or(0, |r| r.n);
                let (added, removed, changed) = (n("added"), n("removed"), n("changed"));
                let basis = format!("fnd:{id}:{added}:{removed}:{changed}");
                (ReviewSource::Findings, SectionFinding::FindingsReady { added, removed, changed }, basis)
            }
            _ => (ReviewSource::Findings, SectionFinding::FindingsNone, "fnd:none".into()),
        },
        _ => {
            let since = crate::domain::Timestamp(state.clock.now().millis() - RECENT_MS);
            let runs = stored::recent_failures(db, tenant, since).await?;
            let basis = format!("fail:{}", runs.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
            (ReviewSource::Failures, SectionFinding::Failures { runs }, basis)
        }
    };
    let ready = !matches!(
        finding,
        SectionFinding::InventoryFailed { .. }
            | SectionFinding::InventoryNone
            | SectionFinding::ComparisonFailed { .. }
            | SectionFinding::ComparisonNone
            | SectionFinding::FindingsNone
    );
    Ok(Source { section: ReviewSection { source: Some(source), ready, finding }, basis })
}

async fn compose(job: Job) -> anyhow::Result<HandlerResult> {
    let (tenant, injected) = match begin(&job).await? {
        Ok(ready) => ready,
        Err(end) => return Ok(end),
    };
    let mut sources = Vec::new();
    let composite = |sources: &[Source]| {
        let ready = sources.iter().filter(|s| s.section.ready).count() as u64;
        CompositeCounts { total: SOURCES, ready, failed: sources.len() as u64 - ready }
    };
    job.progress(crate::jobs::lifecycle::ProgressUpdate { composite: Some(composite(&sources)), ..Default::default() })
        .await?;
    for i in 0..SOURCES {
        injected.checkpoint(&job).await;
        injected.pace(1).await;
        sources.push(gather(&job.state, tenant, i).await?);
        job.progress(crate::jobs::lifecycle::ProgressUpdate {
            composite: Some(composite(&sources)),
            ..Default::default()
        })
        .await?;
    }
    let basis: Vec<&str> = sources.iter().map(|s| s.basis.as_str()).collect();
    let fp = fingerprint(&basis.join("|"));
    let missing: Vec<ReviewSource> =
        sources.iter().filter(|s| !s.section.ready).filter_map(|s| s.section.source).collect();
    let summary =
        ReviewSection { source: None, ready: true, finding: SectionFinding::Summary { without: missing.clone() } };
    let sections: Vec<Value> = sources
        .iter()
        .map(|s| &s.section)
        .chain([&summary])
        .map(|s| serde_json::to_value(s).unwrap_or(Value::Null))
        .collect();
    let evidence = json!({ "fingerprint": fp, "basis": basis });
    let review = match save_review(&job, tenant, &fp, &sections, &evidence).await {
        Ok(review) => review,
        Err(e) if e.downcast_ref::<sqlx::Error>().is_some_and(is_unique_violation) => {
            // Another compose of the same evidence wrote its review first. Whatever the
            // records now say decides this run, exactly as the reconciler would decide it.
            tracing::info!(run_id = job.run.id.get(), fingerprint = %fp, "review of the same evidence exists; recovering");
            return Ok(recover_duplicate(&job.state, &job.run, &fp).await?);
        }
        Err(e) => return Err(e),
    };
    tracing::info!(review, fingerprint = %fp, "environment review ready");
    job.counts(&[("sections", i64::try_from(sections.len()).unwrap_or(i64::MAX))]).await?;
    injected.crash_point(&job);
    Ok(if missing.is_empty() {
        HandlerResult::succeeded()
    } else {
        HandlerResult::ended(
            RunOutcome::PartiallySucceeded,
            "evidence_unavailable",
            Sentence::ComposedWithout(missing),
            None,
        )
    })
}

/// Writes the composed review: refreshes the tenant's one mutable review of this evidence
/// when there is one, else adds it. Two composes racing to add the same evidence meet the
/// unique partial index; the loser gets the unique violation and recovers.
async fn save_review(
    job: &Job,
    tenant: TenantId,
    fp: &str,
    sections: &[Value],
    evidence: &Value,
) -> anyhow::Result<i64> {
    let now = job.state.clock.now();
    let sections = Value::Array(sections.to_vec()).to_string();
    let evidence = evidence.to_string();
    let composed =
        stored::Composed { tenant, fingerprint: fp, run: job.run.id, sections: &sections, evidence: &evidence };
    let mut tx = job.state.db.begin_write().await?;
    job.hold(&mut tx).await?;
    let review = match stored::refresh_mutable(&mut tx, &composed, now).await? {
        Some(id) => id,
        None => stored::insert_ready(&mut tx, job.run.workspace_id, &composed, now).await?,
    };
    tx.commit().await?;
    Ok(review)
}

/// Whether `e` is a unique-constraint violation (on either database).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Ends a compose whose review write met another review of the same evidence: the compose
/// adapter decides from the records (succeeded, blocked by a successor, or needs attention),
/// and the operator reads a calm sentence — never the database's. A success carries the
/// adapter's decision record (what proved it, and the related review).
pub async fn recover_duplicate(state: &AppState, run: &Run, fp: &str) -> Result<HandlerResult, sqlx::Error> {
    let mut run = run.clone();
    let mut inputs = run.context.inputs().cloned().unwrap_or_default();
    inputs.insert("fingerprint".to_owned(), json!(fp));
    run.context.set_section("inputs", Value::Object(inputs));
    let decision = crate::jobs::reconciler::adapter_decision(state, &run).await?;
    Ok(match decision {
        // Proven by the review the other compose wrote: recorded like the reconciler's proof,
        // so the run says how it was decided and links that review.
        Some(d) if d.verdict == Verdict::Succeeded => {
            HandlerResult::succeeded().decided(d.record_in_job(run.state.status(), state.clock.now()))
        }
        Some(d) => HandlerResult::ended(
            d.verdict.outcome(),
            d.reason.code(),
            Sentence::DecidedInJob(d.reason),
            Some(format!("duplicate evidence fingerprint {fp}; decided {}", d.verdict.as_str())),
        ),
        None => HandlerResult::ended(
            RunOutcome::Failed,
            "compose_conflict",
            Sentence::ComposeInProgress,
            Some(format!("duplicate evidence fingerprint {fp}; no finished review to prove")),
        ),
    })
}

/// The fingerprint of `tenant`'s evidence as it stands now: what a compose started now will
/// be built on. Recorded in the compose run's inputs, so the reconciler can later prove its
/// work from the review with this fingerprint.
pub async fn evidence_fingerprint(state: &AppState, tenant: TenantId) -> Result<String, sqlx::Error> {
    let mut basis = Vec::new();
    for i in 0..SOURCES {
        basis.push(gather(state, tenant, i).await?.basis);
    }
    Ok(fingerprint(&basis.join("|")))
}

/// Why a review could not be published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// No such review in this workspace.
    #[error("no such review")]
    NotFound,
    /// Only a ready review can be published (its status).
    #[error("the review is {0}, not ready")]
    NotReady(String),
    /// Another review of the tenant was published by a request that committed first.
    #[error("another review of the tenant was published at the same moment")]
    PublishedMeanwhile,
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// Publishes a ready review of `workspace`; the tenant's previously published review is
/// superseded in the same transaction, first, because the database allows one published
/// review per tenant. Of two publishes racing on PostgreSQL, the one that commits second
/// finds the first's review published and gets [`PublishError::PublishedMeanwhile`].
pub async fn publish(db: &Db, clock: &dyn Clock, workspace: WorkspaceId, review: i64) -> Result<(), PublishError> {
    let now = clock.now();
    let mut tx = db.begin_write().await?;
    let Some(tenant) = stored::tenant_of(&mut tx, workspace, review).await? else {
        tx.rollback().await?;
        return Err(PublishError::NotFound);
    };
    stored::supersede_others(&mut tx, tenant, review, now).await?;
    let published = match stored::publish(&mut tx, workspace, review, now).await {
        Ok(found) => found,
        Err(e) if is_unique_violation(&e) => {
            tx.rollback().await?;
            return Err(PublishError::PublishedMeanwhile);
        }
        Err(e) => return Err(e.into()),
    };
    if published.is_none() {
        tx.rollback().await?;
        let status = stored::status(db, workspace, review).await?;
        return Err(status.map_or(PublishError::NotFound, PublishError::NotReady));
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_sensitive_to_every_byte() {
        assert_eq!(fingerprint(""), "cbf29ce484222325");
        assert_eq!(fingerprint("inv:1|cmp:2"), fingerprint("inv:1|cmp:2"));
        assert_ne!(fingerprint("inv:1|cmp:2"), fingerprint("inv:1|cmp:3"));
        assert_eq!(fingerprint("a").len(), 16);
    }
}
