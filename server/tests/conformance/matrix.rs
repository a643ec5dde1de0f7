//! The authorization matrix (specs/product-contract §2): every page, server function, download and API route
//! of the real router, requested by every kind of caller, with the status each must get —
//! and a registry check, so an endpoint added without a row here fails this test.
//!
//! Callers: a visitor, the workspace owner, an operator, a reader entitled to tenant one
//! (asking about tenant one, and about tenant two), a member of another workspace, and a
//! platform operator who belongs to no workspace. Everyone but the visitor signs in through
//! the real sign-in server function.

use super::harness::TestDb;
use app::domain::{ProblemClass, RunId, RunType, TenantId};
use app::jobs::lifecycle::NewRun;
use app::runtime::Clock as _;
use app::services::accounts::{add_user, grant, set_platform_operator};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use std::collections::BTreeSet;
use tower::ServiceExt as _;

pub(crate) const HOST: &str = "opshub.test";

/// The router's operational settings in these tests: it answers as `http://opshub.test`.
pub(crate) fn test_ops() -> server::web::Ops {
    let origin = server::hosts::Origin::parse(&format!("http://{HOST}")).expect("an origin");
    server::web::Ops { origins: vec![origin], ..server::web::Ops::default() }
}

/// Who is asking, in matrix column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Visitor,
    Owner,
    Operator,
    /// The reader, asking about their own tenant.
    Reader,
    /// The same reader, asking about the tenant they are not entitled to.
    ReaderElsewhere,
    OtherWorkspace,
    Platform,
}

const CALLERS: [Caller; 7] = [
    Caller::Visitor,
    Caller::Owner,
    Caller::Operator,
    Caller::Reader,
    Caller::ReaderElsewhere,
    Caller::OtherWorkspace,
    Caller::Platform,
];

/// The records a request names: tenant one's for everyone but the reader asking elsewhere.
#[derive(Debug, Clone, Copy)]
struct Target {
    workspace: app::domain::WorkspaceId,
    tenant: TenantId,
    run: RunId,
    pack: i64,
    review: i64,
    /// A notification of somebody who is none of the callers.
    notification: i64,
    /// An API token of the workspace.
    token: i64,
    /// A webhook endpoint of the workspace.
    webhook: i64,
    /// A delivery to that endpoint.
    delivery: i64,
}

/// One request to make.
struct Call {
    method: &'static str,
    path: String,
    /// Form body (server functions) or JSON body when it starts with `{`.
    body: String,
    /// The browser's `Accept-Language`, if it sends one.
    language: Option<&'static str>,
}

fn get(path: String) -> Call {
    Call { method: "GET", path, body: String::new(), language: None }
}

fn post(path: &str, body: String) -> Call {
    Call { method: "POST", path: path.to_owned(), body, language: None }
}

fn post_at(path: String, body: &str) -> Call {
    Call { method: "POST", path, body: body.to_owned(), language: None }
}

fn put(path: &str, body: String) -> Call {
    Call { method: "PUT", path: path.to_owned(), body, language: None }
}

/// `call` from a browser asking for `language`.
fn asking(language: &'static str, call: Call) -> Call {
    Call { language: Some(language), ..call }
}

/// One matrix row: the registered route it covers, how to call it, and the expected status
/// per caller (in [`CALLERS`] order).
struct Row {
    route: &'static str,
    call: fn(&Target) -> Call,
    expect: [u16; 7],
}

// Statuses, named for reading the table.
const OK: u16 = 200;
const FOUND: u16 = 302;
const SIGN_IN: u16 = 303;
const UNAUTHORIZED: u16 = 401;
const FORBIDDEN: u16 = 403;
const NOT_FOUND: u16 = 404;
const CONFLICT: u16 = 409;
const GONE: u16 = 410;

fn rows() -> Vec<Row> {
    //                                     visitor     owner      operator   reader     elsewhere  other ws   platform
    vec![
        Row { route: "/login", call: |_| get("/login".into()), expect: [OK, OK, OK, OK, OK, OK, OK] },
        Row { route: "/", call: |_| get("/".into()), expect: [SIGN_IN, FOUND, FOUND, FOUND, FOUND, FOUND, FOUND] },
        Row { route: "/admin", call: |_| get("/admin".into()), expect: [SIGN_IN, OK, OK, OK, OK, OK, OK] },
        Row {
            route: "/api/poll_workspace_overview",
            call: |_| post("/api/poll_workspace_overview", String::new()),
            expect: [UNAUTHORIZED, OK, OK, OK, OK, OK, OK],
        },
        Row {
            route: "/admin/operations",
            call: |_| get("/admin/operations".into()),
            expect: [SIGN_IN, OK, OK, OK, OK, OK, OK],
        },
        Row {
            route: "/admin/operations/{id}",
            call: |t| get(format!("/admin/operations/{}", t.run)),
            expect: [SIGN_IN, OK, OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND],
        },
        Row {
            route: "/admin/notifications",
            call: |_| get("/admin/notifications".into()),
            expect: [SIGN_IN, OK, OK, OK, OK, OK, OK],
        },
        Row {
            route: "/admin/t/{tenant}",
            call: |t| get(format!("/admin/t/{}", t.tenant)),
            expect: [SIGN_IN, OK, OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND],
        },
        // Tokens are the owner's: other members are refused, a member of some tenants only
        // does not see workspace-wide records at all, the other workspace's owner manages
        // their own, and a platform operator acts in no workspace.
        Row {
            route: "/admin/tokens",
            call: |_| get("/admin/tokens".into()),
            expect: [SIGN_IN, OK, FORBIDDEN, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND],
        },
        Row {
            route: "/api/list_tokens",
            call: |_| post("/api/list_tokens", String::new()),
            expect: [UNAUTHORIZED, OK, FORBIDDEN, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND],
        },
        Row {
            route: "/api/create_token",
            call: |_| post("/api/create_token", "name=matrix&read_runs=on".into()),
            expect: [UNAUTHORIZED, OK, FORBIDDEN, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND],
        },
        Row {
            route: "/api/revoke_token",
            call: |t| post("/api/revoke_token", format!("id={}", t.token)),
            expect: [UNAUTHORIZED, OK, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND],
        },
        // Webhooks are the owner's like tokens. A retry comes before the removal, which
        // would leave the delivery with no endpoint to retry to.
        Row {
            route: "/api/list_webhooks",
            call: |_| post("/api/list_webhooks", String::new()),
            expect: [UNAUTHORIZED, OK, FORBIDDEN, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND],
        },
        Row {
            route: "/api/create_webhook",
            call: |_| post("/api/create_webhook", "url=https%3A%2F%2Fhooks.example.com%2Fin&finished=on".into()),
            expect: [UNAUTHORIZED, OK, FORBIDDEN, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND],
        },
        Row {
            route: "/api/retry_delivery",
            call: |t| post("/api/retry_delivery", format!("id={}", t.delivery)),
            expect: [UNAUTHORIZED, OK, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND],
        },
        Row {
            route: "/api/revoke_webhook",
            call: |t| post("/api/revoke_webhook", format!("id={}", t.webhook)),
            expect: [UNAUTHORIZED, OK, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND],
        },
        Row {
            route: "/system",
            call: |_| get("/system".into()),
            expect: [SIGN_IN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK],
        },
        Row {
            route: "/system/ops/stuck",
            call: |_| get("/system/ops/stuck".into()),
            expect: [SIGN_IN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK],
        },
        Row {
            route: "/system/ops/runs",
            call: |_| get("/system/ops/runs".into()),
            expect: [SIGN_IN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK],
        },
        Row {
            route: "/system/ops/failures",
            call: |_| get("/system/ops/failures".into()),
            expect: [SIGN_IN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK],
        },
        Row {
            route: "/system/ops/runs/{id}",
            call: |t| get(format!("/system/ops/runs/{}", t.run)),
            expect: [SIGN_IN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK],
        },
        Row { route: "/healthz", call: |_| get("/healthz".into()), expect: [OK, OK, OK, OK, OK, OK, OK] },
        // Readiness and metrics name no tenant or person, so nobody needs to sign in for
        // them; metrics can ask for a bearer token instead (see the ops tests).
        Row { route: "/readyz", call: |_| get("/readyz".into()), expect: [OK, OK, OK, OK, OK, OK, OK] },
        Row { route: "/metrics", call: |_| get("/metrics".into()), expect: [OK, OK, OK, OK, OK, OK, OK] },
        // The browser bundle is public (the sign-in page needs it); these tests serve none, so
        // everyone, the visitor included, gets the same 404 and never a sign-in redirect.
        Row {
            route: "/pkg/{*file}",
            call: |_| get("/pkg/opshub.css".into()),
            expect: [NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND],
        },
        Row {
            route: "/api/tenants/{tenant}/active-runs",
            call: |t| get(format!("/api/tenants/{}/active-runs", t.tenant)),
            expect: [UNAUTHORIZED, OK, OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND],
        },
        Row {
            route: "/admin/review-packs/{pack}/download",
            call: |t| get(format!("/admin/review-packs/{}/download", t.pack)),
            expect: [SIGN_IN, GONE, GONE, GONE, NOT_FOUND, NOT_FOUND, NOT_FOUND],
        },
        // The runs API takes API tokens only (see the api tests): a session is not enough.
        Row { route: "/api/v1/runs", call: |_| get("/api/v1/runs".into()), expect: [UNAUTHORIZED; 7] },
        Row { route: "/api/v1/runs/{id}", call: |t| get(format!("/api/v1/runs/{}", t.run)), expect: [UNAUTHORIZED; 7] },
        Row { route: "/api/v1/{*rest}", call: |_| get("/api/v1/nothing".into()), expect: [UNAUTHORIZED; 7] },
        Row { route: "/api/v1/run-types", call: |_| get("/api/v1/run-types".into()), expect: [UNAUTHORIZED; 7] },
        // The API's contract is no secret: anyone may read it, signed in or not.
        Row { route: "/api/v1/openapi.json", call: |_| get("/api/v1/openapi.json".into()), expect: [OK; 7] },
        Row {
            route: "/api/v1/run-types/{key}",
            call: |_| put("/api/v1/run-types/backup.run", "{}".into()),
            expect: [UNAUTHORIZED; 7],
        },
        Row {
            route: "/api/v1/runs/report",
            call: |_| post("/api/v1/runs/report", "{}".into()),
            expect: [UNAUTHORIZED; 7],
        },
        Row {
            route: "/api/v1/runs/claim",
            call: |_| post("/api/v1/runs/claim", "{}".into()),
            expect: [UNAUTHORIZED; 7],
        },
        Row {
            route: "/api/v1/runs/{id}/heartbeat",
            call: |t| post_at(format!("/api/v1/runs/{}/heartbeat", t.run), "{}"),
            expect: [UNAUTHORIZED; 7],
        },
        Row {
            route: "/api/v1/runs/{id}/progress",
            call: |t| post_at(format!("/api/v1/runs/{}/progress", t.run), "{}"),
            expect: [UNAUTHORIZED; 7],
        },
        Row {
            route: "/api/v1/runs/{id}/complete",
            call: |t| post_at(format!("/api/v1/runs/{}/complete", t.run), "{}"),
            expect: [UNAUTHORIZED; 7],
        },
        Row {
            route: "/api/list_runs",
            call: |_| post("/api/list_runs", "{\"query\": {}}".into()),
            expect: [UNAUTHORIZED, OK, OK, OK, OK, OK, OK],
        },
        Row {
            route: "/api/get_run",
            call: |t| post("/api/get_run", format!("id={}", t.run)),
            expect: [UNAUTHORIZED, OK, OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND],
        },
        Row {
            route: "/api/poll_run",
            call: |t| post("/api/poll_run", format!("id={}", t.run)),
            expect: [UNAUTHORIZED, OK, OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND],
        },
        Row {
            route: "/api/start_operation",
            call: |t| post("/api/start_operation", format!("tenant={}&run_type=inventory.sync", t.tenant)),
            expect: [UNAUTHORIZED, OK, OK, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND],
        },
        Row {
            route: "/api/load_workbench",
            call: |t| post("/api/load_workbench", format!("tenant={}", t.tenant)),
            expect: [UNAUTHORIZED, OK, OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND],
        },
        Row {
            route: "/api/poll_tenant_digest",
            call: |t| post("/api/poll_tenant_digest", format!("tenant={}", t.tenant)),
            expect: [UNAUTHORIZED, OK, OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND],
        },
        // The review is still composing: whoever may publish it hears that it is not ready.
        Row {
            route: "/api/publish_review",
            call: |t| post("/api/publish_review", format!("review={}", t.review)),
            expect: [UNAUTHORIZED, CONFLICT, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND],
        },
        Row {
            route: "/api/list_notifications",
            call: |_| post("/api/list_notifications", String::new()),
            expect: [UNAUTHORIZED, OK, OK, OK, OK, OK, OK],
        },
        // Somebody else's notification: nobody but its owner finds it.
        Row {
            route: "/api/mark_notification_read",
            call: |t| post("/api/mark_notification_read", format!("id={}", t.notification)),
            expect: [UNAUTHORIZED, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND],
        },
        Row {
            route: "/api/mark_all_notifications_read",
            call: |_| post("/api/mark_all_notifications_read", String::new()),
            expect: [UNAUTHORIZED, OK, OK, OK, OK, OK, OK],
        },
        Row {
            route: "/api/load_system_overview",
            call: |_| post("/api/load_system_overview", String::new()),
            expect: [UNAUTHORIZED, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK],
        },
        Row {
            route: "/api/load_stuck_runs",
            call: |_| post("/api/load_stuck_runs", String::new()),
            expect: [UNAUTHORIZED, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK],
        },
        Row {
            route: "/api/list_system_runs",
            call: |_| post("/api/list_system_runs", "{\"query\": {}}".into()),
            expect: [UNAUTHORIZED, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK],
        },
        Row {
            route: "/api/list_system_failures",
            call: |_| post("/api/list_system_failures", "{\"query\": {}}".into()),
            expect: [UNAUTHORIZED, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK],
        },
        Row {
            route: "/api/get_system_run",
            call: |t| post("/api/get_system_run", format!("id={}", t.run)),
            expect: [UNAUTHORIZED, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK],
        },
        Row {
            route: "/api/poll_system_run",
            call: |t| post("/api/poll_system_run", format!("id={}", t.run)),
            expect: [UNAUTHORIZED, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK],
        },
        Row {
            route: "/api/who_am_i",
            call: |_| post("/api/who_am_i", String::new()),
            expect: [OK, OK, OK, OK, OK, OK, OK],
        },
        // Switching to the first workspace: only its members may.
        Row {
            route: "/api/switch_workspace",
            call: |t| post("/api/switch_workspace", format!("workspace={}", t.workspace)),
            expect: [UNAUTHORIZED, OK, OK, OK, OK, NOT_FOUND, NOT_FOUND],
        },
        // Everyone signed in chooses their own language.
        Row {
            route: "/api/set_language",
            call: |_| post("/api/set_language", "language=browser".into()),
            expect: [UNAUTHORIZED, OK, OK, OK, OK, OK, OK],
        },
        // A wrong password, from anyone: refused the same way.
        Row {
            route: "/api/sign_in",
            call: |_| post("/api/sign_in", "email=owner%40acme.example&password=wrong-password-1".into()),
            expect: [UNAUTHORIZED; 7],
        },
        // Cancelling ends the (queued) target run for the owner, so the operator after them
        // finds it finished; it runs late so no row before it sees a cancelled run.
        Row {
            route: "/api/cancel_run",
            call: |t| post("/api/cancel_run", format!("id={}", t.run)),
            expect: [UNAUTHORIZED, OK, CONFLICT, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND],
        },
        // After the cancel row the target has ended cancelled: nothing to run again (409) for
        // those who may start it; the reader may not (403); out of scope is 404.
        Row {
            route: "/api/retry_run",
            call: |t| post("/api/retry_run", format!("id={}", t.run)),
            expect: [UNAUTHORIZED, CONFLICT, CONFLICT, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND],
        },
        // Signing out ends the caller's session, so it runs last (see the test).
        Row {
            route: "/api/sign_out",
            call: |_| post("/api/sign_out", String::new()),
            expect: [UNAUTHORIZED, OK, OK, OK, OK, OK, OK],
        },
    ]
}

/// Every route the router serves: the pages, the server functions and the plain routes.
fn registered_routes() -> BTreeSet<String> {
    let mut all: BTreeSet<String> = server::web::route_list().iter().map(|r| r.path().to_owned()).collect();
    all.extend(leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_owned()));
    all.extend(server::web::PLAIN_ROUTES.iter().map(|r| (*r).to_owned()));
    all
}

async fn send(router: &Router, call: &Call, cookie: Option<&str>) -> (u16, String) {
    let mut req = Request::builder().method(call.method).uri(&call.path).header(header::HOST, HOST);
    if call.method == "GET" {
        req = req.header(header::ACCEPT, "text/html");
    } else {
        req = req.header(header::ORIGIN, format!("http://{HOST}")).header(
            header::CONTENT_TYPE,
            if call.body.starts_with('{') { "application/json" } else { "application/x-www-form-urlencoded" },
        );
    }
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    if let Some(l) = call.language {
        req = req.header(header::ACCEPT_LANGUAGE, l);
    }
    let res =
        router.clone().oneshot(req.body(Body::from(call.body.clone())).expect("request")).await.expect("response");
    let status = res.status().as_u16();
    let body = axum::body::to_bytes(res.into_body(), 4 << 20).await.expect("body");
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// Signs `email` in through the real server function; returns the session cookie.
pub(crate) async fn sign_in(router: &Router, email: &str, password: &str) -> String {
    let body = format!("email={}&password={password}", email.replace('@', "%40"));
    let req = Request::builder()
        .method("POST")
        .uri("/api/sign_in")
        .header(header::HOST, HOST)
        .header(header::ORIGIN, format!("http://{HOST}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .expect("request");
    let res = router.clone().oneshot(req).await.expect("response");
    assert_eq!(res.status(), StatusCode::OK, "{email} signs in");
    let cookie = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(server::web::SESSION_COOKIE))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    cookie.split(';').next().unwrap_or_default().to_owned()
}

const PASSWORD: &str = "matrix-password-1";

struct World {
    router: Router,
    /// Tenant one's records, and tenant two's.
    one: Target,
    two: Target,
    /// The cookie of each caller (`None` for the visitor).
    cookies: Vec<Option<String>>,
}

async fn world(t: &TestDb) -> World {
    let db = &t.state.db;
    let clock = t.state.clock.as_ref();
    let two_id = server::seed::ensure_tenant(db, t.ws, "t2", "Tenant Two", t.clock.now()).await.expect("tenant two");
    for (email, name) in [
        ("owner@acme.example", "Owner"),
        ("operator@acme.example", "Operator"),
        ("reader@acme.example", "Reader"),
        ("other@other.example", "Other"),
        ("platform@opshub.example", "Platform"),
    ] {
        add_user(db, clock, email, name, Some(PASSWORD)).await.expect("user");
    }
    grant(db, "owner@acme.example", "acme", "owner", None).await.expect("grant");
    grant(db, "operator@acme.example", "acme", "operator", None).await.expect("grant");
    grant(db, "reader@acme.example", "acme", "reader", Some(&["t1".to_owned()])).await.expect("grant");
    grant(db, "other@other.example", "other", "owner", None).await.expect("grant");
    set_platform_operator(db, "platform@opshub.example", true).await.expect("platform");

    let mut targets = Vec::new();
    for tenant in [t.tenant, two_id] {
        let run = t
            .state
            .lifecycle()
            .start(NewRun {
                workspace_id: t.ws,
                tenant_id: Some(tenant),
                run_type: RunType::ReviewPackGenerate.into(),
                initiator: Some(t.user),
                dedupe_key: None,
                inputs: serde_json::json!({}),
            })
            .await
            .expect("run")
            .run()
            .clone();
        let now = t.clock.now().millis();
        let review: i64 = sqlx::query_scalar(
            "INSERT INTO environment_reviews (workspace_id, tenant_id, fingerprint, status, created_at, updated_at) \
             VALUES ($1, $2, 'fp', 'composing', $3, $3) RETURNING id",
        )
        .bind(t.ws.get())
        .bind(tenant.get())
        .bind(now)
        .fetch_one(db.pool())
        .await
        .expect("review");
        let pack: i64 = sqlx::query_scalar(
            "INSERT INTO review_packs (workspace_id, tenant_id, run_id, status, created_at) \
             VALUES ($1, $2, $3, 'expired', $4) RETURNING id",
        )
        .bind(t.ws.get())
        .bind(tenant.get())
        .bind(run.id.get())
        .bind(now)
        .fetch_one(db.pool())
        .await
        .expect("pack");
        let notification: i64 = sqlx::query_scalar(
            "INSERT INTO notifications (user_id, workspace_id, run_id, kind, title, body, link, created_at, dedupe_key) \
             VALUES ($1, $2, $3, 'run_terminal', 'Done', 'Done.', '/admin/operations', $4, $5) RETURNING id",
        )
        .bind(t.user.get())
        .bind(t.ws.get())
        .bind(run.id.get())
        .bind(now)
        .bind(format!("matrix:{}", run.id))
        .fetch_one(db.pool())
        .await
        .expect("notification");
        let owner = app::services::principal::Principal::owner(t.user, t.ws, "Owner");
        let new =
            app::services::tokens::NewToken { name: "matrix".into(), grants: "read_runs".into(), ..Default::default() };
        let token = app::services::tokens::create(&t.state, &owner, &new).await.expect("token").token.id;
        let hook = app::services::webhooks::NewEndpoint {
            url: "https://hooks.example.com/matrix".into(),
            events: "run.finished".into(),
        };
        let webhook = app::services::webhooks::create(&t.state, &owner, &hook).await.expect("webhook").endpoint.id;
        let event = format!("evt_{}_end", run.id);
        sqlx::query(
            "INSERT INTO webhook_events (id, workspace_id, run_id, event_type, body, created_at) \
             VALUES ($1, $2, $3, 'run.finished', '{}', $4)",
        )
        .bind(&event)
        .bind(t.ws.get())
        .bind(run.id.get())
        .bind(now)
        .execute(db.pool())
        .await
        .expect("event");
        let delivery: i64 = sqlx::query_scalar(
            "INSERT INTO webhook_deliveries (endpoint_id, event_id, state, attempts, next_attempt_at, created_at) \
             VALUES ($1, $2, 'failed', 3, $3, $3) RETURNING id",
        )
        .bind(webhook)
        .bind(&event)
        .bind(now)
        .fetch_one(db.pool())
        .await
        .expect("delivery");
        targets.push(Target {
            workspace: t.ws,
            tenant,
            run: run.id,
            pack,
            review,
            notification,
            token,
            webhook,
            delivery,
        });
    }
    // The other workspace has work of its own, which only its member sees.
    t.state
        .lifecycle()
        .start(NewRun {
            workspace_id: app::domain::WorkspaceId(2),
            tenant_id: Some(t.other_tenant),
            run_type: RunType::InventorySync.into(),
            initiator: None,
            dedupe_key: None,
            inputs: serde_json::json!({}),
        })
        .await
        .expect("other run");
    t.state.live.reload().await.expect("reload");

    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let router = server::web::router(t.state.clone(), server::web::leptos_options("target/site", addr), test_ops());
    let mut cookies = Vec::new();
    for caller in CALLERS {
        let email = match caller {
            Caller::Visitor => None,
            Caller::Owner => Some("owner@acme.example"),
            Caller::Operator => Some("operator@acme.example"),
            Caller::Reader | Caller::ReaderElsewhere => Some("reader@acme.example"),
            Caller::OtherWorkspace => Some("other@other.example"),
            Caller::Platform => Some("platform@opshub.example"),
        };
        cookies.push(match email {
            Some(e) => Some(sign_in(&router, e, PASSWORD).await),
            None => None,
        });
    }
    World { router, one: targets[0], two: targets[1], cookies }
}

pub(crate) async fn every_endpoint_answers_every_caller_as_the_matrix_says(t: &TestDb) {
    let rows = rows();
    // Completeness: a row for every registered route, and no row for a route that is gone.
    let covered: BTreeSet<String> = rows.iter().map(|r| r.route.to_owned()).collect();
    let registered = registered_routes();
    let missing: Vec<&String> = registered.difference(&covered).collect();
    let stale: Vec<&String> = covered.difference(&registered).collect();
    assert!(missing.is_empty(), "endpoints without an authorization matrix row: {missing:?}");
    assert!(stale.is_empty(), "matrix rows for endpoints that no longer exist: {stale:?}");

    let w = world(t).await;
    let mut wrong = Vec::new();
    for row in &rows {
        for (i, caller) in CALLERS.iter().enumerate() {
            let target = if *caller == Caller::ReaderElsewhere { &w.two } else { &w.one };
            let call = (row.call)(target);
            let (status, body) = send(&w.router, &call, w.cookies[i].as_deref()).await;
            if status != row.expect[i] {
                wrong.push(format!(
                    "{} {} as {caller:?}: got {status}, expected {} ({})",
                    call.method,
                    call.path,
                    row.expect[i],
                    body.chars().take(160).collect::<String>()
                ));
            }
            for leak in ["SQLSTATE", "constraint", "sqlx", "panicked"] {
                assert!(!body.contains(leak), "{} {} as {caller:?} leaks {leak:?}", call.method, call.path);
            }
        }
    }
    assert!(wrong.is_empty(), "the authorization matrix does not hold:\n{}", wrong.join("\n"));
}

/// The page a list answer carries (asked without a version, it always comes back whole).
fn list_page(body: &str) -> app::api::RunListPage {
    match serde_json::from_str::<app::api::Poll<app::api::RunListPage>>(body).expect("a list answer") {
        app::api::Poll::Changed(page) => *page,
        app::api::Poll::Unchanged => panic!("a list asked without a version came back unchanged"),
    }
}

pub(crate) async fn lists_and_counts_never_include_out_of_scope_runs(t: &TestDb) {
    let w = world(t).await;
    let list = |i: usize| {
        let w = &w;
        async move {
            let (status, body) =
                send(&w.router, &post("/api/list_runs", "{\"query\": {}}".into()), w.cookies[i].as_deref()).await;
            assert_eq!(status, 200, "{body}");
            list_page(&body)
        }
    };
    let tenants_of = |page: &app::api::RunListPage| -> BTreeSet<Option<i64>> {
        page.runs.iter().map(|r| r.tenant_id.map(TenantId::get)).collect()
    };
    let owner = list(1).await;
    assert_eq!(owner.total_count, 2, "the owner sees both tenants' runs");
    let reader = list(3).await;
    assert_eq!(tenants_of(&reader), BTreeSet::from([Some(t.tenant.get())]));
    assert_eq!(reader.total_count, 1, "the reader's count covers their tenant only");
    assert_eq!(reader.tenants.iter().map(|o| o.id).collect::<Vec<_>>(), [t.tenant.get()]);
    let other = list(5).await;
    assert_eq!(tenants_of(&other), BTreeSet::from([Some(t.other_tenant.get())]));
    assert_eq!(other.total_count, 1);
    let platform = list(6).await;
    assert_eq!((platform.runs.len(), platform.total_count, platform.tenants.len()), (0, 0, 0));
    // Who am I names only the caller's own workspaces.
    let (_, me) = send(&w.router, &post("/api/who_am_i", String::new()), w.cookies[5].as_deref()).await;
    assert!(me.contains("Other") && !me.contains("Acme"), "{me}");
}

pub(crate) async fn sessions_rotate_on_sign_in_and_end_on_sign_out(t: &TestDb) {
    let w = world(t).await;
    // A session id planted before sign-in (say, by someone who set the cookie) is replaced.
    let planted = format!("{}=AAAAAAAAAAAAAAAAAAAAAA", server::web::SESSION_COOKIE);
    let req = Request::builder()
        .method("POST")
        .uri("/api/sign_in")
        .header(header::HOST, HOST)
        .header(header::ORIGIN, format!("http://{HOST}"))
        .header(header::COOKIE, &planted)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("email=owner%40acme.example&password={PASSWORD}")))
        .expect("request");
    let res = w.router.clone().oneshot(req).await.expect("response");
    let issued = res
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .to_owned();
    assert!(issued.starts_with(server::web::SESSION_COOKIE) && issued != planted, "{issued}");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(t.state.db.pool()).await.unwrap();
    assert!(stored >= 1);
    // No password, hash or secret is in a session record.
    let data: Vec<String> = sqlx::query_scalar("SELECT data FROM sessions").fetch_all(t.state.db.pool()).await.unwrap();
    assert!(data.iter().all(|d| !d.contains(PASSWORD) && !d.contains("argon2")), "{data:?}");

    let list = post("/api/list_runs", "{\"query\": {}}".into());
    assert_eq!(send(&w.router, &list, Some(&issued)).await.0, 200);
    assert_eq!(send(&w.router, &post("/api/sign_out", String::new()), Some(&issued)).await.0, 200);
    assert_eq!(send(&w.router, &list, Some(&issued)).await.0, 401, "a signed-out session is gone");
    // A made-up cookie is no session either.
    assert_eq!(send(&w.router, &list, Some(&planted)).await.0, 401);
}

pub(crate) async fn sessions_are_stored_hashed_and_end_when_access_changes(t: &TestDb) {
    use tower_sessions::SessionStore as _;
    use tower_sessions::session::{Id, Record};
    let w = world(t).await;
    let db = &t.state.db;
    let keys = || async {
        sqlx::query_scalar::<_, String>("SELECT id FROM sessions").fetch_all(t.state.db.pool()).await.unwrap()
    };
    // The table holds a hash of each token, never the token.
    let token = |cookie: &str| cookie.split_once('=').map(|(_, v)| v.to_owned()).unwrap_or_default();
    let stored = keys().await;
    assert!(!stored.is_empty());
    for cookie in w.cookies.iter().flatten() {
        assert!(!stored.contains(&token(cookie)), "a token is not stored as itself");
    }
    assert!(stored.iter().all(|k| k.len() == 64 && k.bytes().all(|b| b.is_ascii_hexdigit())), "{stored:?}");

    // Each check asks as an instance whose memory has not seen these sessions would: a store
    // with an empty cache, so it answers from the table (an instance that had read one
    // trusts it for AUTH_CACHE_TTL).
    let alive = |cookie: String| async move {
        let id: Id = token(&cookie).parse().expect("a session id");
        let elsewhere = app::services::auth::DbSessionStore::new(db.clone(), std::sync::Arc::default());
        elsewhere.load(&id).await.expect("load").is_some()
    };
    let owner = w.cookies[1].clone().expect("owner");
    let operator = w.cookies[2].clone().expect("operator");
    let reader = w.cookies[3].clone().expect("reader");
    for cookie in [&owner, &operator, &reader] {
        assert!(alive(cookie.clone()).await);
    }
    // A changed password ends the person's sessions.
    app::services::accounts::set_password(db, "owner@acme.example", "a-brand-new-password").await.expect("password");
    assert!(!alive(owner.clone()).await, "signed out by the password change");
    assert!(alive(operator.clone()).await, "nobody else's");
    // A revoked membership ends the sessions in that workspace.
    app::services::accounts::revoke(db, "operator@acme.example", "acme").await.expect("revoke");
    assert!(!alive(operator.clone()).await, "signed out by the revocation");
    // A removed person can neither keep a session nor start one.
    app::services::accounts::remove_user(db, "reader@acme.example").await.expect("remove");
    assert!(!alive(reader.clone()).await, "signed out by the removal");
    let again = "email=reader%40acme.example&password=matrix-password-1";
    assert_eq!(send(&w.router, &post("/api/sign_in", again.into()), None).await.0, 401);
    // Everyone else is still signed in.
    let list = post("/api/list_runs", "{\"query\": {}}".into());
    assert_eq!(send(&w.router, &list, w.cookies[5].as_deref()).await.0, 200, "another person is still signed in");

    // A request still in flight when its session is ended saves it back late: it stays ended.
    let store = app::services::auth::DbSessionStore::new(db.clone(), t.state.auth_cache.clone());
    let data = [("user".to_owned(), serde_json::json!(1)), ("workspace".to_owned(), serde_json::json!(1))];
    let mut record = Record {
        id: Id::default(),
        data: data.into_iter().collect(),
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
    };
    store.create(&mut record).await.expect("create");
    let in_flight = record.clone();
    assert!(store.load(&record.id).await.expect("load").is_some());
    store.delete(&record.id).await.expect("sign out");
    store.save(&in_flight).await.expect("the late save is quietly dropped");
    assert!(store.load(&record.id).await.expect("load").is_none(), "not back in this instance's memory");
    let fresh = app::services::auth::DbSessionStore::new(db.clone(), std::sync::Arc::default());
    assert!(fresh.load(&record.id).await.expect("load").is_none(), "not back in the table");
}

pub(crate) async fn a_cross_site_post_is_refused_before_it_does_anything(t: &TestDb) {
    let w = world(t).await;
    let before: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM operation_runs").fetch_one(t.state.db.pool()).await.unwrap();
    for origin in [Some("https://evil.example"), None] {
        let mut req = Request::builder()
            .method("POST")
            .uri("/api/start_operation")
            .header(header::HOST, HOST)
            .header(header::COOKIE, w.cookies[1].as_deref().unwrap_or_default())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        let body = Body::from(format!("tenant={}&run_type=baseline.capture", w.one.tenant));
        let res = w.router.clone().oneshot(req.body(body).expect("request")).await.expect("response");
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "origin {origin:?}");
    }
    let after: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM operation_runs").fetch_one(t.state.db.pool()).await.unwrap();
    assert_eq!(before, after, "nothing was started");
}

pub(crate) async fn switching_workspace_changes_what_the_session_sees(t: &TestDb) {
    let w = world(t).await;
    // The owner of Acme also becomes an operator of Other.
    grant(&t.state.db, "owner@acme.example", "other", "operator", None).await.expect("grant");
    let cookie = sign_in(&w.router, "owner@acme.example", PASSWORD).await;
    let list = || post("/api/list_runs", "{\"query\": {}}".into());
    let tenants = |body: &str| -> BTreeSet<i64> {
        let page = list_page(body);
        page.runs.iter().filter_map(|r| r.tenant_id.map(TenantId::get)).collect()
    };
    let (_, before) = send(&w.router, &list(), Some(&cookie)).await;
    assert_eq!(tenants(&before), BTreeSet::from([w.one.tenant.get(), w.two.tenant.get()]));
    let (_, me) = send(&w.router, &post("/api/who_am_i", String::new()), Some(&cookie)).await;
    assert!(me.contains("Acme") && me.contains("Other"), "both workspaces are offered: {me}");

    let other = app::domain::WorkspaceId(2);
    let (status, _) =
        send(&w.router, &post("/api/switch_workspace", format!("workspace={other}")), Some(&cookie)).await;
    assert_eq!(status, 200);
    let (_, after) = send(&w.router, &list(), Some(&cookie)).await;
    assert_eq!(tenants(&after), BTreeSet::from([t.other_tenant.get()]), "the session now acts in Other");
    // As an operator there, the owner's Acme powers do not follow them.
    let (status, _) =
        send(&w.router, &post("/api/publish_review", format!("review={}", w.one.review)), Some(&cookie)).await;
    assert_eq!(status, 404, "Acme's review does not exist from Other");
    // A workspace they do not belong to cannot be chosen.
    let (status, body) = send(&w.router, &post("/api/switch_workspace", "workspace=999".into()), Some(&cookie)).await;
    assert_eq!((status, body.contains("There is no workspace with that id.")), (404, true), "{body}");
}

/// What an operator must never read (specs/product-contract §12): database and panic text, table and
/// constraint names, Rust type paths.
const INTERNAL_TEXT: [&str; 16] = [
    "SQLSTATE",
    "duplicate key",
    "constraint",
    "panicked",
    "unwrap",
    "sqlx",
    "operation_runs",
    "run_counts",
    "run_transitions",
    "environment_reviews",
    "review_packs",
    "provider_items",
    "inventory_items",
    "baseline_snapshots",
    "sweep_leases",
    "stack backtrace",
];

/// The first Rust path (`word::Word`) in `text`, if any.
fn rust_path(text: &str) -> Option<&str> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices("::").find_map(|(i, _)| {
        let before = text[..i].chars().next_back().is_some_and(ident);
        let after = text[i + 2..].chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        (before && after).then(|| &text[i.saturating_sub(30)..(i + 30).min(text.len())])
    })
}

/// `body` without the platform operators' diagnostics panel and the hydration data that
/// carries it (raw detail is allowed there and only there).
fn without_diagnostics(body: &str) -> String {
    let mut out = body.to_owned();
    if let Some(at) = out.find("data-testid=\"diagnostics\"") {
        let start = out[..at].rfind("<section").unwrap_or(at);
        let end = out[at..].find("</section>").map_or(out.len(), |e| at + e + "</section>".len());
        out.replace_range(start..end, "");
    }
    while let Some(start) = out.find("<script") {
        let end = out[start..].find("</script>").map_or(out.len(), |e| start + e + "</script>".len());
        out.replace_range(start..end, "");
    }
    out
}

fn assert_reads_calmly(path: &str, body: &str) {
    for word in INTERNAL_TEXT {
        assert!(!body.contains(word), "{path} shows {word:?}");
    }
    assert_eq!(rust_path(body), None, "{path} shows a Rust path");
}

/// The seeded demo behind the real router, with the owner and the platform operator signed in.
pub(crate) struct SeededDemo {
    pub(crate) state: app::runtime::AppState,
    pub(crate) router: Router,
    pub(crate) demo: server::seed::Demo,
    pub(crate) owner_cookie: String,
    platform_cookie: String,
    /// The demo workspace's runs, oldest first.
    pub(crate) runs: Vec<i64>,
}

async fn seeded_demo(t: &TestDb) -> SeededDemo {
    seeded_demo_with(t, test_ops()).await
}

/// The seeded demo served by a router with `ops`, the owner and platform operator signed in.
pub(crate) async fn seeded_demo_with(t: &TestDb, ops: server::web::Ops) -> SeededDemo {
    use server::seed::DEMO_PEOPLE;
    let state = super::own_state(t);
    let demo = server::seed::seed_demo(&state).await.expect("seed");
    state.live.reload().await.expect("reload");
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let router = server::web::router(state.clone(), server::web::leptos_options("target/site", addr), ops);
    let owner = DEMO_PEOPLE.iter().find(|p| p.role == "owner").copied().expect("owner");
    let platform = DEMO_PEOPLE.iter().find(|p| p.platform).copied().expect("platform person");
    let owner_cookie = sign_in(&router, owner.email, owner.password).await;
    let platform_cookie = sign_in(&router, platform.email, platform.password).await;
    let runs: Vec<i64> = sqlx::query_scalar("SELECT id FROM operation_runs WHERE workspace_id = $1 ORDER BY id")
        .bind(demo.workspace.get())
        .fetch_all(state.db.pool())
        .await
        .expect("runs");
    SeededDemo { state, router, demo, owner_cookie, platform_cookie, runs }
}

/// Every page of the seeded demo — its failures include injected provider faults, runs the
/// reconciler closed and a stuck run — as the owner and as the platform operator.
pub(crate) async fn every_page_of_the_seeded_demo_reads_without_internal_text(t: &TestDb) {
    let SeededDemo { router, demo, owner_cookie, platform_cookie, runs, .. } = seeded_demo(t).await;
    assert!(runs.len() > 10, "the demo has a history");
    let mut owner_pages = vec![
        "/admin".to_owned(),
        "/admin/operations".to_owned(),
        "/admin/operations?status=active".to_owned(),
        "/admin/notifications".to_owned(),
        "/admin/operations?status=completed&outcome=failed".to_owned(),
    ];
    owner_pages.extend(ProblemClass::ALL.iter().map(|c| format!("/admin/operations?class={}", c.as_str())));
    owner_pages.extend(demo.tenants.iter().map(|t| format!("/admin/t/{t}")));
    owner_pages.extend(runs.iter().map(|id| format!("/admin/operations/{id}")));
    for path in &owner_pages {
        let (status, body) = send(&router, &get(path.clone()), Some(&owner_cookie)).await;
        assert_eq!(status, 200, "{path}");
        assert_reads_calmly(path, &body);
        assert!(!body.contains("data-testid=\"diagnostics\""), "{path}: diagnostics are for platform operators only");
        if path.starts_with("/admin/operations/") {
            assert!(body.contains("data-testid=\"decision-next\""), "{path} renders its detail");
        }
        if path == "/admin/operations" {
            // Every row presenting a run carries every specs/product-contract §13 hook.
            let row = |i: usize| &body[i..body[i..].find('>').map_or(body.len(), |e| i + e)];
            let first = body.find("data-testid=\"run-row\"").map(row);
            let first = first.unwrap_or_else(|| panic!("{path} lists runs"));
            for hook in app::domain::RunView::HOOK_NAMES {
                assert!(first.contains(&format!("{hook}=\"")), "{path}: a run row lacks {hook}: {first}");
            }
        }
    }
    let mut platform_pages: Vec<String> =
        ["/system", "/system/ops/stuck", "/system/ops/runs", "/system/ops/failures"].map(str::to_owned).to_vec();
    platform_pages.extend(runs.iter().map(|id| format!("/system/ops/runs/{id}")));
    for path in &platform_pages {
        let (status, body) = send(&router, &get(path.clone()), Some(&platform_cookie)).await;
        assert_eq!(status, 200, "{path}");
        assert_reads_calmly(path, &without_diagnostics(&body));
        if path.starts_with("/system/ops/runs/") {
            assert!(body.contains("data-testid=\"diagnostics\""), "{path} shows diagnostics");
        }
    }
}

/// A pack made and stored by one instance downloads whole, with its size announced, from a
/// router of another instance (a state of its own) on the same database.
pub(crate) async fn a_ready_pack_downloads_whole_from_an_instance_that_did_not_make_it(t: &TestDb) {
    let SeededDemo { demo, owner_cookie, .. } = seeded_demo(t).await;
    let (pack, size): (i64, i64) = sqlx::query_as(
        "SELECT id, size_bytes FROM review_packs WHERE workspace_id = $1 AND status = 'ready' ORDER BY id LIMIT 1",
    )
    .bind(demo.workspace.get())
    .fetch_one(t.state.db.pool())
    .await
    .expect("the demo has a ready pack");
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let other = server::web::router(super::own_state(t), server::web::leptos_options("target/site", addr), test_ops());
    let req = Request::builder()
        .uri(format!("/admin/review-packs/{pack}/download"))
        .header(header::HOST, HOST)
        .header(header::COOKIE, &owner_cookie)
        .body(Body::empty())
        .expect("request");
    let res = other.oneshot(req).await.expect("response");
    assert_eq!(res.status(), 200);
    let announced = res.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(announced, Some(size.to_string()));
    assert_eq!(res.headers().get(header::CONTENT_TYPE).map(|v| v.as_bytes()), Some(&b"application/zip"[..]));
    let body = axum::body::to_bytes(res.into_body(), 4 << 20).await.expect("body");
    assert_eq!(i64::try_from(body.len()).expect("len"), size);
    assert!(body.starts_with(b"PK\x03\x04"), "a ZIP archive");
}

#[test]
fn the_scan_finds_rust_paths_and_leaves_prose_alone() {
    assert!(rust_path("failed at app::store::runs").is_some());
    assert_eq!(rust_path("Ratio 3::4, a :: b, and ::before"), None);
    let page = "<p>ok</p><section class=\"panel\" data-testid=\"diagnostics\"><pre>sqlx::Error</pre></section><script>x::Y</script>";
    assert_eq!(without_diagnostics(page), "<p>ok</p>");
}

mod hostile;
mod languages;
pub(crate) use hostile::every_endpoint_answers_hostile_input_calmly_and_stores_nothing;
pub(crate) use languages::{
    a_users_language_wins_over_the_browsers_until_they_hand_it_back, german_pages_show_no_english_operator_text,
};
