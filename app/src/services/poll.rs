//! The poll path: one tenant's active runs as JSON, asked for every few seconds by every open
//! live surface. Answers come from the live view and are cached as bytes per tenant until
//! either the tenant's active runs change (a new live-view version) or the clock moves to the
//! next second — so a poll that finds nothing new is a map lookup, and derived freshness is
//! never more than one second old.

use crate::api::TenantActivity;
use crate::domain::{RunView, TenantId, Timestamp};
use crate::runtime::state::AppState;
use crate::services::error::Error;
use crate::services::principal::Principal;
use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::RwLock;

#[derive(Debug, Clone)]
struct Entry {
    version: u64,
    second: i64,
    body: Bytes,
}

/// Cached poll answers by tenant.
#[derive(Debug, Default)]
pub struct PollCache {
    entries: RwLock<HashMap<TenantId, Entry>>,
}

impl PollCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }
}

/// The JSON body of `GET /api/tenants/{tenant}/active-runs` for the caller. A tenant outside
/// the caller's workspace is "not found", exactly like one that does not exist.
pub async fn tenant_active_runs_json(state: &AppState, p: &Principal, tenant: &str) -> Result<Bytes, Error> {
    let (t, info) = crate::services::scope::tenant(state, p, tenant).await?;
    state.metrics.poll("tenant_active_runs", crate::runtime::metrics::PollAnswer::Full);
    let now = state.clock.now();
    let second = now.millis().div_euclid(1000);
    let version = state.live.version(t);
    let cache = &state.poll_cache;
    if let Some(e) = cache.entries.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(&t)
        && e.version == version
        && e.second == second
    {
        return Ok(e.body.clone());
    }
    let activity = activity(state, t, info.name, Timestamp(second * 1000));
    let body = Bytes::from(serde_json::to_vec(&activity).map_err(|e| Error::internal("encoding the poll answer", e))?);
    cache
        .entries
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(t, Entry { version, second, body: body.clone() });
    Ok(body)
}

/// A tenant's active runs from the live view, derived at `now`; the overlay polls as often as
/// its youngest active run needs, and not at all when none is active.
fn activity(state: &AppState, t: TenantId, name: String, now: Timestamp) -> TenantActivity {
    let runs: Vec<RunView> = state
        .live
        .tenant_runs(t)
        .iter()
        .map(|r| RunView::derive(r, Some(name.clone()), &state.config.policy(r.run_type), &state.config.polling, now))
        .collect();
    let interval = state.config.polling.overlay_interval(runs.iter().map(|v| (v.state, now.since(v.created_at))));
    TenantActivity {
        tenant_id: t.get(),
        tenant_name: name,
        runs,
        poll_interval_ms: interval.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
    }
}
