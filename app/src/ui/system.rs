//! `/system`: the platform operators' view across every workspace.

use super::common::{ErrorPanel, ProgressView, RunBadges, RunTableRow, ago};
use crate::api::{StuckRun, StuckRuns, SystemOverview, load_stuck_runs, load_system_overview};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

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
            <p><A href="/system/ops/stuck" attr:data-testid="system-stuck-link">"Stuck right now, across every workspace"</A></p>
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

/// `/system/ops/stuck`: every workspace's runs that are stuck right now.
#[component]
pub fn StuckPage() -> impl IntoView {
    let stuck = Resource::new(|| (), |()| load_stuck_runs());
    view! {
        <Title text="Stuck right now · System · Opshub"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || stuck.get().map(|r| match r {
                Ok(s) => view! { <StuckList s/> }.into_any(),
                Err(error) => view! { <ErrorPanel error/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn StuckList(s: StuckRuns) -> impl IntoView {
    let count = s.runs.len();
    let now = s.observed_at;
    let body = if s.runs.is_empty() {
        view! { <p class="empty" data-testid="stuck-empty">"Nothing is stuck right now."</p> }.into_any()
    } else {
        let rows = s.runs.into_iter().map(|r| view! { <StuckRow r now/> }).collect_view();
        view! {
            <div class="list">
                <table data-testid="stuck-runs">
                    <thead>
                        <tr>
                            <th>"Run"</th>
                            <th>"Workspace"</th>
                            <th>"Tenant"</th>
                            <th>"State"</th>
                            <th>"Progress"</th>
                            <th>"Last sign of life"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <div class="page-head">
            <h1>"Stuck right now"</h1>
            <p class="lede">
                "Active runs of every workspace that stopped reporting or never started, the one silent longest first. The reconciler closes each of them at its next sweep."
            </p>
            <p><A href="/system">"Back to the system overview"</A></p>
        </div>
        <div data-testid="stuck-page" data-total-count=count>{body}</div>
    }
}

#[component]
fn StuckRow(r: StuckRun, now: crate::domain::Timestamp) -> impl IntoView {
    let label = format!("{} #{}", r.view.run_type.label(), r.view.id);
    let tenant_name = r.view.tenant_name.clone().unwrap_or_else(|| "Whole workspace".to_owned());
    let badges = r.view.clone();
    let progress = r.view.progress.clone();
    let silent = r.silent_since;
    view! {
        <RunTableRow view=r.view>
            <td>{label}</td>
            <td data-testid="run-workspace" data-workspace-id=r.workspace_id>{r.workspace_name}</td>
            <td>{tenant_name}</td>
            <td><RunBadges view=badges/></td>
            <td><ProgressView progress compact=true/></td>
            <td title=silent.to_rfc3339() data-testid="silent-since">{ago(silent, now)}</td>
        </RunTableRow>
    }
}
