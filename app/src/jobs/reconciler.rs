//! The reconciler (specs/product-contract §8): a periodic sweep over abandoned active runs that decides each
//! one from business truth first and by the generic rule otherwise, exactly once.
//!
//! - Candidates are the oldest abandoned runs under each type's own rule, applied inside the
//!   query so healthy long runs never crowd out abandoned ones; the instants come from the
//!   domain ([`AbandonedBefore`]) and [`crate::domain::reconcile::abandoned`] decides each
//!   run, so no threshold lives here.
//! - One sweep at a time across instances: a lease row in `sweep_leases`, taken with one
//!   guarded upsert. Correctness does not rest on it — every decision is a guarded write that
//!   names the status and the last write it observed, so a worker that reports in, finishes,
//!   or a second sweep all make the loser a no-op — it only saves duplicate work.
//! - Adapters read business records (reviews, restore records) and hand facts to the pure
//!   decisions in the domain, which ignore anything out of scope.
//! - Bounded sweeps (specs/reconciliation, "Bounded sweeps"): one sweep decides at most one
//!   batch, oldest first, in one transaction, so no claim or heartbeat waits behind a
//!   backlog (SQLite has one writer); while a batch comes back full and decided something,
//!   the next sweep follows at once instead of an interval later.

use crate::domain::Sentence;
use crate::domain::reconcile::{Abandoned, AbandonedBefore, Decision, Verdict, abandoned};
use crate::domain::transition::Actor;
use crate::domain::{Run, RunId, RunOutcome, RunType, Timestamp};
use crate::jobs::lifecycle::{Completion, Expect};
use crate::jobs::run_types::{self, has_adapter};
use crate::runtime::state::AppState;
use crate::store::sweeps;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use tokio::sync::watch;

/// The name of the reconciler's row in `sweep_leases`.
const LEASE_NAME: &str = "reconciler";

/// Runs decided per sweep unless configured otherwise: a batch's write transaction stays
/// under 50 ms on a small machine (specs/benchmarks; 200 took up to 59 ms on SQLite).
pub const SWEEP_BATCH: i64 = 150;

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// False when another instance held the sweep lease, so this one did nothing.
    pub swept: bool,
    /// Active runs looked at (index candidates).
    pub examined: usize,
    /// Runs decided, with the reason code and the outcome.
    pub decided: Vec<(RunId, &'static str, RunOutcome)>,
    /// Candidates that changed or finished before the decision was written (the loser of a
    /// race is a no-op).
    pub lost_races: usize,
    /// The candidates filled the batch: more abandoned runs may be waiting.
    pub full: bool,
    /// How long writing the decisions took (the write transaction; zero when none).
    pub writing: Duration,
}

/// What sweeping until caught up did: every sweep's decisions together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatchUpReport {
    /// Sweeps made (each one bounded transaction of decisions at most).
    pub sweeps: usize,
    /// Runs decided, over all sweeps.
    pub decided: usize,
    /// The longest single sweep, reading included.
    pub longest: Duration,
    /// How long each sweep's decisions took to write, in sweep order (none for a sweep
    /// that decided nothing).
    pub writes: Vec<Duration>,
}

/// The reconciler of one instance.
#[derive(Debug, Clone)]
pub struct Reconciler {
    state: AppState,
    owner: String,
    lease: Duration,
    batch: i64,
}

impl Reconciler {
    /// A reconciler named `owner` (its name on the sweep lease).
    pub fn new(state: AppState, owner: impl Into<String>) -> Self {
        Self { state, owner: owner.into(), lease: Duration::from_secs(60), batch: SWEEP_BATCH }
    }

    /// At most `batch` runs are decided per sweep instead of [`SWEEP_BATCH`]; the next sweep
    /// takes the rest.
    pub fn with_batch(mut self, batch: i64) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// One sweep, if no other instance is sweeping: decides every abandoned run found.
    #[tracing::instrument(skip(self), fields(owner = %self.owner))]
    pub async fn sweep(&self) -> anyhow::Result<SweepReport> {
        if !self.take_lease().await? {
            tracing::debug!("another instance is sweeping");
            return Ok(SweepReport::default());
        }
        let began = std::time::Instant::now();
        let result = self.sweep_unlocked().await;
        // Under the same lease, so one instance at a time looks for stuck runs to announce.
        if let Err(e) = crate::jobs::webhooks::announce_stuck(&self.state).await {
            tracing::warn!(error = %format!("{e:#}"), "announcing stuck runs to webhook endpoints failed; the next sweep tries again");
        }
        if let Ok(report) = &result {
            self.state.metrics.sweep(began.elapsed(), report.decided.iter().map(|(_, reason, _)| (*reason).to_owned()));
        }
        if let Err(e) = self.release_lease().await {
            tracing::warn!(error = %e, "could not release the sweep lease; it expires by itself");
        }
        result
    }

    /// Sweeps, and sweeps again at once while a sweep comes back full having decided
    /// something (a backlog drains in bounded steps, each its own transaction), until caught
    /// up or `stop` turns true. A full batch that decided nothing (its runs wait for their
    /// adapters' records) waits for the next interval rather than spinning.
    pub async fn sweep_until_caught_up(&self, stop: &watch::Receiver<bool>) -> anyhow::Result<CatchUpReport> {
        let mut caught_up = CatchUpReport::default();
        loop {
            let began = std::time::Instant::now();
            let report = self.sweep().await?;
            caught_up.sweeps += 1;
            caught_up.decided += report.decided.len();
            caught_up.longest = caught_up.longest.max(began.elapsed());
            if !report.writing.is_zero() {
                caught_up.writes.push(report.writing);
            }
            if !report.full || report.decided.is_empty() || *stop.borrow() {
                return Ok(caught_up);
            }
        }
    }

    /// Takes (or renews) the sweep lease; false when another owner holds a live one.
    pub async fn take_lease(&self) -> Result<bool, sqlx::Error> {
        let now = self.state.clock.now();
        sweeps::take_lease(&self.state.db, LEASE_NAME, &self.owner, now.plus(self.lease), now).await
    }

    /// Gives the sweep lease back early.
    pub async fn release_lease(&self) -> Result<(), sqlx::Error> {
        sweeps::release_lease(&self.state.db, LEASE_NAME, &self.owner).await
    }

    async fn sweep_unlocked(&self) -> anyhow::Result<SweepReport> {
        let now = self.state.clock.now();
        let candidates = self.candidates(now).await?;
        let full = i64::try_from(candidates.len()).is_ok_and(|n| n >= self.batch);
        let mut report = SweepReport { swept: true, examined: candidates.len(), full, ..SweepReport::default() };
        let stale: Vec<(Run, Abandoned)> = candidates
            .into_iter()
            .filter_map(|run| {
                let why = abandoned(&run, &self.state.config.policy(&run.run_type), now)?;
                Some((run, why))
            })
            .collect();
        if stale.is_empty() {
            return Ok(report);
        }
        let truth = match adapter_decisions(&self.state, stale.iter().map(|(run, _)| run)).await {
            Ok(truth) => Some(truth),
            Err(e) => {
                // Unread truth is no proof either way: runs with an adapter wait for the next
                // sweep rather than being failed by the clock alone.
                tracing::warn!(error = %e, "adapters could not read their records; their runs wait for the next sweep");
                None
            }
        };
        let mut batch = Vec::with_capacity(stale.len());
        for (run, why) in stale {
            let decision = match &truth {
                Some(truth) => truth.get(&run.id).cloned().unwrap_or_else(|| Decision::generic(why, &run)),
                None if run.run_type.builtin().is_some_and(has_adapter) => continue,
                None => Decision::generic(why, &run),
            };
            let completion = completion_for(&run, &decision, now);
            batch.push((run, completion, decision));
        }
        let attempted = batch.len();
        let mut decisions = HashMap::with_capacity(attempted);
        let mut writes = Vec::with_capacity(attempted);
        for (run, completion, decision) in batch {
            decisions.insert(run.id, decision);
            writes.push((run, completion));
        }
        let writing = std::time::Instant::now();
        let written = self.state.lifecycle().complete_observed(writes).await?;
        report.writing = writing.elapsed();
        for run in &written {
            let Some(d) = decisions.get(&run.id) else { continue };
            // One line per decision, so an operator reading the log can follow the sweep.
            tracing::info!(
                run_id = run.id.get(),
                run_type = run.run_type.as_str(),
                reason = d.reason.code(),
                outcome = d.verdict.outcome().as_str(),
                "run reconciled"
            );
            report.decided.push((run.id, d.reason.code(), d.verdict.outcome()));
        }
        // Finished, reported in, or moved on since it was read: the other writer won.
        report.lost_races = attempted - written.len();
        tracing::info!(
            decided = report.decided.len(),
            lost_races = report.lost_races,
            examined = report.examined,
            "reconciler sweep"
        );
        Ok(report)
    }

    /// The oldest abandoned active runs (at most one batch), each under its own type's rule
    /// ([`AbandonedBefore`], the domain's instants); [`abandoned`] still decides each.
    pub async fn candidates(&self, now: Timestamp) -> Result<Vec<Run>, anyhow::Error> {
        let rules = RunType::ALL.map(|t| (t, AbandonedBefore::at(&self.state.config.builtin_policy(t), now)));
        Ok(sweeps::candidates(&self.state.db, &rules, now, self.batch).await?)
    }
}

/// The guarded terminal transition that writes `d` for `run` as observed.
fn completion_for(run: &Run, d: &Decision, now: Timestamp) -> Completion {
    let mut c = Completion::by_worker("reconciler", d.verdict.outcome());
    c.expect = Expect::Unchanged { status: run.state.status(), updated_at: run.updated_at };
    c.by = Actor::parse(d.reason.decided_by());
    c.reconciliation = Some(d.record(run.state.status(), now));
    c.counts = d.counts.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
    if d.verdict != Verdict::Succeeded {
        c = c.with_failure(d.reason.code(), &Sentence::Reconciled(d.reason), None);
    }
    c
}

/// What the business records say about `run`, through its type's adapter; `None` when the
/// type has no adapter or the adapter does not decide. Also used by the compose job itself
/// when its write meets a review of the same evidence.
pub async fn adapter_decision(state: &AppState, run: &Run) -> Result<Option<Decision>, sqlx::Error> {
    Ok(adapter_decisions(state, [run]).await?.remove(&run.id))
}

/// [`adapter_decision`] for many runs at once: each type's adapter reads its records for all
/// of that type's runs together (`run_types::adapter_decisions`). Only runs an adapter decides
/// are in the answer.
pub async fn adapter_decisions<'a>(
    state: &AppState,
    runs: impl IntoIterator<Item = &'a Run>,
) -> Result<HashMap<RunId, Decision>, sqlx::Error> {
    let mut by_type: BTreeMap<RunType, Vec<&Run>> = BTreeMap::new();
    for run in runs {
        if let Some(t) = run.run_type.builtin().filter(|t| has_adapter(*t)) {
            by_type.entry(t).or_default().push(run);
        }
    }
    let mut decided = HashMap::new();
    for (t, runs) in by_type {
        decided.extend(run_types::adapter_decisions(state, t, &runs).await?);
    }
    Ok(decided)
}

/// Sweeps every `every` (each time until caught up) until `shutdown` turns true. A failed
/// sweep is logged here, once, and the next interval tries again.
pub async fn run_periodically(reconciler: Reconciler, every: Duration, mut shutdown: watch::Receiver<bool>) {
    // The first sweep one interval after start-up, like every later one: the promise the run
    // detail makes ("closed by about …") counts whole intervals.
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !*shutdown.borrow() {
        tokio::select! {
            _ = tick.tick() => {
                if let Err(e) = reconciler.sweep_until_caught_up(&shutdown).await {
                    tracing::error!(error = %format!("{e:#}"), "reconciler sweep failed; retrying at the next tick");
                }
            }
            _ = shutdown.changed() => {}
        }
    }
}
