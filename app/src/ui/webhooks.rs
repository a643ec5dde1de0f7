//! The webhooks section of the owner's integrations page (`/admin/tokens#webhooks`,
//! specs/webhooks). A form subscribes an endpoint to the events it ticks and shows its
//! signing secret this once; the endpoints are listed with a revoke button; the newest
//! deliveries show where each stands, its attempts, its last answer and when it is tried
//! next, with "retry now". The log is read when the page opens and after every action: it
//! keeps no timer.
//!
//! It shares the tokens page and its chunk loaded on demand: a route of its own would cost
//! the main bundle, which every tenant user loads, more than owners' convenience is worth
//! (specs/browser-bundle).

use super::answer::answer;
use super::common::ErrorPanel;
use super::post_form::PostForm;
use crate::api::{
    CreateWebhook, DeliveryInfo, RetryDelivery, RevokeWebhook, WebhookInfo, WebhookLog, WebhookWords, list_webhooks,
};
use crate::copy::text;
use crate::domain::Timestamp;
use crate::domain::webhook::{DeliveryState, EventType, Fault};
use leptos::prelude::*;

/// The form's name for an event's box (the server function's argument).
const fn field(e: EventType) -> &'static str {
    match e {
        EventType::Finished => "finished",
        EventType::Reconciled => "reconciled",
        EventType::Stuck => "stuck",
    }
}

/// The section: the form, the secret just made, the endpoints and the delivery log.
pub(super) fn webhooks_section() -> impl IntoView {
    let create = ServerAction::<CreateWebhook>::new();
    let revoke = ServerAction::<RevokeWebhook>::new();
    let retry = ServerAction::<RetryDelivery>::new();
    let page =
        answer(move || (create.version().get(), revoke.version().get(), retry.version().get()), |_| list_webhooks());
    view! {
        <section class="tokens webhooks" id="webhooks" data-testid="webhooks-section">
            <Suspense fallback=move || view! { <p class="loading">{text().shell.loading}</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(p) => {
                            let w = StoredValue::new(p.words);
                            view! {
                                <div class="page-head">
                                    <h2>{w.with_value(|w| w.heading.clone())}</h2>
                                    <p class="lede">{w.with_value(|w| w.lede.clone())}</p>
                                </div>
                                <SubscribeForm create w/>
                                <Made create w/>
                                <Endpoints log=p.log.clone() revoke w/>
                                <Deliveries log=p.log retry w/>
                            }
                            .into_any()
                        }
                        // The tokens above already say why this page is not the caller's.
                        Err(e) if matches!(e.status(), 403 | 404) => ().into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The `i`th of `words` (an entry per value of an enum, in its `ALL` order).
fn nth(words: &[String], i: usize) -> String {
    words.get(i).cloned().unwrap_or_default()
}

#[component]
fn SubscribeForm(create: ServerAction<CreateWebhook>, w: StoredValue<WebhookWords>) -> impl IntoView {
    let words = w.get_value();
    view! {
        <PostForm action=create attr:class="token-form" attr:data-testid="webhook-form">
            <h3>{words.subscribe.clone()}</h3>
            <label>
                {words.url.clone()}
                <input type="url" name="url" data-testid="webhook-url" required maxlength=2000 autocomplete="off"/>
            </label>
            <fieldset>
                <legend>{words.events.clone()}</legend>
                {EventType::ALL.iter().enumerate().map(|(i, e)| view! {
                    <label class="check">
                        <input type="checkbox" name=field(*e) value="on" data-testid=format!("webhook-event-{}", field(*e))/>
                        {nth(&words.event, i)}
                    </label>
                }).collect_view()}
            </fieldset>
            <button type="submit" class="primary" data-testid="webhook-subscribe" disabled=move || create.pending().get()>
                {words.submit.clone()}
            </button>
        </PostForm>
    }
}

/// The answer to the form: the new endpoint's secret, shown this once, or why it was refused.
#[component]
fn Made(create: ServerAction<CreateWebhook>, w: StoredValue<WebhookWords>) -> impl IntoView {
    move || {
        create.value().get().map(|made| match made {
            Ok(made) => view! {
                <div class="notice notice-ok token-made" role="status" data-testid="webhook-made" data-webhook-id=made.endpoint.id>
                    <p>{w.with_value(|w| w.created.clone())}</p>
                    <p><code class="secret" data-testid="webhook-secret">{made.secret.clone()}</code></p>
                </div>
            }
            .into_any(),
            Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
        })
    }
}

/// The words for the stored spellings of an endpoint's events.
fn event_words(events: &[String], w: &WebhookWords) -> String {
    events
        .iter()
        .filter_map(|e| EventType::ALL.iter().position(|t| t.as_str() == e))
        .map(|i| nth(&w.event, i))
        .collect::<Vec<_>>()
        .join(", ")
}

#[component]
fn Endpoints(log: WebhookLog, revoke: ServerAction<RevokeWebhook>, w: StoredValue<WebhookWords>) -> impl IntoView {
    let words = w.get_value();
    let empty = log.endpoints.is_empty();
    let none = words.none.clone();
    view! {
        <h3>{words.endpoints.clone()}</h3>
        {move || revoke.value().get().and_then(Result::err).map(|e| view! { <ErrorPanel error=e/> })}
        <Show when=move || !empty fallback=move || view! { <p class="empty" data-testid="webhooks-empty">{none.clone()}</p> }>
            <table class="token-table" data-testid="webhooks">
                <thead>
                    <tr>
                        <th scope="col">{words.url.clone()}</th>
                        <th scope="col">{words.events.clone()}</th>
                        <td></td>
                    </tr>
                </thead>
                <tbody>
                    {log.endpoints.iter().cloned().map(|endpoint| view! { <EndpointRow endpoint revoke w/> }).collect_view()}
                </tbody>
            </table>
        </Show>
    }
}

#[component]
fn EndpointRow(
    endpoint: WebhookInfo,
    revoke: ServerAction<RevokeWebhook>,
    w: StoredValue<WebhookWords>,
) -> impl IntoView {
    let t = &text().tokens;
    let active = endpoint.revoked_at.is_none();
    view! {
        <tr data-testid="webhook-row" data-webhook-id=endpoint.id data-webhook-state=if active { "active" } else { "removed" }>
            <th scope="row"><code>{endpoint.url.clone()}</code></th>
            <td>{w.with_value(|w| event_words(&endpoint.events, w))}</td>
            <td>
                {if active {
                    view! {
                        <PostForm action=revoke attr:class="inline">
                            <input type="hidden" name="id" value=endpoint.id.to_string()/>
                            <button type="submit" class="link" data-testid="webhook-remove">{t.revoke}</button>
                        </PostForm>
                    }
                    .into_any()
                } else {
                    view! { <span>{(t.state_word)(crate::api::TokenState::Revoked)}</span> }.into_any()
                }}
            </td>
        </tr>
    }
}

#[component]
fn Deliveries(log: WebhookLog, retry: ServerAction<RetryDelivery>, w: StoredValue<WebhookWords>) -> impl IntoView {
    let words = w.get_value();
    let empty = log.deliveries.is_empty();
    let none = words.none.clone();
    view! {
        <h3>{words.deliveries.clone()}</h3>
        {move || retry.value().get().and_then(Result::err).map(|e| view! { <ErrorPanel error=e/> })}
        <Show when=move || !empty fallback=move || view! { <p class="empty" data-testid="deliveries-empty">{none.clone()}</p> }>
            <table class="token-table" data-testid="deliveries">
                <thead>
                    <tr>
                        <th scope="col">{words.events.clone()}</th>
                        <th scope="col">{text().system.col_run}</th>
                        <th scope="col">{text().tokens.state}</th>
                        <th scope="col">{words.attempts.clone()}</th>
                        <th scope="col">{words.last.clone()}</th>
                        <th scope="col">{words.next.clone()}</th>
                        <td></td>
                    </tr>
                </thead>
                <tbody>
                    {log.deliveries.iter().cloned().map(|delivery| view! { <DeliveryRow delivery retry w/> }).collect_view()}
                </tbody>
            </table>
        </Show>
    }
}

#[component]
fn DeliveryRow(
    delivery: DeliveryInfo,
    retry: ServerAction<RetryDelivery>,
    w: StoredValue<WebhookWords>,
) -> impl IntoView {
    let words = w.get_value();
    let state = DeliveryState::parse(&delivery.state).unwrap_or(DeliveryState::Failed);
    let state_index = DeliveryState::ALL.iter().position(|s| *s == state).unwrap_or_default();
    let date = |at: Timestamp| (text().time.date_time)(at.parts());
    let last = delivery.recent.first().map(|a| {
        let fault = a
            .error
            .as_deref()
            .and_then(|f| Fault::ALL.iter().position(|x| x.as_str() == f))
            .map(|i| nth(&words.fault, i));
        match (a.status, fault) {
            (Some(status), Some(fault)) => format!("{status} · {fault}"),
            (Some(status), None) => status.to_string(),
            (None, Some(fault)) => fault,
            (None, None) => String::new(),
        }
    });
    let event = EventType::ALL
        .iter()
        .position(|e| e.as_str() == delivery.event_type)
        .map(|i| nth(&words.event, i))
        .unwrap_or_default();
    view! {
        <tr
            data-testid="delivery-row"
            data-delivery-id=delivery.id
            data-delivery-state=state.as_str()
            data-event-id=delivery.event_id.clone()
            data-attempts=delivery.attempts
        >
            <th scope="row">{event}<br/><code>{delivery.event_id.clone()}</code></th>
            <td><a href=format!("/admin/operations/{}", delivery.run_id)>{format!("#{}", delivery.run_id)}</a></td>
            <td>{nth(&words.state, state_index)}</td>
            <td>{delivery.attempts}</td>
            <td>{last}</td>
            <td>{delivery.next_attempt_at.map(date)}</td>
            <td>
                <PostForm action=retry attr:class="inline">
                    <input type="hidden" name="id" value=delivery.id.to_string()/>
                    <button type="submit" class="link" data-testid="delivery-retry">{words.retry.clone()}</button>
                </PostForm>
            </td>
        </tr>
    }
}
