//! Webhooks (specs/webhooks): a run's end is recorded once in the transaction that ends it,
//! delivered signed to every endpoint that takes it, retried with backoff until it is
//! answered or its window closes, and shown in the owner's delivery log.

use super::harness::TestDb;
use super::{LEASE, new_run};
use app::domain::access::{Role, TenantScope};
use app::domain::webhook::{DeliveryState, RetryPolicy};
use app::domain::{RunId, RunOutcome};
use app::jobs::lifecycle::Completion;
use app::jobs::webhooks::{Deliverer, WebhookPolicy};
use app::runtime::{AppState, RuntimeConfig};
use app::services::error::{Error, Invalid, Thing};
use app::services::principal::Principal;
use app::services::webhooks::{self, NewEndpoint};
use axum::http::HeaderMap;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request a receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: String,
}

/// A webhook receiver on a loopback port: it answers the statuses of `answers` in turn, then
/// 200 to everything, and keeps every request.
struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(answers: &[u16]) -> Self {
        let seen: Arc<Mutex<Vec<Received>>> = Arc::default();
        let script = Arc::new(Mutex::new(answers.to_vec()));
        let (kept, left) = (seen.clone(), script.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let (kept, left) = (kept.clone(), left.clone());
                async move {
                    kept.lock().unwrap().push(Received { headers, body });
                    let mut left = left.lock().unwrap();
                    let status = if left.is_empty() { 200 } else { left.remove(0) };
                    axum::http::StatusCode::from_u16(status).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, seen }
    }

    fn seen(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }
}

fn owner(t: &TestDb) -> Principal {
    Principal::new(t.user, t.ws, "Owner", Role::Owner, TenantScope::All)
}

/// The test's state, delivering to loopback receivers, retrying after one second and giving
/// up a minute after the event.
fn delivering(t: &TestDb) -> AppState {
    let config = RuntimeConfig {
        webhooks: WebhookPolicy {
            retry: RetryPolicy { first_retry_ms: 1_000, give_up_after_ms: 60_000 },
            timeout: Duration::from_secs(5),
            plain_loopback: true,
        },
        ..RuntimeConfig::default()
    };
    AppState::new(t.state.db.clone(), t.state.clock.clone(), config)
}

fn header(r: &Received, name: &str) -> String {
    r.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// Whether `r` carries a valid signature under `secret`, computed here from the documented
/// recipe: HMAC-SHA256 over `<timestamp>.<body>`, hex, after `v1=`.
fn signed_by(r: &Received, secret: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{}.{}", header(r, "opshub-timestamp"), r.body).as_bytes());
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    header(r, "opshub-signature") == format!("v1={expected}")
}

/// A run of the test's tenant, queued, claimed by `w1` and finished with `outcome`.
async fn finished_run(t: &TestDb, outcome: RunOutcome) -> RunId {
    let life = t.state.lifecycle();
    let id = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().id;
    life.claim(id, "w1", LEASE).await.unwrap().expect("claimed");
    life.complete(id, Completion::by_worker("w1", outcome)).await.unwrap();
    id
}

async fn count(t: &TestDb, sql: &str, run: RunId) -> i64 {
    sqlx::query_scalar(sql).bind(run.get()).fetch_one(t.state.db.pool()).await.unwrap()
}

async fn events_of(t: &TestDb, run: RunId) -> i64 {
    count(t, "SELECT COUNT(*) FROM webhook_events WHERE run_id = $1", run).await
}

async fn deliveries_of(t: &TestDb, run: RunId) -> i64 {
    count(
        t,
        "SELECT COUNT(*) FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id WHERE e.run_id = $1",
        run,
    )
    .await
}

pub(crate) async fn a_runs_end_is_delivered_signed_and_retried_until_the_endpoint_answers(t: &TestDb) {
    let state = delivering(t);
    let receiver = Receiver::start(&[500, 503]).await;
    let new = NewEndpoint { url: receiver.url.clone(), events: "run.finished,run.reconciled".into() };
    let made = webhooks::create(&state, &owner(t), &new).await.expect("subscribed");
    assert!(made.secret.starts_with("whsec_"));
    // Endpoints that must hear nothing: one takes only stuck runs, one was removed.
    let stuck_only = NewEndpoint { url: "https://stuck.example.com/in".into(), events: "run.stuck".into() };
    webhooks::create(&state, &owner(t), &stuck_only).await.expect("subscribed");
    let removed = NewEndpoint { url: "https://gone.example.com/in".into(), events: "run.finished".into() };
    let gone = webhooks::create(&state, &owner(t), &removed).await.expect("subscribed");
    webhooks::revoke(&state, &owner(t), &gone.endpoint.id.to_string()).await.expect("removed");

    let run = finished_run(t, RunOutcome::Succeeded).await;
    assert_eq!((events_of(t, run).await, deliveries_of(t, run).await), (1, 1), "one event, for one endpoint");
    // A second completion is refused and records nothing more.
    let again = t.state.lifecycle().complete(run, Completion::by_worker("w1", RunOutcome::Failed)).await;
    assert!(again.is_err());
    assert_eq!(events_of(t, run).await, 1);

    let deliverer = Deliverer::new(state.clone()).expect("a client");
    let first = deliverer.run_one().await.unwrap().expect("due at once");
    assert_eq!((first.status, first.state), (Some(500), DeliveryState::Pending));
    assert!(deliverer.run_one().await.unwrap().is_none(), "not due again for a second");
    t.clock.advance(Duration::from_millis(1_000));
    let second = deliverer.run_one().await.unwrap().expect("due after a second");
    assert_eq!((second.status, second.state), (Some(503), DeliveryState::Pending));
    t.clock.advance(Duration::from_millis(3_999));
    assert!(deliverer.run_one().await.unwrap().is_none(), "the next wait is four seconds");
    t.clock.advance(Duration::from_millis(1));
    let third = deliverer.run_one().await.unwrap().expect("due after four more");
    assert_eq!((third.status, third.state), (Some(200), DeliveryState::Delivered));
    t.clock.advance(Duration::from_secs(3600));
    assert!(deliverer.run_one().await.unwrap().is_none(), "delivered is done");

    let seen = receiver.seen();
    assert_eq!(seen.len(), 3);
    let id = header(&seen[0], "opshub-event-id");
    assert_eq!(id, format!("evt_{run}_end"));
    for r in &seen {
        assert_eq!(header(r, "opshub-event-id"), id, "one event id on every attempt");
        assert_eq!(header(r, "opshub-event-type"), "run.finished");
        assert_eq!(header(r, "content-type"), "application/json");
        assert!(signed_by(r, &made.secret), "a valid signature: {:?}", r.headers);
        assert!(!signed_by(r, "whsec_someone-else"), "and only under its own secret");
        assert_eq!(r.body, seen[0].body, "the same body every time");
    }
    let body: serde_json::Value = serde_json::from_str(&seen[0].body).expect("JSON");
    assert_eq!((body["id"].as_str(), body["type"].as_str()), (Some(id.as_str()), Some("run.finished")));
    assert_eq!(body["workspace_id"], t.ws.get());
    assert_eq!((body["run"]["id"].as_i64(), body["run"]["outcome"].as_str()), (Some(run.get()), Some("succeeded")));
    assert_eq!(body["run"]["status"], "completed");
    assert_eq!(body["run"]["links"]["page"], format!("/admin/operations/{run}"));

    // The log shows the delivery with its attempts, newest first; "retry now" sends it once more.
    let page = webhooks::log(&state, &owner(t)).await.expect("the log");
    assert_eq!(page.endpoints.len(), 3);
    let [d] = page.deliveries.as_slice() else { panic!("one delivery: {:?}", page.deliveries) };
    assert_eq!((d.state.as_str(), d.attempts, d.event_id.as_str(), d.run_id), ("delivered", 3, id.as_str(), run.get()));
    let statuses: Vec<Option<i64>> = d.recent.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(200), Some(503), Some(500)]);
    assert_eq!(d.recent[1].error.as_deref(), Some("answered"));
    webhooks::retry(&state, &owner(t), &d.id.to_string()).await.expect("retried");
    let fourth = deliverer.run_one().await.unwrap().expect("due now");
    assert_eq!((fourth.event_id.as_str(), fourth.state), (id.as_str(), DeliveryState::Delivered));
    assert_eq!(receiver.seen().len(), 4);
}

pub(crate) async fn a_delivery_nobody_answers_is_given_up_when_its_window_closes(t: &TestDb) {
    let state = delivering(t);
    // Nothing listens on this port: bind one, then let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let new = NewEndpoint { url: format!("http://127.0.0.1:{port}/hook"), events: "run.finished".into() };
    webhooks::create(&state, &owner(t), &new).await.expect("subscribed");
    finished_run(t, RunOutcome::Failed).await;
    let deliverer = Deliverer::new(state.clone()).expect("a client");
    let mut tries = 0;
    let last = loop {
        let sent = deliverer.run_one().await.unwrap().expect("due");
        tries += 1;
        assert_eq!(sent.status, None);
        if sent.state != DeliveryState::Pending {
            break sent;
        }
        t.clock.advance(Duration::from_secs(20));
    };
    // Tried at 0, 20, 40 and 60 s; after the fourth the next wait (64 s) would end past the
    // minute's window, so it is given up.
    assert_eq!((last.state, tries), (DeliveryState::Failed, 4));
    assert!(deliverer.run_one().await.unwrap().is_none(), "given up is not tried again");
    let page = webhooks::log(&state, &owner(t)).await.expect("the log");
    assert_eq!(page.deliveries[0].state, "failed");
    assert_eq!(page.deliveries[0].recent[0].error.as_deref(), Some("connect"));
    assert_eq!(page.deliveries[0].next_attempt_at, None);
}

pub(crate) async fn subscribing_refuses_what_cannot_be_delivered_and_stores_nothing(t: &TestDb) {
    let state = t.state.clone();
    let o = owner(t);
    let bad_urls = [
        "",
        "hooks.example.com/in",
        "http://hooks.example.com/in",
        "http://127.0.0.1:9/in",
        "ftp://hooks.example.com/in",
        "https://user:secret@hooks.example.com/in",
        "https://hooks.example.com/in#x",
        "https://hooks.example.com/in\u{0}",
        "javascript:alert(1)",
    ];
    for url in bad_urls {
        let new = NewEndpoint { url: url.into(), events: "run.finished".into() };
        let e = webhooks::create(&state, &o, &new).await.unwrap_err();
        assert!(matches!(e, Error::Invalid(Invalid::WebhookUrl)), "{url:?}: {e:?}");
    }
    let long = format!("https://hooks.example.com/{}", "a".repeat(2000));
    let e = webhooks::create(&state, &o, &NewEndpoint { url: long, events: "run.finished".into() }).await;
    assert!(matches!(e, Err(Error::Invalid(Invalid::WebhookUrl))));
    for events in ["", "run.started", "run.finished,drop table"] {
        let new = NewEndpoint { url: "https://hooks.example.com/in".into(), events: events.into() };
        let e = webhooks::create(&state, &o, &new).await.unwrap_err();
        assert!(matches!(e, Error::Invalid(Invalid::WebhookEvents)), "{events:?}: {e:?}");
    }
    for id in ["", "0", "-1", "x", "99999999999999999999", "424242"] {
        assert!(matches!(webhooks::revoke(&state, &o, id).await, Err(Error::NotFound(Thing::Webhook))), "{id:?}");
        assert!(matches!(webhooks::retry(&state, &o, id).await, Err(Error::NotFound(Thing::Delivery))), "{id:?}");
    }
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM webhook_endpoints").fetch_one(t.state.db.pool()).await.unwrap();
    assert_eq!(stored, 0);
    // Only the owner manages endpoints.
    let operator = Principal::new(t.user, t.ws, "Op", Role::Operator, TenantScope::All);
    let new = NewEndpoint { url: "https://hooks.example.com/in".into(), events: "run.finished".into() };
    assert!(matches!(webhooks::create(&state, &operator, &new).await, Err(Error::Forbidden(_))));
    assert!(matches!(webhooks::log(&state, &operator).await, Err(Error::Forbidden(_))));
}

pub(crate) async fn a_run_still_stuck_after_a_sweep_is_announced_once_to_endpoints_that_take_it(t: &TestDb) {
    let o = owner(t);
    let stuck = NewEndpoint { url: "https://pager.example.com/in".into(), events: "run.stuck".into() };
    webhooks::create(&t.state, &o, &stuck).await.expect("subscribed");
    let ends = NewEndpoint { url: "https://ends.example.com/in".into(), events: "run.finished,run.reconciled".into() };
    webhooks::create(&t.state, &o, &ends).await.expect("subscribed");
    let life = t.state.lifecycle();
    let quiet = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().id;
    life.claim(quiet, "w1", LEASE).await.unwrap().expect("claimed");
    assert_eq!(app::jobs::webhooks::announce_stuck(&t.state).await.unwrap(), 0, "fresh work is not stuck");

    // Its worker falls silent past the heartbeat timeout: likely stale, so stuck.
    let policy = t.state.config.policy(&app::domain::RunType::InventorySync.into());
    t.clock.advance(policy.heartbeat_timeout + Duration::from_secs(1));
    assert_eq!(app::jobs::webhooks::announce_stuck(&t.state).await.unwrap(), 1);
    assert_eq!(app::jobs::webhooks::announce_stuck(&t.state).await.unwrap(), 0, "announced once");
    let (body, to): (String, i64) = sqlx::query_as(
        "SELECT e.body, d.endpoint_id FROM webhook_events e JOIN webhook_deliveries d ON d.event_id = e.id \
         WHERE e.id = $1",
    )
    .bind(format!("evt_{quiet}_stuck"))
    .fetch_one(t.state.db.pool())
    .await
    .expect("one stuck event, to one endpoint");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!((body["type"].as_str(), body["run"]["status"].as_str()), (Some("run.stuck"), Some("running")));
    assert_eq!(
        (body["run"]["freshness"].as_str(), body["run"]["problem_class"].as_str()),
        (Some("likely_stale"), Some("active_stale"))
    );
    let page = webhooks::log(&t.state, &o).await.unwrap();
    let pager = page.endpoints.iter().find(|e| e.url.starts_with("https://pager.")).unwrap();
    assert_eq!(to, pager.id);

    // The reconciler then closes it: its end is a second event, to the other endpoint.
    let sweep = app::jobs::reconciler::Reconciler::new(t.state.clone(), "sweeper").sweep().await.unwrap();
    assert_eq!(sweep.decided.len(), 1);
    assert_eq!((events_of(t, quiet).await, deliveries_of(t, quiet).await), (2, 2));
    // A run the sweep closes before anyone called it stuck is announced by its end alone.
    let other = life.start(super::distinct_runs(t)(Some(t.tenant))).await.unwrap().run().id;
    life.claim(other, "w2", LEASE).await.unwrap().expect("claimed");
    t.clock.advance(policy.heartbeat_timeout + Duration::from_secs(1));
    app::jobs::reconciler::Reconciler::new(t.state.clone(), "sweeper").sweep().await.unwrap();
    let types: Vec<String> = sqlx::query_scalar("SELECT event_type FROM webhook_events WHERE run_id = $1")
        .bind(other.get())
        .fetch_all(t.state.db.pool())
        .await
        .unwrap();
    assert_eq!(types, ["run.reconciled"]);
}

pub(crate) async fn deliverers_racing_send_each_delivery_once(t: &TestDb) {
    let state = delivering(t);
    let receiver = Receiver::start(&[]).await;
    let new = NewEndpoint { url: receiver.url.clone(), events: "run.finished".into() };
    webhooks::create(&state, &owner(t), &new).await.expect("subscribed");
    let mut next = super::distinct_runs(t);
    let life = t.state.lifecycle();
    for _ in 0..12 {
        let id = life.start(next(Some(t.tenant))).await.unwrap().run().id;
        life.claim(id, "w1", LEASE).await.unwrap().expect("claimed");
        life.complete(id, Completion::by_worker("w1", RunOutcome::Succeeded)).await.unwrap();
    }
    // Two instances' deliverers, each with its lanes, drain at once.
    let (_keep, stop) = tokio::sync::watch::channel(false);
    let mut lanes = tokio::task::JoinSet::new();
    for _ in 0..2 * app::jobs::webhooks::LANES {
        let (lane, stop) = (Deliverer::new(state.clone()).expect("a client"), stop.clone());
        lanes.spawn(async move { lane.drain(&stop).await });
    }
    let mut sent = 0;
    while let Some(n) = lanes.join_next().await {
        sent += n.unwrap();
    }
    assert_eq!(sent, 12, "each delivery sent by one lane");
    let mut ids: Vec<String> = receiver.seen().iter().map(|r| header(r, "opshub-event-id")).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((receiver.seen().len(), ids.len()), (12, 12), "twelve events, each received once");
    let log = webhooks::log(&state, &owner(t)).await.unwrap();
    assert!(log.deliveries.iter().all(|d| d.state == "delivered" && d.attempts == 1), "{:?}", log.deliveries);
}
