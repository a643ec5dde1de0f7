//! `/admin/operations/{id}`: the canonical run detail. The decision zone comes first (is it
//! still active, was it reconciled, what next), then progress by its mode, the timeline,
//! counts and the failure. While the run is active the page polls on the policy's interval;
//! a run loaded already terminal starts no timer at all.

use super::common::{ErrorPanel, ProgressView, RunBadges, ago};
use crate::api::get_run;
use crate::domain::{RunView, Timestamp};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The run detail page.
#[component]
pub fn RunDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let run = Resource::new(id, get_run);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the operation…"</p> }>
            {move || Suspend::new(async move {
                match run.await {
                    Ok(view) => view! { <RunDetail initial=view/> }.into_any(),
                    Err(e) => view! { <section class="empty"><h1>"Operation unavailable"</h1><ErrorPanel error=e/></section> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RunDetail(initial: RunView) -> impl IntoView {
    let current = RwSignal::new(initial);
    #[cfg(feature = "hydrate")]
    Effect::new(move |started: Option<()>| {
        if started.is_none() {
            super::live::poll_run_while_active(current);
        }
    });
    let v = move || current.get();
    let hook = move |i: usize| move || current.with(|v| v.hooks()[i].1.clone());
    view! {
        <Title text=move || format!("{} #{} · Opshub", current.with(|v| v.run_type.label()), current.with(|v| v.id))/>
        <section
            class="run-detail"
            data-testid="run-detail"
            data-polling=move || if current.with(|v| v.poll_interval_ms.is_some()) { "on" } else { "off" }
            data-poll-interval-ms=move || current.with(|v| v.poll_interval_ms.map(|ms| ms.to_string()))
        >
            <p class="crumbs"><a href="/admin/operations">"Operations"</a> " / " {move || format!("#{}", current.with(|v| v.id))}</p>
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
                <h1>{move || current.with(|v| v.run_type.label())}</h1>
                <p class="scope">{move || current.with(|v| v.tenant_name.clone().unwrap_or_else(|| "Whole workspace".to_owned()))}</p>
                {move || view! { <RunBadges view=v()/> }}
            </header>
            <div class=move || format!("decision tone-{}", current.with(decision_tone)) data-testid="decision-zone">
                <h2>{move || current.with(decision_headline)}</h2>
                <p data-testid="guidance">{move || current.with(|v| v.guidance.clone())}</p>
                {move || current.with(|v| v.decided_how.clone()).map(|how| view! {
                    <p class="muted" data-testid="reconciled-note">{how}</p>
                })}
                {move || current.with(|v| v.related.clone()).map(|link| view! {
                    <p><a href=link.href data-testid="related-record">{link.label}</a></p>
                })}
            </div>
            <section class="panel">
                <h2>"Progress"</h2>
                {move || {
                    let p = current.with(|v| v.progress.clone());
                    if p.label().is_empty() {
                        view! { <p class="muted">"This operation is no longer running."</p> }.into_any()
                    } else {
                        view! { <ProgressView progress=p/> }.into_any()
                    }
                }}
            </section>
            <section class="panel">
                <h2>"Timeline"</h2>
                <dl class="timeline">{move || timeline(&v())}</dl>
            </section>
            {move || {
                let counts = current.with(|v| v.counts.clone());
                (!counts.is_empty()).then(|| view! {
                    <section class="panel">
                        <h2>"Results"</h2>
                        <dl class="counts" data-testid="counts">
                            {counts.into_iter().map(|(k, n)| view! { <dt>{k}</dt><dd>{n}</dd> }).collect_view()}
                        </dl>
                    </section>
                })
            }}
        </section>
    }
}

fn decision_tone(v: &RunView) -> &'static str {
    v.badges().last().map_or("neutral", |b| b.tone.as_str())
}

fn decision_headline(v: &RunView) -> String {
    use crate::domain::{ProblemClass, RunState};
    match (v.state, v.problem) {
        (_, ProblemClass::ActiveStale) => "Likely stuck".to_owned(),
        (RunState::Queued, _) => "Waiting to start".to_owned(),
        (RunState::Running, _) => "Still working".to_owned(),
        (RunState::Completed(_), ProblemClass::ReconciledStale) => "Stopped by the system".to_owned(),
        (RunState::Completed(o), _) => crate::domain::Badge::outcome(o).label.to_owned(),
    }
}

fn timeline(v: &RunView) -> impl IntoView + use<> {
    let now = v.observed_at;
    let row = |label: &'static str, at: Option<Timestamp>| {
        at.map(|at| view! { <dt>{label}</dt><dd title=at.to_rfc3339()>{ago(at, now)}</dd> })
    };
    view! {
        {row("Queued", Some(v.created_at))}
        {row("Started", v.started_at)}
        {row("Last sign of life", v.heartbeat_at.filter(|_| v.state.is_active()))}
        {row("Completed", v.completed_at)}
    }
}
