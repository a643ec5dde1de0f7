//! The run record (specs/product-contract §3) and the derivations every surface reads from it.

use super::context::RunContext;
use super::freshness::{Freshness, LifecycleTimes, freshness};
use super::ids::{RunId, TenantId, UserId, WorkspaceId};
use super::kind::RunKind;
use super::problem::{ProblemClass, problem_class, terminal_class};
use super::progress::{Progress, progress};
use super::run_type::LifecyclePolicy;
use super::sentence::StoredSentence;
use super::status::RunState;
use super::summary::SummaryCounts;
use super::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Why a run failed: a stable code, an operator-safe message, and raw detail that only the
/// diagnostics section for platform operators shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Stable machine code, e.g. `provider_unreachable`, `worker_lost`.
    pub code: String,
    /// Calm, specific sentence for operators, as stored (worded when read).
    pub message: StoredSentence,
    /// Raw detail for platform operators only.
    pub detail: Option<String>,
}

/// One operation run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Which run this is.
    pub id: RunId,
    /// The workspace it belongs to.
    pub workspace_id: WorkspaceId,
    /// The tenant it belongs to, or `None` for workspace-level work.
    pub tenant_id: Option<TenantId>,
    /// What kind of work: a built-in type or one its workspace registered.
    pub run_type: RunKind,
    /// Who started it; `None` for the system.
    pub initiator: Option<UserId>,
    /// Status and outcome.
    pub state: RunState,
    /// Summary counts (closed key set).
    pub summary: SummaryCounts,
    /// Typed context sections.
    pub context: RunContext,
    /// Why it failed, if it did.
    pub failure: Option<Failure>,
    /// When it was queued.
    pub created_at: Timestamp,
    /// When a worker claimed it.
    pub started_at: Option<Timestamp>,
    /// When it completed.
    pub completed_at: Option<Timestamp>,
    /// Last write of any kind.
    pub updated_at: Timestamp,
    /// The worker's last sign of life.
    pub heartbeat_at: Option<Timestamp>,
    /// The worker instance holding it.
    pub lease_owner: Option<String>,
    /// When the lease runs out unless renewed.
    pub lease_expires_at: Option<Timestamp>,
    /// How many times it has been claimed.
    pub attempt: i32,
    /// Dedupe key given at start.
    pub dedupe_key: Option<String>,
    /// A person's request that it stop, once made (kept after it ends, for the record).
    #[serde(default)]
    pub cancel_requested: Option<CancelRequest>,
    /// How many meaningful writes it has had; a heartbeat (a sign of life alone) does not
    /// count. Instances compare it to catch up on changes they were not told about.
    #[serde(default)]
    pub revision: i64,
}

/// A person asked a running run to stop; its worker ends it at its next report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelRequest {
    /// When the stop was asked for.
    pub at: Timestamp,
    /// Who (if still known).
    pub by: Option<UserId>,
}

impl Run {
    /// The timestamps freshness is judged on.
    pub fn lifecycle_times(&self) -> LifecycleTimes {
        LifecycleTimes { created_at: self.created_at, started_at: self.started_at, heartbeat_at: self.heartbeat_at }
    }

    /// Freshness at `now` under `policy` (specs/product-contract §4).
    pub fn freshness(&self, policy: &LifecyclePolicy, now: Timestamp) -> Option<Freshness> {
        freshness(self.state, self.lifecycle_times(), policy, now)
    }

    /// Whether the reconciler completed this run.
    pub fn was_reconciled(&self) -> bool {
        self.context.reconciliation().is_some()
    }

    /// The problem class at `now` under `policy` (specs/product-contract §5).
    pub fn problem_class(&self, policy: &LifecyclePolicy, now: Timestamp) -> ProblemClass {
        problem_class(self.state, self.freshness(policy, now), self.was_reconciled())
    }

    /// The class it keeps once completed (`None` while active: then it depends on time).
    pub fn terminal_class(&self) -> Option<ProblemClass> {
        self.state.outcome().map(|o| terminal_class(o, self.was_reconciled()))
    }

    /// Whether "run again" means something for this run: it ended in a way a person must
    /// follow up (failed, partly done, blocked, or closed by the reconciler as lost). A
    /// success — reconciled or not — and a deliberate cancel offer nothing to retry.
    pub fn can_run_again(&self) -> bool {
        self.terminal_class().is_some_and(ProblemClass::needs_follow_up)
    }

    /// The dedupe key of the retry of run `id` (at most one per original).
    pub fn retry_key(id: RunId) -> String {
        format!("retry-of:{}", id.get())
    }

    /// The run this one retries, if it was started by "run again".
    pub fn retry_of(&self) -> Option<RunId> {
        self.dedupe_key.as_deref()?.strip_prefix("retry-of:")?.parse().ok().map(RunId)
    }

    /// The progress (specs/product-contract §6).
    pub fn progress(&self) -> Progress {
        progress(self.state, &self.run_type, &self.summary, &self.context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RunType;
    use crate::domain::status::RunOutcome;

    fn ended(outcome: RunOutcome, reconciled: bool) -> Run {
        let mut context = RunContext::empty();
        if reconciled {
            context.set_section("reconciliation", serde_json::json!({ "reason": "worker_lost" }));
        }
        Run {
            id: RunId(12),
            workspace_id: WorkspaceId(1),
            tenant_id: Some(TenantId(1)),
            run_type: RunType::InventorySync.into(),
            initiator: None,
            state: RunState::Completed(outcome),
            summary: SummaryCounts::default(),
            context,
            failure: None,
            created_at: Timestamp(0),
            started_at: None,
            completed_at: Some(Timestamp(1)),
            updated_at: Timestamp(1),
            heartbeat_at: None,
            lease_owner: None,
            lease_expires_at: None,
            attempt: 1,
            dedupe_key: None,
            cancel_requested: None,
            revision: 0,
        }
    }

    #[test]
    fn only_runs_that_need_follow_up_can_be_run_again() {
        for outcome in [RunOutcome::Failed, RunOutcome::PartiallySucceeded, RunOutcome::Blocked] {
            assert!(ended(outcome, false).can_run_again(), "{outcome:?}");
        }
        assert!(ended(RunOutcome::Failed, true).can_run_again(), "a run the reconciler closed as lost");
        assert!(!ended(RunOutcome::Succeeded, false).can_run_again());
        assert!(!ended(RunOutcome::Succeeded, true).can_run_again(), "a reconciled success is done");
        assert!(!ended(RunOutcome::Cancelled, false).can_run_again(), "a cancel was deliberate");
        let mut active = ended(RunOutcome::Failed, false);
        active.state = RunState::Running;
        assert!(!active.can_run_again());
    }

    #[test]
    fn a_retry_knows_its_original_by_its_dedupe_key() {
        let mut retry = ended(RunOutcome::Failed, false);
        retry.dedupe_key = Some(Run::retry_key(RunId(7)));
        assert_eq!(retry.retry_of(), Some(RunId(7)));
        for other in [None, Some("retry-of:x"), Some("nightly"), Some("retry-of:")] {
            retry.dedupe_key = other.map(str::to_owned);
            assert_eq!(retry.retry_of(), None, "{other:?}");
        }
    }
}
