//! The reconciler (PRODUCT §8): a periodic sweep over abandoned active runs that decides each
//! one from business truth first and by the generic rule otherwise, exactly once.
//!
//! - Candidates come from two index range scans (queued by `created_at`, running by
//!   `heartbeat_at`) with the loosest window of any run type; the exact per-type rule is
//!   [`crate::domain::reconcile::abandoned`], so no threshold lives here.
//! - One sweep at a time across instances: a lease row in `sweep_leases`, taken with one
//!   guarded upsert. Correctness does not rest on it — every decision is a guarded write that
//!   names the status and the last write it observed, so a worker that reports in, finishes,
//!   or a second sweep all make the loser a no-op — it only saves duplicate work.
//! - Adapters read business records (reviews, restore records) and hand facts to the pure
//!   decisions in the domain, which ignore anything out of scope.

use super::lifecycle::{Completion, Expect, LifecycleError};
use super::runs::{RUN_COLUMNS, RunRow};
use super::state::AppState;
use crate::domain::reconcile::{
    Decision, RestoreFact, RestoreStatus, ReviewFact, ReviewStatus, Verdict, abandoned, decide_compose, decide_restore,
};
use crate::domain::{Run, RunId, RunOutcome, RunType, TenantId, Timestamp, WorkspaceId};
use std::time::Duration;
use tokio::sync::watch;

/// The name of the reconciler's row in `sweep_leases`.
const LEASE_NAME: &str = "reconciler";

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
}

/// The reconciler of one instance.
#[derive(Debug, Clone)]
pub struct Reconciler {
    state: AppState,
    owner: String,
    lease: Duration,
    batch: i64,
}

/// One restore record with its per-item results, as read.
#[derive(Debug, sqlx::FromRow)]
struct RestoreRow {
    id: i64,
    run_id: i64,
    workspace_id: i64,
    tenant_id: i64,
    status: String,
    applied: i64,
    unchanged: i64,
    failed: i64,
}

impl Reconciler {
    /// A reconciler named `owner` (its name on the sweep lease).
    pub fn new(state: AppState, owner: impl Into<String>) -> Self {
        Self { state, owner: owner.into(), lease: Duration::from_secs(60), batch: 1000 }
    }

    /// At most `batch` runs are decided per sweep; the next sweep takes the rest.
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
        let result = self.sweep_unlocked().await;
        if let Err(e) = self.release_lease().await {
            tracing::warn!(error = %e, "could not release the sweep lease; it expires by itself");
        }
        result
    }

    /// Takes (or renews) the sweep lease; false when another owner holds a live one.
    pub async fn take_lease(&self) -> Result<bool, sqlx::Error> {
        let now = self.state.clock.now();
        let got: Option<String> = sqlx::query_scalar(
            "INSERT INTO sweep_leases (name, owner, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at \
             WHERE sweep_leases.expires_at <= $4 OR sweep_leases.owner = excluded.owner RETURNING owner",
        )
        .bind(LEASE_NAME)
        .bind(&self.owner)
        .bind(now.plus(self.lease).millis())
        .bind(now.millis())
        .fetch_optional(self.state.db.pool())
        .await?;
        Ok(got.is_some())
    }

    /// Gives the sweep lease back early.
    pub async fn release_lease(&self) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sweep_leases SET expires_at = 0 WHERE name = $1 AND owner = $2")
            .bind(LEASE_NAME)
            .bind(&self.owner)
            .execute(self.state.db.pool())
            .await?;
        Ok(())
    }

    async fn sweep_unlocked(&self) -> anyhow::Result<SweepReport> {
        let now = self.state.clock.now();
        let candidates = self.candidates(now).await?;
        let mut report = SweepReport { swept: true, examined: candidates.len(), ..SweepReport::default() };
        for run in candidates {
            let policy = self.state.config.policy(run.run_type);
            let Some(why) = abandoned(&run, &policy, now) else { continue };
            let decision = match adapter_decision(&self.state, &run).await {
                Ok(Some(d)) => d,
                Ok(None) => Decision::generic(why, &run),
                Err(e) => {
                    // Unreadable truth is no proof: fail closed to the generic rule.
                    tracing::warn!(run_id = run.id.get(), error = %e, "adapter could not read its records");
                    Decision::generic(why, &run)
                }
            };
            match self.apply(&run, &decision).await {
                Ok(()) => report.decided.push((run.id, decision.reason.code(), decision.verdict.outcome())),
                // Finished, reported in, or moved on since it was read: the other writer won.
                Err(
                    LifecycleError::AlreadyCompleted { .. }
                    | LifecycleError::Changed(_)
                    | LifecycleError::LeaseLost(_)
                    | LifecycleError::IllegalTransition { .. },
                ) => report.lost_races += 1,
                Err(e) => return Err(e.into()),
            }
        }
        if !report.decided.is_empty() {
            tracing::info!(decided = report.decided.len(), examined = report.examined, "reconciler sweep");
        }
        Ok(report)
    }

    /// Active runs that may be abandoned: queued longer than the shortest stale-after, or
    /// running with a heartbeat older than the shortest heartbeat timeout of any type. Both
    /// are range scans of partial indexes over active runs only.
    pub async fn candidates(&self, now: Timestamp) -> Result<Vec<Run>, anyhow::Error> {
        let policies = RunType::ALL.map(|t| self.state.config.policy(t));
        let queued_before = now.minus(policies.iter().map(|p| p.stale_after).min().unwrap_or_default());
        let silent_since = now.minus(policies.iter().map(|p| p.heartbeat_timeout).min().unwrap_or_default());
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM operation_runs WHERE status = 'queued' AND created_at < $1 \
             UNION ALL SELECT {RUN_COLUMNS} FROM operation_runs WHERE status = 'running' AND heartbeat_at < $2 \
             LIMIT $3"
        );
        let rows: Vec<RunRow> = sqlx::query_as(&sql)
            .bind(queued_before.millis())
            .bind(silent_since.millis())
            .bind(self.batch)
            .fetch_all(self.state.db.pool())
            .await?;
        let mut runs = Vec::with_capacity(rows.len());
        for row in rows {
            match row.into_run() {
                Ok(run) => runs.push(run),
                Err(e) => tracing::warn!(error = %e, "skipping an unreadable run"),
            }
        }
        Ok(runs)
    }

    /// Writes `decision` for `run` as one guarded terminal transition.
    async fn apply(&self, run: &Run, d: &Decision) -> Result<(), LifecycleError> {
        let now = self.state.clock.now();
        let outcome = d.verdict.outcome();
        let mut c = Completion::by_worker("reconciler", outcome);
        c.expect = Expect::Unchanged { status: run.state.status(), updated_at: run.updated_at };
        c.reconciliation = Some(d.record(run.state.status(), now));
        c.counts = d.counts.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
        if d.verdict != Verdict::Succeeded {
            c = c.with_failure(d.reason.code(), d.reason.sentence(), None);
        }
        self.state.lifecycle().complete(run.id, c).await?;
        tracing::info!(
            run_id = run.id.get(),
            run_type = run.run_type.as_str(),
            reason = d.reason.code(),
            outcome = outcome.as_str(),
            "run reconciled"
        );
        Ok(())
    }
}

/// What the business records say about `run`, through its type's adapter; `None` when the
/// type has no adapter or the adapter does not decide. Also used by the compose job itself
/// when its write meets a review of the same evidence.
pub async fn adapter_decision(state: &AppState, run: &Run) -> Result<Option<Decision>, sqlx::Error> {
    let Some(tenant) = run.tenant_id else { return Ok(None) };
    match run.run_type {
        RunType::EnvironmentReviewCompose => {
            let fingerprint =
                run.context.inputs().and_then(|i| i.get("fingerprint")).and_then(|f| f.as_str()).map(str::to_owned);
            let Some(fingerprint) = fingerprint else { return Ok(None) };
            let rows: Vec<(i64, i64, i64, String, String)> = sqlx::query_as(
                "SELECT id, workspace_id, tenant_id, fingerprint, status FROM environment_reviews \
                 WHERE workspace_id = $1 AND tenant_id = $2 AND (fingerprint = $3 OR status = 'published') \
                 ORDER BY id LIMIT 200",
            )
            .bind(run.workspace_id.get())
            .bind(tenant.get())
            .bind(&fingerprint)
            .fetch_all(state.db.pool())
            .await?;
            let facts: Vec<ReviewFact> = rows
                .into_iter()
                .map(|(id, ws, t, fp, status)| ReviewFact {
                    id,
                    workspace: WorkspaceId(ws),
                    tenant: TenantId(t),
                    fingerprint: fp,
                    status: ReviewStatus::parse(&status),
                })
                .collect();
            Ok(decide_compose(run, Some(&fingerprint), &facts))
        }
        RunType::RestoreExecute => {
            let rows: Vec<RestoreRow> = sqlx::query_as(
                "SELECT r.id, r.run_id, r.workspace_id, r.tenant_id, r.status, \
                 (SELECT COUNT(*) FROM restore_items i WHERE i.restore_id = r.id AND i.result = 'applied') AS applied, \
                 (SELECT COUNT(*) FROM restore_items i WHERE i.restore_id = r.id AND i.result = 'unchanged') AS unchanged, \
                 (SELECT COUNT(*) FROM restore_items i WHERE i.restore_id = r.id AND i.result = 'failed') AS failed \
                 FROM restores r WHERE r.run_id = $1 AND r.workspace_id = $2 AND r.tenant_id = $3",
            )
            .bind(run.id.get())
            .bind(run.workspace_id.get())
            .bind(tenant.get())
            .fetch_all(state.db.pool())
            .await?;
            let facts: Vec<RestoreFact> = rows
                .into_iter()
                .map(|r| RestoreFact {
                    id: r.id,
                    run: RunId(r.run_id),
                    workspace: WorkspaceId(r.workspace_id),
                    tenant: TenantId(r.tenant_id),
                    status: RestoreStatus::parse(&r.status),
                    applied: r.applied,
                    unchanged: r.unchanged,
                    failed: r.failed,
                })
                .collect();
            Ok(decide_restore(run, &facts))
        }
        _ => Ok(None),
    }
}

/// Sweeps every `every` until `shutdown` turns true. A failed sweep is logged here, once, and
/// the next one tries again.
pub async fn run_periodically(reconciler: Reconciler, every: Duration, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !*shutdown.borrow() {
        tokio::select! {
            _ = tick.tick() => {
                if let Err(e) = reconciler.sweep().await {
                    tracing::error!(error = %format!("{e:#}"), "reconciler sweep failed; retrying at the next tick");
                }
            }
            _ = shutdown.changed() => {}
        }
    }
}
