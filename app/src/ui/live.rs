//! Browser-only live updates. The run detail asks the server for its run again on the
//! interval the server chose (PRODUCT §7), pauses while the tab is hidden and refreshes once
//! on return, and stops for good when the run is terminal (the server then sends no
//! interval) or the page is left.

use crate::api::RunDetail;
use crate::api::{poll_run, poll_system_run};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;

/// Whether a dialog is open on the page: polls wait while one is (PRODUCT §7), so the truth
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
