//! Server functions of the system plane, for platform operators only.

use super::ApiError;
use crate::domain::reconcile::Abandoned;
use crate::domain::{RunView, Timestamp};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// One workspace as the system overview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// The system overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemOverview {
    /// Every workspace.
    pub workspaces: Vec<WorkspaceHealth>,
    /// The instance that answered.
    pub instance: String,
    /// The server's clock when this was read.
    pub observed_at: Timestamp,
}

/// Every workspace's size and stuck work (platform operators only; "not found" for others).
#[server(endpoint = "load_system_overview")]
pub async fn load_system_overview() -> Result<SystemOverview, ApiError> {
    super::answer::serve(|s, p| async move { crate::services::system::overview(&s, &p).await }).await
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
    /// The server's clock when this was read.
    pub observed_at: Timestamp,
}

/// Every workspace's stuck runs (platform operators only; "not found" for others).
#[server(endpoint = "load_stuck_runs")]
pub async fn load_stuck_runs() -> Result<StuckRuns, ApiError> {
    super::answer::serve(|s, p| async move { crate::services::system::stuck(&s, &p).await }).await
}

/// One page of every workspace's runs, with the list's filters (platform operators only).
#[server(endpoint = "list_system_runs", input = Json)]
pub async fn list_system_runs(query: super::ListQuery) -> Result<super::RunListPage, ApiError> {
    super::answer::serve(|s, p| async move { crate::services::system::runs(&s, &p, &query, false).await }).await
}

/// One page of every workspace's runs that need follow-up (platform operators only).
#[server(endpoint = "list_system_failures", input = Json)]
pub async fn list_system_failures(query: super::ListQuery) -> Result<super::RunListPage, ApiError> {
    super::answer::serve(|s, p| async move { crate::services::system::runs(&s, &p, &query, true).await }).await
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
