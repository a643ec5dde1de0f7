//! Work a platform runs itself and reports through the runs API (specs/runs-api, "Reporting
//! work"): reported and claimed runs are written through the one lifecycle, judged by their
//! workspace type's windows, refused whole when their progress does not fit, held by one
//! worker at a time, and closed by the reconciler when their worker vanishes — once, with
//! one notification.

use super::harness::TestDb;
use super::matrix::{HOST, test_ops};
use app::domain::{RunId, RunOutcome, RunState};
use app::jobs::reconciler::Reconciler;
use app::runtime::Clock as _;
use app::services::principal::Principal;
use app::services::tokens::{self, NewToken};
use app::store::runs;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use serde_json::{Value, json};
use std::time::Duration;
use tower::ServiceExt as _;

fn owner(t: &TestDb) -> Principal {
    Principal::owner(t.user, t.ws, "Owner")
}

/// The secret of a new token with `grants`, for `tenant` or every tenant.
async fn secret(t: &TestDb, grants: &str, tenant: Option<app::domain::TenantId>) -> String {
    static MADE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let new = NewToken { name: format!("worker {n}"), grants: grants.to_owned(), tenant, ..NewToken::default() };
    tokens::create(&t.state, &owner(t), &new).await.expect("token").secret
}

fn router(t: &TestDb) -> Router {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    server::web::router(t.state.clone(), server::web::leptos_options("target/site", addr), test_ops())
}

/// `method path` with a JSON `body` and `secret` as the bearer token: status and JSON body
/// (null when empty). No answer ever leaks storage words.
async fn call(app: &Router, method: &str, path: &str, body: &str, secret: &str) -> (u16, Value) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .expect("request");
    let res = app.clone().oneshot(req).await.expect("response");
    let status = res.status().as_u16();
    let bytes = axum::body::to_bytes(res.into_body(), 4 << 20).await.expect("body");
    let text = String::from_utf8_lossy(&bytes);
    for leak in ["SQLSTATE", "constraint", "sqlx", "panicked", "operation_runs"] {
        assert!(!text.contains(leak), "{method} {path} {body:.80} leaks {leak:?}: {text}");
    }
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Registers the workspace type `key` with `mode` (and `phases`), stale after 30 minutes,
/// a heartbeat timeout of two.
async fn register(app: &Router, secret: &str, key: &str, mode: &str, phases: &[&str]) {
    let body = json!({
        "label": {"en": "Backup snapshot", "de": "Sicherungs-Snapshot"},
        "progress_mode": mode,
        "phases": phases,
        "windows": {"queue_wait_secs": 60, "expected_secs": 600, "stale_after_secs": 1800, "heartbeat_timeout_secs": 120}
    });
    let (status, answer) = call(app, "PUT", &format!("/api/v1/run-types/{key}"), &body.to_string(), secret).await;
    assert!(status == 201 || status == 200, "{answer}");
}

fn report_body(t: &TestDb, worker: &str, dedupe: &str) -> String {
    json!({"type": "backup.snapshot", "tenant_id": t.tenant.get(), "worker": worker, "dedupe_key": dedupe}).to_string()
}

async fn stored(t: &TestDb, id: i64) -> app::domain::Run {
    runs::get(&t.state.db, RunId(id)).await.expect("read").expect("the run")
}

async fn notifications_of(t: &TestDb, run: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT user_id FROM notifications WHERE run_id = $1")
        .bind(run)
        .fetch_all(t.state.db.pool())
        .await
        .expect("notifications")
}

pub(crate) async fn a_reported_run_is_written_through_the_lifecycle_and_shown_like_a_built_in_one(t: &TestDb) {
    let app = router(t);
    let worker = secret(t, "report_runs,read_runs", None).await;
    register(&app, &worker, "backup.snapshot", "counted", &[]).await;

    let (status, made) = call(&app, "POST", "/api/v1/runs/report", &report_body(t, "host-1", "b-1"), &worker).await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["already_running"], false);
    let run = &made["run"];
    let id = run["id"].as_i64().expect("an id");
    assert_eq!((run["type"].as_str(), run["status"].as_str()), (Some("backup.snapshot"), Some("running")));
    assert_eq!(run["type_label"], "Backup snapshot");
    assert_eq!(run["freshness"], "fresh");
    // The same report again (a retried request) answers the same run, held by the same worker.
    let (status, again) = call(&app, "POST", "/api/v1/runs/report", &report_body(t, "host-1", "b-1"), &worker).await;
    assert_eq!((status, again["already_running"].as_bool(), again["run"]["id"].as_i64()), (200, Some(true), Some(id)));

    // Counted progress, shown as counted progress on the run and in the list.
    let progress = json!({"worker": "host-1", "counts": {"total": 10, "processed": 3}}).to_string();
    let (status, heard) = call(&app, "POST", &format!("/api/v1/runs/{id}/progress"), &progress, &worker).await;
    assert_eq!((status, &heard), (200, &json!({"stop_requested": false})));
    let (_, shown) = call(&app, "GET", &format!("/api/v1/runs/{id}"), "", &worker).await;
    assert_eq!(shown["progress"], json!({"mode": "counted", "processed": 3, "total": 10}));
    let (_, listed) = call(&app, "GET", "/api/v1/runs?run_type=backup.snapshot", "", &worker).await;
    assert_eq!(listed["total"], 1, "{listed}");
    let view = app::services::operations::run_detail(&t.state, &owner(t), &id.to_string()).await.expect("detail").view;
    assert_eq!(view.hooks()[1], ("data-run-type", "backup.snapshot".to_owned()));
    assert_eq!(view.hooks()[7], ("data-progress-mode", "counted".to_owned()));
    assert_eq!(app::copy::Locale::De.catalog().type_name(&view.run_type), "Sicherungs-Snapshot");
    assert!(t.state.lifecycle().claim_next("opshub-worker", Duration::from_secs(60)).await.unwrap().is_none());

    // A sign of life; then the end, with its counts.
    let beat = json!({"worker": "host-1"}).to_string();
    assert_eq!(call(&app, "POST", &format!("/api/v1/runs/{id}/heartbeat"), &beat, &worker).await.0, 200);
    let end = json!({"worker": "host-1", "outcome": "succeeded", "counts": {"processed": 10, "succeeded": 10}});
    let (status, ended) = call(&app, "POST", &format!("/api/v1/runs/{id}/complete"), &end.to_string(), &worker).await;
    assert_eq!(
        (status, ended["status"].as_str(), ended["outcome"].as_str()),
        (200, Some("completed"), Some("succeeded"))
    );
    assert_eq!(ended["counts"]["succeeded"], 10);
    let done = stored(t, id).await;
    assert_eq!(done.state, RunState::Completed(RunOutcome::Succeeded));
    assert_eq!(notifications_of(t, id).await, [t.user.get()], "one notification, to the token's maker");
    // The run is no longer this worker's to write to.
    let (status, refused) = call(&app, "POST", &format!("/api/v1/runs/{id}/progress"), &progress, &worker).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("conflict")), "{refused}");
    assert_eq!(notifications_of(t, id).await.len(), 1);
}

pub(crate) async fn progress_that_does_not_fit_its_type_is_refused_by_field_and_nothing_is_stored(t: &TestDb) {
    let app = router(t);
    let worker = secret(t, "report_runs", None).await;
    let other_token = secret(t, "report_runs", None).await;
    register(&app, &worker, "backup.snapshot", "phased", &["copy", "verify"]).await;
    let (_, made) = call(&app, "POST", "/api/v1/runs/report", &report_body(t, "host-1", "b-2"), &worker).await;
    let id = made["run"]["id"].as_i64().expect("an id");
    let path = format!("/api/v1/runs/{id}/progress");
    let good = json!({"worker": "host-1", "phase": "copy", "counts": {"total": 4, "processed": 1}});
    assert_eq!(call(&app, "POST", &path, &good.to_string(), &worker).await.0, 200);
    let before = stored(t, id).await;

    let cases: Vec<(Value, &str)> = vec![
        (json!({"worker": "host-1", "counts": {"bananas": 1}}), "\"counts.bananas\""),
        (json!({"worker": "host-1", "counts": {"items_captured": 1}}), "\"counts.items_captured\""),
        (json!({"worker": "host-1", "counts": {"total": -1}}), "\"counts.total\""),
        (json!({"worker": "host-1", "counts": {"total": 1.5}}), "\"counts.total\""),
        (json!({"worker": "host-1", "counts": {"processed": 9}}), "\"counts\""),
        (json!({"worker": "host-1", "counts": [4, 1]}), "\"counts\""),
        (json!({"worker": "host-1", "phase": "deploy"}), "\"phase\""),
        (json!({"worker": "host-1", "phase": 2}), "\"phase\""),
        (json!({"worker": "host-1", "composite": {"total": 3, "ready": 1, "failed": 0}}), "\"composite\""),
        (json!({"worker": "host-1", "composite": {"total": 3, "ready": "1"}}), "\"composite.ready\""),
        (json!({"worker": "host 1", "phase": "copy"}), "\"worker\""),
        (json!({"phase": "copy"}), "\"worker\""),
        (json!({"worker": "host-1", "percent": 50}), "\"percent\""),
    ];
    for (body, says) in cases {
        let (status, answer) = call(&app, "POST", &path, &body.to_string(), &worker).await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert_eq!(answer["code"], "invalid", "{body}");
        assert!(answer["detail"].as_str().unwrap_or_default().contains(says), "{body}: {answer}");
    }
    // Another worker, or the same name under another token, does not hold the run.
    let stranger = json!({"worker": "host-2", "phase": "verify"}).to_string();
    assert_eq!(call(&app, "POST", &path, &stranger, &worker).await.0, 409);
    assert_eq!(call(&app, "POST", &path, &good.to_string(), &other_token).await.0, 409);
    let after = stored(t, id).await;
    assert_eq!((after.summary, after.context), (before.summary, before.context), "nothing refused was stored");

    // The phase it did name is shown as the step of its type's phases.
    let (_, shown) = call(&app, "GET", &format!("/api/v1/runs/{id}"), "", &secret(t, "read_runs", None).await).await;
    assert_eq!(shown["progress"], json!({"mode": "phased", "step": 1, "of": 2, "phase": "copy"}));
}

/// The revision of run `id`: how many meaningful writes it has had.
async fn revision(t: &TestDb, id: i64) -> i64 {
    sqlx::query_scalar("SELECT revision FROM operation_runs WHERE id = $1")
        .bind(id)
        .fetch_one(t.state.db.pool())
        .await
        .expect("a revision")
}

pub(crate) async fn overlapping_progress_reports_of_one_run_each_keep_what_the_others_wrote(t: &TestDb) {
    let app = router(t);
    let worker = secret(t, "report_runs,read_runs", None).await;
    register(&app, &worker, "backup.snapshot", "composite", &[]).await;
    let (_, made) = call(&app, "POST", "/api/v1/runs/report", &report_body(t, "host-1", "o-1"), &worker).await;
    let id = made["run"]["id"].as_i64().expect("an id");
    let before = revision(t, id).await;

    // Twenty reports at once, half of them counts and half a composite summary: each is read,
    // merged and written, so one written between another's read and write must not be lost.
    let path = format!("/api/v1/runs/{id}/progress");
    let reports = (0..20u64).map(|i| {
        let body = if i % 2 == 0 {
            json!({"worker": "host-1", "counts": {"total": 100, "processed": i}})
        } else {
            json!({"worker": "host-1", "composite": {"total": 5, "ready": i % 5, "failed": 0}})
        };
        let (app, path, worker) = (app.clone(), path.clone(), worker.clone());
        async move { call(&app, "POST", &path, &body.to_string(), &worker).await.0 }
    });
    let answers = futures_util::future::join_all(reports).await;
    assert!(answers.iter().all(|s| *s == 200), "{answers:?}");
    assert_eq!(revision(t, id).await - before, 20, "each report is one write, none lost or doubled");
    let run = stored(t, id).await;
    assert_eq!(run.summary.get(app::domain::SummaryKey::Total), Some(100), "the counts survive the composites");
    assert!(run.context.composite().is_some(), "the composite survives the counts");

    // The write's guard itself: a revision that moved on writes nothing.
    let owner = format!("api:{}:host-1", token_id(t, &worker).await);
    let now = t.clock.now();
    let stale = app::store::run_writes::write_progress(&t.state.db, RunId(id), &owner, before, now, now, "{}", "{}")
        .await
        .expect("a guarded write");
    assert!(stale.is_none(), "a stale revision misses");
    assert_eq!(stored(t, id).await.summary.get(app::domain::SummaryKey::Total), Some(100), "and changes nothing");
}

/// The id of the token whose secret is `secret`.
async fn token_id(t: &TestDb, secret: &str) -> i64 {
    let principal = tokens::authenticate(&t.state, secret).await.expect("authenticated").expect("a working token");
    principal.token.expect("a token").id.get()
}

pub(crate) async fn two_workers_racing_for_queued_runs_each_hold_a_different_one(t: &TestDb) {
    let app = router(t);
    let starter = secret(t, "start_runs,report_runs", None).await;
    register(&app, &starter, "backup.snapshot", "activity", &[]).await;
    let mut queued = Vec::new();
    for i in 0..6 {
        let body = json!({"type": "backup.snapshot", "tenant_id": t.tenant.get(), "dedupe_key": format!("q-{i}")});
        let (status, made) = call(&app, "POST", "/api/v1/runs", &body.to_string(), &starter).await;
        assert_eq!((status, made["run"]["status"].as_str()), (201, Some("queued")), "{made}");
        queued.push(made["run"]["id"].as_i64().expect("an id"));
    }
    // Opshub's own workers leave the platform's work alone.
    assert!(t.state.lifecycle().claim_next("opshub-worker", Duration::from_secs(60)).await.unwrap().is_none());

    let claims = (0..12).map(|i| {
        let body = json!({"types": ["backup.snapshot"], "worker": format!("w-{}", i % 2)}).to_string();
        let (app, starter) = (app.clone(), starter.clone());
        async move { call(&app, "POST", "/api/v1/runs/claim", &body, &starter).await }
    });
    let answers = futures_util::future::join_all(claims).await;
    let mut held: Vec<i64> =
        answers.iter().filter(|(s, _)| *s == 200).filter_map(|(_, b)| b["run"]["id"].as_i64()).collect();
    assert_eq!(answers.iter().filter(|(s, _)| *s == 204).count(), 6, "the rest found nothing queued");
    held.sort_unstable();
    assert_eq!(held, queued, "every queued run is held by exactly one claim");
    for id in queued {
        let run = stored(t, id).await;
        assert_eq!(run.state, RunState::Running);
        assert!(run.lease_owner.as_deref().is_some_and(|o| o.starts_with("api:")), "{:?}", run.lease_owner);
    }
    // A claim names the types it works: registered ones only.
    let unknown = json!({"types": ["backup.unknown"], "worker": "w-0"}).to_string();
    let (status, answer) = call(&app, "POST", "/api/v1/runs/claim", &unknown, &starter).await;
    assert_eq!((status, answer["detail"].as_str().map(|d| d.contains("\"types\""))), (422, Some(true)), "{answer}");
    let built_in = json!({"types": ["inventory.sync"], "worker": "w-0"}).to_string();
    assert_eq!(call(&app, "POST", "/api/v1/runs/claim", &built_in, &starter).await.0, 422);
}

pub(crate) async fn a_reported_run_whose_worker_vanishes_is_closed_as_worker_lost_once(t: &TestDb) {
    let app = router(t);
    let worker = secret(t, "report_runs", None).await;
    register(&app, &worker, "backup.snapshot", "counted", &[]).await;
    let (_, made) = call(&app, "POST", "/api/v1/runs/report", &report_body(t, "host-1", "b-3"), &worker).await;
    let id = made["run"]["id"].as_i64().expect("an id");
    let hook = app::services::webhooks::NewEndpoint {
        url: "https://hooks.example.com/opshub".into(),
        events: "run.finished,run.reconciled".into(),
    };
    app::services::webhooks::create(&t.state, &owner(t), &hook).await.expect("an endpoint");

    // Silent for longer than its type's heartbeat timeout (120 s), not its stale window.
    t.clock.advance(Duration::from_secs(121));
    let sweep = Reconciler::new(t.state.clone(), "sweeper").sweep().await.expect("sweep");
    let decided: Vec<(i64, &str)> = sweep.decided.iter().map(|(i, r, _)| (i.get(), *r)).collect();
    assert_eq!(decided, [(id, "worker_lost")]);
    let closed = stored(t, id).await;
    assert_eq!(closed.state, RunState::Completed(RunOutcome::Failed));
    assert!(closed.was_reconciled());
    assert_eq!(closed.failure.as_ref().map(|f| f.code.as_str()), Some("worker_lost"));
    assert_eq!(notifications_of(t, id).await.len(), 1, "one notification");
    assert_eq!(webhook_events_of(t, id).await, [(format!("evt_{id}_end"), "run.reconciled".to_owned())]);

    // The worker comes back too late: it hears it no longer holds the run; nothing changes.
    let late = json!({"worker": "host-1", "outcome": "succeeded"}).to_string();
    assert_eq!(call(&app, "POST", &format!("/api/v1/runs/{id}/complete"), &late, &worker).await.0, 409);
    let beat = json!({"worker": "host-1"}).to_string();
    assert_eq!(call(&app, "POST", &format!("/api/v1/runs/{id}/heartbeat"), &beat, &worker).await.0, 409);
    assert!(Reconciler::new(t.state.clone(), "sweeper").sweep().await.expect("sweep").decided.is_empty());
    assert_eq!(stored(t, id).await.state, RunState::Completed(RunOutcome::Failed));
    assert_eq!(notifications_of(t, id).await.len(), 1, "still one notification");
    assert_eq!(webhook_events_of(t, id).await.len(), 1, "still one webhook event");
}

/// The webhook events recorded about run `id`: id and type.
async fn webhook_events_of(t: &TestDb, id: i64) -> Vec<(String, String)> {
    sqlx::query_as("SELECT id, event_type FROM webhook_events WHERE run_id = $1")
        .bind(id)
        .fetch_all(t.state.db.pool())
        .await
        .expect("events")
}

pub(crate) async fn a_type_registered_again_judges_its_active_runs_by_the_new_windows(t: &TestDb) {
    let app = router(t);
    let worker = secret(t, "report_runs", None).await;
    register(&app, &worker, "backup.snapshot", "counted", &[]).await;
    let (_, made) = call(&app, "POST", "/api/v1/runs/report", &report_body(t, "host-1", "b-4"), &worker).await;
    let id = made["run"]["id"].as_i64().expect("an id");
    // Its jobs take longer than first thought: a longer heartbeat timeout.
    let longer = json!({
        "label": {"en": "Backup", "de": "Sicherung"},
        "progress_mode": "counted",
        "windows": {"queue_wait_secs": 60, "expected_secs": 600, "stale_after_secs": 3600, "heartbeat_timeout_secs": 900}
    });
    assert_eq!(call(&app, "PUT", "/api/v1/run-types/backup.snapshot", &longer.to_string(), &worker).await.0, 200);
    let run = stored(t, id).await;
    assert_eq!(t.state.config.policy(&run.run_type).heartbeat_timeout, Duration::from_secs(900));
    assert_eq!(
        run.run_type.name(),
        app::domain::TypeName::Workspace { key: "backup.snapshot".into(), en: "Backup".into(), de: "Sicherung".into() }
    );
    t.clock.advance(Duration::from_secs(300));
    let sweep = Reconciler::new(t.state.clone(), "sweeper").sweep().await.expect("sweep");
    assert!(sweep.decided.is_empty(), "silent for 5 minutes is within the new 15: {sweep:?}");
    assert_eq!(stored(t, id).await.state, RunState::Running);
}

pub(crate) async fn a_person_asks_a_reported_run_to_stop_and_its_worker_hears_it(t: &TestDb) {
    let app = router(t);
    let worker = secret(t, "report_runs", None).await;
    register(&app, &worker, "backup.snapshot", "counted", &[]).await;
    let (_, made) = call(&app, "POST", "/api/v1/runs/report", &report_body(t, "host-1", "b-5"), &worker).await;
    let id = made["run"]["id"].as_i64().expect("an id");
    let cancelled = app::services::operations::cancel_run(&t.state, &owner(t), &id.to_string()).await.expect("asked");
    assert!(!cancelled, "a running run stops at its worker's next report");
    let beat = json!({"worker": "host-1"}).to_string();
    let (status, heard) = call(&app, "POST", &format!("/api/v1/runs/{id}/heartbeat"), &beat, &worker).await;
    assert_eq!((status, &heard), (200, &json!({"stop_requested": true})));
    let end = json!({"worker": "host-1", "outcome": "cancelled", "failure": {"code": "stopped", "message": "Stopped on request."}});
    let (status, ended) = call(&app, "POST", &format!("/api/v1/runs/{id}/complete"), &end.to_string(), &worker).await;
    assert_eq!((status, ended["outcome"].as_str()), (200, Some("cancelled")), "{ended}");
    assert_eq!(ended["failure_message"], "Stopped on request.");
}

pub(crate) async fn every_reporting_endpoint_refuses_hostile_input_calmly_and_stores_nothing(t: &TestDb) {
    let app = router(t);
    let worker = secret(t, "report_runs", None).await;
    let reader = secret(t, "read_runs", None).await;
    let two = server::seed::ensure_tenant(&t.state.db, t.ws, "t2", "Tenant Two", t.clock.now()).await.expect("tenant");
    let elsewhere = secret(t, "report_runs", Some(two)).await;
    register(&app, &worker, "backup.snapshot", "counted", &[]).await;
    let (_, made) = call(&app, "POST", "/api/v1/runs/report", &report_body(t, "host-1", "b-6"), &worker).await;
    let id = made["run"]["id"].as_i64().expect("an id");
    let count = || async {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM operation_runs").fetch_one(t.state.db.pool()).await.unwrap();
        let notes: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM notifications").fetch_one(t.state.db.pool()).await.unwrap();
        (n, notes)
    };
    let before = (count().await, stored(t, id).await);
    let tenant = t.tenant.get();
    let long = "x".repeat(5000);
    let report = "/api/v1/runs/report";
    let cases: Vec<(&str, String, String, &String, u16)> = vec![
        (report, String::new(), "not json".into(), &worker, 422),
        (report, String::new(), "[]".into(), &worker, 422),
        (report, String::new(), json!({"type": "backup.snapshot", "tenant_id": tenant}).to_string(), &worker, 422),
        (
            report,
            String::new(),
            json!({"type": "inventory.sync", "tenant_id": tenant, "worker": "w"}).to_string(),
            &worker,
            409,
        ),
        (
            report,
            String::new(),
            json!({"type": "backup.nothing", "tenant_id": tenant, "worker": "w"}).to_string(),
            &worker,
            422,
        ),
        (report, String::new(), json!({"type": long, "tenant_id": tenant, "worker": "w"}).to_string(), &worker, 422),
        (
            report,
            String::new(),
            json!({"type": "backup.snapshot", "tenant_id": "9999999", "worker": "w"}).to_string(),
            &worker,
            404,
        ),
        (
            report,
            String::new(),
            json!({"type": "backup.snapshot", "tenant_id": tenant, "worker": long}).to_string(),
            &worker,
            422,
        ),
        (
            report,
            String::new(),
            json!({"type": "backup.snapshot", "tenant_id": tenant, "worker": "w", "dedupe_key": ""}).to_string(),
            &worker,
            422,
        ),
        (
            report,
            String::new(),
            json!({"type": "backup.snapshot", "tenant_id": tenant, "worker": "w"}).to_string(),
            &reader,
            403,
        ),
        (
            report,
            String::new(),
            json!({"type": "backup.snapshot", "tenant_id": tenant, "worker": "w"}).to_string(),
            &elsewhere,
            404,
        ),
        (
            "/api/v1/runs/claim",
            String::new(),
            json!({"types": "backup.snapshot", "worker": "w"}).to_string(),
            &worker,
            422,
        ),
        ("/api/v1/runs/claim", String::new(), json!({"types": [], "worker": "w"}).to_string(), &worker, 422),
        ("/api/v1/runs/claim", String::new(), json!({"types": [1], "worker": "w"}).to_string(), &worker, 422),
        (
            "/api/v1/runs/claim",
            String::new(),
            json!({"types": vec!["backup.snapshot"; 21], "worker": "w"}).to_string(),
            &worker,
            422,
        ),
        (
            "/api/v1/runs/claim",
            String::new(),
            json!({"types": ["backup.snapshot"], "worker": "w"}).to_string(),
            &reader,
            403,
        ),
        (
            "/api/v1/runs/claim",
            String::new(),
            json!({"types": ["backup.snapshot"], "worker": "bad name"}).to_string(),
            &reader,
            403,
        ),
        ("heartbeat", "abc".into(), json!({"worker": "host-1"}).to_string(), &worker, 404),
        ("heartbeat", "-1".into(), json!({"worker": "host-1"}).to_string(), &worker, 404),
        ("heartbeat", "99999999".into(), json!({"worker": "host-1"}).to_string(), &worker, 409),
        ("heartbeat", id.to_string(), json!({"worker": "host-1"}).to_string(), &reader, 403),
        ("heartbeat", id.to_string(), json!({"worker": "host-1", "extra": 1}).to_string(), &worker, 422),
        ("complete", id.to_string(), json!({"worker": "host-1", "outcome": "exploded"}).to_string(), &worker, 422),
        ("complete", id.to_string(), json!({"worker": "host-1", "outcome": "failed"}).to_string(), &worker, 422),
        (
            "complete",
            id.to_string(),
            json!({"worker": "host-1", "outcome": "failed", "failure": {"code": "Bad Code", "message": "m"}})
                .to_string(),
            &worker,
            422,
        ),
        (
            "complete",
            id.to_string(),
            json!({"worker": "host-1", "outcome": "failed", "failure": {"code": "c", "message": long}}).to_string(),
            &worker,
            422,
        ),
        (
            "complete",
            id.to_string(),
            json!({"worker": "host-1", "outcome": "failed", "failure": {"code": "c"}}).to_string(),
            &worker,
            422,
        ),
        (
            "complete",
            id.to_string(),
            json!({"worker": "host-1", "outcome": "succeeded", "counts": {"total": -5}}).to_string(),
            &worker,
            422,
        ),
        ("complete", id.to_string(), json!({"worker": "host-2", "outcome": "succeeded"}).to_string(), &worker, 409),
        ("complete", id.to_string(), json!({"worker": "host-1", "outcome": "succeeded"}).to_string(), &elsewhere, 409),
    ];
    for (route, run, body, token, expect) in cases {
        let path = match route {
            "heartbeat" | "complete" => format!("/api/v1/runs/{run}/{route}"),
            _ => route.to_owned(),
        };
        let (status, answer) = call(&app, "POST", &path, &body, token).await;
        assert_eq!(status, expect, "{path} {body:.120}: {answer}");
        assert_eq!(answer["status"], expect, "a problem document: {path} {body:.80}");
        assert!(!answer.to_string().contains(&"x".repeat(100)), "no echo of an oversized value");
    }
    assert_eq!((count().await, stored(t, id).await), before, "nothing refused was stored");
}
