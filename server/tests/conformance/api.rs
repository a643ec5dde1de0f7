//! API tokens and the runs API (specs/runs-api): tokens are made, listed and revoked by the
//! workspace owner only, stored as hashes, and authenticate `/api/v1` requests through the
//! same authorization as pages (scope 404, grant 403), with RFC 9457 problem documents for
//! every refusal.

use super::harness::TestDb;
use super::matrix::{HOST, test_ops};
use app::api::TokenState;
use app::domain::access::Capability;
use app::domain::{RunId, RunType, TenantId};
use app::jobs::lifecycle::NewRun;
use app::runtime::Clock as _;
use app::services::Error;
use app::services::error::{Invalid, Thing};
use app::services::principal::Principal;
use app::services::tokens::{self, NewToken};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use std::time::Duration;
use tower::ServiceExt as _;

fn owner(t: &TestDb) -> Principal {
    Principal::owner(t.user, t.ws, "Owner")
}

fn ask(name: &str, grants: &str) -> NewToken {
    NewToken { name: name.to_owned(), grants: grants.to_owned(), ..NewToken::default() }
}

/// The secret of a new token of the workspace's owner with `grants`, for `tenant` or every
/// tenant, working for `days` or until revoked.
async fn secret(t: &TestDb, name: &str, grants: &str, tenant: Option<TenantId>, days: Option<u32>) -> String {
    let new = NewToken { tenant, expires_in_days: days, ..ask(name, grants) };
    tokens::create(&t.state, &owner(t), &new).await.expect("token").secret
}

async fn start(t: &TestDb, ws: app::domain::WorkspaceId, tenant: TenantId) -> RunId {
    t.state
        .lifecycle()
        .start(NewRun {
            workspace_id: ws,
            tenant_id: Some(tenant),
            run_type: RunType::InventorySync.into(),
            initiator: None,
            dedupe_key: None,
            inputs: serde_json::json!({}),
        })
        .await
        .expect("run")
        .run()
        .id
}

fn router(t: &TestDb) -> Router {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    server::web::router(t.state.clone(), server::web::leptos_options("target/site", addr), test_ops())
}

/// `GET path` with `secret` as the bearer token (none when `None`): status, content type, body.
async fn get(router: &Router, path: &str, secret: Option<&str>) -> (u16, String, serde_json::Value) {
    let mut req = Request::builder().method("GET").uri(path).header(header::HOST, HOST);
    if let Some(s) = secret {
        req = req.header(header::AUTHORIZATION, format!("Bearer {s}"));
    }
    let res = router.clone().oneshot(req.body(Body::empty()).expect("request")).await.expect("response");
    let status = res.status().as_u16();
    let kind = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let body = axum::body::to_bytes(res.into_body(), 4 << 20).await.expect("body");
    let text = String::from_utf8_lossy(&body);
    for leak in ["SQLSTATE", "constraint", "sqlx", "panicked"] {
        assert!(!text.contains(leak), "GET {path} leaks {leak:?}: {text}");
    }
    let secret_like = text
        .match_indices("opshub_")
        .any(|(i, _)| text[i + "opshub_".len()..].bytes().take(8).filter(u8::is_ascii_hexdigit).count() == 8);
    assert!(!secret_like, "GET {path} shows a secret: {text}");
    (status, kind, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
}

pub(crate) async fn an_owner_makes_a_token_whose_secret_is_shown_once_and_stored_only_as_a_hash(t: &TestDb) {
    let me = owner(t);
    let made = tokens::create(&t.state, &me, &ask("  backup workers ", "report_runs, read_runs")).await.expect("made");
    assert!(made.secret.starts_with("opshub_") && made.secret.len() == 71, "{}", made.secret);
    assert_eq!(made.token.name, "backup workers");
    assert_eq!(made.token.grants, ["read_runs", "report_runs"]);
    assert_eq!(made.token.state, TokenState::Active);
    assert!(made.secret.starts_with(&made.token.shown) && made.token.shown.len() < 20);

    // Nothing stored can give the secret back.
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT name, prefix, secret_hash FROM api_tokens").fetch_all(t.state.db.pool()).await.unwrap();
    assert_eq!(rows.len(), 1);
    let secret_part = &made.secret["opshub_".len()..];
    for (name, prefix, hash) in &rows {
        for column in [name, prefix, hash] {
            assert!(!column.contains(secret_part), "a column holds the secret");
        }
        assert_eq!(hash.len(), 64);
    }
    // Listed without the secret; a second token gets another secret.
    let again = tokens::create(&t.state, &me, &ask("backup workers", "read_runs")).await.expect("second");
    assert_ne!(again.secret, made.secret);
    let list = tokens::list(&t.state, &me).await.expect("list");
    assert_eq!(list.iter().map(|t| t.id).collect::<Vec<_>>(), [again.token.id, made.token.id], "newest first");
    assert!(!format!("{list:?}").contains(secret_part));
}

pub(crate) async fn only_the_owner_manages_tokens_and_bad_requests_are_refused_calmly(t: &TestDb) {
    let me = owner(t);
    let operator = app::services::principal::load(&t.state.db, t.user, t.ws).await.unwrap().expect("member");
    let e = tokens::create(&t.state, &operator, &ask("x", "read_runs")).await.unwrap_err();
    assert!(matches!(e, Error::Forbidden(Capability::ManageTokens)), "{e:?}");
    assert!(matches!(tokens::list(&t.state, &operator).await, Err(Error::Forbidden(Capability::ManageTokens))));
    assert!(matches!(tokens::revoke(&t.state, &operator, "1").await, Err(Error::Forbidden(Capability::ManageTokens))));

    let refusals = [
        (ask("", "read_runs"), Invalid::TokenName),
        (ask(&"n".repeat(81), "read_runs"), Invalid::TokenName),
        (ask("bell\u{7}", "read_runs"), Invalid::TokenName),
        (ask("x", ""), Invalid::TokenGrants),
        (ask("x", "read_runs,root"), Invalid::TokenGrants),
        (NewToken { expires_in_days: Some(0), ..ask("x", "read_runs") }, Invalid::TokenExpiry),
        (NewToken { expires_in_days: Some(3651), ..ask("x", "read_runs") }, Invalid::TokenExpiry),
    ];
    for (new, why) in refusals {
        let e = tokens::create(&t.state, &me, &new).await.unwrap_err();
        assert!(matches!(&e, Error::Invalid(w) if *w == why), "{new:?}: {e:?}");
    }
    // Another workspace's tenant does not exist for this owner.
    let e = tokens::create(&t.state, &me, &NewToken { tenant: Some(t.other_tenant), ..ask("x", "read_runs") })
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound(Thing::Tenant)), "{e:?}");
    let none: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens").fetch_one(t.state.db.pool()).await.unwrap();
    assert_eq!(none, 0, "a refused request stores nothing");

    // Revoking: unknown ids and another workspace's tokens are not found; twice is harmless.
    let made = tokens::create(&t.state, &me, &ask("x", "read_runs")).await.unwrap();
    let id = made.token.id.to_string();
    for bad in ["0", "-1", "x", "99999999999999999999", &format!("{}", made.token.id + 1)] {
        assert!(matches!(tokens::revoke(&t.state, &me, bad).await, Err(Error::NotFound(Thing::Token))), "{bad}");
    }
    let stranger = Principal::owner(t.user, app::domain::WorkspaceId(t.ws.get() + 1), "Other owner");
    assert!(matches!(tokens::revoke(&t.state, &stranger, &id).await, Err(Error::NotFound(Thing::Token))));
    tokens::revoke(&t.state, &me, &id).await.expect("revoked");
    let first: Option<i64> =
        sqlx::query_scalar("SELECT revoked_at FROM api_tokens").fetch_one(t.state.db.pool()).await.unwrap();
    t.clock.advance(Duration::from_secs(5));
    tokens::revoke(&t.state, &me, &id).await.expect("revoked again");
    let second: Option<i64> =
        sqlx::query_scalar("SELECT revoked_at FROM api_tokens").fetch_one(t.state.db.pool()).await.unwrap();
    assert_eq!(first, second, "the first revocation's time is kept");
    assert_eq!(tokens::list(&t.state, &me).await.unwrap()[0].state, TokenState::Revoked);
}

pub(crate) async fn the_runs_api_answers_each_token_as_its_grants_and_scope_say(t: &TestDb) {
    let me = owner(t);
    let two = server::seed::ensure_tenant(&t.state.db, t.ws, "t2", "Tenant Two", t.clock.now()).await.unwrap();
    let mine = start(t, t.ws, t.tenant).await;
    let theirs = start(t, t.ws, two).await;
    let foreign = start(t, app::domain::WorkspaceId(t.ws.get() + 1), t.other_tenant).await;
    let reader = secret(t, "reader", "read_runs", None, None).await;
    let one_tenant = secret(t, "tenant one", "read_runs", Some(t.tenant), None).await;
    let reporter = secret(t, "reporter", "report_runs", None, None).await;
    let expiring = secret(t, "expiring", "read_runs", None, Some(1)).await;
    let revoked = secret(t, "revoked", "read_runs", None, None).await;
    let revoked_id = tokens::list(&t.state, &me).await.unwrap()[0].id;
    tokens::revoke(&t.state, &me, &revoked_id.to_string()).await.unwrap();
    let stranger = Principal::owner(t.user, app::domain::WorkspaceId(t.ws.get() + 1), "Other owner");
    let elsewhere = tokens::create(&t.state, &stranger, &ask("elsewhere", "read_runs")).await.unwrap().secret;
    let app = router(t);

    // Reading one run: (token, run, expected status).
    let bad_shape = format!("opshub_{}", "Z".repeat(64));
    let cases: Vec<(Option<&str>, RunId, u16)> = vec![
        (Some(&reader), mine, 200),
        (Some(&reader), theirs, 200),
        (Some(&reader), foreign, 404),
        (Some(&one_tenant), mine, 200),
        (Some(&one_tenant), theirs, 404),
        (Some(&reporter), mine, 403),
        (Some(&elsewhere), mine, 404),
        (Some(&elsewhere), foreign, 200),
        (Some(&revoked), mine, 401),
        (Some(&bad_shape), mine, 401),
        (Some("not-a-token"), mine, 401),
        (None, mine, 401),
    ];
    for (secret, run, expect) in &cases {
        let (status, kind, body) = get(&app, &format!("/api/v1/runs/{run}"), *secret).await;
        assert_eq!(status, *expect, "run {run} with {:?}: {body}", secret.map(|s| &s[..s.len().min(12)]));
        if status == 200 {
            assert_eq!(kind, "application/json");
            assert_eq!(body["id"], run.get());
            assert_eq!(body["type"], "inventory.sync");
            assert_eq!(body["status"], "queued");
            assert_eq!(body["links"]["self"], format!("/api/v1/runs/{run}"));
        } else {
            assert_eq!(kind, "application/problem+json", "{body}");
            assert_eq!(body["status"], *expect);
            assert_eq!(body["type"], "about:blank");
            assert!(body["detail"].as_str().is_some_and(|d| d.ends_with('.') || d.ends_with('”')), "{body}");
        }
    }
    let (_, _, body) = get(&app, &format!("/api/v1/runs/{mine}"), Some(&reporter)).await;
    assert!(body["detail"].as_str().unwrap_or_default().contains("read_runs"), "names the missing grant: {body}");

    // Lists hold only what the token may see.
    let ids = |body: &serde_json::Value| -> Vec<i64> {
        body["runs"].as_array().map(|r| r.iter().filter_map(|r| r["id"].as_i64()).collect()).unwrap_or_default()
    };
    let (status, _, body) = get(&app, "/api/v1/runs", Some(&reader)).await;
    assert_eq!((status, ids(&body), body["total"].as_u64()), (200, vec![theirs.get(), mine.get()], Some(2)));
    let (_, _, body) = get(&app, "/api/v1/runs", Some(&one_tenant)).await;
    assert_eq!(ids(&body), [mine.get()]);
    let (_, _, body) = get(&app, &format!("/api/v1/runs?tenant={two}&status=queued"), Some(&reader)).await;
    assert_eq!(ids(&body), [theirs.get()]);
    let (_, _, body) = get(&app, &format!("/api/v1/runs?workspace={}", t.ws.get() + 1), Some(&reader)).await;
    assert_eq!(ids(&body), [theirs.get(), mine.get()], "the workspace filter cannot leave the token's workspace");
    assert_eq!(get(&app, "/api/v1/runs", Some(&reporter)).await.0, 403);

    // An expiring token works until its day comes, then authenticates nothing.
    assert_eq!(get(&app, "/api/v1/runs", Some(&expiring)).await.0, 200);
    t.clock.advance(Duration::from_secs(86_400));
    let (status, _, body) = get(&app, "/api/v1/runs", Some(&expiring)).await;
    assert_eq!(status, 401, "{body}");
    let list = tokens::list(&t.state, &me).await.unwrap();
    assert!(list.iter().any(|t| t.name == "expiring" && t.state == TokenState::Expired));
    let last_used =
        |list: &[app::api::TokenInfo]| list.iter().find(|t| t.name == "reader").and_then(|t| t.last_used_at);
    assert!(last_used(&list).is_some(), "use is recorded");
    // Written at most once a minute: calls within it leave the time as it was.
    assert_eq!(get(&app, "/api/v1/runs", Some(&reader)).await.0, 200);
    let first_use = last_used(&tokens::list(&t.state, &me).await.unwrap()).expect("use is recorded");
    assert_eq!(first_use, t.clock.now(), "a use a day later is written");
    t.clock.advance(Duration::from_secs(30));
    assert_eq!(get(&app, "/api/v1/runs", Some(&reader)).await.0, 200);
    assert_eq!(last_used(&tokens::list(&t.state, &me).await.unwrap()), Some(first_use));
    t.clock.advance(Duration::from_secs(31));
    assert_eq!(get(&app, "/api/v1/runs", Some(&reader)).await.0, 200);
    let later = last_used(&tokens::list(&t.state, &me).await.unwrap()).expect("still recorded");
    assert!(later.millis() > first_use.millis(), "a minute on, the use is written again");

    // A token in use is trusted from memory for a few seconds; revoked on this instance, it
    // stops at its very next request.
    let reader_id = tokens::list(&t.state, &me).await.unwrap().into_iter().find(|t| t.name == "reader").unwrap().id;
    tokens::revoke(&t.state, &me, &reader_id.to_string()).await.unwrap();
    assert_eq!(get(&app, "/api/v1/runs", Some(&reader)).await.0, 401);
}

pub(crate) async fn the_runs_api_refuses_hostile_input_with_problem_documents(t: &TestDb) {
    let me = owner(t);
    let secret = tokens::create(&t.state, &me, &ask("reader", "read_runs")).await.unwrap().secret;
    let app = router(t);
    let long = "9".repeat(40);
    let cases: Vec<(String, u16)> = vec![
        ("/api/v1/runs/abc".into(), 404),
        ("/api/v1/runs/-1".into(), 404),
        ("/api/v1/runs/0".into(), 404),
        (format!("/api/v1/runs/{long}"), 404),
        ("/api/v1/runs/1%27%20OR%201=1".into(), 404),
        ("/api/v1/runs?status=exploded".into(), 422),
        ("/api/v1/runs?class=%00".into(), 422),
        ("/api/v1/runs?tenant=t1".into(), 422),
        ("/api/v1/runs?since=yesterday".into(), 422),
        ("/api/v1/runs?after=garbage".into(), 422),
        ("/api/v1/runs?status=queued&status=running".into(), 422),
        ("/api/v1/runs?run_type=%F0%9F%92%A3".into(), 422),
        ("/api/v1/nothing".into(), 404),
    ];
    for (path, expect) in cases {
        let (status, kind, body) = get(&app, &path, Some(&secret)).await;
        assert_eq!(status, expect, "{path}: {body}");
        assert_eq!(kind, "application/problem+json", "{path}");
        assert_eq!(body["status"], expect, "{path}");
    }
    // A header that is not a bearer token, or one far too long, is refused the same calm way.
    let huge = format!("opshub_{}", "a".repeat(8000));
    for value in ["Basic b3BzaHViOng=", "Bearer", "Bearer ", huge.as_str()] {
        let req = Request::builder()
            .uri("/api/v1/runs")
            .header(header::HOST, HOST)
            .header(header::AUTHORIZATION, value)
            .body(Body::empty())
            .unwrap();
        let res = app.clone().oneshot(req).await.unwrap();
        assert!(matches!(res.status().as_u16(), 401 | 431), "{value:.20}: {}", res.status());
    }
}

/// `POST /api/v1/runs` with `body` and `secret`: status, body.
async fn post(router: &Router, body: &str, secret: &str) -> (u16, serde_json::Value) {
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/runs")
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .expect("request");
    let res = router.clone().oneshot(req).await.expect("response");
    let status = res.status().as_u16();
    let bytes = axum::body::to_bytes(res.into_body(), 4 << 20).await.expect("body");
    let text = String::from_utf8_lossy(&bytes);
    for leak in ["SQLSTATE", "constraint", "sqlx", "panicked"] {
        assert!(!text.contains(leak), "POST {body:.80} leaks {leak:?}: {text}");
    }
    (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

pub(crate) async fn fifty_identical_starts_through_the_api_queue_one_run(t: &TestDb) {
    let me = owner(t);
    let secret = tokens::create(&t.state, &me, &ask("starter", "start_runs")).await.unwrap().secret;
    let app = router(t);
    let body = format!(r#"{{"type": "inventory.sync", "tenant_id": {}, "dedupe_key": "nightly-42"}}"#, t.tenant);
    let answers = futures_util::future::join_all((0..50).map(|_| post(&app, &body, &secret))).await;
    let created = answers.iter().filter(|(s, _)| *s == 201).count();
    let already = answers.iter().filter(|(s, b)| *s == 200 && b["already_running"] == true).count();
    assert_eq!((created, already), (1, 49), "{:?}", answers.iter().map(|(s, _)| s).collect::<Vec<_>>());
    let ids: std::collections::BTreeSet<i64> = answers.iter().filter_map(|(_, b)| b["run"]["id"].as_i64()).collect();
    assert_eq!(ids.len(), 1, "every answer names the one run");
    let (runs, initiated): (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MAX(initiator_id) FROM operation_runs WHERE dedupe_key = 'nightly-42'")
            .fetch_one(t.state.db.pool())
            .await
            .unwrap();
    assert_eq!((runs, initiated), (1, Some(me.user_id.get())), "one run, initiated for the token's maker");
    let (_, first) = &answers[0];
    assert_eq!(first["run"]["status"], "queued");
    assert_eq!(first["run"]["type"], "inventory.sync");

    // Another key is other work: it queues its own run.
    let other = format!(r#"{{"type": "inventory.sync", "tenant_id": {}, "dedupe_key": "nightly-43"}}"#, t.tenant);
    let (status, answer) = post(&app, &other, &secret).await;
    assert_eq!((status, &answer["already_running"]), (201, &serde_json::json!(false)));
    assert!(!ids.contains(&answer["run"]["id"].as_i64().unwrap_or_default()));
}

pub(crate) async fn api_starts_are_refused_by_grant_scope_and_field(t: &TestDb) {
    let two = server::seed::ensure_tenant(&t.state.db, t.ws, "t2", "Tenant Two", t.clock.now()).await.unwrap();
    let starter = secret(t, "starter", "start_runs", None, None).await;
    let reader = secret(t, "reader", "read_runs", None, None).await;
    let one_tenant = secret(t, "one tenant", "start_runs", Some(t.tenant), None).await;
    let app = router(t);
    let sync = |tenant: TenantId| format!(r#"{{"type": "inventory.sync", "tenant_id": {tenant}}}"#);

    let (status, body) = post(&app, &sync(t.tenant), &reader).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["detail"].as_str().unwrap_or_default().contains("start_runs"), "{body}");
    assert_eq!(post(&app, &sync(two), &one_tenant).await.0, 404, "another tenant does not exist for it");
    assert_eq!(post(&app, &sync(t.other_tenant), &starter).await.0, 404, "another workspace's tenant");
    // Work that changes a tenant's configuration is a person's decision, never a token's.
    let restore =
        format!(r#"{{"type": "restore.execute", "tenant_id": {}, "snapshot": 1, "confirm": true}}"#, t.tenant);
    let (status, body) = post(&app, &restore, &starter).await;
    assert_eq!(status, 403, "{body}");

    let long_key = "k".repeat(201);
    let cases: Vec<(String, &str)> = vec![
        ("not json".into(), "expected shape"),
        ("[]".into(), "expected shape"),
        (r#"{"tenant_id": 1}"#.into(), "\"type\""),
        (format!(r#"{{"type": 7, "tenant_id": {}}}"#, t.tenant), "\"type\""),
        (r#"{"type": "inventory.sync"}"#.into(), "\"tenant_id\""),
        (r#"{"type": "inventory.sync", "tenant_id": [1]}"#.into(), "\"tenant_id\""),
        (format!(r#"{{"type": "inventory.sync", "tenant_id": {}, "priority": "high"}}"#, t.tenant), "\"priority\""),
        (format!(r#"{{"type": "inventory.sync", "tenant_id": {}, "confirm": "yes"}}"#, t.tenant), "\"confirm\""),
        (format!(r#"{{"type": "inventory.sync", "tenant_id": {}, "dedupe_key": ""}}"#, t.tenant), "dedupe key"),
        (
            format!(r#"{{"type": "inventory.sync", "tenant_id": {}, "dedupe_key": "{long_key}"}}"#, t.tenant),
            "dedupe key",
        ),
        (format!(r#"{{"type": "inventory.sync", "tenant_id": {}, "dedupe_key": "a\u0000b"}}"#, t.tenant), "dedupe key"),
        (r#"{"type": "inventory.sync", "tenant_id": "x"}"#.into(), "tenant"),
        (format!(r#"{{"type": "launch.rockets", "tenant_id": {}}}"#, t.tenant), "operation"),
    ];
    for (body, says) in cases {
        let (status, answer) = post(&app, &body, &starter).await;
        assert_eq!(status, 422, "{body:.80}: {answer}");
        assert_eq!(answer["code"], "invalid");
        let detail = answer["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(says), "{body:.80}: {detail}");
    }
    let none: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM operation_runs").fetch_one(t.state.db.pool()).await.unwrap();
    assert_eq!(none, 0, "nothing refused queued anything");
}

/// `PUT /api/v1/run-types/{key}` with `body` and `secret`: status, body.
async fn put_type(router: &Router, key: &str, body: &serde_json::Value, secret: &str) -> (u16, serde_json::Value) {
    let req = Request::builder()
        .method("PUT")
        .uri(format!("/api/v1/run-types/{key}"))
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    let res = router.clone().oneshot(req).await.expect("response");
    let status = res.status().as_u16();
    let bytes = axum::body::to_bytes(res.into_body(), 4 << 20).await.expect("body");
    (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

fn backup_type() -> serde_json::Value {
    serde_json::json!({
        "label": {"en": "Backup snapshot", "de": "Sicherungs-Snapshot"},
        "progress_mode": "counted",
        "windows": {"queue_wait_secs": 60, "expected_secs": 600, "stale_after_secs": 1800, "heartbeat_timeout_secs": 120}
    })
}

pub(crate) async fn a_workspace_registers_its_own_run_types_checked_like_the_built_in_ones(t: &TestDb) {
    let reporter = secret(t, "reporter", "report_runs", None, None).await;
    let reader = secret(t, "reader", "read_runs", None, None).await;
    let one_tenant = secret(t, "one tenant", "report_runs", Some(t.tenant), None).await;
    let app = router(t);

    let (status, body) = put_type(&app, "backup.snapshot", &backup_type(), &reporter).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["key"], "backup.snapshot");
    assert_eq!(body["label"]["de"], "Sicherungs-Snapshot");
    assert_eq!(body["windows"]["stale_after_secs"], 1800);
    // The same registration again is harmless; a change replaces it.
    assert_eq!(put_type(&app, "backup.snapshot", &backup_type(), &reporter).await.0, 200);
    let mut phased = backup_type();
    phased["progress_mode"] = "phased".into();
    phased["phases"] = serde_json::json!(["copy", "verify"]);
    let (status, body) = put_type(&app, "backup.snapshot", &phased, &reporter).await;
    assert_eq!((status, &body["phases"]), (200, &serde_json::json!(["copy", "verify"])), "{body}");
    let (status, _, listed) = get(&app, "/api/v1/run-types", Some(&reader)).await;
    assert_eq!(status, 200);
    assert_eq!(listed["run_types"].as_array().map(Vec::len), Some(1));
    assert_eq!(listed["run_types"][0]["progress_mode"], "phased");

    // Built-in keys are Opshub's; only a token that reports registers; a one-tenant token
    // does not see workspace-wide records.
    let (status, body) = put_type(&app, "inventory.sync", &backup_type(), &reporter).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("conflict")), "{body}");
    let (status, body) = put_type(&app, "backup.other", &backup_type(), &reader).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["detail"].as_str().unwrap_or_default().contains("report_runs"), "{body}");
    assert_eq!(put_type(&app, "backup.other", &backup_type(), &one_tenant).await.0, 404);
    assert_eq!(get(&app, "/api/v1/run-types", Some(&one_tenant)).await.0, 404);

    // Every field is checked, and refused by name.
    let with = |path: &[&str], value: serde_json::Value| {
        let mut body = backup_type();
        let mut at = &mut body;
        for p in &path[..path.len() - 1] {
            at = &mut at[*p];
        }
        at[path[path.len() - 1]] = value;
        body
    };
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        ("Backup.Snapshot", backup_type(), "lowercase letters"),
        ("ab", backup_type(), "lowercase letters"),
        ("backup.snapshot", with(&["label", "en"], "".into()), "\"label.en\""),
        ("backup.snapshot", with(&["label", "de"], serde_json::json!(["x"])), "\"label.de\""),
        ("backup.snapshot", with(&["progress_mode"], "none".into()), "\"progress_mode\""),
        ("backup.snapshot", with(&["progress_mode"], "phased".into()), "\"phases\""),
        ("backup.snapshot", with(&["windows", "expected_secs"], 1800.into()), "shorter than stale-after"),
        ("backup.snapshot", with(&["windows", "queue_wait_secs"], 0.into()), "at least one second"),
        (
            "backup.snapshot",
            with(&["windows", "heartbeat_timeout_secs"], (-1).into()),
            "\"windows.heartbeat_timeout_secs\"",
        ),
        ("backup.snapshot", with(&["windows", "extra"], 5.into()), "\"windows.extra\""),
        ("backup.snapshot", serde_json::json!("backup"), "expected shape"),
    ];
    for (key, body, says) in cases {
        let (status, answer) = put_type(&app, key, &body, &reporter).await;
        assert_eq!(status, 422, "{key} {body}: {answer}");
        assert!(answer["detail"].as_str().unwrap_or_default().contains(says), "{key} {body}: {answer}");
    }
    let (_, _, listed) = get(&app, "/api/v1/run-types", Some(&reporter)).await;
    assert_eq!(listed["run_types"][0]["progress_mode"], "phased", "nothing refused changed the type");
    assert_eq!(listed["run_types"].as_array().map(Vec::len), Some(1));
}
