//! Server functions of the system plane, for platform operators only.

use super::ApiError;
use crate::domain::Timestamp;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One workspace as the system overview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceHealth {
    /// Id.
    pub id: i64,
    /// Name.
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
    let (state, principal) = super::operations::context().map_err(super::operations::respond)?;
    crate::server::system::overview(&state, &principal).await.map_err(super::operations::respond)
}
