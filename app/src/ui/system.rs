//! `/system`: the platform operators' view across every workspace.

use super::answer::answer;
use super::common::{ErrorPanel, ProgressView, RunBadges, RunTableRow, ago};
use super::operations::{
    ClassCounts, ClassCountsProps, Filters, FiltersProps, ListPlace, RunTable, RunTableProps, use_list_query,
};
use super::run_detail::RunDetailView;
use crate::api::{
    StuckRun, StuckRuns, SystemOverview, get_system_run, list_system_failures, list_system_runs, load_stuck_runs,
    load_system_overview,
};
use crate::copy::text;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

/// The system overview page.
#[component]
pub fn SystemPage() -> impl IntoView {
    let overview = answer(|| (), |()| load_system_overview());
    let t = text();
    view! {
        <Title text=(t.shell.page_title)(t.system.heading)/>
        <Suspense fallback=move || view! { <p class="loading">{t.shell.loading}</p> }>
            {move || overview.get().map(|r| match r {
                Ok(o) => view! { <Overview o/> }.into_any(),
                Err(error) => view! { <ErrorPanel error/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Overview(o: SystemOverview) -> impl IntoView {
    let t = &text().system;
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
            <h1>{t.heading}</h1>
            <p class="lede">{t.lede}</p>
            <p class="links">
                <A href="/system/ops/stuck" attr:data-testid="system-stuck-link">{t.stuck}</A>
                " · "
                <A href="/system/ops/failures" attr:data-testid="system-failures-link">{t.follow_up}</A>
                " · "
                <A href="/system/ops/runs" attr:data-testid="system-runs-link">{t.all_runs}</A>
                {t.across}
            </p>
        </div>
        <div class="list">
            <table data-testid="system-workspaces">
                <thead>
                    <tr>
                        <th>{t.col_workspace}</th>
                        <th class="num">{t.col_tenants}</th>
                        <th class="num">{t.col_members}</th>
                        <th class="num">{t.col_active}</th>
                        <th class="num">{t.col_likely_stuck}</th>
                        <th class="num">{t.col_failed}</th>
                        <th class="num">{t.col_runs}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p class="muted">{(t.answered_by)(&o.instance)}</p>
    }
}

/// `/system/ops/stuck`: every workspace's runs that are stuck right now.
#[component]
pub fn StuckPage() -> impl IntoView {
    let stuck = answer(|| (), |()| load_stuck_runs());
    let t = text();
    view! {
        <Title text=(t.shell.system_page_title)(t.system.stuck)/>
        <Suspense fallback=move || view! { <p class="loading">{t.shell.loading}</p> }>
            {move || stuck.get().map(|r| match r {
                Ok(s) => view! { <StuckList s/> }.into_any(),
                Err(error) => view! { <ErrorPanel error/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn StuckList(s: StuckRuns) -> impl IntoView {
    let t = &text().system;
    let count = s.runs.len();
    let now = s.observed_at;
    let body = if s.runs.is_empty() {
        view! { <p class="empty" data-testid="stuck-empty">{t.stuck_empty}</p> }.into_any()
    } else {
        let rows = s.runs.into_iter().map(|r| view! { <StuckRow r now/> }).collect_view();
        view! {
            <div class="list">
                <table data-testid="stuck-runs">
                    <thead>
                        <tr>
                            <th>{t.col_run}</th>
                            <th>{t.col_workspace}</th>
                            <th>{text().list.col_tenant}</th>
                            <th>{text().list.col_state}</th>
                            <th>{text().list.col_progress}</th>
                            <th>{t.col_stuck_since}</th>
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
            <h1>{t.stuck}</h1>
            <p class="lede">{t.stuck_lede}</p>
            <p><A href="/system">{t.back}</A></p>
        </div>
        <div data-testid="stuck-page" data-total-count=count>{body}</div>
    }
}

#[component]
fn StuckRow(r: StuckRun, now: crate::domain::Timestamp) -> impl IntoView {
    let label = (text().runs.run_name)((text().runs.run_type)(r.view.run_type), r.view.id.get());
    let href = format!("/system/ops/runs/{}", r.view.id);
    let tenant_name = r.view.tenant_name.clone().unwrap_or_else(|| text().runs.whole_workspace.to_owned());
    let badges = r.view.clone();
    let progress = r.view.progress.clone();
    let since = r.stuck_since;
    let why = (text().system.stuck_because)(r.why);
    view! {
        <RunTableRow view=r.view>
            <td><A href=href attr:class="run-link">{label}</A></td>
            <td data-testid="run-workspace" data-workspace-id=r.workspace_id>{r.workspace_name}</td>
            <td>{tenant_name}</td>
            <td><RunBadges view=badges/></td>
            <td><ProgressView progress compact=true/></td>
            <td title=since.to_rfc3339() data-testid="stuck-since" data-stuck-why=r.why.as_str()>
                {ago(since, now)} <span class="muted">{why}</span>
            </td>
        </RunTableRow>
    }
}

/// `/system/ops/runs`: every workspace's runs, with the same filters and class counts as the
/// admin list.
#[component]
pub fn SystemRunsPage() -> impl IntoView {
    view! { <SystemList failures=false/> }
}

/// `/system/ops/failures`: every workspace's runs that need follow-up (terminal follow-up and
/// reconciled-stale), newest first.
#[component]
pub fn SystemFailuresPage() -> impl IntoView {
    view! { <SystemList failures=true/> }
}

#[component]
fn SystemList(failures: bool) -> impl IntoView {
    let list_query = use_list_query();
    let place = ListPlace {
        list: if failures { "/system/ops/failures" } else { "/system/ops/runs" },
        run: "/system/ops/runs",
        system: true,
    };
    let page = answer(list_query, move |q| async move {
        if failures { list_system_failures(q).await } else { list_system_runs(q).await }
    });
    let t = text();
    let (title, lede) = if failures {
        (t.system.follow_up, t.system.follow_up_lede)
    } else {
        (t.system.all_runs, t.system.all_runs_lede)
    };
    view! {
        <Title text=(t.shell.system_page_title)(title)/>
        <section class="operations" data-testid=if failures { "system-failures" } else { "system-runs" }>
            <div class="page-head">
                <h1>{title}</h1>
                <p class="lede">{lede}</p>
                <p><A href="/system">{t.system.back}</A></p>
            </div>
            <Suspense fallback=move || view! { <p class="loading">{t.shell.loading}</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! {
                            {Filters(FiltersProps { page: page.clone(), current: list_query(), place }).into_any()}
                            {ClassCounts(ClassCountsProps { page: page.clone(), current: list_query(), place }).into_any()}
                            {RunTable(RunTableProps { page, current: list_query(), place }).into_any()}
                        }
                        .into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// `/system/ops/runs/{run}`: any run's detail — the same decision zone as on the admin plane,
/// with full diagnostics.
#[component]
pub fn SystemRunPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let run = answer(id, get_system_run);
    let t = &text().detail;
    view! {
        <Suspense fallback=move || view! { <p class="loading">{t.loading}</p> }>
            {move || Suspend::new(async move {
                match run.await {
                    Ok(detail) => view! { <RunDetailView initial=detail list_href="/system/ops/runs" system=true/> }.into_any(),
                    Err(e) => view! { <section class="empty"><h1>{t.unavailable}</h1><ErrorPanel error=e/></section> }.into_any(),
                }
            })}
        </Suspense>
    }
}
