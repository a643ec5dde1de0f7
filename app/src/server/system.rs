//! The system plane (PRODUCT §2): what platform operators see across every workspace — how
//! big each one is and whether any of its work is stuck right now. Nobody else learns that
//! these pages exist: for them they are "not found".

use super::principal::Principal;
use super::state::AppState;
use crate::api::{ApiError, SystemOverview, WorkspaceHealth};
use crate::domain::Freshness;
use crate::domain::access::{Denial, authorize_system};
use std::collections::HashMap;

/// Every workspace with its tenants, members, runs and the active runs that are stuck now.
pub async fn overview(state: &AppState, principal: &Principal) -> Result<SystemOverview, ApiError> {
    authorize_system(Some(&principal.access())).map_err(|d| match d {
        Denial::NotSignedIn => ApiError::Unauthorized("Sign in to continue.".to_owned()),
        Denial::NotFound | Denial::Forbidden(_) => ApiError::NotFound("There is nothing at this address.".to_owned()),
    })?;
    let rows: Vec<(i64, String, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT w.id, w.name, \
         (SELECT COUNT(*) FROM tenants t WHERE t.workspace_id = w.id), \
         (SELECT COUNT(*) FROM memberships m WHERE m.workspace_id = w.id), \
         (SELECT CAST(COALESCE(SUM(c.n), 0) AS BIGINT) FROM run_counts_ws c WHERE c.workspace_id = w.id), \
         (SELECT CAST(COALESCE(SUM(c.n), 0) AS BIGINT) FROM run_counts_ws c WHERE c.workspace_id = w.id \
            AND c.status = 'completed' AND c.outcome = 'failed') \
         FROM workspaces w ORDER BY w.name, w.id",
    )
    .fetch_all(state.db.pool())
    .await
    .map_err(|e| super::internal_error("could not read the system overview", e))?;
    let now = state.clock.now();
    let mut active: HashMap<i64, (u64, u64)> = HashMap::new();
    for (ws, run) in state.live.all_runs() {
        let policy = state.config.policy(run.run_type);
        let entry = active.entry(ws.get()).or_default();
        entry.0 += 1;
        if run.freshness(&policy, now) == Some(Freshness::LikelyStale) {
            entry.1 += 1;
        }
    }
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(SystemOverview {
        workspaces: rows
            .into_iter()
            .map(|(id, name, tenants, members, runs, failed)| {
                let (active, stale) = active.get(&id).copied().unwrap_or_default();
                WorkspaceHealth {
                    id,
                    name,
                    tenants: count(tenants),
                    members: count(members),
                    runs: count(runs),
                    failed: count(failed),
                    active,
                    likely_stale: stale,
                }
            })
            .collect(),
        instance: state.config.instance_id.clone(),
        observed_at: now,
    })
}
