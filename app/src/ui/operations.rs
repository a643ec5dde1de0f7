//! `/admin/operations`: the canonical operations list — filters, keyset pages, every row
//! carrying the PRODUCT §13 hooks — and the form that starts an inventory sync.

use super::common::{ErrorPanel, ProgressView, RunBadges, RunTableRow, ago};
use crate::api::{ListQuery, RunListPage, StartOperation, list_runs};
use crate::domain::{RunStatus, RunType, RunView};
use leptos::prelude::*;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_query_map;

/// The operations list page.
#[component]
pub fn OperationsPage() -> impl IntoView {
    let query = use_query_map();
    let start = ServerAction::<StartOperation>::new();
    let list_query = move || {
        let q = query.read();
        ListQuery { tenant: q.get("tenant"), run_type: q.get("type"), status: q.get("status"), after: q.get("after") }
    };
    let page = Resource::new(move || (list_query(), start.version().get()), |(q, _)| list_runs(q));
    view! {
        <section class="operations">
            <div class="page-head">
                <h1>"Operations"</h1>
                <p class="lede">"Every long-running operation in this workspace, newest first."</p>
            </div>
            <Suspense fallback=|| view! { <p class="loading">"Loading operations…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { {StartSync(StartSyncProps { page: page.clone(), start }).into_any()} {Filters(FiltersProps { page: page.clone(), current: list_query() }).into_any()} {RunTable(RunTableProps { page, current: list_query() }).into_any()} }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn StartSync(page: RunListPage, start: ServerAction<StartOperation>) -> impl IntoView {
    let result = start.value();
    view! {
        <ActionForm action=start attr:class="start-form" attr:data-testid="start-sync-form">
            <label>
                "Tenant "
                <select name="tenant" data-testid="start-sync-tenant" required>
                    {page.tenants.iter().map(|t| view! { <option value=t.id.to_string()>{t.name.clone()}</option> }).collect_view()}
                </select>
            </label>
            <label>
                "Operation "
                <select name="run_type" data-testid="start-type">
                    {RunType::STARTABLE.iter().map(|t| view! { <option value=t.as_str()>{t.label()}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit" class="primary" data-testid="start-sync" disabled=move || start.pending().get()>
                "Start"
            </button>
        </ActionForm>
        {move || {
            result.get().map(|r| match r {
                Ok(ok) => view! {
                    <div class="notice notice-ok" role="status" data-testid="start-result" data-run-id=ok.run_id data-already-running=ok.already_running.to_string()>
                        {ok.message.clone()} " "
                        <A href=format!("/admin/operations/{}", ok.run_id)>"Open the run"</A>
                    </div>
                }
                .into_any(),
                Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
            })
        }}
    }
}

#[component]
fn Filters(page: RunListPage, current: ListQuery) -> impl IntoView {
    let selected = |cur: &Option<String>, v: &str| cur.as_deref() == Some(v);
    view! {
        <Form method="GET" action="" attr:class="filters" attr:data-testid="filters">
            <label>
                "Tenant "
                <select name="tenant">
                    <option value="">"All tenants"</option>
                    {page.tenants.iter().map(|t| {
                        let id = t.id.to_string();
                        let sel = selected(&current.tenant, &id);
                        view! { <option value=id selected=sel>{t.name.clone()}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>
                "Type "
                <select name="type">
                    <option value="">"All types"</option>
                    {RunType::ALL.into_iter().map(|t| view! {
                        <option value=t.as_str() selected=selected(&current.run_type, t.as_str())>{t.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                "Status "
                <select name="status">
                    <option value="">"Any status"</option>
                    {RunStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=selected(&current.status, s.as_str())>{s.as_str()}</option>
                    }).collect_view()}
                </select>
            </label>
            <button type="submit">"Filter"</button>
        </Form>
    }
}

#[component]
fn RunTable(page: RunListPage, current: ListQuery) -> impl IntoView {
    let total = page.total_count;
    let next = page.next.clone();
    let empty = page.runs.is_empty();
    view! {
        <div class="list" data-testid="operations-list" data-total-count=total data-polling="off">
            <p class="count">{format!("{total} operation{}", if total == 1 { "" } else { "s" })}</p>
            <Show when=move || !empty fallback=|| view! { <p class="empty">"No operations match these filters."</p> }>
                <table class="runs">
                    <thead>
                        <tr><th>"Operation"</th><th>"Tenant"</th><th>"State"</th><th>"Progress"</th><th>"Queued"</th></tr>
                    </thead>
                    <tbody>
                        {page.runs.iter().cloned().map(|v| view! { <RunRow view=v/> }).collect_view()}
                    </tbody>
                </table>
            </Show>
            {next.clone().map(|n| view! {
                <p class="pager"><A href=next_href(&current, &n) attr:data-testid="next-page">"Older operations →"</A></p>
            })}
        </div>
    }
}

#[component]
fn RunRow(view: RunView) -> impl IntoView {
    let id = view.id;
    let href = format!("/admin/operations/{id}");
    let tenant_name = view.tenant_name.clone().unwrap_or_default();
    let number = format!(" #{id}");
    let label = view.run_type.label();
    let tenant = view.tenant_id;
    let badges = view.clone();
    let progress = view.progress.clone();
    let created = view.created_at;
    let observed = view.observed_at;
    view! {
        <RunTableRow view>
            <td><A href=href attr:class="run-link">{label} {number}</A></td>
            <td>
                {match tenant {
                    Some(t) => view! {
                        <A href=format!("/admin/t/{t}") attr:data-testid="tenant-link">{tenant_name}</A>
                    }.into_any(),
                    None => view! { <span>"Whole workspace"</span> }.into_any(),
                }}
            </td>
            <td><RunBadges view=badges/></td>
            <td><ProgressView progress compact=true/></td>
            <td title=created.to_rfc3339()>{ago(created, observed)}</td>
        </RunTableRow>
    }
}

/// The next page's link, keeping the filters.
fn next_href(current: &ListQuery, after: &str) -> String {
    let mut parts: Vec<String> =
        [("tenant", &current.tenant), ("type", &current.run_type), ("status", &current.status)]
            .into_iter()
            .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| format!("{k}={}", encode(v))))
            .collect();
    parts.push(format!("after={}", encode(after)));
    format!("/admin/operations?{}", parts.join("&"))
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
    fn the_next_page_link_keeps_the_filters() {
        let q = ListQuery {
            tenant: Some("3".into()),
            run_type: Some("inventory.sync".into()),
            status: None,
            after: Some("1.2".into()),
        };
        assert_eq!(next_href(&q, "99.7"), "/admin/operations?tenant=3&type=inventory.sync&after=99.7");
        let q = ListQuery { status: Some("a b&c".into()), ..ListQuery::default() };
        assert_eq!(next_href(&q, "1.2"), "/admin/operations?status=a%20b%26c&after=1.2");
    }
}
