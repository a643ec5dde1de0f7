//! Hostile input on both databases: every endpoint of the authorization matrix's registry,
//! called by a signed-in owner with each argument, path id, query value and read header
//! replaced by oversized, malformed, wrongly typed, empty and Unicode-confusable values.
//! Every answer is calm (4xx, or the page it would have been with a calm refusal in it),
//! none is a 5xx and nothing is stored. (That no log line carries a hostile value unbounded
//! is checked on the real binary's log, in `process.rs`.)
//! Walking `rows()` means a new endpoint is attacked as soon as it is in the matrix.

use super::*;

/// Marks the oversized value, so its echo can be found anywhere.
const MARK: &str = "HOSTILEMARK";

/// The hostile values each slot is given; the oversized one is `big` marks long (a URL
/// cannot be as long as a body: HTTP stacks refuse those before any handler).
fn values_of(big: usize) -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        " ",
        "-1",
        "0",
        "9223372036854775808",
        "1e309",
        "0x1F",
        "１２",
        "\u{202e}12",
        "1\u{0}",
        "\u{430}ctive",
        "ｓｕｃｃｅｅｄｅｄ",
        "[]",
        "{}",
        "true",
        "null",
        "%",
        "../../../etc/passwd",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "\u{fffd}\u{feff}",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    v.push(MARK.repeat(big));
    v
}

fn values() -> Vec<String> {
    values_of(10_000)
}

fn url_values() -> Vec<String> {
    values_of(400)
}

/// `text` percent-encoded for a form or query value.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Optional arguments some server functions take beyond what the matrix sends.
const EXTRA_FIELDS: [&str; 6] = ["known", "next", "confirm", "snapshot", "review", "language"];

/// The list filters a `{"query": …}` body can carry.
const QUERY_FIELDS: [&str; 8] = ["workspace", "tenant", "run_type", "status", "outcome", "class", "since", "after"];

/// One hostile request and whether it must be refused (4xx). Blank values of optional
/// arguments, arguments an endpoint does not take and query values a page does not read may
/// be answered as if absent.
struct Variant {
    call: Call,
    refuse: bool,
}

/// Whether `value` given for `field` is a valid value after all: a blank, a zero time, a
/// token name that reads as one, a type filter shaped like a workspace type's key (a
/// workspace may have registered it), or any value of a grant's or an event's box (ticked
/// is ticked).
fn valid(field: &str, value: &str) -> bool {
    value.trim().is_empty()
        || (field == "since" && value == "0")
        || (field == "run_type" && app::domain::workspace_type::type_key(value).is_ok())
        || (field == "name" && app::domain::token::token_name(value).is_some())
        || app::domain::token::TokenGrant::parse(field).is_ok()
        || matches!(field, "finished" | "reconciled" | "stuck")
}

/// Every hostile variant of `call`.
fn variants(call: &Call) -> Vec<Variant> {
    let mut out = Vec::new();
    let mut add = |path: String, body: String, refuse: bool| {
        out.push(Variant { call: Call { method: call.method, path, body, language: None }, refuse });
    };
    if call.method == "GET" {
        let segments: Vec<&str> = call.path.split('/').collect();
        for (i, s) in segments.iter().enumerate() {
            if s.parse::<i64>().is_ok() {
                for v in url_values() {
                    let mut hostile = segments.clone();
                    let encoded = encode(&v);
                    hostile[i] = &encoded;
                    add(hostile.join("/"), String::new(), true);
                }
            }
        }
        // Pages read only their own query values, each parsed like its server function's
        // (walked below); a few representatives per value keep the page renders affordable.
        let some: Vec<String> = url_values()
            .into_iter()
            .filter(|v| {
                ["-1", "１２", "\u{202e}12", "<script>alert(1)</script>", ""].contains(&v.as_str()) || v.len() > 100
            })
            .collect();
        for field in ["status", "tenant", "run_type", "class", "outcome", "since", "after", "workspace", "back", "next"]
        {
            for v in some.clone() {
                add(format!("{}?{field}={}", call.path, encode(&v)), String::new(), false);
            }
        }
    } else if call.body.starts_with('{') {
        for field in QUERY_FIELDS {
            for v in values() {
                let body = serde_json::json!({ "query": { field: v } }).to_string();
                add(call.path.clone(), body, !valid(field, &v));
            }
            let body = serde_json::json!({ "query": { field: [1, 2] } }).to_string();
            add(call.path.clone(), body, true);
        }
        for body in ["{", "[]", "{\"query\": 5}", "{\"query\": {}, \"known\": {\"a\": 1}}"] {
            add(call.path.clone(), body.to_owned(), true);
        }
        add(call.path.clone(), format!("{{\"query\": {{}}, \"known\": \"{}\"}}", MARK.repeat(10_000)), false);
    } else {
        let fields: Vec<(String, String)> = call
            .body
            .split('&')
            .filter(|p| !p.is_empty())
            .filter_map(|p| p.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
            .collect();
        let own = |name: &str| fields.iter().any(|(k, _)| k == name);
        let names: Vec<String> = fields
            .iter()
            .map(|(k, _)| k.clone())
            .chain(EXTRA_FIELDS.iter().filter(|f| !own(f)).map(|f| (*f).to_owned()))
            .collect();
        for name in &names {
            for v in values() {
                let mut body: Vec<String> =
                    fields.iter().filter(|(k, _)| k != name).map(|(k, val)| format!("{k}={val}")).collect();
                body.push(format!("{name}={}", encode(&v)));
                // The language form's "browser" is itself a valid value only when blank.
                let refuse = own(name) && !valid(name, &v);
                add(call.path.clone(), body.join("&"), refuse);
            }
        }
        add(call.path.clone(), "%%%&&==".to_owned(), !fields.is_empty());
        add(call.path.clone(), "{\"id\": 1}".to_owned(), !fields.is_empty());
    }
    out
}

/// Rows in the tables a request could write to.
async fn stored(t: &TestDb) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "operation_runs",
        "environment_reviews",
        "review_packs",
        "restores",
        "notifications",
        "users",
        "memberships",
        "baseline_snapshots",
        "api_tokens",
        "webhook_endpoints",
    ] {
        let n: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(t.state.db.pool()).await.unwrap();
        counts.push(n);
    }
    let published: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM environment_reviews WHERE status = 'published'")
        .fetch_one(t.state.db.pool())
        .await
        .unwrap();
    counts.push(published);
    counts
}

pub(crate) async fn every_endpoint_answers_hostile_input_calmly_and_stores_nothing(t: &TestDb) {
    let w = world(t).await;
    let owner = w.cookies[1].clone().expect("the owner");
    let before = stored(t).await;
    let mut wrong = Vec::new();
    let mut sent = 0;
    // Signing out would end the owner's session for the rest of the walk.
    let all: Vec<Variant> =
        rows().into_iter().filter(|r| r.route != "/api/sign_out").flat_map(|r| variants(&(r.call)(&w.one))).collect();
    // What must be refused goes first, so the tables show it stored nothing; the rest (valid
    // calls carrying arguments they ignore) may do their ordinary work afterwards.
    let (must, may): (Vec<Variant>, Vec<Variant>) = all.into_iter().partition(|v| v.refuse);
    let refused = must.len();
    for (i, Variant { call, refuse }) in must.into_iter().chain(may).enumerate() {
        if i == refused {
            assert_eq!(stored(t).await, before, "input that was refused stored nothing");
        }
        {
            sent += 1;
            let (status, body) = send(&w.router, &call, Some(&owner)).await;
            let shown: String = format!("{} {} {}", call.method, call.path, call.body).chars().take(160).collect();
            if !(200..500).contains(&status) {
                wrong.push(format!("{shown}: {status} {}", body.chars().take(200).collect::<String>()));
            } else if refuse && status < 400 {
                wrong.push(format!("{shown}: accepted with {status}"));
            }
            for leak in ["SQLSTATE", "constraint", "sqlx", "panicked", "syntax error", "Internal Server Error"] {
                if body.contains(leak) {
                    wrong.push(format!("{shown}: leaks {leak:?}"));
                }
            }
            if body.contains(&MARK.repeat(100)) {
                wrong.push(format!("{shown}: echoes the oversized value"));
            }
        }
    }
    // Headers the app reads: the language, the request id and the cookie.
    for (name, value) in [
        (header::ACCEPT_LANGUAGE, "de;q=0.9,".repeat(700)),
        (header::ACCEPT_LANGUAGE, "x".repeat(9_000)),
        (header::HeaderName::from_static("x-request-id"), MARK.repeat(600)),
        (header::HeaderName::from_static("x-request-id"), "\u{7f}bad id".to_owned()),
        (header::COOKIE, format!("{owner}; junk={}", MARK.repeat(600))),
    ] {
        for (method, path, body) in [("GET", "/admin/operations", ""), ("POST", "/api/list_runs", "{\"query\": {}}")] {
            sent += 1;
            let mut req = Request::builder().method(method).uri(path).header(header::HOST, HOST);
            if method == "POST" {
                req = req
                    .header(header::ORIGIN, format!("http://{HOST}"))
                    .header(header::CONTENT_TYPE, "application/json");
            }
            if name != header::COOKIE {
                req = req.header(header::COOKIE, &owner);
            }
            let Ok(value) = axum::http::HeaderValue::from_str(&value) else { continue };
            let req = req.header(name.clone(), value).body(Body::from(body)).expect("request");
            let res = w.router.clone().oneshot(req).await.expect("response");
            let status = res.status().as_u16();
            let echoed = res.headers().values().any(|v| v.len() > 1000);
            let text = axum::body::to_bytes(res.into_body(), 4 << 20).await.expect("body");
            let text = String::from_utf8_lossy(&text);
            if !(200..500).contains(&status) || echoed || text.contains(&MARK.repeat(100)) {
                wrong.push(format!("{method} {path} with a hostile {name}: {status}"));
            }
        }
    }
    assert!(sent > 1000, "{sent} hostile requests");
    assert!(
        wrong.is_empty(),
        "{} of {sent} hostile requests were not answered calmly:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
