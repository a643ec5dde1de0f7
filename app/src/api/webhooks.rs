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

/// The owner's webhooks page: the endpoints and the newest deliveries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookPage {
    /// Every endpoint, newest first.
    pub endpoints: Vec<WebhookInfo>,
    /// The newest deliveries to them, newest first.
    pub deliveries: Vec<DeliveryInfo>,
    /// The server's clock when this was read.
    pub observed_at: Timestamp,
}

/// The workspace's webhook endpoints and delivery log (owners only).
#[server(endpoint = "list_webhooks")]
pub async fn list_webhooks() -> Result<WebhookPage, ApiError> {
    super::answer::serve(|s, p| async move { crate::services::webhooks::page(&s, &p).await }).await
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
