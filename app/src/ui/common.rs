//! Pieces every page shares: badges from the catalog, progress by mode, relative times and
//! calm error panels.

use crate::api::ApiError;
use crate::copy::text;
use crate::domain::{Badge, Progress, RunView, Timestamp};
use leptos::prelude::*;

/// One badge from the catalog.
#[component]
pub fn BadgeView(badge: Badge) -> impl IntoView {
    view! {
        <span class=format!("badge tone-{}", badge.tone.as_str()) data-testid=badge.test_id() title=text().badge(&badge)>
            <span class="badge-icon" aria-hidden="true">{badge.icon}</span>
            {text().badge(&badge)}
        </span>
    }
}

/// Every badge of a run.
#[component]
pub fn RunBadges(view: RunView) -> impl IntoView {
    view! { <span class="badges">{view.badges().into_iter().map(|b| view! { <BadgeView badge=b/> }).collect_view()}</span> }
}

/// The run hooks of specs/product-contract §13 (`data-run-*`, `data-problem-class`, `data-progress-mode`)
/// as attributes to spread onto the element presenting a run; empty values for a run that can
/// no longer be read. Every element presenting a run takes its hooks from here, so they
/// cannot drift apart between surfaces.
fn run_hooks(view: Option<&RunView>) -> impl leptos::tachys::html::attribute::Attribute + use<> {
    let hooks = view.map(|v| v.hooks().map(|(_, value)| value)).unwrap_or_default();
    let [id, run_type, tenant, status, outcome, freshness, problem, mode] = hooks;
    view! {
        <{..}
            data-run-id=id
            data-run-type=run_type
            data-run-tenant=tenant
            data-run-status=status
            data-run-outcome=outcome
            data-run-freshness=freshness
            data-problem-class=problem
            data-progress-mode=mode
        />
    }
}

/// A table row presenting one run (`run-row`, with the run hooks); every run list renders
/// its rows through this.
#[component]
pub fn RunTableRow(view: RunView, children: Children) -> impl IntoView {
    let hooks = run_hooks(Some(&view));
    view! {
        <tr class="run-row" data-testid="run-row" {..hooks}>
            {children()}
        </tr>
    }
}

/// A list item presenting one run (overlay, attention, notification), with the same hooks as
/// [`RunTableRow`]; `view` is `None` for an item whose run can no longer be read (its hooks
/// are then empty). Extra attributes (`attr:data-…`) land on the `<li>`.
#[component]
pub fn RunListItem(
    view: Option<RunView>,
    testid: &'static str,
    #[prop(into)] class: String,
    children: Children,
) -> impl IntoView {
    let hooks = run_hooks(view.as_ref());
    view! {
        <li class={class} data-testid={testid} {..hooks}>
            {children()}
        </li>
    }
}

/// Progress rendered by its mode: a determinate bar only for counted progress.
#[component]
pub fn ProgressView(progress: Progress, #[prop(optional)] compact: bool) -> impl IntoView {
    let mode = progress.mode().as_str();
    let label = text().progress(&progress);
    let body = match &progress {
        Progress::None => ().into_any(),
        Progress::Counted { .. } => {
            let pct = progress.percent().unwrap_or(0);
            view! {
                // A native <progress>: its fill needs no inline style, which the page's
                // Content-Security-Policy would refuse.
                <progress class="bar" max="100" value=pct role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=pct></progress>
                <span class="progress-label" data-testid="progress-label">{format!("{label} · {}", (text().time.percent)(pct))}</span>
            }
            .into_any()
        }
        Progress::Phased { step, of, .. } => {
            let (step, of) = (*step, *of);
            view! {
                <div class="steps" aria-hidden="true">
                    {(1..=of)
                        .map(|i| {
                            let class = if i < step { "step done" } else if i == step { "step current" } else { "step" };
                            view! { <span class=class></span> }
                        })
                        .collect_view()}
                </div>
                <span class="progress-label" data-testid="progress-label">{label}</span>
            }
            .into_any()
        }
        Progress::Composite { .. } => {
            view! { <span class="progress-label" data-testid="progress-label">{label}</span> }.into_any()
        }
        Progress::Activity { .. } => view! {
            <div class="bar indeterminate" role="progressbar" aria-busy="true"><div class="fill"></div></div>
            <span class="progress-label" data-testid="progress-label">{label}</span>
        }
        .into_any(),
    };
    view! { <div class=if compact { "progress compact" } else { "progress" } data-progress=mode>{body}</div> }
}

/// "3 min ago", measured on the server's clock so server and browser render the same text.
pub fn ago(at: Timestamp, now: Timestamp) -> String {
    text().ago(at, now)
}

/// A calm error panel. When the session has ended it offers the way back in.
#[component]
pub fn ErrorPanel(error: ApiError) -> impl IntoView {
    let sign_in = matches!(error, ApiError::Unauthorized(_))
        .then(|| view! { " " <a href="/login" data-testid="sign-in-link">{text().shell.sign_in}</a> });
    view! {
        <div class="notice notice-error" role="alert" data-testid="error" data-status=error.status()>
            {error.message().to_owned()}
            {sign_in}
        </div>
    }
}

/// The page for unknown routes.
#[component]
pub fn NotFound() -> impl IntoView {
    let t = &text().shell;
    view! {
        <section class="empty">
            <h1>{t.not_found_title}</h1>
            <p>{t.not_found_body} " " <a href="/admin/operations">{t.go_to_operations}</a></p>
        </section>
    }
}
