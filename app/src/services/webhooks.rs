//! Webhook endpoints (specs/webhooks): the workspace owner subscribes endpoints to run
//! events, reads the delivery log and asks for a delivery to be retried now. Endpoints are
//! workspace-wide records, managed like API tokens: by the owner, unseen by members entitled
//! to some tenants only.

use crate::api::{AttemptInfo, CreatedWebhook, DeliveryInfo, WebhookInfo, WebhookLog};
use crate::domain::access::Capability;
use crate::domain::ids::{DeliveryId, EndpointId};
use crate::domain::webhook::{DeliveryState, EventType, EventTypes};
use crate::domain::{Timestamp, token};
use crate::runtime::AppState;
use crate::services::error::{Error, Invalid, Thing};
use crate::services::principal::Principal;
use crate::store::webhooks::{self as stored, EndpointRow, NewEndpointRow};

/// How many deliveries the log shows.
const LOG_DELIVERIES: i64 = 50;

/// How many attempts of each delivery the log shows.
const LOG_ATTEMPTS: usize = 5;

/// What an owner asks for when subscribing an endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewEndpoint {
    /// Where to send events.
    pub url: String,
    /// The event types, spelled and separated by commas.
    pub events: String,
}

impl NewEndpoint {
    /// The request as the page's form sends it: `ticked` says which boxes of
    /// [`EventType::ALL`] are ticked.
    pub fn from_form(url: String, ticked: [bool; 3]) -> Self {
        let events = EventType::ALL
            .into_iter()
            .zip(ticked)
            .filter(|(_, on)| *on)
            .map(|(t, _)| t.as_str())
            .collect::<Vec<_>>()
            .join(",");
        Self { url, events }
    }
}

/// Subscribes an endpoint for the caller's workspace; the answer carries the signing secret,
/// shown this once.
#[tracing::instrument(skip_all, fields(workspace = p.workspace_id.get()))]
pub async fn create(state: &AppState, p: &Principal, new: &NewEndpoint) -> Result<CreatedWebhook, Error> {
    p.authorize(p.workspace_id, None, Capability::ManageTokens, Thing::Page)?;
    let url = new.url.trim();
    if crate::jobs::webhooks::sendable(url, &state.config.webhooks).is_none() {
        return Err(Error::Invalid(Invalid::WebhookUrl));
    }
    let events = EventTypes::parse(&new.events).map_err(|_| Error::Invalid(Invalid::WebhookEvents))?;
    let secret = new_secret()?;
    let now = state.clock.now();
    let row = NewEndpointRow {
        workspace: p.workspace_id,
        url,
        events: &events.spelling(),
        secret: &secret,
        created_by: p.user_id,
        created_at: now.millis(),
    };
    let id = stored::insert_endpoint(&state.db, row).await?;
    tracing::info!(endpoint = id, events = %events.spelling(), "webhook endpoint subscribed");
    let row = stored::endpoint(&state.db, p.workspace_id, id).await?.ok_or(Error::NotFound(Thing::Webhook))?;
    Ok(CreatedWebhook { endpoint: info(row), secret })
}

/// The delivery log: every endpoint and the newest deliveries with their latest attempts.
pub async fn log(state: &AppState, p: &Principal) -> Result<WebhookLog, Error> {
    p.authorize(p.workspace_id, None, Capability::ManageTokens, Thing::Page)?;
    let endpoints = stored::endpoints(&state.db, p.workspace_id).await?.into_iter().map(info).collect();
    let rows = stored::deliveries(&state.db, p.workspace_id, LOG_DELIVERIES).await?;
    let ids: Vec<i64> = rows.iter().map(|d| d.id).collect();
    let attempts = stored::attempts(&state.db, &ids).await?;
    let deliveries = rows
        .into_iter()
        .map(|d| {
            let recent: Vec<AttemptInfo> = attempts
                .iter()
                .filter(|a| a.delivery_id == d.id)
                .take(LOG_ATTEMPTS)
                .map(|a| AttemptInfo {
                    at: Timestamp(a.attempted_at),
                    status: a.status,
                    error: a.error.clone(),
                    duration_ms: a.duration_ms,
                })
                .collect();
            let state = match DeliveryState::parse(&d.state) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(delivery = d.id, error = %e, "a delivery's stored state does not read; shown as failed");
                    DeliveryState::Failed
                }
            };
            DeliveryInfo {
                id: d.id,
                endpoint_id: d.endpoint_id,
                event_id: d.event_id,
                event_type: d.event_type,
                run_id: d.run_id,
                state: state.as_str().to_owned(),
                attempts: d.attempts,
                next_attempt_at: (state == DeliveryState::Pending).then_some(Timestamp(d.next_attempt_at)),
                created_at: Timestamp(d.created_at),
                recent,
            }
        })
        .collect();
    Ok(WebhookLog { endpoints, deliveries, observed_at: state.clock.now() })
}

/// Removes endpoint `id` of the caller's workspace; it hears nothing more and its pending
/// deliveries are given up. Removing a removed endpoint is harmless.
#[tracing::instrument(skip_all, fields(workspace = p.workspace_id.get(), endpoint = id))]
pub async fn revoke(state: &AppState, p: &Principal, id: &str) -> Result<(), Error> {
    p.authorize(p.workspace_id, None, Capability::ManageTokens, Thing::Webhook)?;
    let id = EndpointId::parse(id).ok_or(Error::NotFound(Thing::Webhook))?.get();
    if stored::revoke_endpoint(&state.db, p.workspace_id, id, state.clock.now().millis()).await? {
        tracing::info!("webhook endpoint removed");
        return Ok(());
    }
    match stored::endpoint(&state.db, p.workspace_id, id).await? {
        Some(_) => Ok(()),
        None => Err(Error::NotFound(Thing::Webhook)),
    }
}

/// Makes delivery `id` due now, whatever its state: a person's "retry now".
#[tracing::instrument(skip_all, fields(workspace = p.workspace_id.get(), delivery = id))]
pub async fn retry(state: &AppState, p: &Principal, id: &str) -> Result<(), Error> {
    p.authorize(p.workspace_id, None, Capability::ManageTokens, Thing::Delivery)?;
    let id = DeliveryId::parse(id).ok_or(Error::NotFound(Thing::Delivery))?.get();
    if stored::retry_now(&state.db, p.workspace_id, id, state.clock.now().millis()).await? {
        tracing::info!("webhook delivery retried on request");
        Ok(())
    } else {
        Err(Error::NotFound(Thing::Delivery))
    }
}

/// A new signing secret: `whsec_` and the 64 random hex digits an API token's secret has.
fn new_secret() -> Result<String, Error> {
    let drawn = crate::services::tokens::new_secret()?;
    Ok(format!("whsec_{}", &drawn[token::SECRET_PREFIX.len()..]))
}

fn info(row: EndpointRow) -> WebhookInfo {
    // Stored events that do not read show as none: the endpoint hears nothing anyway.
    let events =
        EventTypes::parse(&row.events).map(|e| e.iter().map(|t| t.as_str().to_owned()).collect()).unwrap_or_default();
    WebhookInfo {
        id: row.id,
        url: row.url,
        events,
        created_at: Timestamp(row.created_at),
        revoked_at: row.revoked_at.map(Timestamp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_names_event_types_by_ticked_boxes() {
        let n = NewEndpoint::from_form("https://h.example/in".into(), [true, false, true]);
        assert_eq!(n.events, "run.finished,run.stuck");
        assert_eq!(NewEndpoint::from_form(String::new(), [false; 3]).events, "");
    }

    #[test]
    fn a_secret_is_new_each_time_and_shaped_for_signing() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert_ne!(a, b);
        assert!(a.starts_with("whsec_") && a.len() == 6 + 64, "{a}");
    }
}
