//! The tenant dashboard at the top of `/admin/t/{tenant}`: counts that drill through to the
//! list, the progress overlay, what needs attention, the review-pack card and recent
//! operations — all fed by one digest the page polls (specs/product-contract §7 "one poll per page") only
//! while something on it can change by itself, and at once after the viewer starts work.

use super::common::{BadgeView, ProgressView, RunBadges, RunListItem};
use super::operations::{ADMIN_LIST, RunRow, list_href};
use super::post_form::PostForm;
use crate::api::{Bucket, PackCard, StartOperation, TenantDigest, TenantKpis};
use crate::copy::text;
use crate::domain::view::overlay;
use crate::domain::{Badge, ProblemClass, RunType, RunView, Timestamp};
use leptos::prelude::*;

/// A run that left the overlay on the last poll, shown with its result for a moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished(pub RunView);

/// The dashboard for `initial`. `start` is the page's start action (a start wakes the poll at
/// once); `truth_changed` is bumped whenever a poll brings a new digest, so the records below
/// can refresh too.
#[component]
pub fn TenantDashboard(
    initial: TenantDigest,
    start: ServerAction<StartOperation>,
    truth_changed: RwSignal<u64>,
) -> impl IntoView {
    let current = RwSignal::new(initial);
    let finished = RwSignal::new(Vec::<Finished>::new());
    let kick = RwSignal::new(0_u64);
    Effect::new(move |seen: Option<usize>| {
        let version = start.version().get();
        if seen.is_some_and(|s| s != version) {
            kick.update(|k| *k += 1);
        }
        version
    });
    #[cfg(feature = "hydrate")]
    Effect::new(move |started: Option<()>| {
        if started.is_none() {
            super::live::poll_digest(current, kick, finished, truth_changed);
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (kick, truth_changed);
    let t = text();
    let d = move || current.get();
    view! {
        <section
            class="dashboard"
            data-testid="tenant-dashboard"
            data-tenant-id=move || current.with(|d| d.tenant_id)
            data-digest-version=move || current.with(|d| d.version.clone())
            data-polling=move || if current.with(|d| d.poll_interval_ms.is_some()) { "on" } else { "off" }
            data-poll-interval-ms=move || current.with(|d| d.poll_interval_ms.map(|ms| ms.to_string()))
        >
            <div class="page-head">
                <h1>{move || current.with(|d| d.tenant_name.clone())}</h1>
                <p class="lede">
                    <a href=move || current.with(|d| format!("/admin/operations?tenant={}", d.tenant_id))>
                        {t.tenant.operations}
                    </a>
                </p>
            </div>
            <StartButtons tenant=current.with_untracked(|d| d.tenant_id) start/>
            {move || current.with(|d| view! { <Counts kpis=d.kpis tenant=Some(d.tenant_id) since=d.since/> })}
            <Overlay current finished/>
            <div class="dashboard-grid">
                {move || current.with(|d| {
                    let stuck = d.active.iter().filter(|v| v.problem == ProblemClass::ActiveStale).cloned().collect::<Vec<_>>();
                    view! { <Attention stuck follow_up=d.follow_up.clone() kpis=d.kpis tenant=Some(d.tenant_id) since=d.since/> }
                })}
                {move || view! { <PackCardView d=d() start/> }}
            </div>
            {move || current.with(|d| view! { <Recent recent=d.recent.clone()/> })}
        </section>
    }
}

#[component]
fn StartButtons(tenant: i64, start: ServerAction<StartOperation>) -> impl IntoView {
    let starts = [
        RunType::InventorySync,
        RunType::BaselineCapture,
        RunType::EnvironmentReviewCompose,
        RunType::ReviewPackGenerate,
    ];
    view! {
        <div class="start-form">
            {starts.into_iter().map(|run_type| view! {
                <PostForm action=start>
                    <input type="hidden" name="tenant" value=tenant/>
                    <input type="hidden" name="run_type" value=run_type.as_str()/>
                    <button type="submit" data-testid=format!("start-{}", run_type.as_str())>
                        {(text().runs.start_verb)(run_type)}
                    </button>
                </PostForm>
            }).collect_view()}
        </div>
    }
}

/// The counts of one tenant (every tenant the viewer may see when `tenant` is `None`), each a
/// link to the list filtered to exactly those runs.
#[component]
pub(crate) fn Counts(kpis: TenantKpis, tenant: Option<i64>, since: Timestamp) -> impl IntoView {
    let t = &text().dashboard;
    view! {
        <nav class="kpis" data-testid="kpis" aria-label=t.counts_label>
            {Bucket::ALL.into_iter().map(|bucket| {
                let n = bucket.count(&kpis);
                let tone = match bucket {
                    Bucket::Stuck if n > 0 => "danger",
                    Bucket::FollowUp | Bucket::Stopped if n > 0 => "warning",
                    _ => "neutral",
                };
                view! {
                    <a
                        href=list_href(ADMIN_LIST, &bucket.query(tenant, since))
                        class=format!("kpi tone-{tone}")
                        data-testid="kpi"
                        data-count-for=bucket.as_str()
                        data-count=n
                    >
                        <strong>{(text().time.number)(n)}</strong>
                        <span>{(t.bucket)(bucket)}</span>
                    </a>
                }
            }).collect_view()}
        </nav>
    }
}

/// The tenant's active runs: calm while healthy, "taking longer than usual" past expected,
/// escalated (badge, icon and words, not colour alone) when likely stale; a run that just
/// finished shows its result until it leaves. Changes are announced politely.
#[component]
fn Overlay(current: RwSignal<TenantDigest>, finished: RwSignal<Vec<Finished>>) -> impl IntoView {
    let t = &text().dashboard;
    let shown = move || current.with(|d| overlay(&d.active));
    let items = move || {
        let mut items: Vec<(RunView, bool)> = shown().0.into_iter().map(|v| (v, false)).collect();
        items.extend(finished.with(|f| f.iter().map(|Finished(v)| (v.clone(), true)).collect::<Vec<_>>()));
        items
    };
    // The runs it has no room for are one link away: the tenant's active runs.
    let more = move || {
        let more = shown().1 as u64;
        (more > 0).then(|| {
            let href = current.with(|d| list_href(ADMIN_LIST, &Bucket::Active.query(Some(d.tenant_id), d.since)));
            view! { <li data-testid="overlay-more" data-more=more><a href=href>{(t.and_more)(more)}</a></li> }
        })
    };
    view! {
        <section
            class="panel overlay"
            data-testid="progress-overlay"
            data-polling=move || if current.with(|d| d.active.is_empty()) { "off" } else { "on" }
            data-poll-interval-ms=move || {
                current.with(|d| (!d.active.is_empty()).then(|| d.poll_interval_ms.map(|ms| ms.to_string())).flatten())
            }
        >
            <h2>{t.overlay}</h2>
            <ul class="overlay-list" aria-live="polite">
                {move || {
                    let items = items();
                    if items.is_empty() {
                        return view! { <li class="muted" data-testid="overlay-empty">{t.overlay_empty}</li> }.into_any();
                    }
                    items.into_iter().map(|(v, done)| view! { <OverlayItem v done/> }).collect_view().into_any()
                }}
                {more}
            </ul>
        </section>
    }
}

#[component]
fn OverlayItem(v: RunView, done: bool) -> impl IntoView {
    let escalated = v.problem == ProblemClass::ActiveStale;
    let class = match (done, escalated) {
        (true, _) => "overlay-item finished",
        (false, true) => "overlay-item escalated",
        (false, false) => "overlay-item",
    };
    let href = format!("/admin/operations/{}", v.id);
    let name = (text().runs.run_name)(text().type_name(&v.run_type), v.id.get());
    let progress = v.progress.clone();
    view! {
        <RunListItem view=Some(v.clone()) testid="overlay-item" class=class attr:data-finished=done.to_string()>
            <a href=href class="run-link">{name}</a>
            <RunBadges view=v.clone()/>
            {done.then(|| view! { <span class="muted">{text().dashboard.just_finished}</span> })}
            {(!done).then(|| view! { <ProgressView progress compact=true/> })}
            {escalated.then(|| view! { <p class="escalation" data-testid="escalation">{text().guidance(&v)}</p> })}
        </RunListItem>
    }
}

/// Needs attention, split as specs/product-contract §5 says: stuck right now, and needs follow-up.
#[component]
pub(crate) fn Attention(
    stuck: Vec<RunView>,
    follow_up: Vec<RunView>,
    kpis: TenantKpis,
    tenant: Option<i64>,
    since: Timestamp,
) -> impl IntoView {
    let t = &text().dashboard;
    let none = stuck.is_empty() && follow_up.is_empty();
    let bucket_link = |bucket: Bucket, n: u64| {
        (n > 0).then(|| {
            view! {
                <a href=list_href(ADMIN_LIST, &bucket.query(tenant, since)) data-testid="attention-see-all">
                    {(t.see_all)(n)}
                </a>
            }
        })
    };
    let stuck_all = bucket_link(Bucket::Stuck, kpis.stuck);
    let follow_all = bucket_link(Bucket::FollowUp, kpis.follow_up);
    let stopped_all = bucket_link(Bucket::Stopped, kpis.stopped);
    view! {
        <section class="panel attention" data-testid="attention">
            <h2>{t.attention}</h2>
            {none.then(|| view! { <p class="muted" data-testid="attention-none">{t.attention_none}</p> })}
            {(!stuck.is_empty()).then(|| view! {
                <h3><BadgeView badge=Badge::problem(ProblemClass::ActiveStale)/></h3>
                <ul class="attention-list" data-testid="attention-stuck">
                    {stuck.into_iter().map(|v| view! { <AttentionItem v/> }).collect_view()}
                </ul>
                <p>{stuck_all}</p>
            })}
            {(!follow_up.is_empty()).then(|| view! {
                <h3>{(t.bucket)(Bucket::FollowUp)}</h3>
                <ul class="attention-list" data-testid="attention-follow-up">
                    {follow_up.into_iter().map(|v| view! { <AttentionItem v/> }).collect_view()}
                </ul>
                <p>{follow_all} " " {stopped_all}</p>
            })}
        </section>
    }
}

#[component]
fn AttentionItem(v: RunView) -> impl IntoView {
    let href = format!("/admin/operations/{}", v.id);
    let name = (text().runs.run_name)(text().type_name(&v.run_type), v.id.get());
    let guidance = text().guidance(&v);
    view! {
        <RunListItem view=Some(v.clone()) testid="attention-item" class="attention-item">
            <a href=href class="run-link">{name}</a>
            <RunBadges view=v/>
            <p class="muted">{guidance}</p>
        </RunListItem>
    }
}

/// The latest review pack: polls (through the page's one poll) only while it is being made.
#[component]
fn PackCardView(d: TenantDigest, start: ServerAction<StartOperation>) -> impl IntoView {
    let t = &text().dashboard;
    let now = d.observed_at;
    let tenant = d.tenant_id;
    let body = match d.pack.clone() {
        None => view! { <p class="muted">{t.pack_none}</p> }.into_any(),
        Some(p) => {
            let run_link = view! { <a href=format!("/admin/operations/{}", p.run_id)>{t.pack_run}</a> };
            let again = |p: &PackCard| {
                p.review_id.map(|review| {
                    view! {
                        <PostForm action=start>
                            <input type="hidden" name="tenant" value=tenant/>
                            <input type="hidden" name="run_type" value=RunType::ReviewPackGenerate.as_str()/>
                            <input type="hidden" name="review" value=review/>
                            <button type="submit" data-testid="pack-generate-again">{t.generate_again}</button>
                        </PostForm>
                    }
                })
            };
            match p.status.as_str() {
                "ready" => {
                    let size = p.size_bytes.map(t.size).unwrap_or_default();
                    let within = p.expires_at.map(|at| text().duration(at.since(now))).unwrap_or_default();
                    view! {
                        <p>{(t.pack_ready)(&size, &within)}</p>
                        <p>
                            <a href=format!("/admin/review-packs/{}/download", p.id.unwrap_or_default()) data-testid="pack-card-download" rel="external">
                                {text().tenant.download}
                            </a>
                            " · " {run_link}
                        </p>
                    }
                    .into_any()
                }
                "failed" => view! {
                    <p>{t.pack_failed} " " {p.failure.as_ref().map(|f| text().stored_sentence(f))}</p>
                    {again(&p)}
                    <p>{run_link}</p>
                }
                .into_any(),
                "expired" => view! { <p>{t.pack_expired}</p> {again(&p)} }.into_any(),
                status => view! {
                    <p>{if status == "queued" { t.pack_queued } else { t.pack_in_progress }}</p>
                    <div class="bar indeterminate" role="progressbar" aria-busy="true"><div class="fill"></div></div>
                    <p>{run_link}</p>
                }
                .into_any(),
            }
        }
    };
    let polling = d.pack.as_ref().is_some_and(PackCard::in_progress);
    view! {
        <section
            class="panel pack-card"
            data-testid="pack-card"
            data-pack-status=d.pack.as_ref().map(|p| p.status.clone()).unwrap_or_default()
            data-polling=if polling { "on" } else { "off" }
            data-poll-interval-ms=d.pack.as_ref().and_then(|p| p.poll_interval_ms).map(|ms| ms.to_string())
        >
            <h2>{t.pack}</h2>
            {body}
        </section>
    }
}

/// The newest runs, as rows of the list.
#[component]
pub(crate) fn Recent(recent: Vec<RunView>) -> impl IntoView {
    let t = text();
    let empty = recent.is_empty();
    view! {
        <section class="panel" data-testid="recent-operations">
            <h2>{t.dashboard.recent}</h2>
            {empty.then(|| view! { <p class="muted">{t.dashboard.recent_none}</p> })}
            {(!empty).then(|| view! {
                <table class="runs">
                    <thead>
                        <tr>
                            <th>{t.list.col_operation}</th><th>{t.list.col_tenant}</th><th>{t.list.col_state}</th>
                            <th>{t.list.col_progress}</th><th>{t.list.col_queued}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {recent.into_iter().map(|v| view! { <RunRow view=v place=ADMIN_LIST workspace=None/> }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}
