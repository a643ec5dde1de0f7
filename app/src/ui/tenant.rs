//! `/admin/t/{tenant}`: the tenant's dashboard (see [`super::dashboard`]) above its
//! workbench — act on what its work produced: compare with or restore a baseline snapshot (a
//! restore asks for explicit confirmation), publish a review, download a review pack. The
//! records refresh whenever the dashboard's poll brings new truth.

use super::answer::answer;
use super::common::{ErrorPanel, ago};
use super::dashboard::TenantDashboard;
use super::post_form::PostForm;
use crate::api::{DigestPoll, PublishReview, StartOperation, TenantWorkbench, load_workbench, poll_tenant_digest};
use crate::copy::text;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The tenant workbench page.
#[component]
pub fn TenantPage() -> impl IntoView {
    let params = use_params_map();
    let tenant = move || params.read().get("tenant").unwrap_or_default();
    let t = &text().tenant;
    let start = ServerAction::<StartOperation>::new();
    let publish = ServerAction::<PublishReview>::new();
    let truth_changed = RwSignal::new(0_u64);
    let digest = answer(tenant, |t| poll_tenant_digest(t, None));
    let data = answer(
        move || (tenant(), start.version().get(), publish.version().get(), truth_changed.get()),
        |(t, _, _, _)| load_workbench(t),
    );
    view! {
        {move || start.value().get().map(|r| match r {
            Ok(ok) => view! {
                <div class="notice notice-ok" role="status" data-testid="start-result" data-run-id=ok.run_id>
                    {ok.message.clone()} " " <a href=format!("/admin/operations/{}", ok.run_id)>{text().list.open_run}</a>
                </div>
            }.into_any(),
            Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
        })}
        {move || publish.value().get().map(|r| match r {
            Ok(message) => view! { <div class="notice notice-ok" role="status" data-testid="publish-result">{message}</div> }.into_any(),
            Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
        })}
        <Suspense fallback=move || view! { <p class="loading">{t.loading}</p> }>
            {move || Suspend::new(async move {
                match digest.await {
                    Ok(DigestPoll::Changed(d)) => view! { <TenantDashboard initial=*d start truth_changed/> }.into_any(),
                    // Asked without a version, the digest always comes back whole.
                    Ok(DigestPoll::Unchanged) => ().into_any(),
                    Err(e) => view! { <section class="empty"><h1>{t.unavailable}</h1><ErrorPanel error=e/></section> }.into_any(),
                }
            })}
        </Suspense>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(w) => Workbench(WorkbenchProps { w, start, publish }).into_any(),
                    // The dashboard above already says why the tenant cannot be shown.
                    Err(_) => ().into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Workbench(
    w: TenantWorkbench,
    start: ServerAction<StartOperation>,
    publish: ServerAction<PublishReview>,
) -> impl IntoView {
    let t = &text().tenant;
    let tenant = w.tenant_id.to_string();
    let now = w.observed_at;
    view! {
        <section class="tenant" data-testid="tenant-workbench" data-tenant-id=w.tenant_id>
            <section class="panel" data-testid="inventory" data-inventory-count=w.inventory_count>
                <h2>{t.inventory}</h2>
                <p class="muted">
                    {if w.inventory_count == 0 {
                        t.nothing_synced.to_owned()
                    } else {
                        (t.inventory_count)(w.inventory_count, w.inventory_count > 20)
                    }}
                </p>
                <table class="runs">
                    <tbody>
                        {w.inventory.iter().map(|i| view! {
                            <tr><td>{i.display_name.clone()}</td><td>{i.kind.replace('_', " ")}</td><td>{(t.version)(i.version)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
            <section class="panel" data-testid="findings">
                <h2>{t.drift}</h2>
                {match &w.findings {
                    None => view! { <p class="muted">{t.no_compare}</p> }.into_any(),
                    Some(f) if f.is_empty() => view! { <p class="muted">{t.no_drift}</p> }.into_any(),
                    Some(f) => view! {
                        <table class="runs">
                            <tbody>
                                {f.iter().map(|d| view! {
                                    <tr data-testid="finding-row" data-change=d.change.clone()>
                                        <td>{d.display_name.clone()}</td>
                                        <td>{d.change.clone()}</td>
                                        <td>{d.settings.join(", ")}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }}
            </section>
            <RecordPanel testid="snapshots" title=t.baselines empty=w.snapshots.is_empty() empty_message=t.no_baselines>
                        {w.snapshots.iter().map(|s| {
                            let (tenant_a, tenant_b) = (tenant.clone(), tenant.clone());
                            let (id, compare_id) = (s.id.to_string(), s.id.to_string());
                            view! {
                                <tr data-testid="snapshot-row" data-snapshot-id=s.id>
                                    <td>{(t.snapshot)(s.id)}</td>
                                    <td>{(t.items)(s.item_count)}</td>
                                    <td>{ago(s.captured_at, now)}</td>
                                    <td>
                                        <PostForm action=start>
                                            <input type="hidden" name="tenant" value=tenant_a/>
                                            <input type="hidden" name="run_type" value="baseline.compare"/>
                                            <input type="hidden" name="snapshot" value=compare_id/>
                                            <button type="submit" data-testid="compare-snapshot">{t.compare_now}</button>
                                        </PostForm>
                                    </td>
                                    <td>
                                        <PostForm action=start attr:class="restore-form">
                                            <input type="hidden" name="tenant" value=tenant_b/>
                                            <input type="hidden" name="run_type" value="restore.execute"/>
                                            <input type="hidden" name="snapshot" value=id/>
                                            <label>
                                                <input type="checkbox" name="confirm" value="true" required data-testid="restore-confirm"/>
                                                {t.restore_confirm}
                                            </label>
                                            " "
                                            <button type="submit" data-testid="restore-snapshot">{t.restore}</button>
                                        </PostForm>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
            </RecordPanel>
            <RecordPanel testid="reviews" title=t.reviews empty=w.reviews.is_empty() empty_message=t.no_reviews>
                        {w.reviews.iter().map(|r| {
                            let ready = r.status == "ready";
                            let id = r.id.to_string();
                            view! {
                                <tr id=format!("review-{}", r.id) data-testid="review-row" data-review-id=r.id data-review-status=r.status.clone()>
                                    <td>{(t.review)(r.id)}</td>
                                    <td>{(t.record_status)(&r.status)}</td>
                                    <td title=t.fingerprint><code>{r.fingerprint.clone()}</code></td>
                                    <td>{ago(r.updated_at, now)}</td>
                                    <td>
                                        {ready.then(|| view! {
                                            <PostForm action=publish>
                                                <input type="hidden" name="review" value=id/>
                                                <button type="submit" data-testid="publish-review">{t.publish}</button>
                                            </PostForm>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
            </RecordPanel>
            <RecordPanel testid="packs" title=t.packs empty=w.packs.is_empty() empty_message=t.no_packs>
                        {w.packs.iter().map(|p| {
                            let ready = p.status == "ready";
                            let expires = p.expires_at.map(|e| (t.expires)(&(text().time.date_time)(e.parts()))).unwrap_or_default();
                            view! {
                                <tr id=format!("pack-{}", p.id) data-testid="pack-row" data-pack-id=p.id data-pack-status=p.status.clone()>
                                    <td>{(t.pack)(p.id)}</td>
                                    <td>{(t.record_status)(&p.status)}</td>
                                    <td>{expires}</td>
                                    <td>
                                        {ready.then(|| view! {
                                            <a href=format!("/admin/review-packs/{}/download", p.id) data-testid="pack-download" rel="external">{t.download}</a>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
            </RecordPanel>
            <RecordPanel testid="restores" title=t.restores empty=w.restores.is_empty() empty_message=t.no_restores>
                        {w.restores.iter().map(|r| view! {
                            <tr id=format!("restore-{}", r.id) data-testid="restore-row" data-restore-id=r.id data-restore-status=r.status.clone()>
                                <td>{(t.restore_of)(r.id, r.snapshot_id)}</td>
                                <td>{(t.record_status)(&r.status)}</td>
                                <td>{(t.restore_tally)(r.applied, r.failed)}</td>
                                <td><a href=format!("/admin/operations/{}", r.run_id)>{(text().runs.operation_number)(r.run_id)}</a></td>
                            </tr>
                        }).collect_view()}
            </RecordPanel>
        </section>
    }
}

/// One panel of records: a heading, a calm sentence when there are none, and the rows.
#[component]
fn RecordPanel(
    testid: &'static str,
    title: &'static str,
    empty: bool,
    empty_message: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <section class="panel" data-testid=testid>
            <h2>{title}</h2>
            {empty.then(|| view! { <p class="muted">{empty_message}</p> })}
            <table class="runs">
                <tbody>{children()}</tbody>
            </table>
        </section>
    }
}
