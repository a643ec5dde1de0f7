//! The worker runtime: an in-process pool that claims queued runs and calls the handler of
//! each run's type, heartbeating while it works. Tests drive it one run at a time with
//! [`Worker::run_one`]; the server runs [`Worker::run_pool`].

use crate::domain::Sentence;
use crate::domain::freshness::past_time_limit;
use crate::domain::reconcile::Reason;
use crate::domain::transition::Actor;
use crate::domain::{Run, RunId, RunOutcome, RunType, UserId};
use crate::jobs::lifecycle::{Completion, LifecycleError, ProgressUpdate};
use crate::runtime::state::AppState;
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::watch;
use tracing::Instrument as _;

/// A boxed future, so handlers can be stored as trait objects.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// How a handler's work ended.
#[derive(Debug, Clone)]
pub struct HandlerResult {
    /// The outcome to record.
    pub outcome: RunOutcome,
    /// `(code, why, detail)` when it did not fully succeed.
    pub failure: Option<(String, Sentence, Option<String>)>,
    /// A decision proved from business records, when the handler ended by one (written into
    /// `context.reconciliation`, as the reconciler writes its own).
    pub decision: Option<Value>,
}

impl HandlerResult {
    /// Everything worked.
    pub fn succeeded() -> Self {
        Self { outcome: RunOutcome::Succeeded, failure: None, decision: None }
    }

    /// It ended with `outcome` for the reason given.
    pub fn ended(outcome: RunOutcome, code: &str, message: Sentence, detail: Option<String>) -> Self {
        Self { outcome, failure: Some((code.to_owned(), message, detail)), decision: None }
    }

    /// Records `decision` (a [`crate::domain::reconcile::Decision::record`]) with the ending.
    pub fn decided(mut self, decision: Value) -> Self {
        self.decision = Some(decision);
        self
    }

    /// The lifecycle completion that records this ending for the worker `owner`.
    pub fn completion(self, owner: &str) -> Completion {
        let mut completion = Completion::by_worker(owner, self.outcome);
        if let Some((code, message, detail)) = self.failure {
            completion = completion.with_failure(&code, &message, detail);
        }
        completion.reconciliation = self.decision;
        completion
    }
}

/// What a handler gets: the claimed run, the state, and a way to report progress.
#[derive(Debug, Clone)]
pub struct Job {
    /// The run as claimed.
    pub run: Run,
    /// Its built-in type (only built-in runs reach a handler).
    pub run_type: RunType,
    /// Shared dependencies.
    pub state: AppState,
    owner: String,
    hung: Arc<AtomicBool>,
    stop: StopRequest,
}

/// Set once a person asks the run to stop: who asked (if still known).
type StopRequest = Arc<std::sync::OnceLock<Option<UserId>>>;

impl Job {
    /// Reports progress (also a heartbeat). Fails with `LeaseLost` if the run was taken away
    /// (e.g. completed by the reconciler), or with `CancelRequested` (the progress itself was
    /// written) when a person asked it to stop; the handler should then stop, and the worker
    /// ends the run `cancelled` with what it finished.
    pub async fn progress(&self, update: ProgressUpdate) -> Result<(), LifecycleError> {
        let result =
            self.state.lifecycle().record_progress(self.run.id, &self.owner, self.state.config.lease, &update).await;
        if let Err(LifecycleError::CancelRequested { by, .. }) = &result {
            let _ = self.stop.set(*by);
        }
        result
    }

    /// Simulates a worker that stopped answering (the demo provider's `hang` fault): from now
    /// on no heartbeat is sent, but the lease is kept, and this never returns. The run turns
    /// likely stale; shutdown or the reconciler decides it. It never returns.
    pub async fn hang(&self) {
        self.hung.store(true, Ordering::SeqCst);
        tracing::warn!(run_id = self.run.id.get(), "injected fault: the provider stopped answering");
        std::future::pending::<()>().await;
    }

    /// Inside a transaction writing this run's business records: proves the run is still
    /// held by this worker (and renews it), or fails with `LeaseLost` — then the caller rolls
    /// back, so nothing is written for a run the reconciler already decided.
    pub async fn hold(&self, conn: &mut sqlx::AnyConnection) -> Result<(), LifecycleError> {
        self.state.lifecycle().hold_in(conn, self.run.id, &self.owner, self.state.config.lease).await
    }

    /// Reports counts only.
    pub async fn counts(&self, counts: &[(&str, i64)]) -> Result<(), LifecycleError> {
        let counts = counts.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
        self.progress(ProgressUpdate { counts, ..ProgressUpdate::default() }).await
    }
}

/// The work of one run type.
pub trait Handler: Send + Sync + 'static {
    /// Does the work of `job.run` and says how it ended. Errors that escape are recorded as a
    /// failure with a calm message; the detail goes to diagnostics.
    fn run(&self, job: Job) -> BoxFuture<anyhow::Result<HandlerResult>>;
}

/// A worker instance: claims runs and dispatches them to handlers.
#[derive(Clone)]
pub struct Worker {
    state: AppState,
    owner: String,
    handlers: HashMap<RunType, Arc<dyn Handler>>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").field("owner", &self.owner).field("types", &self.handlers.keys()).finish()
    }
}

impl Worker {
    /// A worker named `owner` with no handlers yet.
    pub fn new(state: AppState, owner: impl Into<String>) -> Self {
        Self { state, owner: owner.into(), handlers: HashMap::new() }
    }

    /// Registers the handler of every run type, from the registry (`run_types::handler`).
    pub fn with_every_handler(mut self) -> Self {
        for t in RunType::ALL {
            self.handlers.insert(t, crate::jobs::run_types::handler(t));
        }
        self
    }

    /// Registers the handler of `run_type` (tests register one type, or a stand-in).
    pub fn with_handler(mut self, run_type: RunType, handler: impl Handler) -> Self {
        self.handlers.insert(run_type, Arc::new(handler));
        self
    }

    /// The lease owner name.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Claims one queued run and works it to completion. `Ok(None)` when nothing is queued.
    #[tracing::instrument(skip(self), fields(owner = %self.owner))]
    pub async fn run_one(&self) -> anyhow::Result<Option<RunId>> {
        let lifecycle = self.state.lifecycle();
        let Some(run) = lifecycle.claim_next(&self.owner, self.state.config.lease).await? else {
            return Ok(None);
        };
        self.finish(run).await.map(Some)
    }

    /// Claims the queued run `id` and works it to completion; `Ok(false)` when it was not
    /// queued. The demo seed uses it to work exactly the runs it created.
    pub async fn run_queued(&self, id: RunId) -> anyhow::Result<bool> {
        match self.state.lifecycle().claim(id, &self.owner, self.state.config.lease).await? {
            Some(run) => self.finish(run).await.map(|_| true),
            None => Ok(false),
        }
    }

    /// Works a claimed run to completion and records how it ended.
    async fn finish(&self, run: Run) -> anyhow::Result<RunId> {
        let lifecycle = self.state.lifecycle();
        let id = run.id;
        let stop = StopRequest::default();
        let result = match run.run_type.builtin().and_then(|t| Some((t, self.handlers.get(&t)?))) {
            None => Ok(HandlerResult::ended(
                RunOutcome::Failed,
                "no_handler",
                Sentence::NoHandler,
                Some(format!("no handler registered for {}", run.run_type.as_str())),
            )),
            Some((t, handler)) => self.work(handler.clone(), t, run, stop.clone()).await,
        };
        let completion = match (stop.get(), result) {
            // It finished before it heard the request: its own ending stands.
            (_, Ok(r)) if r.outcome == RunOutcome::Succeeded => r.completion(&self.owner),
            // Asked to stop: it ends cancelled, keeping the counts it reported.
            (Some(by), _) => {
                let mut c =
                    HandlerResult::ended(RunOutcome::Cancelled, "cancelled", Sentence::CancelledOnRequest, None)
                        .completion(&self.owner);
                c.by = by.map_or(Actor::Unknown, Actor::Person);
                tracing::info!(run_id = id.get(), "run stopped on request");
                c
            }
            (None, Ok(r)) => r.completion(&self.owner),
            (None, Err(e)) => {
                HandlerResult::ended(RunOutcome::Failed, "internal_error", Sentence::Internal, Some(format!("{e:#}")))
                    .completion(&self.owner)
            }
        };
        // The work is done; losing its outcome to a passing database hiccup would let the
        // reconciler call it lost. Retry a few times before giving up.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match lifecycle.complete(id, completion.clone()).await {
                Ok(_) => return Ok(id),
                Err(LifecycleError::AlreadyCompleted { .. } | LifecycleError::LeaseLost(_)) => {
                    tracing::info!(run_id = id.get(), "run was completed elsewhere first; leaving it as decided");
                    return Ok(id);
                }
                Err(LifecycleError::Database(e)) if attempt < COMPLETE_ATTEMPTS => {
                    tracing::warn!(run_id = id.get(), attempt, error = %e, "completing the run failed; trying again");
                    tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Runs the handler in its own task (so a panic is contained) while heartbeating.
    /// A heartbeat that finds a request to stop ends the handler there (its open
    /// transaction, if any, rolls back) and records who asked in `stop`; so does the run's
    /// time limit, and a heartbeat that finds the run decided elsewhere.
    async fn work(
        &self,
        handler: Arc<dyn Handler>,
        run_type: RunType,
        run: Run,
        stop: StopRequest,
    ) -> anyhow::Result<HandlerResult> {
        let id = run.id;
        let (times, policy) = (run.lifecycle_times(), self.state.config.policy(&run.run_type));
        let hung = Arc::new(AtomicBool::new(false));
        let job = Job {
            run,
            run_type,
            state: self.state.clone(),
            owner: self.owner.clone(),
            hung: hung.clone(),
            stop: stop.clone(),
        };
        // The handler's lines carry the span of the run it works (and of whoever asked).
        let mut task = AbortOnDrop(tokio::spawn(handler.run(job).in_current_span()));
        let mut beat = tokio::time::interval(self.state.config.heartbeat_every);
        beat.tick().await;
        loop {
            tokio::select! {
                joined = &mut task.0 => {
                    return match joined {
                        Ok(r) => r,
                        Err(e) if e.is_panic() => Ok(HandlerResult::ended(
                            RunOutcome::Failed,
                            "internal_error",
                            Sentence::Internal,
                            Some("the handler panicked".to_owned()),
                        )),
                        Err(e) => Err(e.into()),
                    };
                }
                _ = beat.tick(), if !hung.load(Ordering::SeqCst) => {
                    // Past its time limit the run is stopped like a cancelled one, keeping what
                    // it reported; every page has shown it likely stale since that instant.
                    if past_time_limit(times, &policy, self.state.clock.now()) {
                        tracing::warn!(run_id = id.get(), "run past its time limit; stopping it");
                        return Ok(HandlerResult::ended(
                            RunOutcome::Failed,
                            Reason::PastTimeLimit.code(),
                            Sentence::Reconciled(Reason::PastTimeLimit),
                            None,
                        ));
                    }
                    match self.state.lifecycle().heartbeat(id, &self.owner, self.state.config.lease).await {
                        Ok(()) => {}
                        Err(LifecycleError::CancelRequested { by, .. }) => {
                            let _ = stop.set(by);
                            return Ok(HandlerResult::ended(
                                RunOutcome::Cancelled,
                                "cancelled",
                                Sentence::CancelledOnRequest,
                                None,
                            ));
                        }
                        // Decided elsewhere (the reconciler, or a shutdown): whatever the
                        // handler would still do belongs to no run any more.
                        Err(e @ (LifecycleError::LeaseLost(_) | LifecycleError::AlreadyCompleted { .. })) => {
                            tracing::info!(run_id = id.get(), "run was decided elsewhere; stopping its handler");
                            return Err(e.into());
                        }
                        Err(e) => tracing::warn!(run_id = id.get(), error = %e, "heartbeat failed"),
                    }
                }
            }
        }
    }

    /// Runs `concurrency` claim loops until `shutdown` turns true. Then it stops claiming,
    /// lets in-flight work finish for up to `grace`, and completes whatever is still running
    /// under this worker as `cancelled` (text().records.shutdown).
    pub async fn run_pool(self, concurrency: usize, shutdown: watch::Receiver<bool>, grace: Duration) {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..concurrency {
            let worker = self.clone();
            let mut stop = shutdown.clone();
            set.spawn(
                async move {
                    while !*stop.borrow() {
                        match worker.run_one().await {
                            Ok(Some(_)) => continue,
                            Ok(None) => {}
                            Err(e) => {
                                tracing::error!(error = %format!("{e:#}"), "worker loop failed; retrying shortly")
                            }
                        }
                        tokio::select! {
                            _ = worker.state.work_queued.notified() => {}
                            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                            _ = stop.changed() => {}
                        }
                    }
                }
                .in_current_span(),
            );
        }
        let mut stop = shutdown;
        while !*stop.borrow() {
            if stop.changed().await.is_err() {
                break;
            }
        }
        let drained = tokio::time::timeout(grace, async { while set.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            tracing::warn!(grace_secs = grace.as_secs(), "work still running after the grace period; cancelling it");
            self.cancel_in_flight().await;
            set.abort_all();
            while set.join_next().await.is_some() {}
        }
    }

    /// Completes every run still running under this worker's lease as `cancelled`.
    async fn cancel_in_flight(&self) {
        let ids = match crate::store::runs::running_under(&self.state.db, &self.owner).await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::error!(error = %e, "could not list the runs to cancel; they will be reconciled");
                return;
            }
        };
        for id in ids {
            let mut c = Completion::by_worker(&self.owner, RunOutcome::Cancelled).with_failure(
                "shutdown",
                &Sentence::Shutdown,
                None,
            );
            c.by = Actor::Shutdown(self.owner.clone());
            match self.state.lifecycle().complete(id, c).await {
                Ok(_) => tracing::info!(run_id = id.get(), "run cancelled at shutdown"),
                // Finished (or taken) in the meantime: its own ending stands.
                Err(LifecycleError::AlreadyCompleted { .. } | LifecycleError::LeaseLost(_)) => {}
                Err(e) => tracing::error!(run_id = id.get(), error = %e, "could not cancel a run at shutdown"),
            }
        }
    }
}

/// How many times a worker tries to record a finished run's outcome.
const COMPLETE_ATTEMPTS: u64 = 4;

/// Aborts a spawned task when dropped, so a handler never outlives the worker loop that ran it.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
