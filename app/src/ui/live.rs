//! Browser-only live updates (specs/product-contract §7). Every live page asks the server
//! again on the interval the server chose, pauses while the tab is hidden (one poll on
//! return) or a dialog is open, and stops for good when nothing it shows is active (the
//! server then sends no interval) or the page is left.

use super::dashboard::Finished;
use crate::api::{
    ApiError, DigestPoll, Live, Poll, RunDetail, TenantDigest, poll_run, poll_system_run, poll_tenant_digest,
};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;

/// Whether a dialog is open on the page: polls wait while one is (specs/product-contract §7), so the truth
/// under a dialog does not change while a person reads or acts in it.
fn dialog_open() -> bool {
    web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector("dialog[open]").ok().flatten()).is_some()
}

fn tab_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden)
}

/// Polls the run in `current` while it is active, writing each fresh view into it.
/// `system` picks the system plane's poll (any workspace) over the admin plane's.
pub fn poll_run_while_active(current: RwSignal<RunDetail>, system: bool) {
    leptos::task::spawn_local(async move {
        loop {
            // A disposed signal means the page was left: stop.
            let Some(Some(interval)) = current.try_with_untracked(|d| d.view.poll_interval_ms) else { return };
            TimeoutFuture::new(u32::try_from(interval).unwrap_or(u32::MAX)).await;
            while tab_hidden() || dialog_open() {
                TimeoutFuture::new(500).await;
            }
            let Some(id) = current.try_with_untracked(|d| d.view.id.to_string()) else { return };
            // A failed poll keeps showing the last known truth and tries again next interval.
            let fresh = if system { poll_system_run(id).await } else { poll_run(id).await };
            if let Ok(fresh) = fresh
                && current.try_set(fresh).is_some()
            {
                return;
            }
        }
    });
}

/// How long a finished run stays in the overlay with its result.
const FINISHED_SHOWN_MS: u32 = 6_000;
/// The step of the dashboard's local wait: how soon a start wakes the poll (no request is
/// made by waiting).
const WAKE_STEP_MS: u32 = 250;

/// Waits for the next turn of a page's one poll: `interval` milliseconds (never, when
/// `None`), or less if `kick` moves (the viewer started work); then waits while the tab is
/// hidden (one poll on return) or a dialog is open. Waiting makes no request. `false` when
/// the page was left.
async fn next_turn(interval: Option<u64>, kick: Option<RwSignal<u64>>, seen_kick: &mut u64) -> bool {
    let interval = interval.map(jittered);
    let mut waited: u64 = 0;
    loop {
        if let Some(kick) = kick {
            let Some(k) = kick.try_get_untracked() else { return false };
            if k != *seen_kick {
                *seen_kick = k;
                break;
            }
        }
        if interval.is_some_and(|i| waited >= i) {
            break;
        }
        TimeoutFuture::new(WAKE_STEP_MS).await;
        waited += u64::from(WAKE_STEP_MS);
    }
    while tab_hidden() || dialog_open() {
        TimeoutFuture::new(500).await;
    }
    true
}

/// `ms` give or take up to a tenth, at random: pages opened together (say, all reloaded after
/// a deploy) drift apart instead of polling in step, which would queue every one of their
/// requests behind the others at the same instant. The mean interval stays the policy's.
fn jittered(ms: u64) -> u64 {
    let factor = 0.9 + 0.2 * web_sys::js_sys::Math::random();
    (ms as f64 * factor) as u64
}

/// The tenant dashboard's one poll: asks for the digest again at its interval, or at once
/// when `kick` moves, sending the version it holds so an unchanged answer carries nothing.
/// With no interval it makes no request until kicked.
pub fn poll_digest(
    current: RwSignal<TenantDigest>,
    kick: RwSignal<u64>,
    finished: RwSignal<Vec<Finished>>,
    truth_changed: RwSignal<u64>,
) {
    leptos::task::spawn_local(async move {
        let Some(mut seen_kick) = kick.try_get_untracked() else { return };
        loop {
            let Some(interval) = current.try_with_untracked(|d| d.poll_interval_ms) else { return };
            if !next_turn(interval, Some(kick), &mut seen_kick).await {
                return;
            }
            let Some((tenant, version)) = current.try_with_untracked(|d| (d.tenant_id.to_string(), d.version.clone()))
            else {
                return;
            };
            // A failed poll keeps showing the last known truth and tries again next interval.
            if let Ok(DigestPoll::Changed(fresh)) = poll_tenant_digest(tenant, Some(version)).await {
                let Some(left) = current.try_with_untracked(|old| left_overlay(old, &fresh)) else { return };
                for view in left {
                    show_finished(finished, view);
                }
                if current.try_set(*fresh).is_some() {
                    return;
                }
                truth_changed.update(|n| *n += 1);
            }
        }
    });
}

/// A live page's one poll (the workspace overview, the lists, the system pages): asks
/// `fetch` again at the interval its current answer names, sending the version it holds, so
/// an unchanged answer carries nothing; stops for good once the answer names no interval
/// (nothing it shows is active) or the page is left.
pub fn poll_page<T, F, Fut>(current: RwSignal<T>, fetch: F)
where
    T: Live + Send + Sync + 'static,
    F: Fn(String) -> Fut + 'static,
    Fut: Future<Output = Result<Poll<T>, ApiError>> + 'static,
{
    leptos::task::spawn_local(async move {
        let mut no_kick = 0;
        loop {
            let Some(interval) = current.try_with_untracked(|o| o.poll_interval_ms()) else { return };
            if interval.is_none() || !next_turn(interval, None, &mut no_kick).await {
                return;
            }
            let Some(version) = current.try_with_untracked(|o| o.version().to_owned()) else { return };
            // A failed poll keeps showing the last known truth and tries again next interval.
            if let Ok(Poll::Changed(fresh)) = fetch(version).await
                && current.try_set(*fresh).is_some()
            {
                return;
            }
        }
    });
}

/// The runs that were active in `old` and are not in `new`, as `new` lists them now (ended).
fn left_overlay(old: &TenantDigest, new: &TenantDigest) -> Vec<crate::domain::RunView> {
    old.active
        .iter()
        .filter(|v| !new.active.iter().any(|n| n.id == v.id))
        .filter_map(|v| new.recent.iter().chain(new.follow_up.iter()).find(|n| n.id == v.id).cloned())
        .filter(|v| !v.state.is_active())
        .collect()
}

/// Shows `view` among the overlay's finished runs for a moment.
fn show_finished(finished: RwSignal<Vec<Finished>>, view: crate::domain::RunView) {
    let id = view.id;
    finished.update(|f| f.push(Finished(view)));
    leptos::task::spawn_local(async move {
        TimeoutFuture::new(FINISHED_SHOWN_MS).await;
        let _ = finished.try_update(|f| f.retain(|Finished(v)| v.id != id));
    });
}
