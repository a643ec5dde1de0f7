//! `/system`: the platform operators' view across every workspace.
//!
//! Few people open these pages, so each is a route loaded on demand: its code is a chunk of
//! the bundle fetched when the page is first visited, not part of every first visit
//! (specs/browser-bundle, "Pages loaded on demand"). Each route's `data` starts its request
//! at once, so the answer and the chunk load side by side.

use super::answer::{Answer, answer, keep_live};
use super::common::{ErrorPanel, ProgressView, RunBadges, RunTableRow, ago};
use super::operations::{
    ListPlace, LiveList, LiveListProps, STUCK_PAGE, SYSTEM_FAILURES, SYSTEM_RUNS, list_href, run_href, use_list_query,
};
use super::run_detail::RunDetailView;
use crate::api::{
    Bucket, ListQuery, Poll, RunDetail, RunListPage, StuckRun, StuckRuns, SystemOverview, WorkspaceHealth,
    get_system_run, load_stuck_runs, load_system_overview,
};
use crate::copy::text;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use leptos_router::{LazyRoute, lazy_route};

/// `/system`: the overview of every workspace.
#[derive(Debug)]
pub struct SystemRoute(Answer<Poll<SystemOverview>>);

#[lazy_route]
impl LazyRoute for SystemRoute {
    fn data() -> Self {
        Self(answer(|| (), |()| load_system_overview(None)))
    }

    fn view(this: Self) -> AnyView {
        system_page(this.0).into_any()
    }
}

/// The system overview page.
fn system_page(overview: Answer<Poll<SystemOverview>>) -> impl IntoView {
    let t = text();
    view! {
        <Title text=(t.shell.page_title)(t.system.heading)/>
        <Suspense fallback=move || view! { <p class="loading">{t.shell.loading}</p> }>
            {move || overview.get().map(|r| match r {
                Ok(Poll::Changed(o)) => view! { <Overview initial=*o/> }.into_any(),
                // Asked without a version, the overview always comes back whole.
                Ok(Poll::Unchanged) => ().into_any(),
                Err(error) => view! { <ErrorPanel error/> }.into_any(),
            })}
        </Suspense>
    }
}

/// One workspace's row: its size, and its run counts as links to exactly those runs.
fn workspace_row(w: WorkspaceHealth) -> impl IntoView {
    let counts = w.run_counts().map(|(count_for, n, q)| {
        let class = if count_for == Bucket::Stuck.as_str() && n > 0 { "num attention" } else { "num" };
        view! {
            <td class=class>
                <a href=list_href(SYSTEM_RUNS, &q) data-testid="system-count" data-count-for=count_for data-count=n>
                    {(text().time.number)(n)}
                </a>
            </td>
        }
    });
    view! {
        <tr data-testid="system-workspace" data-workspace-id=w.id data-likely-stale=w.likely_stale>
            <td>{w.name}</td>
            <td class="num">{w.tenants}</td>
            <td class="num">{w.members}</td>
            {counts.into_iter().collect_view()}
        </tr>
    }
}

#[component]
fn Overview(initial: SystemOverview) -> impl IntoView {
    let t = &text().system;
    let current = RwSignal::new(initial);
    keep_live(current, |known| load_system_overview(Some(known)));
    let rows = move || current.with(|o| o.workspaces.iter().cloned().map(workspace_row).collect_view());
    let instance = current.with_untracked(|o| o.instance.clone());
    view! {
        <div class="page-head">
            <h1>{t.heading}</h1>
            <p class="lede">{t.lede}</p>
            <p class="links">
                <a href="/system/ops/stuck" data-testid="system-stuck-link">{t.stuck}</a>
                " · "
                <a href="/system/ops/failures" data-testid="system-failures-link">{t.follow_up}</a>
                " · "
                <a href="/system/ops/runs" data-testid="system-runs-link">{t.all_runs}</a>
                {t.across}
            </p>
        </div>
        <div
            class="list"
            data-testid="system-overview"
            data-polling=move || if current.with(|o| o.poll_interval_ms.is_some()) { "on" } else { "off" }
            data-poll-interval-ms=move || current.with(|o| o.poll_interval_ms.map(|ms| ms.to_string()))
        >
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
        <p class="muted">{(t.answered_by)(&instance)}</p>
    }
}

/// `/system/ops/stuck`: every workspace's runs that are stuck right now.
#[derive(Debug)]
pub struct StuckRoute(Answer<Poll<StuckRuns>>);

#[lazy_route]
impl LazyRoute for StuckRoute {
    fn data() -> Self {
        Self(answer(|| (), |()| load_stuck_runs(None)))
    }

    fn view(this: Self) -> AnyView {
        stuck_page(this.0).into_any()
    }
}

fn stuck_page(stuck: Answer<Poll<StuckRuns>>) -> impl IntoView {
    let t = text();
    view! {
        <Title text=(t.shell.system_page_title)(t.system.stuck)/>
        <Suspense fallback=move || view! { <p class="loading">{t.shell.loading}</p> }>
            {move || stuck.get().map(|r| match r {
                Ok(Poll::Changed(s)) => view! { <LiveStuck initial=*s/> }.into_any(),
                // Asked without a version, the stuck runs always come back whole.
                Ok(Poll::Unchanged) => ().into_any(),
                Err(error) => view! { <ErrorPanel error/> }.into_any(),
            })}
        </Suspense>
    }
}

/// The stuck runs, live while any is shown: a run the reconciler closes leaves the list
/// within one poll.
#[component]
fn LiveStuck(initial: StuckRuns) -> impl IntoView {
    let t = &text().system;
    let current = RwSignal::new(initial);
    keep_live(current, |known| load_stuck_runs(Some(known)));
    view! {
        <div class="page-head">
            <h1>{t.stuck}</h1>
            <p class="lede">{t.stuck_lede}</p>
            <p><a href="/system">{t.back}</a></p>
        </div>
        {move || StuckList(StuckListProps { s: current.get() }).into_any()}
    }
}

#[component]
fn StuckList(s: StuckRuns) -> impl IntoView {
    let t = &text().system;
    let count = s.runs.len();
    let polling = s.poll_interval_ms;
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
        <div
            data-testid="stuck-page"
            data-total-count=count
            data-polling=if polling.is_some() { "on" } else { "off" }
            data-poll-interval-ms=polling.map(|ms| ms.to_string())
        >
            {body}
        </div>
    }
}

#[component]
fn StuckRow(r: StuckRun, now: crate::domain::Timestamp) -> impl IntoView {
    let label = (text().runs.run_name)(text().type_name(&r.view.run_type), r.view.id.get());
    let href = run_href(SYSTEM_RUNS.run, r.view.id.get(), Some(STUCK_PAGE));
    let tenant_name = r.view.tenant_name.clone().unwrap_or_else(|| text().runs.whole_workspace.to_owned());
    let badges = r.view.clone();
    let progress = r.view.progress.clone();
    let since = r.stuck_since;
    let why = (text().system.stuck_because)(r.why);
    view! {
        <RunTableRow view=r.view>
            <td><a href=href class="run-link">{label}</a></td>
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
#[derive(Debug)]
pub struct SystemRunsRoute(SystemListData);

#[lazy_route]
impl LazyRoute for SystemRunsRoute {
    fn data() -> Self {
        Self(SystemListData::load(false))
    }

    fn view(this: Self) -> AnyView {
        system_list(this.0).into_any()
    }
}

/// `/system/ops/failures`: every workspace's runs that need follow-up (terminal follow-up and
/// reconciled-stale), newest first.
#[derive(Debug)]
pub struct SystemFailuresRoute(SystemListData);

#[lazy_route]
impl LazyRoute for SystemFailuresRoute {
    fn data() -> Self {
        Self(SystemListData::load(true))
    }

    fn view(this: Self) -> AnyView {
        system_list(this.0).into_any()
    }
}

/// A system list's page of runs and the filters it was asked with.
#[derive(Debug)]
pub struct SystemListData {
    place: ListPlace,
    query: Signal<ListQuery>,
    page: Answer<Poll<RunListPage>>,
}

impl SystemListData {
    fn load(failures: bool) -> Self {
        let list_query = use_list_query();
        let place = if failures { SYSTEM_FAILURES } else { SYSTEM_RUNS };
        let page = answer(list_query, move |q| place.fetch(q, None));
        Self { place, query: Signal::derive(list_query), page }
    }
}

fn system_list(data: SystemListData) -> impl IntoView {
    let SystemListData { place, query, page } = data;
    let failures = place == SYSTEM_FAILURES;
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
                <p><a href="/system">{t.system.back}</a></p>
            </div>
            <Suspense fallback=move || view! { <p class="loading">{t.shell.loading}</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(Poll::Changed(page)) => {
                            LiveList(LiveListProps { initial: *page, query: query.get(), place }).into_any()
                        }
                        // Asked without a version, a list always comes back whole.
                        Ok(Poll::Unchanged) => ().into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// `/system/ops/runs/{run}`: any run's detail — the same decision zone as on the admin plane,
/// with full diagnostics.
#[derive(Debug)]
pub struct SystemRunRoute(Answer<RunDetail>);

#[lazy_route]
impl LazyRoute for SystemRunRoute {
    fn data() -> Self {
        let params = use_params_map();
        let id = move || params.read().get("id").unwrap_or_default();
        Self(answer(id, get_system_run))
    }

    fn view(this: Self) -> AnyView {
        system_run_page(this.0).into_any()
    }
}

fn system_run_page(run: Answer<RunDetail>) -> impl IntoView {
    let t = &text().detail;
    view! {
        <Suspense fallback=move || view! { <p class="loading">{t.loading}</p> }>
            {move || Suspend::new(async move {
                match run.await {
                    Ok(detail) => view! { <RunDetailView initial=detail list_href=SYSTEM_RUNS.list system=true/> }.into_any(),
                    Err(e) => view! { <section class="empty"><h1>{t.unavailable}</h1><ErrorPanel error=e/></section> }.into_any(),
                }
            })}
        </Suspense>
    }
}
