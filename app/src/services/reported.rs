//! Work a platform runs itself, reported through the runs API (specs/runs-api, "Reporting
//! work"). A token that may report runs reports a run its platform already runs (written
//! running, held by the reporting worker), or claims queued runs of its workspace's types;
//! then the worker holding a run beats, reports progress and ends it. Every write goes
//! through the one lifecycle service, so the guarded transitions, the one terminal
//! notification and the reconciler's decisions apply to reported work exactly as to
//! Opshub's own.
//!
//! A worker holds a run under its token and its name together
//! ([`WorkerName::lease_owner`]): only that worker of that token can write to it, so a
//! sign of life or a progress report needs no read of the run first.

use crate::domain::access::Capability;
use crate::domain::context::CompositeCounts;
use crate::domain::report::{Ending, EndingRefusal, WorkerName};
use crate::domain::summary::SummaryError;
use crate::domain::{Failure, RunId, RunKind, RunView, StoredSentence};
use crate::jobs::lifecycle::{Completion, LifecycleError, NewRun, ProgressFault, ProgressUpdate, Started};
use crate::runtime::AppState;
use crate::services::error::{Conflict, Error, Invalid, Thing};
use crate::services::principal::Principal;
use std::time::Duration;

/// How long a reporting worker's lease runs from its last sign of life. Informational (run
/// diagnostics show it): freshness and the reconciler judge a run by its heartbeats against
/// its type's own windows.
pub const LEASE: Duration = Duration::from_secs(300);

/// The most types one claim may name.
pub const MAX_CLAIM_TYPES: usize = 20;

/// A report of work the platform runs already.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The workspace type's key.
    pub run_type: String,
    /// The tenant's id.
    pub tenant_id: String,
    /// The worker that runs it.
    pub worker: String,
    /// The caller's idempotency key: a report with the key of an active run answers that run.
    pub dedupe_key: Option<String>,
}

/// A run a worker holds, as the API answers a report or a claim.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    /// The run.
    pub view: RunView,
    /// Whether it was active already (a report repeated, or work queued under its key).
    pub already_running: bool,
}

/// What a worker hears back from a sign of life or a progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heard {
    /// A person asked the run to stop: end it `cancelled` with what it finished so far.
    pub stop_requested: bool,
}

/// A progress report: any of counts, the current phase and a composite summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgressReport {
    /// Counts to merge, by key.
    pub counts: Vec<(String, i64)>,
    /// The current phase.
    pub phase: Option<String>,
    /// Sources ready and failed of a total.
    pub composite: Option<CompositeCounts>,
}

/// Reports work its platform already runs: written running and held by `r.worker`, or, with
/// the key of an active run, that run (already held by the same worker, or queued under the
/// key and now claimed by it). Work of Opshub's own types is not the platform's to report.
#[tracing::instrument(skip_all, fields(workspace = p.workspace_id.get()))]
pub async fn report(state: &AppState, p: &Principal, r: &Report) -> Result<Held, Error> {
    let owner = owner(p, &r.worker)?;
    crate::services::operations::check_dedupe_key(r.dedupe_key.as_deref())?;
    let tenant = crate::services::operations::tenant_in_workspace(state, p, &r.tenant_id).await?;
    p.authorize(p.workspace_id, Some(tenant), Capability::ReportRuns, Thing::Tenant)?;
    let kind = match crate::services::workspace_types::kind(state, p.workspace_id, r.run_type.trim()).await? {
        None => return Err(Error::Invalid(Invalid::Field("type".to_owned()))),
        Some(RunKind::Builtin(_)) => return Err(Error::Conflict(Conflict::OpshubRunsIt)),
        Some(kind) => kind,
    };
    let req = NewRun {
        workspace_id: p.workspace_id,
        tenant_id: Some(tenant),
        run_type: kind,
        initiator: Some(p.initiator()),
        dedupe_key: r.dedupe_key.clone(),
        inputs: serde_json::json!({ "reported_by": r.worker }),
    };
    let life = state.lifecycle();
    let (run, already_running) = match life.report(req, &owner, LEASE).await.map_err(refusal)? {
        Started::Created(run) => (run, false),
        Started::AlreadyActive(run) if run.lease_owner.as_deref() == Some(owner.as_str()) => (run, true),
        Started::AlreadyActive(run) if run.state.status() == crate::domain::RunStatus::Queued => {
            let claimed = life.claim(run.id, &owner, LEASE).await.map_err(refusal)?;
            (claimed.ok_or(Error::Conflict(Conflict::NotHeld))?, true)
        }
        Started::AlreadyActive(_) => return Err(Error::Conflict(Conflict::NotHeld)),
    };
    Ok(Held { view: view_of(state, p, run.id).await?, already_running })
}

/// Claims the oldest queued run of one of `types` (workspace types) in the caller's scope
/// for `worker`; `None` when nothing of those types is queued. Of two workers racing for one
/// run, one holds it.
#[tracing::instrument(skip_all, fields(workspace = p.workspace_id.get()))]
pub async fn claim(state: &AppState, p: &Principal, types: &[String], worker: &str) -> Result<Option<Held>, Error> {
    p.require(Capability::ReportRuns)?;
    let owner = owner(p, worker)?;
    let field = || Error::Invalid(Invalid::Field("types".to_owned()));
    if types.is_empty() || types.len() > MAX_CLAIM_TYPES {
        return Err(field());
    }
    let registered = crate::store::workspace_types::list(&state.db, p.workspace_id).await?;
    if !types.iter().all(|t| registered.iter().any(|r| r.key == *t)) {
        return Err(field());
    }
    let keys: Vec<&str> = types.iter().map(String::as_str).collect();
    let tenants = p.scope();
    let run = state
        .lifecycle()
        .claim_reported(p.workspace_id, tenants.as_deref(), &keys, &owner, LEASE)
        .await
        .map_err(refusal)?;
    match run {
        Some(run) => Ok(Some(Held { view: view_of(state, p, run.id).await?, already_running: false })),
        None => Ok(None),
    }
}

/// A sign of life from `worker` for run `id`, which it holds.
pub async fn heartbeat(state: &AppState, p: &Principal, id: &str, worker: &str) -> Result<Heard, Error> {
    let (id, owner) = held(p, id, worker)?;
    heard(state.lifecycle().heartbeat(id, &owner, LEASE).await)
}

/// Progress from `worker` for run `id`, which it holds; checked against the run's kind (its
/// count keys, phases and composite summary) and refused whole, naming the field, when it
/// does not fit. Counts as a sign of life.
pub async fn progress(
    state: &AppState,
    p: &Principal,
    id: &str,
    worker: &str,
    report: ProgressReport,
) -> Result<Heard, Error> {
    let (id, owner) = held(p, id, worker)?;
    let update = ProgressUpdate { counts: report.counts, phase: report.phase, composite: report.composite };
    heard(state.lifecycle().record_progress(id, &owner, LEASE, &update).await)
}

/// Ends run `id`, which `worker` holds, with `outcome`, final `counts` and, when it did not
/// succeed, a failure as a stable code and a sentence safe to show operators.
#[tracing::instrument(skip_all, fields(workspace = p.workspace_id.get()))]
pub async fn complete(
    state: &AppState,
    p: &Principal,
    id: &str,
    worker: &str,
    outcome: &str,
    counts: Vec<(String, i64)>,
    failure: Option<(&str, &str)>,
) -> Result<RunView, Error> {
    let (id, owner) = held(p, id, worker)?;
    let ending = Ending::check(outcome, failure).map_err(|why| {
        Error::Invalid(Invalid::Field(
            match why {
                EndingRefusal::Outcome => "outcome",
                EndingRefusal::FailureCode => "failure.code",
                EndingRefusal::FailureMessage => "failure.message",
            }
            .to_owned(),
        ))
    })?;
    let mut c = Completion::by_worker(&owner, ending.outcome);
    c.counts = counts;
    c.failure =
        ending.failure.map(|(code, message)| Failure { code, message: StoredSentence::read(&message), detail: None });
    let run = state.lifecycle().complete(id, c).await.map_err(refusal)?;
    view_of(state, p, run.id).await
}

/// The lease owner `worker` of the caller's token holds runs under.
fn owner(p: &Principal, worker: &str) -> Result<String, Error> {
    let name = WorkerName::parse(worker).ok_or_else(|| Error::Invalid(Invalid::Field("worker".to_owned())))?;
    let token = p.token.ok_or(Error::TokenForbidden(Capability::ReportRuns))?;
    Ok(name.lease_owner(token.id))
}

/// The run and lease owner of a write to a held run, once the caller may report.
fn held(p: &Principal, id: &str, worker: &str) -> Result<(RunId, String), Error> {
    p.require(Capability::ReportRuns)?;
    let owner = owner(p, worker)?;
    let id = RunId::parse(id).ok_or(Error::NotFound(Thing::Operation))?;
    Ok((id, owner))
}

/// A sign of life's answer: written, and whether a person asked the run to stop.
fn heard(written: Result<(), LifecycleError>) -> Result<Heard, Error> {
    match written {
        Ok(()) => Ok(Heard { stop_requested: false }),
        Err(LifecycleError::CancelRequested { .. }) => Ok(Heard { stop_requested: true }),
        Err(e) => Err(refusal(e)),
    }
}

/// The view of run `id` for the caller, who holds it (and may not read runs otherwise).
async fn view_of(state: &AppState, p: &Principal, id: RunId) -> Result<RunView, Error> {
    crate::services::operations::view_for(state, p, id, |_| Capability::ReportRuns).await
}

/// A lifecycle refusal as the reporting worker hears it: the field of its report at fault,
/// or that it does not hold the run.
fn refusal(e: LifecycleError) -> Error {
    let field = |name: String| Error::Invalid(Invalid::Field(name));
    match e {
        LifecycleError::LeaseLost(_)
        | LifecycleError::NotFound(_)
        | LifecycleError::AlreadyCompleted { .. }
        | LifecycleError::IllegalTransition { .. }
        | LifecycleError::Changed(_) => Error::Conflict(Conflict::NotHeld),
        LifecycleError::InvalidCounts(why) => field(format!("counts.{}", counted_key(&why))),
        LifecycleError::BadProgress(ProgressFault::UnknownPhase) => field("phase".to_owned()),
        LifecycleError::BadProgress(ProgressFault::ContradictingCounts) => field("counts".to_owned()),
        LifecycleError::BadProgress(ProgressFault::Composite) => field("composite".to_owned()),
        LifecycleError::TenantNotInWorkspace => Error::NotFound(Thing::Tenant),
        LifecycleError::Contended => Error::Conflict(Conflict::CouldNotStart),
        e => Error::internal("recording reported work", e),
    }
}

/// The count key a refusal of counts names.
fn counted_key(why: &SummaryError) -> String {
    match why {
        SummaryError::UnknownKey(key) => key.clone(),
        SummaryError::NotForType { key, .. } | SummaryError::Negative(key) => (*key).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_count_names_its_key_under_counts() {
        let e = refusal(LifecycleError::InvalidCounts(SummaryError::UnknownKey("bananas".into())));
        assert!(matches!(e, Error::Invalid(Invalid::Field(f)) if f == "counts.bananas"));
        let e = refusal(LifecycleError::InvalidCounts(SummaryError::Negative("total")));
        assert!(matches!(e, Error::Invalid(Invalid::Field(f)) if f == "counts.total"));
        let e = refusal(LifecycleError::BadProgress(ProgressFault::Composite));
        assert!(matches!(e, Error::Invalid(Invalid::Field(f)) if f == "composite"));
        assert!(matches!(refusal(LifecycleError::LeaseLost(RunId(3))), Error::Conflict(Conflict::NotHeld)));
    }
}
