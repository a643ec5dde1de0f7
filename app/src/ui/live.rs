//! Browser-only live updates. The run detail asks the server for its run again on the
//! interval the server chose (PRODUCT §7), pauses while the tab is hidden and refreshes once
//! on return, and stops for good when the run is terminal (the server then sends no
//! interval) or the page is left.

use crate::api::poll_run;
use crate::domain::RunView;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;

fn tab_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden)
}

/// Polls the run in `current` while it is active, writing each fresh view into it.
pub fn poll_run_while_active(current: RwSignal<RunView>) {
    leptos::task::spawn_local(async move {
        loop {
            // A disposed signal means the page was left: stop.
            let Some(Some(interval)) = current.try_with_untracked(|v| v.poll_interval_ms) else { return };
            TimeoutFuture::new(u32::try_from(interval).unwrap_or(u32::MAX)).await;
            while tab_hidden() {
                TimeoutFuture::new(500).await;
            }
            let Some(id) = current.try_with_untracked(|v| v.id.to_string()) else { return };
            // A failed poll keeps showing the last known truth and tries again next interval.
            if let Ok(fresh) = poll_run(id).await
                && current.try_set(fresh).is_some()
            {
                return;
            }
        }
    });
}
