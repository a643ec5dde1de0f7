//! Server functions of the system plane, for platform operators only.

use super::ApiError;
use crate::domain::reconcile::Abandoned;
use crate::domain::{ProblemClass, RunOutcome, RunView, Timestamp};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// One workspace as the system overview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WorkspaceHealth {
    /// The workspace's id.
    pub id: i64,
    /// The workspace's display name.
    pub name: String,
    /// Tenants in it.
    pub tenants: u64,
    /// People with a membership.
    pub members: u64,
    /// Runs ever recorded.
    pub runs: u64,
    /// Runs that ended failed.
    pub failed: u64,
    /// Runs active now.
    pub active: u64,
    /// Active runs that look stuck now.
    pub likely_stale: u64,
}

impl WorkspaceHealth {
    /// Its run counts as the overview shows them, each as `(data-count-for, count, query)`:
    /// the system list under `query` shows exactly those runs (specs/product-contract §13),
    /// so a count and its drill-through cannot disagree.
    pub fn run_counts(&self) -> [(&'static str, u64, super::ListQuery); 4] {
        let q = |status: Option<&str>, outcome: Option<RunOutcome>, class: Option<ProblemClass>| super::ListQuery {
            workspace: Some(self.id.to_string()),
            status: status.map(str::to_owned),
            outcome: outcome.map(|o| o.as_str().to_owned()),
            class: class.map(|c| c.as_str().to_owned()),
            ..super::ListQuery::default()
        };
        [
            (super::Bucket::Active.as_str(), self.active, q(Some(super::STATUS_ACTIVE), None, None)),
            (super::Bucket::Stuck.as_str(), self.likely_stale, q(None, None, Some(ProblemClass::ActiveStale))),
            (RunOutcome::Failed.as_str(), self.failed, q(None, Some(RunOutcome::Failed), None)),
            ("all", self.runs, q(None, None, None)),
        ]
    }
}

/// The system overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemOverview {
    /// Every workspace.
    pub workspaces: Vec<WorkspaceHealth>,
    /// The instance that answered.
    pub instance: String,
    /// Changes whenever the workspaces' figures do; the page sends it back with its next poll.
    pub version: String,
    /// When to poll again: as often as the youngest active run anywhere needs; `None` when
    /// no run is active.
    pub poll_interval_ms: Option<u64>,
    /// The server's clock when this was read.
    pub observed_at: Timestamp,
}

/// Every workspace's size and stuck work (platform operators only; "not found" for others);
/// `known` is the version the page holds, if any.
#[server(endpoint = "load_system_overview")]
pub async fn load_system_overview(known: Option<String>) -> Result<super::Poll<SystemOverview>, ApiError> {
    super::answer::serve(|s, p| async move {
        let overview = crate::services::system::overview(&s, &p).await?;
        Ok(crate::services::poll::unless_known(&s, "system_overview", overview, known.as_deref()))
    })
    .await
}

/// One run that is stuck right now, with the workspace it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StuckRun {
    /// The workspace's id.
    pub workspace_id: i64,
    /// The workspace's name.
    pub workspace_name: String,
    /// Since when it has been stuck: the instant it turned likely stale (`freshness::stale_at`).
    pub stuck_since: Timestamp,
    /// Why it is stuck.
    pub why: Abandoned,
    /// The run, derived like on every other surface.
    pub view: RunView,
}

/// The stuck runs of every workspace, the one stuck longest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StuckRuns {
    /// The runs.
    pub runs: Vec<StuckRun>,
    /// Changes whenever the runs do; the page sends it back with its next poll.
    pub version: String,
    /// When to poll again: as often as the youngest stuck run needs; `None` when none is.
    pub poll_interval_ms: Option<u64>,
    /// The server's clock when this was read.
    pub observed_at: Timestamp,
}

/// Every workspace's stuck runs (platform operators only; "not found" for others); `known`
/// is the version the page holds, if any.
#[server(endpoint = "load_stuck_runs")]
pub async fn load_stuck_runs(known: Option<String>) -> Result<super::Poll<StuckRuns>, ApiError> {
    super::answer::serve(|s, p| async move {
        let stuck = crate::services::system::stuck(&s, &p).await?;
        Ok(crate::services::poll::unless_known(&s, "stuck_runs", stuck, known.as_deref()))
    })
    .await
}

/// One page of every workspace's runs, with the list's filters (platform operators only).
#[server(endpoint = "list_system_runs", input = Json)]
pub async fn list_system_runs(
    query: super::ListQuery,
    known: Option<String>,
) -> Result<super::Poll<super::RunListPage>, ApiError> {
    super::answer::serve(|s, p| async move {
        let page = crate::services::system::runs(&s, &p, &query, false).await?;
        Ok(crate::services::poll::unless_known(&s, "system_runs", page, known.as_deref()))
    })
    .await
}

/// One page of every workspace's runs that need follow-up (platform operators only).
#[server(endpoint = "list_system_failures", input = Json)]
pub async fn list_system_failures(
    query: super::ListQuery,
    known: Option<String>,
) -> Result<super::Poll<super::RunListPage>, ApiError> {
    super::answer::serve(|s, p| async move {
        let page = crate::services::system::runs(&s, &p, &query, true).await?;
        Ok(crate::services::poll::unless_known(&s, "system_failures", page, known.as_deref()))
    })
    .await
}

/// Any run's detail with diagnostics (platform operators only).
#[server(endpoint = "get_system_run")]
pub async fn get_system_run(id: String) -> Result<super::RunDetail, ApiError> {
    super::answer::serve(|s, p| async move { crate::services::system::run(&s, &p, &id).await }).await
}

/// The live poll of a run's system detail.
#[server(endpoint = "poll_system_run")]
pub async fn poll_system_run(id: String) -> Result<super::RunDetail, ApiError> {
    super::answer::serve(|s, p| async move { crate::services::system::run(&s, &p, &id).await }).await
}
