//! The lifecycle service: the one owner of every status and outcome write (specs/product-contract §3).
//!
//! Every transition is a guarded write — the `UPDATE` names the status (and, for workers, the
//! lease owner) it expects — so two writers racing (a worker finishing and the reconciler
//! sweeping) end with exactly one winner. The terminal transition writes the initiator's
//! notification in the same transaction, keyed `run-terminal:<id>`, so it exists exactly once,
//! and records its webhook event there too (specs/webhooks).

use crate::domain::Timestamp;
use crate::domain::context::CompositeCounts;
use crate::domain::problem::{ProblemClass, terminal_class};
use crate::domain::run::Failure;
use crate::domain::summary::SummaryError;
use crate::domain::transition::Actor;
use crate::domain::webhook::EventType;
use crate::domain::{
    Run, RunContext, RunId, RunKind, RunOutcome, RunState, RunStatus, SummaryCounts, TenantId, UserId, WorkspaceId,
};
use crate::domain::{Sentence, StoredSentence};
use crate::runtime::clock::Clock;
use crate::runtime::live::LiveRuns;
use crate::store::db::Db;
use crate::store::run_writes as writes;
use crate::store::runs::{self, DamagedRun, RunQueryError};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Why a lifecycle write was refused.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// No such run.
    #[error("run {0} does not exist")]
    NotFound(RunId),
    /// Someone else completed it first.
    #[error("run {id} is already completed ({})", outcome.as_str())]
    AlreadyCompleted {
        /// The run.
        id: RunId,
        /// How it ended.
        outcome: RunOutcome,
    },
    /// The expected status did not hold and the run is not completed either.
    #[error("run {id} is {} and cannot make that move", from.as_str())]
    IllegalTransition {
        /// The run.
        id: RunId,
        /// Its actual status.
        from: RunStatus,
    },
    /// This worker no longer holds the run's lease.
    #[error("the lease on run {0} is no longer held by this worker")]
    LeaseLost(RunId),
    /// The run changed since it was observed (its worker reported in).
    #[error("run {0} changed since it was observed")]
    Changed(RunId),
    /// A person asked the run to stop: the worker should end it `cancelled` with what it
    /// finished so far. The heartbeat or progress that found the request was still written.
    #[error("run {id} was asked to stop")]
    CancelRequested {
        /// The run.
        id: RunId,
        /// Who asked (if still known).
        by: Option<UserId>,
    },
    /// Summary counts failed validation.
    #[error(transparent)]
    InvalidCounts(#[from] SummaryError),
    /// A progress report that does not fit the run's kind; nothing was written.
    #[error("progress refused: {0:?}")]
    BadProgress(ProgressFault),
    /// The run names a tenant that is not in its workspace.
    #[error("the tenant is not in the run's workspace")]
    TenantNotInWorkspace,
    /// Identical starts kept racing a run that was completing; nothing was queued.
    #[error("the start kept racing a run that was completing; nothing was queued")]
    Contended,
    /// The request itself is invalid (a bad dedupe key, an unknown phase, …): a caller's
    /// mistake, described for the log.
    #[error("{0}")]
    Invalid(String),
    /// A stored run could not be read.
    #[error(transparent)]
    Damaged(#[from] DamagedRun),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<RunQueryError> for LifecycleError {
    fn from(e: RunQueryError) -> Self {
        match e {
            RunQueryError::Database(e) => Self::Database(e),
            RunQueryError::Damaged(e) => Self::Damaged(e),
        }
    }
}

/// A request to start a run.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// Owning workspace.
    pub workspace_id: WorkspaceId,
    /// Owning tenant, or `None` for workspace-level work.
    pub tenant_id: Option<TenantId>,
    /// What to run.
    pub run_type: RunKind,
    /// Who asked; `None` for the system.
    pub initiator: Option<UserId>,
    /// Distinguishes parallel runs of one type and scope; `None` allows one active run.
    pub dedupe_key: Option<String>,
    /// The `inputs` context section.
    pub inputs: Value,
}

/// The result of a start.
#[derive(Debug, Clone)]
pub enum Started {
    /// A new run was queued.
    Created(Run),
    /// An identical run is already active; here it is.
    AlreadyActive(Run),
}

impl Started {
    /// The run, new or existing.
    pub fn run(&self) -> &Run {
        match self {
            Self::Created(r) | Self::AlreadyActive(r) => r,
        }
    }
}

/// What a completing writer expects the run to be.
#[derive(Debug, Clone)]
pub enum Expect {
    /// Running under this worker's lease.
    RunningUnder(String),
    /// In exactly this status.
    Status(RunStatus),
    /// Exactly as the reconciler observed it: this status, last written at `updated_at`. A
    /// worker that reported in since (a heartbeat, progress, its own completion) wins.
    Unchanged {
        /// The observed status.
        status: RunStatus,
        /// The observed last write.
        updated_at: Timestamp,
    },
}

/// A terminal transition.
#[derive(Debug, Clone)]
pub struct Completion {
    /// The guard.
    pub expect: Expect,
    /// How it ended.
    pub outcome: RunOutcome,
    /// Why it failed, if it did.
    pub failure: Option<Failure>,
    /// Final summary counts to merge, validated like progress counts.
    pub counts: Vec<(String, i64)>,
    /// The reconciler's decision record, written into `context.reconciliation`.
    pub reconciliation: Option<Value>,
    /// Who or what ended the run (`completed_by`, and so the timeline).
    pub by: Actor,
}

impl Completion {
    /// A worker finishing its own run.
    pub fn by_worker(owner: &str, outcome: RunOutcome) -> Self {
        Self {
            expect: Expect::RunningUnder(owner.to_owned()),
            outcome,
            failure: None,
            counts: Vec::new(),
            reconciliation: None,
            by: Actor::Worker(owner.to_owned()),
        }
    }

    /// Adds a failure: its code, the sentence (stored typed, worded when read) and detail.
    pub fn with_failure(mut self, code: &str, message: &Sentence, detail: Option<String>) -> Self {
        self.failure = Some(Failure { code: code.to_owned(), message: StoredSentence::from(message), detail });
        self
    }
}

/// Why a progress report was refused (specs/product-contract §6: progress is never made up,
/// so a report that cannot be shown honestly is not stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressFault {
    /// The phase is not one of the kind's phases.
    UnknownPhase,
    /// The counts, merged with those stored, would contradict each other (more processed
    /// than in total, or more outcomes than processed).
    ContradictingCounts,
    /// A composite summary for a kind that reports none, or one whose ready and failed
    /// sources are more than its total (or a total of none).
    Composite,
}

/// A progress report from the worker holding the lease.
#[derive(Debug, Clone, Default)]
pub struct ProgressUpdate {
    /// Counts to merge (validated against the closed set and the run type).
    pub counts: Vec<(String, i64)>,
    /// The current phase key (must be one of the run type's phases).
    pub phase: Option<String>,
    /// The composite summary.
    pub composite: Option<CompositeCounts>,
}

/// What asking a run to stop did.
#[derive(Debug, Clone, PartialEq)]
pub enum CancelAnswer {
    /// It was queued and is now `cancelled`.
    Cancelled(Box<Run>),
    /// It is running; its worker will stop it at its next heartbeat or progress write.
    Requested,
}

/// `Err(CancelRequested)` when a person asked `run` to stop.
fn stop_requested(run: &Run) -> Result<(), LifecycleError> {
    match run.cancel_requested {
        Some(r) => Err(LifecycleError::CancelRequested { id: run.id, by: r.by }),
        None => Ok(()),
    }
}

/// `update` merged into what run `id` recorded (`base`), checked against the run's kind:
/// the summary counts and context to store.
fn merge_progress(
    id: RunId,
    base: writes::ProgressBase,
    update: &ProgressUpdate,
) -> Result<(SummaryCounts, RunContext), LifecycleError> {
    let writes::ProgressBase { run_type, type_profile, summary_counts: summary, context, .. } = base;
    let kind =
        runs::stored_kind(&run_type, type_profile.as_deref()).map_err(|source| DamagedRun { id: id.get(), source })?;
    let mut counts = SummaryCounts::from_json_lenient(&summary);
    counts.merge(&SummaryCounts::validated(&kind, update.counts.iter().map(|(k, v)| (k.as_str(), *v)))?);
    if counts.contradict() {
        return Err(LifecycleError::BadProgress(ProgressFault::ContradictingCounts));
    }
    let mut ctx = RunContext::from_json_lenient(&context);
    if let Some(phase) = &update.phase {
        if kind.phase_step(phase).is_none() {
            return Err(LifecycleError::BadProgress(ProgressFault::UnknownPhase));
        }
        ctx.set_section("phase", json!({ "current": phase }));
    }
    if let Some(c) = update.composite {
        let fits = c.total > 0 && c.ready.checked_add(c.failed).is_some_and(|n| n <= c.total);
        if !kind.reports_composite() || !fits {
            return Err(LifecycleError::BadProgress(ProgressFault::Composite));
        }
        ctx.set_section("composite", json!({ "total": c.total, "ready": c.ready, "failed": c.failed }));
    }
    Ok((counts, ctx))
}

/// The lifecycle service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Lifecycle {
    db: Db,
    clock: Arc<dyn Clock>,
    live: Option<Arc<LiveRuns>>,
    metrics: Option<Arc<crate::runtime::metrics::Metrics>>,
}

fn active_key(ws: WorkspaceId, tenant: Option<TenantId>, t: &RunKind, dedupe: Option<&str>) -> String {
    let tenant = tenant.map_or_else(|| "-".to_owned(), |t| t.to_string());
    format!("{ws}/{tenant}/{}/{}", t.as_str(), dedupe.unwrap_or(""))
}

impl Lifecycle {
    /// A service over `db`, reading time from `clock`.
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        Self { db, clock, live: None, metrics: None }
    }

    /// Keeps `live` current with every write this service makes.
    pub fn with_live(mut self, live: Arc<LiveRuns>) -> Self {
        self.live = Some(live);
        self
    }

    /// Counts every committed start, claim and completion in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<crate::runtime::metrics::Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// After a committed write: update this instance's live view and tell the others. A
    /// failed announcement is logged, not returned — the write itself succeeded, and other
    /// instances reload fully when their notification connection recovers.
    async fn written(&self, run: &Run) {
        if let Some(live) = &self.live {
            live.apply(run);
        }
        if let Err(e) = self.db.notify_run_changed(run.id.get()).await {
            tracing::warn!(run_id = run.id.get(), error = %e, "could not announce a run change");
        }
    }

    /// Queues a run, or returns the identical active run (same workspace, tenant, type and
    /// dedupe key). Safe under concurrent identical starts: the unique partial index on the
    /// active key lets exactly one insert through.
    #[tracing::instrument(skip(self, req), fields(run_type = req.run_type.as_str(), tenant = ?req.tenant_id))]
    pub async fn start(&self, req: NewRun) -> Result<Started, LifecycleError> {
        self.create(req, None).await
    }

    /// Writes a run its platform already runs (a workspace type's work, reported through the
    /// runs API) as running under `owner`'s lease of `lease`, or returns the identical active
    /// run, like [`Self::start`]. It never waits in the queue, so no claimer can take it.
    #[tracing::instrument(skip(self, req, owner), fields(run_type = req.run_type.as_str(), tenant = ?req.tenant_id))]
    pub async fn report(&self, req: NewRun, owner: &str, lease: Duration) -> Result<Started, LifecycleError> {
        self.create(req, Some((owner, lease))).await
    }

    async fn create(&self, req: NewRun, lease: Option<(&str, Duration)>) -> Result<Started, LifecycleError> {
        if let Some(t) = req.tenant_id
            && !writes::tenant_in_workspace(&self.db, t, req.workspace_id).await?
        {
            return Err(LifecycleError::TenantNotInWorkspace);
        }
        if let Some(k) = &req.dedupe_key
            && (k.is_empty() || k.len() > 200)
        {
            return Err(LifecycleError::Invalid("A dedupe key must be 1 to 200 characters.".to_owned()));
        }
        let key = active_key(req.workspace_id, req.tenant_id, &req.run_type, req.dedupe_key.as_deref());
        let type_profile = runs::stored_profile(&req.run_type);
        let mut context = RunContext::empty();
        context.set_section("inputs", if req.inputs.is_null() { json!({}) } else { req.inputs.clone() });
        let context = context.to_json();
        let new = writes::NewRunRow {
            workspace: req.workspace_id,
            tenant: req.tenant_id,
            run_type: req.run_type.as_str(),
            type_profile: type_profile.as_deref(),
            initiator: req.initiator,
            context: &context,
            dedupe_key: req.dedupe_key.as_deref(),
            active_key: &key,
        };
        // The blocking run can complete between our insert and our read; then try again.
        for _ in 0..8 {
            let now = self.clock.now();
            let row = match lease {
                None => writes::insert_queued(&self.db, &new, now).await?,
                Some((owner, lease)) => writes::insert_running(&self.db, &new, now, owner, now.plus(lease)).await?,
            };
            if let Some(row) = row {
                let run = row.into_run()?;
                tracing::info!(run_id = run.id.get(), status = run.state.status().as_str(), "run created");
                if let Some(m) = &self.metrics {
                    m.run_started(&run.run_type);
                    if lease.is_some() {
                        m.run_claimed(&run);
                    }
                }
                self.written(&run).await;
                return Ok(Started::Created(run));
            }
            if let Some(row) = writes::active_by_key(&self.db, &key).await? {
                return Ok(Started::AlreadyActive(row.into_run()?));
            }
        }
        Err(LifecycleError::Contended)
    }

    /// Claims the oldest queued run for `owner` with a lease of `lease`, or `None` when
    /// nothing is queued. On PostgreSQL concurrent claimers skip each other's rows.
    #[tracing::instrument(skip(self))]
    pub async fn claim_next(&self, owner: &str, lease: Duration) -> Result<Option<Run>, LifecycleError> {
        // Without SKIP LOCKED a concurrent claimer can take our pick first; look again.
        for _ in 0..4 {
            let now = self.clock.now();
            let row = writes::claim_oldest(&self.db, owner, now, now.plus(lease)).await?;
            if let Some(row) = row {
                return Ok(Some(self.claimed(row).await?));
            }
            if !writes::any_queued(&self.db).await? {
                return Ok(None);
            }
        }
        Ok(None)
    }

    /// Claims the oldest queued run of one of the workspace types `types` in `workspace`
    /// (of `tenants` only, when given) for `owner` with a lease of `lease`: the runs API's
    /// claim, for a platform's workers that take their work from Opshub. `None` when nothing
    /// of those types is queued; of two claimers racing for one run, one gets it.
    #[tracing::instrument(skip(self, types, owner))]
    pub async fn claim_reported(
        &self,
        workspace: WorkspaceId,
        tenants: Option<&[TenantId]>,
        types: &[&str],
        owner: &str,
        lease: Duration,
    ) -> Result<Option<Run>, LifecycleError> {
        if types.is_empty() || tenants.is_some_and(<[TenantId]>::is_empty) {
            return Ok(None);
        }
        // Without SKIP LOCKED a concurrent claimer can take our pick first; look again.
        for _ in 0..4 {
            let now = self.clock.now();
            let pick = writes::ReportedPick { workspace, tenants, types };
            match writes::claim_oldest_reported(&self.db, &pick, owner, now, now.plus(lease)).await? {
                writes::Claimed::Run(row) => return Ok(Some(self.claimed(*row).await?)),
                writes::Claimed::NothingQueued => return Ok(None),
                writes::Claimed::TakenFirst => {}
            }
        }
        Ok(None)
    }

    /// Inside a transaction that writes a run's business records: renews the lease of the
    /// worker holding it, or fails with `LeaseLost` when the run is no longer held (the
    /// reconciler decided it). The records and the sign of life commit together, so the
    /// reconciler either sees the records or never decides while they are being written.
    pub async fn hold_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        id: RunId,
        owner: &str,
        lease: Duration,
    ) -> Result<(), LifecycleError> {
        let now = self.clock.now();
        let held = writes::hold(conn, id, owner, now, now.plus(lease)).await?;
        if held { Ok(()) } else { Err(LifecycleError::LeaseLost(id)) }
    }

    /// Claims the queued run `id` for `owner`, or `None` when it is not queued (already
    /// claimed, completed or unknown). Lets a caller work exactly the run it created.
    #[tracing::instrument(skip(self))]
    pub async fn claim(&self, id: RunId, owner: &str, lease: Duration) -> Result<Option<Run>, LifecycleError> {
        let now = self.clock.now();
        let row = writes::claim(&self.db, id, owner, now, now.plus(lease)).await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(self.claimed(row).await?))
    }

    /// A run just claimed, as every claim reports it: logged, counted, announced.
    async fn claimed(&self, row: runs::RunRow) -> Result<Run, LifecycleError> {
        let run = row.into_run()?;
        tracing::info!(run_id = run.id.get(), run_type = run.run_type.as_str(), "run claimed");
        if let Some(m) = &self.metrics {
            m.run_claimed(&run);
        }
        self.written(&run).await;
        Ok(run)
    }

    /// Renews the lease of a run this worker holds and records a sign of life. Fails with
    /// `CancelRequested` (after renewing) when a person asked the run to stop.
    ///
    /// Not announced to other instances: a heartbeat changes nothing a page shows but
    /// freshness, and each instance copies heartbeats over when it catches up
    /// ([`LiveRuns::catch_up`]), often enough that no run looks silent for want of a message.
    pub async fn heartbeat(&self, id: RunId, owner: &str, lease: Duration) -> Result<(), LifecycleError> {
        let now = self.clock.now();
        let row = writes::heartbeat(&self.db, id, owner, now, now.plus(lease)).await?;
        let run = row.ok_or(LifecycleError::LeaseLost(id))?.into_run()?;
        if let Some(live) = &self.live {
            live.apply(&run);
        }
        stop_requested(&run)
    }

    /// Asks run `id` to stop, on behalf of `by`. A queued run ends `cancelled` at once (a
    /// guarded write: a worker claiming it at the same moment makes this a request instead);
    /// a running one records the request, which its worker sees at its next heartbeat or
    /// progress write. Asking again changes nothing. A completed run is `AlreadyCompleted`.
    #[tracing::instrument(skip(self))]
    pub async fn request_cancel(&self, id: RunId, by: UserId) -> Result<CancelAnswer, LifecycleError> {
        for _ in 0..4 {
            let Some(run) = runs::get(&self.db, id).await? else { return Err(LifecycleError::NotFound(id)) };
            match run.state {
                RunState::Completed(outcome) => return Err(LifecycleError::AlreadyCompleted { id, outcome }),
                RunState::Queued => {
                    let mut c = Completion::by_worker("", RunOutcome::Cancelled).with_failure(
                        "cancelled",
                        &Sentence::CancelledOnRequest,
                        None,
                    );
                    c.expect = Expect::Status(RunStatus::Queued);
                    c.by = Actor::Person(by);
                    match self.complete(id, c).await {
                        Ok(run) => return Ok(CancelAnswer::Cancelled(Box::new(run))),
                        // Claimed (or ended) in between: look again.
                        Err(LifecycleError::IllegalTransition { .. } | LifecycleError::AlreadyCompleted { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
                RunState::Running if run.cancel_requested.is_some() => return Ok(CancelAnswer::Requested),
                RunState::Running => {
                    let now = self.clock.now();
                    let row = writes::request_cancel(&self.db, id, by, now).await?;
                    // No row: it ended, or someone else asked first; look again.
                    if let Some(row) = row {
                        tracing::info!(run_id = id.get(), by = by.get(), "cancellation requested");
                        self.written(&row.into_run()?).await;
                        return Ok(CancelAnswer::Requested);
                    }
                }
            }
        }
        Err(LifecycleError::Changed(id))
    }

    /// Records progress (counts, phase, composite) for a run this worker holds. Counts as a
    /// heartbeat. Unknown count keys, keys of another type and unknown phases are refused and
    /// nothing is written.
    ///
    /// Progress is the busiest write there is (every worker, every few items), so it is two
    /// statements and no transaction: read what it merges into, then write the merge with a
    /// guard that finds the run held by this worker and unchanged since the read (its
    /// revision). When something wrote in between (a cancel request, or the same worker's
    /// overlapping report), the merge is done again under the row's lock, which always ends.
    pub async fn record_progress(
        &self,
        id: RunId,
        owner: &str,
        lease: Duration,
        update: &ProgressUpdate,
    ) -> Result<(), LifecycleError> {
        let Some(base) = writes::progress_base(&self.db, id, owner).await? else {
            return Err(LifecycleError::LeaseLost(id));
        };
        let revision = base.revision;
        let (counts, ctx) = merge_progress(id, base, update)?;
        let now = self.clock.now();
        let (counts, ctx) = (counts.to_json(), ctx.to_json());
        let written =
            writes::write_progress(&self.db, id, owner, revision, now, now.plus(lease), &counts, &ctx).await?;
        let run = match written {
            Some(row) => row.into_run()?,
            None => self.record_progress_locked(id, owner, lease, update).await?,
        };
        self.written(&run).await;
        stop_requested(&run)
    }

    /// [`Self::record_progress`] under the row's lock, for when the run changed between the
    /// read and the write.
    async fn record_progress_locked(
        &self,
        id: RunId,
        owner: &str,
        lease: Duration,
        update: &ProgressUpdate,
    ) -> Result<Run, LifecycleError> {
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await?;
        let Some(base) = writes::hold_for_progress(&mut tx, id, owner, now, now.plus(lease)).await? else {
            return Err(LifecycleError::LeaseLost(id));
        };
        let (counts, ctx) = merge_progress(id, base, update)?;
        let row = writes::set_progress(&mut tx, id, &counts.to_json(), &ctx.to_json()).await?;
        tx.commit().await?;
        Ok(row.into_run()?)
    }

    /// Completes a run with a guarded write and, in the same transaction, ends the records it
    /// was still making and writes its initiator's terminal notification. The loser of a race gets
    /// [`LifecycleError::AlreadyCompleted`] and changes nothing.
    #[tracing::instrument(skip(self, c), fields(outcome = c.outcome.as_str()))]
    pub async fn complete(&self, id: RunId, c: Completion) -> Result<Run, LifecycleError> {
        let now = self.clock.now();
        let guard = match &c.expect {
            Expect::Status(RunStatus::Completed) | Expect::Unchanged { status: RunStatus::Completed, .. } => {
                return Err(LifecycleError::Invalid("a completion cannot expect a completed run".to_owned()));
            }
            Expect::RunningUnder(owner) => writes::Guard::RunningUnder(owner),
            Expect::Status(s) => writes::Guard::Status(*s),
            Expect::Unchanged { status, updated_at } => writes::Guard::Unchanged(*status, *updated_at),
        };
        let failure = c.failure.as_ref();
        let completed_by = c.by.to_stored();
        let failure_message = failure.map(|f| f.message.to_stored());
        let ending = writes::Ending {
            outcome: c.outcome.as_str(),
            failure_code: failure.map(|f| f.code.as_str()),
            failure_message: failure_message.as_deref(),
            failure_detail: failure.and_then(|f| f.detail.as_deref()),
            terminal_class: terminal_class(c.outcome, c.reconciliation.is_some()).as_str(),
            completed_by: &completed_by,
        };
        let mut tx = self.db.begin_write().await?;
        let Some(row) = writes::complete(&mut tx, id, guard, &ending, now).await? else {
            tx.rollback().await?;
            return Err(self.explain_refusal(id, &c.expect).await);
        };
        let mut run = row.into_run()?;
        if !c.counts.is_empty() || c.reconciliation.is_some() {
            let add = SummaryCounts::validated(&run.run_type, c.counts.iter().map(|(k, v)| (k.as_str(), *v)))?;
            run.summary.merge(&add);
            if let Some(rec) = &c.reconciliation {
                run.context.set_section("reconciliation", rec.clone());
            }
            writes::set_summary_and_context(&mut tx, id, &run.summary.to_json(), &run.context.to_json()).await?;
        }
        crate::jobs::run_types::end_owned_records(&self.db, &mut tx, std::slice::from_ref(&run), now).await?;
        insert_terminal_notifications(&self.db, &mut tx, std::slice::from_ref(&run), now).await?;
        record_terminal_events(&self.db, &mut tx, std::slice::from_ref(&run), now).await?;
        // Announced in the same transaction: other instances hear of it exactly when it
        // commits, and the write path spends no extra pool round trip after the commit.
        self.db.notify_run_changed_in(&mut tx, id.get()).await?;
        tx.commit().await?;
        tracing::info!(run_id = id.get(), outcome = c.outcome.as_str(), "run completed");
        if let Some(m) = &self.metrics {
            m.run_completed(&run);
        }
        if let Some(live) = &self.live {
            live.apply(&run);
        }
        Ok(run)
    }

    /// Completes many runs exactly as the reconciler observed them, with one set-based guarded
    /// `UPDATE` per chunk of 500, each chunk its own transaction: each row is written only if its status and
    /// last write (`updated_at`) are still the observed ones, so a worker that reported in or
    /// finished since wins and that row is a no-op. Every completion must carry
    /// [`Expect::Unchanged`]. Returns the runs written (the winners), each with its terminal
    /// notification written and its change announced in the same transaction. If a chunk
    /// fails, the chunks before it stay written (each decision stands on its own guard) and
    /// the error is returned; the runs left are found again by the next sweep.
    ///
    /// Because the guard proves nothing was written since the observation, the new summary
    /// and context are computed here from the observed run and written whole.
    #[tracing::instrument(skip_all, fields(runs = batch.len()))]
    pub async fn complete_observed(&self, batch: Vec<(Run, Completion)>) -> Result<Vec<Run>, LifecycleError> {
        /// Rows per statement: 11 parameters each stays far below both databases' limits.
        const CHUNK: usize = 500;
        let now = self.clock.now();
        let mut planned = Vec::with_capacity(batch.len());
        for (observed, c) in batch {
            let Expect::Unchanged { status, updated_at } = c.expect else {
                return Err(LifecycleError::Invalid("a batched completion must name the state it observed".to_owned()));
            };
            if status == RunStatus::Completed {
                return Err(LifecycleError::Invalid("a completion cannot expect a completed run".to_owned()));
            }
            let mut done = observed;
            done.summary
                .merge(&SummaryCounts::validated(&done.run_type, c.counts.iter().map(|(k, v)| (k.as_str(), *v)))?);
            if let Some(rec) = c.reconciliation {
                done.context.set_section("reconciliation", rec);
            }
            done.state = RunState::Completed(c.outcome);
            done.failure = c.failure;
            done.completed_at = Some(now);
            done.updated_at = now;
            done.lease_owner = None;
            done.lease_expires_at = None;
            planned.push((status, updated_at, done, c.by));
        }
        let mut written = Vec::with_capacity(planned.len());
        for chunk in planned.chunks(CHUNK) {
            let endings: Vec<writes::ObservedEnding> = chunk
                .iter()
                .map(|(status, seen, done, by)| {
                    let failure = done.failure.as_ref();
                    writes::ObservedEnding {
                        id: done.id,
                        observed_status: *status,
                        observed_at: *seen,
                        outcome: done.state.outcome().map_or("", RunOutcome::as_str).to_owned(),
                        failure_code: failure.map(|f| f.code.clone()),
                        failure_message: failure.map(|f| f.message.to_stored()),
                        summary: done.summary.to_json(),
                        context: done.context.to_json(),
                        terminal_class: done.terminal_class().map(|c| ProblemClass::as_str(c).to_owned()),
                        completed_by: by.to_stored(),
                    }
                })
                .collect();
            // One transaction per chunk: each decision stands on its own guard, and the write
            // lock (one writer at a time on SQLite) is never held for a whole backlog.
            let mut tx = self.db.begin_write().await?;
            let won: std::collections::HashSet<i64> =
                writes::complete_observed(&self.db, &mut tx, &endings, now).await?.into_iter().collect();
            let winners: Vec<Run> =
                chunk.iter().filter(|(_, _, d, _)| won.contains(&d.id.get())).map(|(_, _, d, _)| d.clone()).collect();
            crate::jobs::run_types::end_owned_records(&self.db, &mut tx, &winners, now).await?;
            insert_terminal_notifications(&self.db, &mut tx, &winners, now).await?;
            record_terminal_events(&self.db, &mut tx, &winners, now).await?;
            self.db.notify_runs_changed_in(&mut tx, winners.iter().map(|r| r.id.get())).await?;
            tx.commit().await?;
            for run in &winners {
                if let Some(m) = &self.metrics {
                    m.run_completed(run);
                }
                if let Some(live) = &self.live {
                    live.apply(run);
                }
            }
            written.extend(winners);
        }
        Ok(written)
    }

    async fn explain_refusal(&self, id: RunId, expect: &Expect) -> LifecycleError {
        match runs::get(&self.db, id).await {
            Err(e) => e.into(),
            Ok(None) => LifecycleError::NotFound(id),
            Ok(Some(run)) => match run.state {
                RunState::Completed(outcome) => LifecycleError::AlreadyCompleted { id, outcome },
                RunState::Running if matches!(expect, Expect::RunningUnder(_)) => LifecycleError::LeaseLost(id),
                s if matches!(expect, Expect::Unchanged { status, .. } if *status == s.status()) => {
                    LifecycleError::Changed(id)
                }
                s => LifecycleError::IllegalTransition { id, from: s.status() },
            },
        }
    }
}

/// Writes the initiator's terminal notification for each completed run that has one, keyed
/// so that a run is announced at most once. It stores what it is about; the bell words it
/// from the run when it is read, in the reader's language.
async fn insert_terminal_notifications(
    db: &Db,
    conn: &mut sqlx::AnyConnection,
    runs: &[Run],
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let notifications: Vec<writes::NewNotification> = runs
        .iter()
        .filter(|run| run.state.outcome().is_some())
        .filter_map(|run| {
            Some(writes::NewNotification { user: run.initiator?, workspace: run.workspace_id, run: run.id })
        })
        .collect();
    writes::insert_terminal_notifications(db, conn, &notifications, now).await
}

/// Records each completed run's terminal webhook event (specs/webhooks) in the transaction
/// of its completion: `run.reconciled` when the reconciler decided it, `run.finished`
/// otherwise.
async fn record_terminal_events(
    db: &Db,
    conn: &mut sqlx::AnyConnection,
    runs: &[Run],
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let events: Vec<(EventType, &Run)> = runs
        .iter()
        .filter(|run| run.state.outcome().is_some())
        .map(|run| (EventType::terminal(run.context.reconciliation().is_some()), run))
        .collect();
    // A completed run's view does not depend on its windows: the type's defaults will do.
    crate::jobs::webhooks::record(db, conn, &events, &|run| run.run_type.default_policy(), now).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RunType;

    #[test]
    fn the_active_key_separates_scope_type_and_dedupe_key() {
        let a = active_key(WorkspaceId(1), Some(TenantId(2)), &RunType::InventorySync.into(), None);
        assert_eq!(a, "1/2/inventory.sync/");
        assert_ne!(a, active_key(WorkspaceId(1), None, &RunType::InventorySync.into(), None));
        assert_ne!(a, active_key(WorkspaceId(1), Some(TenantId(2)), &RunType::InventorySync.into(), Some("x")));
        assert_ne!(a, active_key(WorkspaceId(1), Some(TenantId(2)), &RunType::RestoreExecute.into(), None));
    }
}
