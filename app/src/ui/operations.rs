//! `/admin/operations`: the canonical operations list — filters, keyset pages, every row
//! carrying the specs/product-contract §13 hooks — and the form that starts an inventory sync.

use super::answer::answer;
use super::common::{ErrorPanel, ProgressView, RunBadges, RunTableRow, ago};
use super::post_form::{PostForm, submitted};
use crate::api::{ListQuery, RunListPage, STATUS_ACTIVE, StartOperation, list_runs};
use crate::copy::text;
use crate::domain::{Badge, ProblemClass, RunOutcome, RunStatus, RunType, RunView, Timestamp};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

/// Where a run list lives: its own address (filters and pages link there) and where its
/// runs' details are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListPlace {
    /// The list's path.
    pub list: &'static str,
    /// The prefix of a run's detail (`{run}/{id}`).
    pub run: &'static str,
    /// Whether it is a system-plane list (rows show their workspace; tenants are not linked).
    pub system: bool,
}

/// The admin plane's canonical list.
pub const ADMIN_LIST: ListPlace = ListPlace { list: "/admin/operations", run: "/admin/operations", system: false };

/// The list's filters as they stand in the address.
pub fn use_list_query() -> impl Fn() -> ListQuery + Copy + Send + Sync + 'static {
    let query = use_query_map();
    move || {
        let q = query.read();
        ListQuery {
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
    let page = answer(move || (list_query(), start.version().get()), |(q, _)| list_runs(q));
    view! {
        <section class="operations">
            <div class="page-head">
                <h1>{t.heading}</h1>
                <p class="lede">{t.lede}</p>
            </div>
            <Suspense fallback=move || view! { <p class="loading">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { {StartSync(StartSyncProps { page: page.clone(), start }).into_any()} {Filters(FiltersProps { page: page.clone(), current: list_query(), place: ADMIN_LIST }).into_any()} {ClassCounts(ClassCountsProps { page: page.clone(), current: list_query(), place: ADMIN_LIST }).into_any()} {RunTable(RunTableProps { page, current: list_query(), place: ADMIN_LIST }).into_any()} }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn StartSync(page: RunListPage, start: ServerAction<StartOperation>) -> impl IntoView {
    let t = &text().list;
    let result = start.value();
    view! {
        <PostForm action=start attr:class="start-form" attr:data-testid="start-sync-form">
            <label>
                {t.start_tenant} " "
                <select name="tenant" data-testid="start-sync-tenant" required>
                    {page.tenants.iter().map(|t| view! { <option value=t.id.to_string()>{t.name.clone()}</option> }).collect_view()}
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
                        <A href=format!("/admin/operations/{}", ok.run_id)>{t.open_run}</A>
                    </div>
                }
                .into_any(),
                Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
            })
        }}
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
                    {(t.completed_since)(&at)} " " <A href=clear_since>{t.clear_since}</A>
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
                    <A
                        href=href
                        attr:class=format!("class-count tone-{}{}", badge.tone.as_str(), if chosen { " chosen" } else { "" })
                        attr:data-testid="class-count"
                        attr:data-count-for=c.class.as_str()
                        attr:data-count=c.count
                    >
                        <span class="badge-icon" aria-hidden="true">{badge.icon}</span>
                        {text().badge(&badge)} " " <strong>{(text().time.number)(c.count)}</strong>
                    </A>
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
        .map(|(i, v)| (v, place.system.then(|| page.workspaces.get(i).and_then(|w| names.get(w).cloned())).flatten()))
        .collect();
    let next = page.next.clone();
    let empty = page.runs.is_empty();
    view! {
        <div class="list" data-testid="operations-list" data-total-count=total data-polling="off">
            <p class="count">{(t.total)(total)}</p>
            <Show when=move || !empty fallback=move || view! { <p class="empty">{t.empty}</p> }>
                <table class="runs">
                    <thead>
                        <tr>
                            <th>{t.col_operation}</th>
                            {place.system.then(|| view! { <th>{t.col_workspace}</th> })}
                            <th>{t.col_tenant}</th><th>{t.col_state}</th><th>{t.col_progress}</th><th>{t.col_queued}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows.iter().cloned().map(|(v, workspace)| view! { <RunRow view=v place workspace/> }).collect_view()}
                    </tbody>
                </table>
            </Show>
            {next.clone().map(|n| view! {
                <p class="pager"><A href=list_href(place, &ListQuery { after: Some(n), ..current.clone() }) attr:data-testid="next-page">{t.older}</A></p>
            })}
        </div>
    }
}

#[component]
pub(crate) fn RunRow(view: RunView, place: ListPlace, workspace: Option<String>) -> impl IntoView {
    let id = view.id;
    let href = format!("{}/{id}", place.run);
    let tenant_name = view.tenant_name.clone().unwrap_or_default();
    let name = (text().runs.run_name)((text().runs.run_type)(view.run_type), id.get());
    let tenant = view.tenant_id;
    let badges = view.clone();
    let progress = view.progress.clone();
    let created = view.created_at;
    let observed = view.observed_at;
    view! {
        <RunTableRow view>
            <td><A href=href attr:class="run-link">{name}</A></td>
            {place.system.then(|| view! { <td data-testid="run-workspace">{workspace.clone().unwrap_or_default()}</td> })}
            <td>
                {match tenant {
                    Some(_) if place.system => view! { <span>{tenant_name.clone()}</span> }.into_any(),
                    Some(t) => view! {
                        <A href=format!("/admin/t/{t}") attr:data-testid="tenant-link">{tenant_name}</A>
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

/// The list's address for `q`: every filter and the page position, in the URL so it can be
/// shared and the back button works.
pub(crate) fn list_href(place: ListPlace, q: &ListQuery) -> String {
    let parts: Vec<String> = [
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
        let failures = ListPlace { list: "/system/ops/failures", run: "/system/ops/runs", system: true };
        assert_eq!(
            list_href(failures, &ListQuery { class: Some("none".into()), ..ListQuery::default() }),
            "/system/ops/failures?class=none"
        );
    }
}
