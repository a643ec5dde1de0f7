//! Webhooks (specs/webhooks): the outbox that records a run's events in the transaction of
//! its transition, and the deliverer that sends them.
//!
//! Recording in the transition's own transaction is what makes delivery trustworthy: an
//! event exists exactly when its transition committed, never for a write that rolled back and
//! never missing for one that stood. Delivery is at least once: the deliverer holds a due
//! delivery under a lease, sends it signed, and records the attempt; a deliverer that dies
//! mid-send leaves the lease to expire and the delivery is sent again, with the same event id
//! for the receiver to recognise.

use crate::api::v1::ApiRun;
use crate::copy::Locale;
use crate::domain::webhook::{DeliveryState, EventType, EventTypes, Fault, RetryPolicy};
use crate::domain::{Freshness, LifecyclePolicy, PollingPolicy, Run, RunView, Timestamp};
use crate::runtime::AppState;
use crate::store::Db;
use crate::store::webhooks::{self as stored, Attempted, HeldDelivery, NewEvent};
use hmac::{Hmac, Mac as _};
use serde::Serialize;
use sha2::Sha256;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The header carrying the event's stable id.
pub const EVENT_ID_HEADER: &str = "opshub-event-id";
/// The header carrying the event's type.
pub const EVENT_TYPE_HEADER: &str = "opshub-event-type";
/// The header carrying the signing time, in whole seconds since 1970.
pub const TIMESTAMP_HEADER: &str = "opshub-timestamp";
/// The header carrying the signature: `v1=` and the hex HMAC-SHA256 of `<timestamp>.<body>`
/// under the endpoint's secret.
pub const SIGNATURE_HEADER: &str = "opshub-signature";

/// How deliveries are made: retried by [`RetryPolicy`], each attempt given `timeout`, and
/// plain `http://` allowed only to loopback addresses, only when `plain_loopback` is set
/// (local receivers and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookPolicy {
    /// When to retry and when to give up.
    pub retry: RetryPolicy,
    /// How long an endpoint has to answer.
    pub timeout: Duration,
    /// Whether `http://` loopback addresses may be endpoints.
    pub plain_loopback: bool,
}

impl Default for WebhookPolicy {
    fn default() -> Self {
        Self { retry: RetryPolicy::default(), timeout: Duration::from_secs(10), plain_loopback: false }
    }
}

/// What every delivery of an event sends: the event, and the run as the runs API shows it
/// at the moment of the transition.
#[derive(Debug, Serialize)]
struct Body<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    event_type: &'static str,
    created_at: String,
    workspace_id: i64,
    run: ApiRun,
}

/// Inside the transition's transaction: records `events` (each a type and the run as it
/// stands after the transition) for every endpoint of the run's workspace that takes the
/// type, each run shown as judged by `policies` (its windows). Costs one read when no
/// endpoint listens.
pub async fn record(
    db: &Db,
    conn: &mut sqlx::AnyConnection,
    events: &[(EventType, &Run)],
    policies: &(dyn Fn(&Run) -> LifecyclePolicy + Sync),
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let mut workspaces: Vec<i64> = events.iter().map(|(_, r)| r.workspace_id.get()).collect();
    workspaces.sort_unstable();
    workspaces.dedup();
    let listening = stored::listening(conn, &workspaces).await?;
    if listening.is_empty() {
        return Ok(());
    }
    let takes: Vec<(i64, i64, EventTypes)> = listening
        .into_iter()
        .filter_map(|l| match EventTypes::parse(&l.events) {
            Ok(types) => Some((l.id, l.workspace_id, types)),
            Err(e) => {
                tracing::warn!(endpoint = l.id, error = %e, "a webhook endpoint's stored events do not read; it hears nothing");
                None
            }
        })
        .collect();
    let wanted: Vec<(EventType, &Run, Vec<i64>)> = events
        .iter()
        .filter_map(|(t, run)| {
            let to: Vec<i64> = takes
                .iter()
                .filter(|(_, ws, types)| *ws == run.workspace_id.get() && types.has(*t))
                .map(|(id, _, _)| *id)
                .collect();
            (!to.is_empty()).then_some((*t, *run, to))
        })
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let mut tenants: Vec<i64> = wanted.iter().filter_map(|(_, r, _)| r.tenant_id.map(|t| t.get())).collect();
    tenants.sort_unstable();
    tenants.dedup();
    let names: BTreeMap<i64, String> = stored::tenant_names(conn, &tenants).await?.into_iter().collect();
    let catalog = Locale::En.catalog();
    let polling = PollingPolicy::default();
    let rows: Vec<NewEvent> = wanted
        .into_iter()
        .filter_map(|(t, run, endpoints)| {
            let id = t.event_id(run.id);
            let tenant_name = run.tenant_id.and_then(|tn| names.get(&tn.get()).cloned());
            let view = RunView::derive(run, tenant_name, &policies(run), &polling, now);
            let body = Body {
                id: &id,
                event_type: t.as_str(),
                created_at: now.to_rfc3339(),
                workspace_id: run.workspace_id.get(),
                run: ApiRun::of(&view, catalog),
            };
            match serde_json::to_string(&body) {
                Ok(body) => Some(NewEvent {
                    id,
                    workspace: run.workspace_id.get(),
                    run: run.id.get(),
                    event_type: t.as_str(),
                    body,
                    endpoints,
                }),
                Err(e) => {
                    tracing::error!(run_id = run.id.get(), error = %e, "a webhook event could not be written as JSON");
                    None
                }
            }
        })
        .collect();
    stored::insert_events(db, conn, &rows, now.millis()).await
}

/// Records a `run.stuck` event for each active run that is likely stale now and was never
/// announced as stuck, in workspaces with an endpoint that takes the event; the number
/// announced. A run is announced as stuck once: if it recovers and stalls again, its page and
/// lists show it, and its end is announced as usual. Freshness is the domain's, judged by the
/// run's own windows, so this agrees with every page.
pub async fn announce_stuck(state: &AppState) -> anyhow::Result<usize> {
    /// Active runs looked at per sweep.
    const LOOKED_AT: i64 = 500;
    let ids = stored::unannounced_active(&state.db, LOOKED_AT).await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let now = state.clock.now();
    let runs = crate::store::runs::by_ids(&state.db, &ids).await?;
    let stuck: Vec<(EventType, &Run)> = runs
        .iter()
        .filter(|run| run.freshness(&state.config.policy(&run.run_type), now) == Some(Freshness::LikelyStale))
        .map(|run| (EventType::Stuck, run))
        .collect();
    if stuck.is_empty() {
        return Ok(0);
    }
    let mut tx = state.db.begin_write().await?;
    record(&state.db, &mut tx, &stuck, &|run| state.config.policy(&run.run_type), now).await?;
    tx.commit().await?;
    tracing::info!(runs = stuck.len(), "stuck runs announced to webhook endpoints");
    Ok(stuck.len())
}

/// The signature of `body` sent at `timestamp` (seconds) under `secret`: `v1=` and the hex
/// HMAC-SHA256 of `<timestamp>.<body>`. Receivers compute the same and compare.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    use std::fmt::Write as _;
    // HMAC takes a key of any length, so this never fails; an empty key would still sign.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let mut out = String::from("v1=");
    for byte in mac.finalize().into_bytes() {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Whether Opshub sends to `url` under `policy`: an `https://` address with a host and no
/// credentials in it, at most 2,000 characters; `http://` only to a loopback address and only
/// when the policy allows it.
pub fn sendable(url: &str, policy: &WebhookPolicy) -> Option<reqwest::Url> {
    /// The longest address accepted.
    const MAX_CHARS: usize = 2000;
    if url.len() > MAX_CHARS || url.chars().any(char::is_control) {
        return None;
    }
    let parsed = reqwest::Url::parse(url).ok()?;
    if !parsed.username().is_empty() || parsed.password().is_some() || parsed.fragment().is_some() {
        return None;
    }
    let host = parsed.host_str().filter(|h| !h.is_empty())?;
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" => Some(parsed),
        "http" if loopback && policy.plain_loopback => Some(parsed),
        _ => None,
    }
}

/// What one [`Deliverer::run_one`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The delivery.
    pub delivery: i64,
    /// Its event's id.
    pub event_id: String,
    /// The HTTP status that came back, if one did.
    pub status: Option<u16>,
    /// Where the delivery stands now.
    pub state: DeliveryState,
}

/// Sends due deliveries, one at a time per call.
#[derive(Debug, Clone)]
pub struct Deliverer {
    state: AppState,
    client: reqwest::Client,
}

impl Deliverer {
    /// A deliverer for `state`, with its own HTTP client (connections are reused across
    /// deliveries; redirects are not followed, so an endpoint cannot send a signed event on).
    /// TLS is rustls with the `ring` provider, installed for the process here (a second
    /// install is refused harmlessly).
    pub fn new(state: AppState) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        #[expect(
            deprecated,
            reason = "ring lacks post-quantum key exchange; the alternative provider (aws-lc) adds a long C build to \
                      every cold CI run, and a webhook's body is signed on its own"
        )]
        let provider = rustls::crypto::ring::default_provider();
        let _ = provider.install_default();
        let client = reqwest::Client::builder()
            .timeout(state.config.webhooks.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Opshub-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("building the webhook HTTP client")?;
        Ok(Self { state, client })
    }

    /// Sends the delivery due longest ago, if any, and records the attempt; `None` when
    /// nothing is due.
    #[tracing::instrument(skip(self))]
    pub async fn run_one(&self) -> anyhow::Result<Option<Sent>> {
        let policy = self.state.config.webhooks;
        let now = self.state.clock.now();
        let hold = i64::try_from(policy.timeout.as_millis()).unwrap_or(60_000).saturating_add(30_000);
        let Some(held) = stored::take_due(&self.state.db, now.millis(), now.millis() + hold).await? else {
            return Ok(None);
        };
        let started = Instant::now();
        let (status, fault) = self.send(&held, &policy, now).await;
        let ended = self.state.clock.now();
        let attempts = u32::try_from(held.attempts).unwrap_or(u32::MAX).saturating_add(1);
        let (state, next) = match (status, fault) {
            (Some(s), None) if (200..300).contains(&s) => (DeliveryState::Delivered, ended.millis()),
            _ => match policy.retry.next_attempt(attempts, held.event_created_at, ended.millis()) {
                Some(at) => (DeliveryState::Pending, at),
                None => (DeliveryState::Failed, ended.millis()),
            },
        };
        let attempt = Attempted {
            at: now.millis(),
            status: status.map(i64::from),
            error: fault.map(|f| f.as_str().to_owned()),
            duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
            state,
            next_attempt_at: next,
        };
        stored::record_attempt(&self.state.db, held.id, &attempt).await?;
        match state {
            DeliveryState::Delivered => {
                tracing::info!(delivery = held.id, event = %held.event_id, status, "webhook delivered");
            }
            DeliveryState::Pending => tracing::warn!(
                delivery = held.id, event = %held.event_id, status, reason = fault.map_or("", Fault::as_str),
                retry_at = %Timestamp(next).to_rfc3339(), "webhook delivery failed; it will be retried"
            ),
            DeliveryState::Failed => tracing::warn!(
                delivery = held.id, event = %held.event_id, status, reason = fault.map_or("", Fault::as_str),
                attempts, "webhook delivery given up after its retry window"
            ),
        }
        Ok(Some(Sent { delivery: held.id, event_id: held.event_id, status, state }))
    }

    /// One attempt: the status that came back, and why it was not a success when it was
    /// not. The endpoint's answer body is not read.
    async fn send(&self, held: &HeldDelivery, policy: &WebhookPolicy, now: Timestamp) -> (Option<u16>, Option<Fault>) {
        let Some(url) = sendable(&held.url, policy) else {
            return (None, Some(Fault::Address));
        };
        let timestamp = now.millis().div_euclid(1000);
        let answer = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(EVENT_ID_HEADER, &held.event_id)
            .header(EVENT_TYPE_HEADER, &held.event_type)
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature(&held.secret, timestamp, &held.body))
            .body(held.body.clone())
            .send()
            .await;
        match answer {
            Ok(res) => (Some(res.status().as_u16()), (!res.status().is_success()).then_some(Fault::Answered)),
            Err(e) if e.is_timeout() => (None, Some(Fault::Timeout)),
            Err(e) if e.is_connect() => (None, Some(Fault::Connect)),
            Err(_) => (None, Some(Fault::Request)),
        }
    }

    /// Sends due deliveries until none is due (or shutdown is asked for); how many it sent.
    pub async fn drain(&self, shutdown: &watch::Receiver<bool>) -> usize {
        let mut sent = 0;
        while !*shutdown.borrow() {
            match self.run_one().await {
                Ok(Some(_)) => sent += 1,
                Ok(None) => break,
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "webhook delivery failed to run; trying again at the next tick");
                    break;
                }
            }
        }
        sent
    }

    /// Every `every`, sends every due delivery over [`LANES`] concurrent lanes (each
    /// delivery is held by one lane), until shutdown.
    pub async fn run_periodically(self, every: Duration, mut shutdown: watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !*shutdown.borrow() {
            tokio::select! {
                _ = tick.tick() => {
                    let mut lanes = tokio::task::JoinSet::new();
                    for _ in 0..LANES {
                        let (lane, stop) = (self.clone(), shutdown.clone());
                        lanes.spawn(async move { lane.drain(&stop).await });
                    }
                    while lanes.join_next().await.is_some() {}
                }
                _ = shutdown.changed() => {}
            }
        }
    }
}

/// Deliveries one instance sends at once: an endpoint slow to answer (up to its timeout)
/// holds one lane, not every delivery behind it.
pub const LANES: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_sha256_of_timestamp_dot_body_in_hex() {
        // RFC 4231 test case 2's key and data, split as "<timestamp>.<body>" would be.
        let s = signature("Jefe", 0, "what do ya want for nothing?");
        assert!(s.starts_with("v1="), "{s}");
        assert_eq!(s.len(), 3 + 64);
        assert_ne!(s, signature("Jefe", 1, "what do ya want for nothing?"), "the time is signed");
        assert_ne!(s, signature("Jefe", 0, "what do ya want for nothing!"), "the body is signed");
        assert_ne!(s, signature("jefe", 0, "what do ya want for nothing?"), "the key matters");
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"0.what do ya want for nothing?");
        assert!(mac.verify_slice(&hex(&s[3..])).is_ok());
    }

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn only_https_addresses_are_sendable_and_plain_loopback_only_when_allowed() {
        let strict = WebhookPolicy::default();
        let local = WebhookPolicy { plain_loopback: true, ..strict };
        assert!(sendable("https://hooks.example.com/opshub?x=1", &strict).is_some());
        assert!(sendable("https://10.0.0.7:8443/in", &strict).is_some());
        for refused in [
            "http://hooks.example.com/in",
            "http://127.0.0.1:9000/in",
            "ftp://hooks.example.com/in",
            "https://user:pw@hooks.example.com/in",
            "https://hooks.example.com/in#frag",
            "hooks.example.com/in",
            "https://hooks.example.com/\n",
            "",
        ] {
            assert!(sendable(refused, &strict).is_none(), "{refused:?}");
        }
        assert!(sendable(&format!("https://h.example/{}", "a".repeat(2000)), &strict).is_none());
        for allowed in ["http://127.0.0.1:9000/in", "http://localhost:9/in", "http://[::1]:9/in"] {
            assert!(sendable(allowed, &local).is_some(), "{allowed}");
        }
        assert!(sendable("http://hooks.example.com/in", &local).is_none(), "only loopback goes plain");
    }
}
