//! The run record (PRODUCT §3) and the derivations every surface reads from it.

use super::context::RunContext;
use super::freshness::{Freshness, LifecycleTimes, freshness};
use super::ids::{RunId, TenantId, UserId, WorkspaceId};
use super::problem::{ProblemClass, problem_class, terminal_class};
use super::progress::{Progress, progress};
use super::run_type::{LifecyclePolicy, RunType};
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
    /// Calm, specific sentence for operators.
    pub message: String,
    /// Raw detail for platform operators only.
    pub detail: Option<String>,
}

/// One operation run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Identity.
    pub id: RunId,
    /// The workspace it belongs to.
    pub workspace_id: WorkspaceId,
    /// The tenant it belongs to, or `None` for workspace-level work.
    pub tenant_id: Option<TenantId>,
    /// What kind of work.
    pub run_type: RunType,
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
}

/// A person asked a running run to stop; its worker ends it at its next report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelRequest {
    /// When.
    pub at: Timestamp,
    /// Who (if still known).
    pub by: Option<UserId>,
}

impl Run {
    /// The timestamps freshness is judged on.
    pub fn lifecycle_times(&self) -> LifecycleTimes {
        LifecycleTimes { created_at: self.created_at, started_at: self.started_at, heartbeat_at: self.heartbeat_at }
    }

    /// Freshness at `now` under `policy` (PRODUCT §4).
    pub fn freshness(&self, policy: &LifecyclePolicy, now: Timestamp) -> Option<Freshness> {
        freshness(self.state, self.lifecycle_times(), policy, now)
    }

    /// Whether the reconciler completed this run.
    pub fn was_reconciled(&self) -> bool {
        self.context.reconciliation().is_some()
    }

    /// The problem class at `now` under `policy` (PRODUCT §5).
    pub fn problem_class(&self, policy: &LifecyclePolicy, now: Timestamp) -> ProblemClass {
        problem_class(self.state, self.freshness(policy, now), self.was_reconciled())
    }

    /// The class it keeps once completed (`None` while active: then it depends on time).
    pub fn terminal_class(&self) -> Option<ProblemClass> {
        self.state.outcome().map(|o| terminal_class(o, self.was_reconciled()))
    }

    /// The progress (PRODUCT §6).
    pub fn progress(&self) -> Progress {
        progress(self.state, self.run_type, &self.summary, &self.context)
    }
}
