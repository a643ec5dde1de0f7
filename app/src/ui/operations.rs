//! `/admin/operations`: the canonical operations list — filters, keyset pages, every row
//! carrying the specs/product-contract §13 hooks — and the form that starts an inventory sync.

use super::answer::{answer, keep_live};
use super::common::{ErrorPanel, ProgressView, RunBadges, RunTableRow, ago};
use super::post_form::{PostForm, submitted};
use crate::api::{
    ApiError, ListQuery, Poll, RunListPage, STATUS_ACTIVE, StartOperation, TenantOption, list_runs,
    list_system_failures, list_system_runs,
};
use crate::copy::text;
use crate::domain::{Badge, ProblemClass, RunOutcome, RunStatus, RunType, RunView, Timestamp};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

/// Where a run list lives: its own address (filters and pages link there) and where its
/// runs' details are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListPlace {
    /// The list's path.
    pub list: &'static str,
    /// The prefix of a run's detail (`{run}/{id}`).
    pub run: &'static str,
    /// Which runs it lists.
    pub source: ListSource,
}

/// Which runs a list shows (and which server function it asks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListSource {
    /// The caller's workspace (the admin plane).
    Admin,
    /// Every workspace's runs (the system plane).
    SystemRuns,
    /// Every workspace's runs that need follow-up (the system plane).
    SystemFailures,
}

impl ListPlace {
    /// Whether it is a system-plane list (rows show their workspace; tenants are not linked).
    pub fn system(self) -> bool {
        self.source != ListSource::Admin
    }

    /// The page of runs for `q`; `known` is the version the page holds, if any.
    pub async fn fetch(self, q: ListQuery, known: Option<String>) -> Result<Poll<RunListPage>, ApiError> {
        match self.source {
            ListSource::Admin => list_runs(q, known).await,
            ListSource::SystemRuns => list_system_runs(q, known).await,
            ListSource::SystemFailures => list_system_failures(q, known).await,
        }
    }
}

/// The admin plane's canonical list.
pub const ADMIN_LIST: ListPlace =
    ListPlace { list: "/admin/operations", run: "/admin/operations", source: ListSource::Admin };
/// The system plane's list of every run.
pub const SYSTEM_RUNS: ListPlace =
    ListPlace { list: "/system/ops/runs", run: "/system/ops/runs", source: ListSource::SystemRuns };
/// The system plane's list of runs that need follow-up.
pub const SYSTEM_FAILURES: ListPlace =
    ListPlace { list: "/system/ops/failures", run: "/system/ops/runs", source: ListSource::SystemFailures };
/// The system plane's stuck runs (not a filtered list, but a place a run's crumb may lead back to).
pub const STUCK_PAGE: &str = "/system/ops/stuck";

/// The list's filters as they stand in the address.
pub fn use_list_query() -> impl Fn() -> ListQuery + Copy + Send + Sync + 'static {
    let query = use_query_map();
    move || {
        let q = query.read();
        ListQuery {
            workspace: q.get("workspace"),
            tenant: q.get("tenant"),
            run_type: q.get("type"),
            status: q.get("status"),
            outcome: q.get("outcome"),
            class: q.get("class"),
            since: q.get("since"),
            after: q.get("after"),
        }
    }
}

/// The operations list page.
#[component]
pub fn OperationsPage() -> impl IntoView {
    let t = &text().list;
    let start = ServerAction::<StartOperation>::new();
    let list_query = use_list_query();
    let page = answer(move || (list_query(), start.version().get()), |(q, _)| ADMIN_LIST.fetch(q, None));
    view! {
        <section class="operations">
            <div class="page-head">
                <h1>{t.heading}</h1>
                <p class="lede">{t.lede}</p>
            </div>
            <Suspense fallback=move || view! { <p class="loading">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(Poll::Changed(page)) => view! {
                            {StartSync(StartSyncProps { tenants: page.tenants.clone(), start }).into_any()}
                            {LiveList(LiveListProps { initial: *page, query: list_query(), place: ADMIN_LIST }).into_any()}
                        }
                        .into_any(),
                        // Asked without a version, a list always comes back whole.
                        Ok(Poll::Unchanged) => ().into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn StartSync(tenants: Vec<TenantOption>, start: ServerAction<StartOperation>) -> impl IntoView {
    let t = &text().list;
    let result = start.value();
    view! {
        <PostForm action=start attr:class="start-form" attr:data-testid="start-sync-form">
            <label>
                {t.start_tenant} " "
                <select name="tenant" data-testid="start-sync-tenant" required>
                    {tenants.iter().map(|t| view! { <option value=t.id.to_string()>{t.name.clone()}</option> }).collect_view()}
                </select>
            </label>
            <label>
                {t.start_operation} " "
                <select name="run_type" data-testid="start-type">
                    {RunType::STARTABLE.iter().map(|r| view! { <option value=r.as_str()>{(text().runs.run_type)(*r)}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit" class="primary" data-testid="start-sync" disabled=move || start.pending().get()>
                {t.start}
            </button>
        </PostForm>
        {move || {
            result.get().map(|r| match r {
                Ok(ok) => view! {
                    <div class="notice notice-ok" role="status" data-testid="start-result" data-run-id=ok.run_id data-already-running=ok.already_running.to_string()>
                        {ok.message.clone()} " "
                        <a href=format!("/admin/operations/{}", ok.run_id)>{t.open_run}</a>
                    </div>
                }
                .into_any(),
                Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
            })
        }}
    }
}

/// A list's filters, class counts and runs, live while any run it shows is active: its one
/// poll brings changed rows and counts without a reload; the filter form is left as the
/// person set it.
#[component]
pub fn LiveList(initial: RunListPage, query: ListQuery, place: ListPlace) -> impl IntoView {
    let filters = Filters(FiltersProps { page: initial.clone(), current: query.clone(), place }).into_any();
    let current = RwSignal::new(initial);
    let asked = query.clone();
    keep_live(current, move |known| place.fetch(asked.clone(), Some(known)));
    let counts_query = query.clone();
    view! {
        {filters}
        {move || ClassCounts(ClassCountsProps { page: current.get(), current: counts_query.clone(), place }).into_any()}
        {move || RunTable(RunTableProps { page: current.get(), current: query.clone(), place }).into_any()}
    }
}

/// The list's filter form (a GET to the list's own address).
#[component]
pub fn Filters(page: RunListPage, current: ListQuery, place: ListPlace) -> impl IntoView {
    let t = &text().list;
    let selected = |cur: &Option<String>, v: &str| cur.as_deref() == Some(v);
    let since = current
        .since
        .as_deref()
        .and_then(|s| s.parse::<i64>().ok())
        .map(|ms| (ms.to_string(), (text().time.date_time)(Timestamp(ms).parts())));
    let clear_since = list_href(place, &ListQuery { since: None, after: None, ..current.clone() });
    // Without the browser bundle the form is a plain GET to the list; with it, the page moves
    // to the filtered list's address without a reload (and without empty parameters).
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        if let Some(q) = submitted::<ListQuery>(&ev) {
            ev.prevent_default();
            navigate(&list_href(place, &q), Default::default());
        }
    };
    view! {
        <form method="get" action=place.list class="filters" data-testid="filters" on:submit=submit>
            {place.system().then(|| view! {
                <label>
                    {t.col_workspace} " "
                    <select name="workspace">
                        <option value="">{t.all_workspaces}</option>
                        {page.workspace_names.iter().map(|w| {
                            let id = w.id.to_string();
                            let sel = selected(&current.workspace, &id);
                            view! { <option value=id selected=sel>{w.name.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
            })}
            <label>
                {t.filter_tenant} " "
                <select name="tenant">
                    <option value="">{t.all_tenants}</option>
                    {page.tenants.iter().map(|tenant| {
                        let id = tenant.id.to_string();
                        let sel = selected(&current.tenant, &id);
                        view! { <option value=id selected=sel>{tenant.name.clone()}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>
                {t.filter_type} " "
                <select name="type">
                    <option value="">{t.all_types}</option>
                    {RunType::ALL.into_iter().map(|r| view! {
                        <option value=r.as_str() selected=selected(&current.run_type, r.as_str())>{(text().runs.run_type)(r)}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                {t.filter_status} " "
                <select name="status">
                    <option value="">{t.any_status}</option>
                    <option value=STATUS_ACTIVE selected=selected(&current.status, STATUS_ACTIVE)>{t.status_active}</option>
                    {RunStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=selected(&current.status, s.as_str())>{(text().badges.status)(s)}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                {t.filter_outcome} " "
                <select name="outcome">
                    <option value="">{t.any_outcome}</option>
                    {RunOutcome::ALL.into_iter().map(|o| view! {
                        <option value=o.as_str() selected=selected(&current.outcome, o.as_str())>{(text().badges.outcome)(o)}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                {t.filter_problem} " "
                <select name="class">
                    <option value="">{t.any_problem}</option>
                    {ProblemClass::ALL.into_iter().map(|c| view! {
                        <option value=c.as_str() selected=selected(&current.class, c.as_str())>{(text().badges.problem)(c)}</option>
                    }).collect_view()}
                </select>
            </label>
            {since.map(|(ms, at)| view! {
                <input type="hidden" name="since" value=ms/>
                <p class="since" data-testid="since-filter">
                    {(t.completed_since)(&at)} " " <a href=clear_since>{t.clear_since}</a>
                </p>
            })}
            <button type="submit">{t.filter}</button>
        </form>
    }
}

/// The runs per problem class under the other filters; each count links to the list
/// filtered to exactly those runs (specs/product-contract §5, §13 `data-count-for`).
#[component]
pub fn ClassCounts(page: RunListPage, current: ListQuery, place: ListPlace) -> impl IntoView {
    view! {
        <nav class="class-counts" data-testid="class-counts" aria-label=text().list.counts_label>
            {page.class_counts.into_iter().map(|c| {
                let badge = Badge::problem(c.class);
                let chosen = current.class.as_deref() == Some(c.class.as_str());
                let href =
                    list_href(place, &ListQuery { class: Some(c.class.as_str().to_owned()), after: None, ..current.clone() });
                view! {
                    <a
                        href=href
                        class=format!("class-count tone-{}{}", badge.tone.as_str(), if chosen { " chosen" } else { "" })
                        data-testid="class-count"
                        data-count-for=c.class.as_str()
                        data-count=c.count
                        aria-current=chosen.then_some("page")
                    >
                        <span class="badge-icon" aria-hidden="true">{badge.icon}</span>
                        {text().badge(&badge)} " " <strong>{(text().time.number)(c.count)}</strong>
                    </a>
                }
            }).collect_view()}
        </nav>
    }
}

/// The table of runs with the total count and the next-page link.
#[component]
pub fn RunTable(page: RunListPage, current: ListQuery, place: ListPlace) -> impl IntoView {
    let t = &text().list;
    let total = page.total_count;
    let names: std::collections::HashMap<i64, String> =
        page.workspace_names.iter().map(|w| (w.id, w.name.clone())).collect();
    let rows: Vec<(RunView, Option<String>)> = page
        .runs
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, v)| (v, place.system().then(|| page.workspaces.get(i).and_then(|w| names.get(w).cloned())).flatten()))
        .collect();
    let next = page.next.clone();
    let empty = page.runs.is_empty();
    let back = list_href(place, &current);
    let polling = page.poll_interval_ms;
    view! {
        <div
            class="list"
            data-testid="operations-list"
            data-total-count=total
            data-polling=if polling.is_some() { "on" } else { "off" }
            data-poll-interval-ms=polling.map(|ms| ms.to_string())
        >
            <p class="count">{(t.total)(total)}</p>
            <Show when=move || !empty fallback=move || view! { <p class="empty">{t.empty}</p> }>
                <table class="runs">
                    <thead>
                        <tr>
                            <th>{t.col_operation}</th>
                            {place.system().then(|| view! { <th>{t.col_workspace}</th> })}
                            <th>{t.col_tenant}</th><th>{t.col_state}</th><th>{t.col_progress}</th><th>{t.col_queued}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows.iter().cloned().map(|(v, workspace)| view! { <RunRow view=v place workspace back=back.clone()/> }).collect_view()}
                    </tbody>
                </table>
            </Show>
            {next.clone().map(|n| view! {
                <p class="pager"><a href=list_href(place, &ListQuery { after: Some(n), ..current.clone() }) data-testid="next-page">{t.older}</a></p>
            })}
        </div>
    }
}

/// One run as a row of a list; `back` is the list it is shown on (its detail's crumb leads
/// back there).
#[component]
pub(crate) fn RunRow(
    view: RunView,
    place: ListPlace,
    workspace: Option<String>,
    #[prop(optional)] back: Option<String>,
) -> impl IntoView {
    let id = view.id;
    let href = run_href(place.run, id.get(), back.as_deref());
    let tenant_name = view.tenant_name.clone().unwrap_or_default();
    let name = (text().runs.run_name)(text().type_name(&view.run_type), id.get());
    let tenant = view.tenant_id;
    let badges = view.clone();
    let progress = view.progress.clone();
    let created = view.created_at;
    let observed = view.observed_at;
    view! {
        <RunTableRow view>
            <td><a href=href class="run-link">{name}</a></td>
            {place.system().then(|| view! { <td data-testid="run-workspace">{workspace.clone().unwrap_or_default()}</td> })}
            <td>
                {match tenant {
                    Some(_) if place.system() => view! { <span>{tenant_name.clone()}</span> }.into_any(),
                    Some(t) => view! {
                        <a href=format!("/admin/t/{t}") data-testid="tenant-link">{tenant_name}</a>
                    }.into_any(),
                    None => view! { <span>{text().runs.whole_workspace}</span> }.into_any(),
                }}
            </td>
            <td><RunBadges view=badges/></td>
            <td><ProgressView progress compact=true/></td>
            <td title=created.to_rfc3339()>{ago(created, observed)}</td>
        </RunTableRow>
    }
}

/// The detail of run `id` under `run` (a plane's run prefix), opened from the list at `back`:
/// the detail's crumb leads back there, filters and page included, unless that is the
/// plane's plain list anyway.
pub(crate) fn run_href(run: &str, id: i64, back: Option<&str>) -> String {
    match back.filter(|b| *b != run) {
        Some(b) => format!("{run}/{id}?back={}", encode(b)),
        None => format!("{run}/{id}"),
    }
}

/// Where a run's crumb leads: the list the run was opened from (`back`, as its row's link
/// carried it) when that is one of our lists, otherwise `default`. Anything else — another
/// site, another page, an overlong or damaged value — is ignored, so the link cannot be
/// turned into a way off the site.
pub(crate) fn back_to(back: Option<&str>, default: &str) -> String {
    const LISTS: [&str; 4] = [ADMIN_LIST.list, SYSTEM_RUNS.list, SYSTEM_FAILURES.list, STUCK_PAGE];
    back.filter(|b| b.len() <= 1024 && !b.chars().any(char::is_control))
        .filter(|b| LISTS.contains(&b.split_once('?').map_or(*b, |(path, _)| path)))
        .map_or_else(|| default.to_owned(), str::to_owned)
}

/// The list's address for `q`: every filter and the page position, in the URL so it can be
/// shared and the back button works.
pub(crate) fn list_href(place: ListPlace, q: &ListQuery) -> String {
    let parts: Vec<String> = [
        ("workspace", &q.workspace),
        ("tenant", &q.tenant),
        ("type", &q.run_type),
        ("status", &q.status),
        ("outcome", &q.outcome),
        ("class", &q.class),
        ("since", &q.since),
        ("after", &q.after),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| format!("{k}={}", encode(v))))
    .collect();
    if parts.is_empty() { place.list.to_owned() } else { format!("{}?{}", place.list, parts.join("&")) }
}

/// Percent-encodes everything but unreserved characters.
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_link_keeps_every_filter_in_the_url() {
        let q = ListQuery {
            workspace: None,
            tenant: Some("3".into()),
            run_type: Some("inventory.sync".into()),
            status: None,
            outcome: Some("failed".into()),
            class: Some("terminal_follow_up".into()),
            since: Some("1700000000000".into()),
            after: Some("99.7".into()),
        };
        assert_eq!(
            list_href(ADMIN_LIST, &q),
            "/admin/operations?tenant=3&type=inventory.sync&outcome=failed&class=terminal_follow_up&since=1700000000000&after=99.7"
        );
        let q = ListQuery { status: Some("a b&c".into()), ..ListQuery::default() };
        assert_eq!(list_href(ADMIN_LIST, &q), "/admin/operations?status=a%20b%26c");
        assert_eq!(list_href(ADMIN_LIST, &ListQuery::default()), "/admin/operations");
        assert_eq!(
            list_href(SYSTEM_FAILURES, &ListQuery { class: Some("none".into()), ..ListQuery::default() }),
            "/system/ops/failures?class=none"
        );
        assert_eq!(
            list_href(SYSTEM_RUNS, &ListQuery { workspace: Some("2".into()), ..ListQuery::default() }),
            "/system/ops/runs?workspace=2"
        );
    }

    #[test]
    fn a_run_opened_from_a_filtered_list_leads_back_to_exactly_that_list() {
        let back = list_href(
            ADMIN_LIST,
            &ListQuery { status: Some("active".into()), after: Some("9.3".into()), ..ListQuery::default() },
        );
        let href = run_href(ADMIN_LIST.run, 42, Some(&back));
        assert_eq!(href, "/admin/operations/42?back=%2Fadmin%2Foperations%3Fstatus%3Dactive%26after%3D9.3");
        // The router decodes the parameter; the crumb then leads to the list as it was.
        assert_eq!(back_to(Some(&back), ADMIN_LIST.list), back);
        assert_eq!(
            run_href(ADMIN_LIST.run, 42, Some("/admin/operations")),
            "/admin/operations/42",
            "the plain list needs no way back"
        );
        assert_eq!(
            run_href(SYSTEM_FAILURES.run, 7, Some("/system/ops/failures")),
            "/system/ops/runs/7?back=%2Fsystem%2Fops%2Ffailures"
        );
        assert_eq!(back_to(Some(STUCK_PAGE), SYSTEM_RUNS.list), STUCK_PAGE);
    }

    #[test]
    fn a_crumb_never_leads_off_our_lists() {
        for hostile in [
            "https://evil.example/admin/operations",
            "//evil.example/admin/operations",
            "/admin/operationsX",
            "/admin/t/3",
            "javascript:alert(1)",
            "/admin/operations\n",
            "",
        ] {
            assert_eq!(back_to(Some(hostile), "/admin/operations"), "/admin/operations", "{hostile}");
        }
        let long = format!("/admin/operations?tenant={}", "9".repeat(2000));
        assert_eq!(back_to(Some(&long), "/admin/operations"), "/admin/operations");
        assert_eq!(back_to(Some("/admin/operations\u{7}"), "/admin/operations"), "/admin/operations");
        assert_eq!(back_to(None, "/system/ops/runs"), "/system/ops/runs");
    }
}
