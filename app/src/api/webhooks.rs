//! Types of the workspace's webhooks (specs/webhooks), as the owner's page shows them, and
//! the server functions that manage them.

use super::ApiError;
use crate::domain::Timestamp;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One endpoint, never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WebhookInfo {
    /// Its id.
    pub id: i64,
    /// Where events are sent.
    pub url: String,
    /// The event types it takes (`run.finished`, `run.reconciled`, `run.stuck`).
    pub events: Vec<String>,
    /// When it was subscribed.
    pub created_at: Timestamp,
    /// When it was removed, if it was (it then hears nothing).
    pub revoked_at: Option<Timestamp>,
}

/// An endpoint just subscribed: the only time its signing secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedWebhook {
    /// The endpoint.
    pub endpoint: WebhookInfo,
    /// The secret deliveries are signed with, for the receiver to check them.
    pub secret: String,
}

/// One attempt to deliver an event.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AttemptInfo {
    /// When it was made.
    pub at: Timestamp,
    /// The HTTP status that came back, if one did.
    pub status: Option<i64>,
    /// Why it did not succeed, if it did not: `answered` (a status outside 2xx), `timeout`,
    /// `connect`, `request` or `address` (one Opshub does not send to).
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
}

/// One event's delivery to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DeliveryInfo {
    /// Its id.
    pub id: i64,
    /// The endpoint it goes to.
    pub endpoint_id: i64,
    /// The event's stable id (the same on every attempt).
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// The run the event is about.
    pub run_id: i64,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    /// Attempts made.
    pub attempts: i64,
    /// When it is tried next (pending only).
    pub next_attempt_at: Option<Timestamp>,
    /// When the event was written.
    pub created_at: Timestamp,
    /// Its latest attempts, newest first.
    pub recent: Vec<AttemptInfo>,
}

/// The workspace's endpoints and the newest deliveries to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookLog {
    /// Every endpoint, newest first.
    pub endpoints: Vec<WebhookInfo>,
    /// The newest deliveries to them, newest first.
    pub deliveries: Vec<DeliveryInfo>,
    /// The server's clock when this was read.
    pub observed_at: Timestamp,
}

/// The webhooks section's words in the reader's language. They travel with its data rather
/// than in the browser's catalog: the section is an owner's, loaded on demand, and words in
/// the catalog would be in the bundle every tenant user loads (specs/browser-bundle).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookWords {
    /// The heading.
    pub heading: String,
    /// What the section is for.
    pub lede: String,
    /// The form's heading.
    pub subscribe: String,
    /// The address field and column.
    pub url: String,
    /// The events' legend and column.
    pub events: String,
    /// Each event type, in `EventType::ALL` order.
    pub event: Vec<String>,
    /// The form's button.
    pub submit: String,
    /// Above a new endpoint's secret.
    pub created: String,
    /// The endpoints' heading.
    pub endpoints: String,
    /// An empty list.
    pub none: String,
    /// The deliveries' heading.
    pub deliveries: String,
    /// Column: attempts.
    pub attempts: String,
    /// Column: the last answer.
    pub last: String,
    /// Column: the next try.
    pub next: String,
    /// Each delivery state, in `DeliveryState::ALL` order.
    pub state: Vec<String>,
    /// Each fault, in `Fault::ALL` order.
    pub fault: Vec<String>,
    /// The retry button.
    pub retry: String,
}

#[cfg(feature = "ssr")]
impl WebhookWords {
    /// The words of catalog `c`.
    pub fn of(c: &crate::copy::Catalog) -> Self {
        use crate::domain::webhook::{DeliveryState, EventType, Fault};
        let w = &c.webhooks;
        Self {
            heading: w.heading.to_owned(),
            lede: w.lede.to_owned(),
            subscribe: w.subscribe.to_owned(),
            url: w.url.to_owned(),
            events: w.events.to_owned(),
            event: EventType::ALL.iter().map(|e| (w.event)(*e).to_owned()).collect(),
            submit: w.submit.to_owned(),
            created: w.created.to_owned(),
            endpoints: w.endpoints.to_owned(),
            none: w.none.to_owned(),
            deliveries: w.deliveries.to_owned(),
            attempts: w.attempts.to_owned(),
            last: w.last.to_owned(),
            next: w.next.to_owned(),
            state: DeliveryState::ALL.iter().map(|s| (w.state_word)(*s).to_owned()).collect(),
            fault: Fault::ALL.iter().map(|f| (w.fault)(*f).to_owned()).collect(),
            retry: w.retry.to_owned(),
        }
    }
}

/// The owner's webhooks section: the log and its words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookPage {
    /// The endpoints and deliveries.
    pub log: WebhookLog,
    /// The words to show them with.
    pub words: WebhookWords,
}

/// The workspace's webhook endpoints and delivery log (owners only), with the words to show
/// them in the reader's language.
#[server(endpoint = "list_webhooks")]
pub async fn list_webhooks() -> Result<WebhookPage, ApiError> {
    super::answer::serve(|s, p| async move {
        let log = crate::services::webhooks::log(&s, &p).await?;
        Ok(WebhookPage { log, words: WebhookWords::of(crate::copy::text()) })
    })
    .await
}

/// Subscribes an endpoint; the answer carries its signing secret, this once. Each event type
/// is a box of the form (`finished`, `reconciled`, `stuck`).
#[server(endpoint = "create_webhook")]
pub async fn create_webhook(
    url: String,
    finished: Option<String>,
    reconciled: Option<String>,
    stuck: Option<String>,
) -> Result<CreatedWebhook, ApiError> {
    super::answer::serve(|s, p| async move {
        let new = crate::services::webhooks::NewEndpoint::from_form(
            url,
            [finished.is_some(), reconciled.is_some(), stuck.is_some()],
        );
        crate::services::webhooks::create(&s, &p, &new).await
    })
    .await
}

/// Removes an endpoint of the workspace; its pending deliveries are given up.
#[server(endpoint = "revoke_webhook")]
pub async fn revoke_webhook(id: String) -> Result<(), ApiError> {
    super::answer::serve(|s, p| async move { crate::services::webhooks::revoke(&s, &p, &id).await }).await
}

/// Sends a delivery again as soon as the deliverer next looks ("retry now").
#[server(endpoint = "retry_delivery")]
pub async fn retry_delivery(id: String) -> Result<(), ApiError> {
    super::answer::serve(|s, p| async move { crate::services::webhooks::retry(&s, &p, &id).await }).await
}
