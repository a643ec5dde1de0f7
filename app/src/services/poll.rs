//! The poll paths (specs/product-contract §7 "one poll per page").
//!
//! Every live page polls one answer and sends back the version it holds; an answer whose
//! version is unchanged goes back as [`Poll::Unchanged`] with no payload. A version is a hash of
//! what the page shows (never of the clock reading), so two builds of the same truth carry
//! the same version.
//!
//! The overlay's JSON endpoint — one tenant's active runs, asked for every few seconds by
//! every open live surface — answers from the live view and is cached as bytes per tenant
//! until either the tenant's active runs change (a new live-view version) or the clock moves
//! to the next second, so a poll that finds nothing new is a map lookup, and derived
//! freshness is never more than one second old.

use crate::api::{Live, Poll, RunListPage, TenantActivity};
use crate::domain::{RunView, TenantId, Timestamp};
use crate::runtime::metrics::PollAnswer;
use crate::runtime::state::AppState;
use crate::services::error::Error;
use crate::services::principal::Principal;
use axum::body::Bytes;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::RwLock;

/// `value` for a page that holds `known`: [`Poll::Unchanged`] when that is its version.
/// Counted per `surface` (the metrics' poll answers).
pub fn unless_known<T: Live>(state: &AppState, surface: &'static str, value: T, known: Option<&str>) -> Poll<T> {
    if known == Some(value.version()) {
        state.metrics.poll(surface, PollAnswer::Unchanged);
        Poll::Unchanged
    } else {
        state.metrics.poll(surface, PollAnswer::Full);
        Poll::Changed(Box::new(value))
    }
}

/// Hashes what a list of runs shows (not the clock reading) under the name `list`.
pub(crate) fn hash_views(h: &mut DefaultHasher, list: &str, views: &[RunView]) {
    list.hash(h);
    for v in views {
        for (_, value) in &v.hooks() {
            value.hash(h);
        }
        v.progress.hash(h);
        v.finding.hash(h);
        v.failure_message.hash(h);
        v.completed_at.hash(h);
    }
}

/// The version spelled from a hash of what a page shows.
pub(crate) fn version(h: &DefaultHasher) -> String {
    format!("{:016x}", h.finish())
}

/// The version of a list page: its runs, counts, position and filter options.
pub(crate) fn list_version(page: &RunListPage) -> String {
    let mut h = DefaultHasher::new();
    hash_views(&mut h, "runs", &page.runs);
    page.workspaces.hash(&mut h);
    page.total_count.hash(&mut h);
    page.class_counts.hash(&mut h);
    page.next.hash(&mut h);
    page.tenants.hash(&mut h);
    for w in &page.workspace_names {
        (w.id, &w.name).hash(&mut h);
    }
    page.poll_interval_ms.hash(&mut h);
    version(&h)
}

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
    state.metrics.poll("tenant_active_runs", PollAnswer::Full);
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
        .map(|r| RunView::derive(r, Some(name.clone()), &state.config.policy(&r.run_type), &state.config.polling, now))
        .collect();
    let interval = state.config.polling.overlay_interval(runs.iter().map(|v| (v.state, now.since(v.created_at))));
    TenantActivity {
        tenant_id: t.get(),
        tenant_name: name,
        runs,
        poll_interval_ms: interval.map(crate::domain::polling::millis),
    }
}
