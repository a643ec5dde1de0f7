//! `/system`: the platform operators' view across every workspace.

use super::common::ErrorPanel;
use crate::api::{SystemOverview, load_system_overview};
use leptos::prelude::*;
use leptos_meta::Title;

/// The system overview page.
#[component]
pub fn SystemPage() -> impl IntoView {
    let overview = Resource::new(|| (), |()| load_system_overview());
    view! {
        <Title text="System · Opshub"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || overview.get().map(|r| match r {
                Ok(o) => view! { <Overview o/> }.into_any(),
                Err(error) => view! { <ErrorPanel error/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Overview(o: SystemOverview) -> impl IntoView {
    let rows = o
        .workspaces
        .into_iter()
        .map(|w| {
            let stale_class = if w.likely_stale > 0 { "num attention" } else { "num" };
            view! {
                <tr data-testid="system-workspace" data-workspace-id=w.id data-likely-stale=w.likely_stale>
                    <td>{w.name}</td>
                    <td class="num">{w.tenants}</td>
                    <td class="num">{w.members}</td>
                    <td class="num">{w.active}</td>
                    <td class=stale_class>{w.likely_stale}</td>
                    <td class="num">{w.failed}</td>
                    <td class="num">{w.runs}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="page-head">
            <h1>"System"</h1>
            <p class="lede">"Every workspace on this platform, and whether any of its work is stuck right now."</p>
        </div>
        <div class="list">
            <table data-testid="system-workspaces">
                <thead>
                    <tr>
                        <th>"Workspace"</th>
                        <th class="num">"Tenants"</th>
                        <th class="num">"Members"</th>
                        <th class="num">"Active"</th>
                        <th class="num">"Likely stuck"</th>
                        <th class="num">"Failed"</th>
                        <th class="num">"All runs"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p class="muted">{format!("Answered by {}.", o.instance)}</p>
    }
}
