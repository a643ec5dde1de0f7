//! Running Opshub for real: health, readiness and metrics answer plainly without naming a
//! tenant or a person; every response carries the security headers and a request id; an
//! internal error shows the id that finds its log lines.

use super::harness::TestDb;
use super::matrix::{HOST, SeededDemo, seeded_demo_with};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, header};
use tower::ServiceExt as _;

const TOKEN: &str = "conformance-metrics-token";

/// One request through the real router: status, headers, body.
async fn call(
    router: &Router,
    method: &str,
    path: &str,
    body: &str,
    extra: &[(&str, &str)],
) -> (u16, HeaderMap, String) {
    let mut req = Request::builder().method(method).uri(path).header(header::HOST, HOST);
    if method == "POST" {
        req = req.header(header::ORIGIN, format!("http://{HOST}")).header(
            header::CONTENT_TYPE,
            if body.starts_with('{') { "application/json" } else { "application/x-www-form-urlencoded" },
        );
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let res = router.clone().oneshot(req.body(Body::from(body.to_owned())).expect("request")).await.expect("response");
    let (parts, body) = res.into_parts();
    let body = axum::body::to_bytes(body, 4 << 20).await.expect("body");
    (parts.status.as_u16(), parts.headers, String::from_utf8_lossy(&body).into_owned())
}

fn header_of<'h>(h: &'h HeaderMap, name: &str) -> &'h str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// The value of the metric line that starts with `series` (name and labels).
fn sample(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

fn version_in(json: &serde_json::Value) -> Option<String> {
    match json {
        serde_json::Value::Object(map) => {
            map.get("version").and_then(|v| v.as_str().map(str::to_owned)).or_else(|| map.values().find_map(version_in))
        }
        _ => None,
    }
}

async fn demo(t: &TestDb) -> SeededDemo {
    let ops = server::web::Ops { metrics_token: Some(TOKEN.to_owned()), ..super::matrix::test_ops() };
    seeded_demo_with(t, ops).await
}

pub(crate) async fn health_readiness_and_metrics_answer_plainly_and_name_no_tenant(t: &TestDb) {
    let d = demo(t).await;
    let (status, headers, body) = call(&d.router, "GET", "/healthz", "", &[]).await;
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    assert_eq!(header_of(&headers, "content-type"), "application/json");
    let (status, _, body) = call(&d.router, "GET", "/readyz", "", &[]).await;
    assert_eq!(status, 200, "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["checks"]["database"], "ok");
    assert_eq!(ready["checks"]["migrations"], "current");

    // The dashboard polls twice: the second time it already holds the version.
    let tenant = d.demo.tenants[0].get().to_string();
    let cookie = [(header::COOKIE.as_str(), d.owner_cookie.as_str())];
    let (status, _, first) =
        call(&d.router, "POST", "/api/poll_tenant_digest", &format!("tenant={tenant}"), &cookie).await;
    assert_eq!(status, 200, "{first}");
    let version = version_in(&serde_json::from_str(&first).expect("json")).expect("a version");
    let again = format!("tenant={tenant}&known={version}");
    let (_, _, second) = call(&d.router, "POST", "/api/poll_tenant_digest", &again, &cookie).await;
    assert!(second.contains("Unchanged"), "{second}");

    // Metrics ask for the token, and only in constant-time-compared full.
    let (status, headers, _) = call(&d.router, "GET", "/metrics", "", &[]).await;
    assert_eq!((status, header_of(&headers, "www-authenticate")), (401, "Bearer"));
    let wrong = [("authorization", "Bearer conformance-metrics-tokeX")];
    assert_eq!(call(&d.router, "GET", "/metrics", "", &wrong).await.0, 401);
    let bearer = format!("Bearer {TOKEN}");
    let (status, headers, m) = call(&d.router, "GET", "/metrics", "", &[("authorization", bearer.as_str())]).await;
    assert_eq!(status, 200, "{m}");
    assert!(header_of(&headers, "content-type").starts_with("application/openmetrics-text"));
    assert!(m.trim_end().ends_with("# EOF"), "the exposition is complete");
    // The demo's history ran through the lifecycle, the reconciler and the polls above.
    assert!(sample(&m, r#"opshub_runs_started_total{run_type="inventory.sync"}"#) >= 1.0, "{m}");
    assert!(sample(&m, r#"opshub_runs_completed_total{run_type="inventory.sync",outcome="succeeded"}"#) >= 1.0, "{m}");
    assert!(sample(&m, r#"opshub_claim_wait_seconds_count{run_type="inventory.sync"}"#) >= 1.0, "{m}");
    assert!(sample(&m, "opshub_reconcile_sweep_duration_seconds_count") >= 1.0, "{m}");
    assert!(m.lines().any(|l| l.starts_with("opshub_reconcile_decisions_total{kind=")), "{m}");
    assert_eq!(sample(&m, r#"opshub_poll_requests_total{surface="tenant_digest",answer="unchanged"}"#), 1.0, "{m}");
    assert_eq!(sample(&m, r#"opshub_poll_requests_total{surface="tenant_digest",answer="full"}"#), 1.0, "{m}");
    assert!(
        sample(&m, r#"opshub_http_requests_total{route="/api/poll_tenant_digest",method="POST",status="200"}"#) >= 2.0,
        "{m}"
    );
    // Active and likely-stale gauges come from the live view: the demo keeps stale runs.
    let stale: f64 = m
        .lines()
        .filter(|l| l.starts_with("opshub_likely_stale_runs{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    let active: f64 = m
        .lines()
        .filter(|l| l.starts_with("opshub_active_runs{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(stale >= 1.0 && active >= stale, "active {active}, stale {stale}");
    // Labels are bounded sets: no tenant, workspace or person appears, nor a raw path.
    let names: Vec<String> =
        sqlx::query_scalar("SELECT name FROM tenants").fetch_all(d.state.db.pool()).await.expect("tenants");
    for name in names.iter().map(String::as_str).chain(["@", "/admin/t/1", "acme"]) {
        assert!(!m.contains(name), "metrics mention {name:?}");
    }
}

pub(crate) async fn pages_and_answers_travel_compressed_and_small_ones_as_they_are(t: &TestDb) {
    let d = demo(t).await;
    let cookie = (header::COOKIE.as_str(), d.owner_cookie.as_str());
    let html = ("accept", "text/html");
    for (accepts, expected) in [("gzip, deflate, br", "br"), ("gzip", "gzip")] {
        let encoding = ("accept-encoding", accepts);
        let (status, h, _) = call(&d.router, "GET", "/admin/operations", "", &[cookie, html, encoding]).await;
        assert_eq!((status, header_of(&h, "content-encoding")), (200, expected), "page, {accepts}");
        assert!(header_of(&h, "vary").to_ascii_lowercase().contains("accept-encoding"), "{h:?}");
        let (status, h, _) = call(&d.router, "POST", "/api/list_runs", r#"{"query": {}}"#, &[cookie, encoding]).await;
        assert_eq!((status, header_of(&h, "content-encoding")), (200, expected), "server function, {accepts}");
    }
    // A browser that asks for nothing compressed gets the page as it is.
    let (status, h, body) = call(&d.router, "GET", "/admin/operations", "", &[cookie, html]).await;
    assert_eq!((status, header_of(&h, "content-encoding")), (200, ""));
    assert!(body.starts_with("<!DOCTYPE html>"), "{body:.200}");
    // An answer under a kilobyte is not worth compressing.
    let (status, h, body) = call(&d.router, "GET", "/healthz", "", &[("accept-encoding", "br")]).await;
    assert_eq!((status, header_of(&h, "content-encoding"), body.as_str()), (200, "", r#"{"status":"ok"}"#));
}

pub(crate) async fn every_response_carries_the_security_headers_and_a_request_id(t: &TestDb) {
    let d = demo(t).await;
    let cookie = (header::COOKIE.as_str(), d.owner_cookie.as_str());
    let page = call(&d.router, "GET", "/admin/operations", "", &[cookie, ("accept", "text/html")]).await;
    let server_fn = call(&d.router, "POST", "/api/list_runs", "", &[cookie]).await;
    let api = call(&d.router, "GET", &format!("/api/tenants/{}/active-runs", d.demo.tenants[0]), "", &[cookie]).await;
    let missing = call(&d.router, "GET", "/pkg/nothing-here.js", "", &[]).await;
    let visitor = call(&d.router, "GET", "/admin/operations", "", &[]).await;
    let mut ids = std::collections::HashSet::new();
    for (what, (_, h, _)) in [
        ("page", &page),
        ("server function", &server_fn),
        ("api", &api),
        ("missing file", &missing),
        ("redirect", &visitor),
    ] {
        assert_eq!(header_of(h, "x-content-type-options"), "nosniff", "{what}");
        assert_eq!(header_of(h, "referrer-policy"), "same-origin", "{what}");
        assert_eq!(header_of(h, "x-frame-options"), "DENY", "{what}");
        let csp = header_of(h, "content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
        assert!(!csp.contains("'unsafe-eval'") && !csp.contains("'unsafe-inline'"), "{what}: {csp}");
        let id = header_of(h, "x-request-id");
        assert_eq!(id.len(), 16, "{what}: {id:?}");
        ids.insert(id.to_owned());
    }
    assert_eq!(ids.len(), 5, "every request has its own id");
    // A page's policy admits exactly the inline scripts that carry this response's nonce.
    let (status, h, html) = page;
    assert_eq!(status, 200);
    let csp = header_of(&h, "content-security-policy");
    let nonce = csp.split("'nonce-").nth(1).and_then(|r| r.split('\'').next()).expect("a nonce");
    assert!(nonce.len() >= 16, "{nonce}");
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the hydration script carries the nonce");
    assert!(!html.contains(" style=\""), "no inline style the policy would refuse");
    let inline_scripts = html.matches("<script").count();
    assert_eq!(inline_scripts, html.matches(&format!("nonce=\"{nonce}\"")).count(), "every script has the nonce");
    // Everything that is not a page may load nothing.
    assert!(header_of(&server_fn.1, "content-security-policy").starts_with("default-src 'none'"));
    // Served over plain http here: no Strict-Transport-Security.
    assert!(h.get("strict-transport-security").is_none());
    // A proxy's well-formed id is kept; anything else is replaced.
    let kept = call(&d.router, "GET", "/healthz", "", &[("x-request-id", "lb-7f3a9c21-0001")]).await;
    assert_eq!(header_of(&kept.1, "x-request-id"), "lb-7f3a9c21-0001");
    let replaced = call(&d.router, "GET", "/healthz", "", &[("x-request-id", "x")]).await;
    assert_ne!(header_of(&replaced.1, "x-request-id"), "x");
}

pub(crate) async fn an_internal_error_shows_the_request_id_that_finds_its_log_lines(t: &TestDb) {
    let d = demo(t).await;
    let run = *d.runs.last().expect("a run");
    sqlx::query("UPDATE operation_runs SET run_type = 'legacy.thing' WHERE id = $1")
        .bind(run)
        .execute(d.state.db.pool())
        .await
        .expect("damage a run");
    let cookie = (header::COOKIE.as_str(), d.owner_cookie.as_str());
    let (status, h, body) = call(&d.router, "POST", "/api/get_run", &format!("id={run}"), &[cookie]).await;
    assert_eq!(status, 500, "{body}");
    let id = header_of(&h, "x-request-id");
    assert!(body.contains(&format!("Reference: {id}.")), "{body}");
    assert!(!body.contains("legacy.thing") && !body.contains("SQL"), "{body}");
    // The page shows the same calm sentence with the reference, in the reader's language.
    let page =
        call(&d.router, "GET", &format!("/admin/operations/{run}"), "", &[cookie, ("accept-language", "de")]).await;
    let id = header_of(&page.1, "x-request-id");
    assert!(page.2.contains(&format!("Referenz: {id}.")), "{}", page.2);
}
