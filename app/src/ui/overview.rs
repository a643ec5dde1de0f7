//! `/admin`: the workspace overview — per tenant the dashboard's counts (each drilling
//! through to the list), what needs attention and the newest runs across every tenant the
//! viewer may see. It polls only while something they may see is active.

use super::answer::{answer, keep_live};
use super::common::ErrorPanel;
use super::dashboard::{Attention, Counts, Recent};
use super::operations::{ADMIN_LIST, list_href};
use crate::api::{Bucket, OverviewPoll, OverviewTenant, WorkspaceOverview, poll_workspace_overview};
use crate::copy::text;
use crate::domain::Timestamp;
use leptos::prelude::*;
use leptos_meta::Title;

/// The overview page.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let overview = answer(|| (), |()| poll_workspace_overview(None));
    let t = text();
    view! {
        <Title text=(t.shell.page_title)(t.dashboard.overview)/>
        <Suspense fallback=move || view! { <p class="loading">{t.shell.loading}</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(OverviewPoll::Changed(o)) => view! { <Overview initial=*o/> }.into_any(),
                    // Asked without a version, the overview always comes back whole.
                    Ok(OverviewPoll::Unchanged) => ().into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Overview(initial: WorkspaceOverview) -> impl IntoView {
    let current = RwSignal::new(initial);
    keep_live(current, |known| poll_workspace_overview(Some(known)));
    let t = text();
    view! {
        <section
            class="dashboard"
            data-testid="workspace-overview"
            data-overview-version=move || current.with(|o| o.version.clone())
            data-polling=move || if current.with(|o| o.poll_interval_ms.is_some()) { "on" } else { "off" }
            data-poll-interval-ms=move || current.with(|o| o.poll_interval_ms.map(|ms| ms.to_string()))
        >
            <div class="page-head">
                <h1>{t.dashboard.overview}</h1>
                <p class="lede">{t.dashboard.overview_lede}</p>
            </div>
            {move || current.with(|o| view! { <Counts kpis=o.totals tenant=None since=o.since/> })}
            {move || current.with(|o| view! { <TenantTable tenants=o.tenants.clone() since=o.since/> })}
            {move || current.with(|o| view! {
                <Attention stuck=o.stuck.clone() follow_up=o.follow_up.clone() kpis=o.totals tenant=None since=o.since/>
            })}
            {move || current.with(|o| view! { <Recent recent=o.recent.clone()/> })}
        </section>
    }
}

/// Every tenant with its counts; each number drills through to that tenant's list.
#[component]
fn TenantTable(tenants: Vec<OverviewTenant>, since: Timestamp) -> impl IntoView {
    let t = text();
    view! {
        <section class="panel" data-testid="overview-tenants">
            <h2>{t.dashboard.tenants}</h2>
            <table class="runs">
                <thead>
                    <tr>
                        <th>{t.list.col_tenant}</th>
                        {Bucket::ALL.into_iter().map(|b| view! { <th class="num">{(t.dashboard.bucket)(b)}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {tenants.into_iter().map(|row| {
                        let id = row.tenant_id;
                        view! {
                            <tr data-testid="overview-tenant" data-tenant-id=id>
                                <td><a href=format!("/admin/t/{id}") data-testid="tenant-link">{row.name}</a></td>
                                {Bucket::ALL.into_iter().map(|bucket| {
                                    let n = bucket.count(&row.kpis);
                                    view! {
                                        <td class="num">
                                            <a
                                                href=list_href(ADMIN_LIST, &bucket.query(Some(id), since))
                                                data-testid="tenant-count"
                                                data-count-for=bucket.as_str()
                                                data-count=n
                                            >
                                                {(text().time.number)(n)}
                                            </a>
                                        </td>
                                    }
                                }).collect_view()}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
