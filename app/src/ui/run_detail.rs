//! `/admin/operations/{id}`: the canonical run detail. The decision zone comes first (is it
//! still active, was it reconciled, what next), then progress by its mode, the timeline,
//! counts and the failure. While the run is active the page polls on the policy's interval;
//! a run loaded already terminal starts no timer at all.

use super::answer::answer;
use super::common::{ErrorPanel, ProgressView, RunBadges, ago};
use super::operations::back_to;
use super::post_form::PostForm;
use crate::api::{CancelRun, Diagnostics, RetryRun, RunDetail, get_run, poll_run};
use crate::copy::text;
use crate::domain::RunView;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The run detail page.
#[component]
pub fn RunDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let run = answer(id, get_run);
    let t = &text().detail;
    view! {
        <Suspense fallback=move || view! { <p class="loading">{t.loading}</p> }>
            {move || Suspend::new(async move {
                match run.await {
                    Ok(detail) => view! { <RunDetailView initial=detail/> }.into_any(),
                    Err(e) => view! { <section class="empty"><h1>{t.unavailable}</h1><ErrorPanel error=e/></section> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The canonical detail of one run, live while it is active. Shared by the admin and system
/// planes; `list_href` is where the crumb leads back to.
#[component]
pub fn RunDetailView(
    initial: RunDetail,
    #[prop(default = "/admin/operations")] list_href: &'static str,
    /// Whether this is the system plane's detail (it polls the system plane's endpoint).
    #[prop(optional)]
    system: bool,
) -> impl IntoView {
    let t = text();
    // A run's type and id never change, so neither does its title: a plain string, not a
    // closure over `current` that the head would keep calling after this view is gone.
    let title = (t.shell.page_title)(&(t.runs.run_name)(t.type_name(&initial.view.run_type), initial.view.id.get()));
    let current = RwSignal::new(initial);
    #[cfg(feature = "hydrate")]
    Effect::new(move |started: Option<()>| {
        if started.is_none() {
            super::live::poll_run_while_active(current, system);
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = system;
    let crumb = back_to(use_query_map().read_untracked().get("back").as_deref(), list_href);
    let v = move || current.with(|d| d.view.clone());
    let hook = move |i: usize| move || current.with(|d| d.view.hooks()[i].1.clone());
    view! {
        <Title text=title/>
        <section
            class="run-detail"
            data-testid="run-detail"
            data-polling=move || if current.with(|d| d.view.poll_interval_ms.is_some()) { "on" } else { "off" }
            data-poll-interval-ms=move || current.with(|d| d.view.poll_interval_ms.map(|ms| ms.to_string()))
        >
            <p class="crumbs"><a href=crumb data-testid="crumb-list">{t.shell.nav_operations}</a> " / " {move || current.with(|d| format!("#{}", d.view.id))}</p>
            <header
                class="detail-head"
                data-testid="run-header"
                data-run-id=hook(0)
                data-run-type=hook(1)
                data-run-tenant=hook(2)
                data-run-status=hook(3)
                data-run-outcome=hook(4)
                data-run-freshness=hook(5)
                data-problem-class=hook(6)
                data-progress-mode=hook(7)
            >
                <h1>{move || current.with(|d| text().type_name(&d.view.run_type).to_owned())}</h1>
                <p class="scope">{move || current.with(|d| d.view.tenant_name.clone().unwrap_or_else(|| t.runs.whole_workspace.to_owned()))}</p>
                {move || view! { <RunBadges view=v()/> }}
            </header>
            <DecisionZone current/>
            <section class="panel">
                <h2>{t.detail.progress}</h2>
                {move || {
                    let p = current.with(|d| d.view.progress.clone());
                    if p == crate::domain::Progress::None {
                        view! { <p class="muted">{t.detail.no_longer_running}</p> }.into_any()
                    } else {
                        view! { <ProgressView progress=p/> }.into_any()
                    }
                }}
            </section>
            <TimelinePanel current/>
            {move || {
                let counts = current.with(|d| d.view.counts.clone());
                (!counts.is_empty()).then(|| view! {
                    <section class="panel">
                        <h2>{t.detail.results}</h2>
                        <dl class="counts" data-testid="counts">
                            {counts.into_iter().map(|(k, n)| view! { <dt>{(text().runs.summary_key)(k)}</dt><dd>{n}</dd> }).collect_view()}
                        </dl>
                    </section>
                })
            }}
            {move || current.with(|d| d.view.related).map(|record| {
                let (label, href) = related_link(&record);
                view! {
                    <section class="panel">
                        <h2>{t.detail.related}</h2>
                        <p><a href=href>{label}</a></p>
                    </section>
                }
            })}
            {move || current.with(|d| d.diagnostics.clone()).map(|g| view! { <DiagnosticsPanel g/> })}
        </section>
    }
}

/// What the link to a decision's record says, and where on its tenant's workbench it goes.
fn related_link(r: &crate::domain::view::RelatedRecord) -> (String, String) {
    use crate::domain::reconcile::RecordKind;
    let t = &text().decision;
    match r.kind {
        RecordKind::Review => ((t.open_review)(r.id), format!("/admin/t/{}#review-{}", r.tenant, r.id)),
        RecordKind::Restore => ((t.open_restore)(r.id), format!("/admin/t/{}#restore-{}", r.tenant, r.id)),
        RecordKind::Pack => ((t.open_pack)(r.id), format!("/admin/t/{}#pack-{}", r.tenant, r.id)),
    }
}

/// The decision zone: still active? reconciled? what next? — answered before anything else.
#[component]
fn DecisionZone(current: RwSignal<RunDetail>) -> impl IntoView {
    let t = &text().decision;
    view! {
            <div class=move || current.with(|d| format!("decision tone-{}", decision_tone(&d.view))) data-testid="decision-zone">
                <h2>{move || current.with(|d| decision_headline(&d.view))}</h2>
                <dl class="answers">
                    <dt>{t.active_question}</dt>
                    <dd data-testid="decision-active">{move || current.with(|d| text().active_answer(d.view.active_answer()))}</dd>
                    <dt>{t.reconciled_question}</dt>
                    <dd data-testid="decision-reconciled">
                        <span data-testid="reconciled-note">{move || current.with(|d| text().reconciled_answer(d.view.reconciled_answer()))}</span>
                        {move || current.with(|d| d.view.related).map(|record| {
                            let (label, href) = related_link(&record);
                            view! { " " <a href=href data-testid="related-record">{label}</a> }
                        })}
                    </dd>
                    <dt>{t.next_question}</dt>
                    <dd data-testid="decision-next">
                        <span data-testid="guidance">{move || current.with(|d| text().guidance(&d.view))}</span>
                        {move || current.with(|d| d.closes_by.map(|at| (at, d.view.observed_at))).map(|(at, now)| view! {
                            " " <span data-testid="closes-by" data-closes-at=at.millis() title=at.to_rfc3339()>{text().closes_within(at, now)}</span>
                        })}
                    </dd>
                </dl>
                <div class="how-judged"><HowJudged current/></div>
                <CancelAction current/>
                <RetryAction current/>
                <Attempts current/>
            </div>
    }
}

/// "Cancel this run", for people who may start its type, while it is active: a confirmation
/// dialog (polls wait while it is open), then the lifecycle's answer — cancelled at once, or
/// asked to stop at its next report — and the detail read again at once.
#[component]
fn CancelAction(current: RwSignal<RunDetail>) -> impl IntoView {
    let t = &text().detail;
    let open = RwSignal::new(false);
    let cancel = ServerAction::<CancelRun>::new();
    let id = move || current.with(|d| d.view.id.get().to_string());
    Effect::new(move |_| {
        if let Some(answer) = cancel.value().get() {
            open.set(false);
            if answer.is_ok() {
                let id = id();
                leptos::task::spawn_local(async move {
                    if let Ok(detail) = poll_run(id).await {
                        current.set(detail);
                    }
                });
            }
        }
    });
    let message = move || {
        cancel.value().get().map(|answer| match answer {
            Ok(r) => view! { <p class="notice notice-ok" role="status" data-testid="cancel-message">{r.message}</p> }.into_any(),
            Err(e) => view! { <p class="notice notice-error" role="alert" data-testid="cancel-message">{e.message().to_owned()}</p> }
                .into_any(),
        })
    };
    let requested = move || current.with(|d| d.cancel_requested_at.is_some());
    view! {
        <Show when=move || current.with(|d| d.can_cancel)>
            <div class="cancel">
                <button
                    type="button"
                    class="danger"
                    data-testid="cancel-run"
                    disabled=requested
                    on:click=move |_| open.set(true)
                >
                    {t.cancel}
                </button>
                <Show when=requested>
                    <p class="muted" data-testid="cancel-requested">{t.cancel_requested}</p>
                </Show>
                <dialog class="dialog" open=move || open.get() data-testid="cancel-dialog" aria-labelledby="cancel-title">
                    <h3 id="cancel-title">{t.cancel_title}</h3>
                    <p>{t.cancel_explained}</p>
                    <PostForm action=cancel>
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="danger" data-testid="confirm-cancel">{t.cancel_confirm}</button>
                        " "
                        <button type="button" data-testid="keep-running" on:click=move |_| open.set(false)>
                            {t.cancel_keep}
                        </button>
                    </PostForm>
                </dialog>
            </div>
        </Show>
        {message}
    }
}

/// "Run again", for people who may start its type, on a run that needs follow-up and has
/// not been run again yet: a confirmation dialog, then the new run's detail.
#[component]
fn RetryAction(current: RwSignal<RunDetail>) -> impl IntoView {
    let t = &text().detail;
    let open = RwSignal::new(false);
    let retry = ServerAction::<RetryRun>::new();
    let id = move || current.with(|d| d.view.id.get().to_string());
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(answer) = retry.value().get() {
            open.set(false);
            if let Ok(started) = answer {
                navigate(&format!("/admin/operations/{}", started.run_id), Default::default());
            }
        }
    });
    let failed = move || {
        retry.value().get().and_then(Result::err).map(|e| {
            view! { <p class="notice notice-error" role="alert" data-testid="retry-message">{e.message().to_owned()}</p> }
        })
    };
    view! {
        <Show when=move || current.with(|d| d.can_retry)>
            <div class="cancel">
                <button type="button" data-testid="retry-run" on:click=move |_| open.set(true)>{t.retry}</button>
                <dialog class="dialog" open=move || open.get() data-testid="retry-dialog" aria-labelledby="retry-title">
                    <h3 id="retry-title">{t.retry_title}</h3>
                    <p>{t.retry_explained}</p>
                    <PostForm action=retry>
                        <input type="hidden" name="id" value=id/>
                        <Show when=move || current.with(|d| d.view.run_type.changes_configuration())>
                            <p>
                                <label>
                                    <input type="checkbox" name="confirm" value="true" required data-testid="retry-confirm"/>
                                    {text().tenant.restore_confirm}
                                </label>
                            </p>
                        </Show>
                        <button type="submit" data-testid="confirm-retry">{t.retry_confirm}</button>
                        " "
                        <button type="button" data-testid="keep-as-is" on:click=move |_| open.set(false)>{t.retry_keep}</button>
                    </PostForm>
                </dialog>
            </div>
        </Show>
        {failed}
    }
}

/// The links between a run and its second attempt, both ways.
#[component]
fn Attempts(current: RwSignal<RunDetail>) -> impl IntoView {
    let t = &text().detail;
    view! {
        {move || current.with(|d| d.retry_of).map(|id| view! {
            <p><a href=format!("/admin/operations/{id}") data-testid="retry-of">{(t.retry_of)(id)}</a></p>
        })}
        {move || current.with(|d| d.retried_by).map(|id| view! {
            <p><a href=format!("/admin/operations/{id}") data-testid="retried-by">{(t.retried_by)(id)}</a></p>
        })}
    }
}

/// A dialog explaining the windows this run is judged by. While it is open the page does not
/// poll (specs/product-contract §7), so nothing shifts under the reader.
#[component]
fn HowJudged(current: RwSignal<RunDetail>) -> impl IntoView {
    let t = &text().decision;
    let open = RwSignal::new(false);
    let windows = move || {
        current.with(|d| {
            let p = d.policy;
            [
                (t.window_queue)(&text().duration(p.expected_queue_wait)),
                (t.window_duration)(&text().duration(p.expected_duration)),
                (t.window_stale)(&text().duration(p.stale_after), &text().duration(p.heartbeat_timeout)),
            ]
        })
    };
    view! {
        <button type="button" class="link" data-testid="how-judged" on:click=move |_| open.set(true)>
            {t.how_judged}
        </button>
        <dialog class="dialog" open=move || open.get() data-testid="how-judged-dialog" aria-labelledby="how-judged-title">
            <h3 id="how-judged-title">{t.how_judged_title}</h3>
            <ul>{move || windows().into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
            <button type="button" data-testid="close-dialog" on:click=move |_| open.set(false)>{t.close}</button>
        </dialog>
    }
}

/// Every status change and who or what caused it; the last sign of life while active.
#[component]
fn TimelinePanel(current: RwSignal<RunDetail>) -> impl IntoView {
    let t = &text().timeline;
    view! {
            <section class="panel">
                <h2>{t.heading}</h2>
                <ol class="timeline" data-testid="timeline">
                    {move || current.with(|d| {
                        let now = d.view.observed_at;
                        let mut items: Vec<_> = d.timeline.iter().map(|e| {
                            let at = e.at;
                            view! {
                                <li data-testid="timeline-entry" data-to-status=e.to.as_str()>
                                    <span class="what">{e.sentence(text())}</span>
                                    " " <time class="muted" datetime=at.to_rfc3339() title=at.to_rfc3339()>{ago(at, now)}</time>
                                </li>
                            }.into_any()
                        }).collect();
                        if let Some(hb) = d.view.heartbeat_at.filter(|_| d.view.state.is_active()) {
                            items.push(view! {
                                <li data-testid="timeline-heartbeat">
                                    <span class="what">{t.last_sign_of_life}</span>
                                    " " <time class="muted" datetime=hb.to_rfc3339() title=hb.to_rfc3339()>{ago(hb, now)}</time>
                                </li>
                            }.into_any());
                        }
                        items
                    })}
                </ol>
            </section>
    }
}

/// Raw detail for platform operators (the server sends it to nobody else).
#[component]
fn DiagnosticsPanel(g: Diagnostics) -> impl IntoView {
    let t = &text().detail;
    let opt = |v: Option<String>| v.unwrap_or_else(|| text().shell.absent.to_owned());
    view! {
        <section class="panel diagnostics" data-testid="diagnostics">
            <h2>{t.diagnostics}</h2>
            <dl class="counts">
                <dt>{t.workspace}</dt><dd>{g.workspace_id}</dd>
                <dt>{t.attempt}</dt><dd>{g.attempt}</dd>
                <dt>{t.lease_owner}</dt><dd>{opt(g.lease_owner)}</dd>
                <dt>{t.lease_expires}</dt><dd>{opt(g.lease_expires_at.map(|at| at.to_rfc3339()))}</dd>
                <dt>{t.dedupe_key}</dt><dd>{opt(g.dedupe_key)}</dd>
                <dt>{t.failure_code}</dt><dd>{opt(g.failure_code)}</dd>
            </dl>
            {g.failure_detail.map(|d| view! { <h3>{t.failure_detail}</h3><pre data-testid="failure-detail">{d}</pre> })}
            <h3>{t.context}</h3>
            <pre data-testid="context-json">{g.context_json}</pre>
        </section>
    }
}

fn decision_tone(v: &RunView) -> &'static str {
    v.badges().last().map_or("neutral", |b| b.tone.as_str())
}

fn decision_headline(v: &RunView) -> String {
    use crate::domain::{ProblemClass, RunState};
    let t = &text().decision;
    match (v.state, v.problem) {
        (_, ProblemClass::ActiveStale) => t.headline_stuck.to_owned(),
        (RunState::Queued, _) => t.headline_queued.to_owned(),
        (RunState::Running, _) => t.headline_running.to_owned(),
        (RunState::Completed(_), ProblemClass::ReconciledStale) => t.headline_stopped.to_owned(),
        (RunState::Completed(o), _) => (text().badges.outcome)(o).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::reconcile::RecordKind;
    use crate::domain::view::RelatedRecord;

    #[test]
    fn a_decisions_record_links_to_its_place_on_the_tenants_workbench() {
        let review = RelatedRecord { kind: RecordKind::Review, id: 12, tenant: crate::domain::TenantId(3) };
        assert_eq!(related_link(&review), ("Open review #12".to_owned(), "/admin/t/3#review-12".to_owned()));
        let restore = RelatedRecord { kind: RecordKind::Restore, ..review };
        assert_eq!(related_link(&restore).1, "/admin/t/3#restore-12");
        let pack = RelatedRecord { kind: RecordKind::Pack, ..review };
        assert_eq!(related_link(&pack).1, "/admin/t/3#pack-12");
    }
}
