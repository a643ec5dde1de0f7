//! The runs API's reference tells the truth (specs/runs-api): a worker's whole story told
//! through the real router — register a type, report, progress, heartbeat, claim, start,
//! read, list, end, and the refusals along the way — where every answer must carry a status
//! the OpenAPI document lists for its operation and a body the document's schema for that
//! answer accepts, and every operation the document lists is asked at least once.
//!
//! The check reads the schema keywords the document uses (`$ref`, `oneOf`, `type`, `enum`,
//! `properties`, `required`, `additionalProperties`, `propertyNames`, `items`, the length,
//! count and minimum limits); `pattern` is not checked (the values it describes are checked
//! by the domain's own tests).

use super::harness::TestDb;
use super::matrix::HOST;
use app::services::principal::Principal;
use app::services::tokens::{self, NewToken};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use tower::ServiceExt as _;

/// Why `value` does not fit `schema` (nothing when it does), read within the document `doc`.
fn misfits(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(target) = schema["$ref"].as_str() {
        let name = target.trim_start_matches("#/components/schemas/");
        match doc["components"]["schemas"].get(name) {
            Some(s) => out.extend(misfits(doc, s, value, at)),
            None => out.push(format!("{at}: {target} names no shape")),
        }
        return out;
    }
    if let Some(alternatives) = schema["oneOf"].as_array() {
        let fitting = alternatives.iter().filter(|s| misfits(doc, s, value, at).is_empty()).count();
        if fitting != 1 {
            out.push(format!("{at}: {value} fits {fitting} of the {} alternatives", alternatives.len()));
        }
        return out;
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let is = |t: &str| match t {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    };
    if !types.is_empty() && !types.iter().any(|t| is(t)) {
        out.push(format!("{at}: {value} is not {types:?}"));
        return out;
    }
    if let Some(values) = schema["enum"].as_array()
        && !values.contains(value)
    {
        out.push(format!("{at}: {value} is none of {values:?}"));
    }
    let limit = |key: &str| schema[key].as_u64();
    if let Some(n) = value.as_f64()
        && let Some(min) = schema["minimum"].as_f64()
        && n < min
    {
        out.push(format!("{at}: {n} < {min}"));
    }
    if let Some(s) = value.as_str() {
        let chars = s.chars().count() as u64;
        if limit("minLength").is_some_and(|m| chars < m) || limit("maxLength").is_some_and(|m| chars > m) {
            out.push(format!("{at}: {s:?} has {chars} characters"));
        }
    }
    if let Some(items) = value.as_array() {
        let n = items.len() as u64;
        if limit("minItems").is_some_and(|m| n < m) || limit("maxItems").is_some_and(|m| n > m) {
            out.push(format!("{at}: {n} items"));
        }
        for (i, item) in items.iter().enumerate() {
            out.extend(misfits(doc, &schema["items"], item, &format!("{at}[{i}]")));
        }
    }
    if let Some(fields) = value.as_object() {
        let properties = schema["properties"].as_object();
        for required in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !fields.contains_key(required) {
                out.push(format!("{at}: `{required}` is missing"));
            }
        }
        for (name, v) in fields {
            let field_at = format!("{at}.{name}");
            if let Some(keys) = schema["propertyNames"]["enum"].as_array()
                && !keys.contains(&json!(name))
            {
                out.push(format!("{field_at}: not a key the document lists"));
            }
            match properties.and_then(|p| p.get(name)) {
                Some(s) => out.extend(misfits(doc, s, v, &field_at)),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => out.push(format!("{field_at}: not a field of this shape")),
                    Some(s @ Value::Object(_)) => out.extend(misfits(doc, s, v, &field_at)),
                    // A field the document does not name: it lists what the API promises,
                    // and an answer may only ever gain fields.
                    _ if properties.is_some() => out.push(format!("{field_at}: not in the document")),
                    _ => {}
                },
            }
        }
    }
    out
}

/// Asks the router and checks each answer against the document, noting which operations
/// were asked.
struct Contract {
    router: Router,
    doc: Value,
    asked: BTreeSet<(String, String)>,
}

impl Contract {
    /// `method` on `path` (an instance of the document's `template`) with `body` and the
    /// bearer `secret`: the answer's status and body, once both are checked against the
    /// document.
    async fn ask(
        &mut self,
        method: &str,
        template: &str,
        path: &str,
        body: Option<Value>,
        secret: Option<&str>,
    ) -> (u16, Value) {
        let mut req = Request::builder().method(method).uri(path).header(header::HOST, HOST);
        if let Some(s) = secret {
            req = req.header(header::AUTHORIZATION, format!("Bearer {s}"));
        }
        let req = match &body {
            Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        };
        let res = self.router.clone().oneshot(req.expect("request")).await.expect("response");
        let status = res.status().as_u16();
        let media =
            res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let location = res.headers().get(header::LOCATION).is_some();
        let bytes = axum::body::to_bytes(res.into_body(), 4 << 20).await.expect("body");
        let value: Value =
            if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).expect("a JSON answer") };

        let operation = &self.doc["paths"][template][method.to_lowercase()];
        assert!(operation.is_object(), "{method} {template} is not in the document");
        self.asked.insert((method.to_lowercase(), template.to_owned()));
        let answer = &operation["responses"][status.to_string()];
        assert!(answer.is_object(), "{method} {path} answered {status}, which the document does not list: {value}");
        match answer["content"].as_object().and_then(|c| c.iter().next()) {
            Some((documented, content)) => {
                assert_eq!(&media, documented, "{method} {path} {status}: media type");
                let wrong = misfits(&self.doc, &content["schema"], &value, "body");
                assert!(
                    wrong.is_empty(),
                    "{method} {path} {status} does not fit the document:\n{}\n{value}",
                    wrong.join("\n")
                );
            }
            None => assert!(bytes.is_empty(), "{method} {path} {status}: the document promises no body"),
        }
        if answer["headers"].get("Location").is_some() {
            assert!(location, "{method} {path} {status}: the document promises a Location");
        }
        (status, value)
    }
}

fn owner(t: &TestDb) -> Principal {
    Principal::owner(t.user, t.ws, "Owner")
}

async fn secret(t: &TestDb, name: &str, grants: &str) -> String {
    let new = NewToken { name: name.to_owned(), grants: grants.to_owned(), ..NewToken::default() };
    tokens::create(&t.state, &owner(t), &new).await.expect("token").secret
}

pub(crate) async fn every_answer_of_the_runs_api_is_one_its_reference_describes(t: &TestDb) {
    let all = secret(t, "worker", "read_runs,start_runs,report_runs").await;
    let reader = secret(t, "reader", "read_runs").await;
    let (all, reader) = (Some(all.as_str()), Some(reader.as_str()));
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let router = server::web::router(
        t.state.clone(),
        server::web::leptos_options("target/site", addr),
        super::matrix::test_ops(),
    );
    let doc: Value = serde_json::from_slice(server::openapi::json()).expect("the document");
    let mut api = Contract { router, doc: doc.clone(), asked: BTreeSet::new() };
    let tenant = t.tenant.get();

    // The document itself, to anyone.
    let (status, served) = api.ask("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", None, None).await;
    assert_eq!((status, &served), (200, &doc));

    // A type of the workspace's own: registered, registered again, refused.
    let counted = json!({"label": {"en": "Backup", "de": "Sicherung"}, "progress_mode": "counted",
        "windows": {"queue_wait_secs": 60, "expected_secs": 600, "stale_after_secs": 1800, "heartbeat_timeout_secs": 120}});
    let at = "/api/v1/run-types/{key}";
    assert_eq!(api.ask("PUT", at, "/api/v1/run-types/backup.snapshot", Some(counted.clone()), all).await.0, 201);
    assert_eq!(api.ask("PUT", at, "/api/v1/run-types/backup.snapshot", Some(counted.clone()), all).await.0, 200);
    let phased = json!({"label": {"en": "Migrate", "de": "Migrieren"}, "progress_mode": "phased", "phases": ["copy", "verify"],
        "windows": {"queue_wait_secs": 60, "expected_secs": 600, "stale_after_secs": 1800, "heartbeat_timeout_secs": 120}});
    assert_eq!(api.ask("PUT", at, "/api/v1/run-types/mail.migrate", Some(phased), all).await.0, 201);
    assert_eq!(api.ask("PUT", at, "/api/v1/run-types/inventory.sync", Some(counted.clone()), all).await.0, 409);
    assert_eq!(api.ask("PUT", at, "/api/v1/run-types/backup.snapshot", Some(json!({"label": 1})), all).await.0, 422);
    assert_eq!(api.ask("PUT", at, "/api/v1/run-types/backup.snapshot", Some(counted), reader).await.0, 403);
    let (status, types) = api.ask("GET", "/api/v1/run-types", "/api/v1/run-types", None, reader).await;
    assert_eq!((status, types["run_types"].as_array().map(Vec::len)), (200, Some(2)));

    // Reported work: written running, reported again by its key, moved along, refused.
    let report = json!({"type": "backup.snapshot", "tenant_id": tenant, "worker": "host-1", "dedupe_key": "night-7"});
    let (status, made) = api.ask("POST", "/api/v1/runs/report", "/api/v1/runs/report", Some(report.clone()), all).await;
    assert_eq!(status, 201);
    let id = made["run"]["id"].as_i64().expect("a run id");
    assert_eq!(api.ask("POST", "/api/v1/runs/report", "/api/v1/runs/report", Some(report.clone()), all).await.0, 200);
    let elsewhere =
        json!({"type": "backup.snapshot", "tenant_id": tenant, "worker": "host-2", "dedupe_key": "night-7"});
    assert_eq!(api.ask("POST", "/api/v1/runs/report", "/api/v1/runs/report", Some(elsewhere), all).await.0, 409);
    let stranger = json!({"type": "backup.snapshot", "tenant_id": t.other_tenant.get(), "worker": "host-1"});
    assert_eq!(api.ask("POST", "/api/v1/runs/report", "/api/v1/runs/report", Some(stranger), all).await.0, 404);
    assert_eq!(api.ask("POST", "/api/v1/runs/report", "/api/v1/runs/report", Some(report), reader).await.0, 403);

    let progress = |body: Value| (format!("/api/v1/runs/{id}/progress"), Some(body));
    let (path, body) = progress(json!({"worker": "host-1", "counts": {"total": 10, "processed": 4}}));
    assert_eq!(api.ask("POST", "/api/v1/runs/{id}/progress", &path, body, all).await.0, 200);
    let (path, body) = progress(json!({"worker": "host-1", "counts": {"total": 10, "processed": 40}}));
    assert_eq!(api.ask("POST", "/api/v1/runs/{id}/progress", &path, body, all).await.0, 422);
    let (path, body) = progress(json!({"worker": "host-9", "counts": {"processed": 5}}));
    assert_eq!(api.ask("POST", "/api/v1/runs/{id}/progress", &path, body, all).await.0, 409);
    let beat = format!("/api/v1/runs/{id}/heartbeat");
    assert_eq!(
        api.ask("POST", "/api/v1/runs/{id}/heartbeat", &beat, Some(json!({"worker": "host-1"})), all).await.0,
        200
    );
    assert_eq!(api.ask("POST", "/api/v1/runs/{id}/heartbeat", &beat, Some(json!({"worker": ""})), all).await.0, 422);
    // A run the worker does not hold, whether or not it exists, is refused alike.
    for (nowhere, status) in [("/api/v1/runs/999999/heartbeat", 409), ("/api/v1/runs/abc/heartbeat", 404)] {
        let alive = Some(json!({"worker": "host-1"}));
        assert_eq!(api.ask("POST", "/api/v1/runs/{id}/heartbeat", nowhere, alive, all).await.0, status, "{nowhere}");
    }

    // Read while it runs: counted progress, fresh, as a page shows it.
    let (status, run) = api.ask("GET", "/api/v1/runs/{id}", &format!("/api/v1/runs/{id}"), None, reader).await;
    assert_eq!((status, &run["progress"]), (200, &json!({"mode": "counted", "processed": 4, "total": 10})));
    assert_eq!(api.ask("GET", "/api/v1/runs/{id}", "/api/v1/runs/999999", None, reader).await.0, 404);
    assert_eq!(api.ask("GET", "/api/v1/runs/{id}", &format!("/api/v1/runs/{id}"), None, None).await.0, 401);

    // Started work: Opshub's own type, started once by its key; a workspace type, queued and
    // claimed once.
    let sync = json!({"type": "inventory.sync", "tenant_id": tenant, "dedupe_key": "nightly-1"});
    assert_eq!(api.ask("POST", "/api/v1/runs", "/api/v1/runs", Some(sync.clone()), all).await.0, 201);
    let (status, again) = api.ask("POST", "/api/v1/runs", "/api/v1/runs", Some(sync.clone()), all).await;
    assert_eq!((status, &again["already_running"]), (200, &json!(true)));
    assert_eq!(api.ask("POST", "/api/v1/runs", "/api/v1/runs", Some(sync), reader).await.0, 403);
    let queued = json!({"type": "mail.migrate", "tenant_id": tenant});
    assert_eq!(api.ask("POST", "/api/v1/runs", "/api/v1/runs", Some(queued), all).await.0, 201);
    assert_eq!(api.ask("POST", "/api/v1/runs", "/api/v1/runs", Some(json!({"type": "x"})), all).await.0, 422);
    let stranger = json!({"type": "inventory.sync", "tenant_id": t.other_tenant.get()});
    assert_eq!(api.ask("POST", "/api/v1/runs", "/api/v1/runs", Some(stranger), all).await.0, 404);
    let claim = json!({"types": ["mail.migrate"], "worker": "host-3"});
    let (status, claimed) = api.ask("POST", "/api/v1/runs/claim", "/api/v1/runs/claim", Some(claim.clone()), all).await;
    assert_eq!((status, &claimed["run"]["status"]), (200, &json!("running")));
    assert_eq!(api.ask("POST", "/api/v1/runs/claim", "/api/v1/runs/claim", Some(claim.clone()), all).await.0, 204);
    assert_eq!(
        api.ask("POST", "/api/v1/runs/claim", "/api/v1/runs/claim", Some(json!({"types": []})), all).await.0,
        422
    );
    assert_eq!(api.ask("POST", "/api/v1/runs/claim", "/api/v1/runs/claim", Some(claim), reader).await.0, 403);
    let migrate = claimed["run"]["id"].as_i64().expect("a run id");
    let phase = json!({"worker": "host-3", "phase": "verify"});
    let path = format!("/api/v1/runs/{migrate}/progress");
    let (status, _) = api.ask("POST", "/api/v1/runs/{id}/progress", &path, Some(phase), all).await;
    assert_eq!(status, 200);

    // Lists, with the operations list's filters.
    let (status, page) = api.ask("GET", "/api/v1/runs", "/api/v1/runs?status=active", None, reader).await;
    assert_eq!((status, page["total"].as_u64()), (200, Some(3)));
    let path = format!("/api/v1/runs?tenant={tenant}&run_type=backup.snapshot&class=none");
    assert_eq!(api.ask("GET", "/api/v1/runs", &path, None, reader).await.0, 200);
    assert_eq!(api.ask("GET", "/api/v1/runs", "/api/v1/runs?status=sideways", None, reader).await.0, 422);
    assert_eq!(api.ask("GET", "/api/v1/runs", "/api/v1/runs", None, None).await.0, 401);

    // The ends: a failure with its code and sentence, then nothing more.
    let end = json!({"worker": "host-1", "outcome": "failed", "counts": {"processed": 9},
        "failure": {"code": "disk.full", "message": "The backup disk is full."}});
    let path = format!("/api/v1/runs/{id}/complete");
    let (status, ended) = api.ask("POST", "/api/v1/runs/{id}/complete", &path, Some(end.clone()), all).await;
    assert_eq!(
        (status, &ended["outcome"], &ended["failure_message"]),
        (200, &json!("failed"), &json!("The backup disk is full."))
    );
    assert_eq!(api.ask("POST", "/api/v1/runs/{id}/complete", &path, Some(end), all).await.0, 409);
    let bad = json!({"worker": "host-3", "outcome": "succeeded", "failure": {"code": "x", "message": "y"}});
    let path = format!("/api/v1/runs/{migrate}/complete");
    assert_eq!(api.ask("POST", "/api/v1/runs/{id}/complete", &path, Some(bad), all).await.0, 422);
    let (status, done) = api.ask("GET", "/api/v1/runs", "/api/v1/runs?status=completed", None, reader).await;
    assert_eq!((status, done["runs"][0]["progress"]["mode"].as_str()), (200, Some("none")));

    // Every operation the document lists was asked.
    let mut listed = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("an item").keys() {
            listed.insert((method.clone(), path.clone()));
        }
    }
    assert_eq!(api.asked, listed, "the story asks every operation the document lists");
}

#[test]
fn the_contract_check_refuses_what_does_not_fit() {
    let doc = json!({"components": {"schemas": {
        "Mode": {"type": "string", "enum": ["a", "b"]},
        "Thing": {"type": "object", "required": ["n"], "properties": {
            "n": {"type": "integer", "minimum": 1},
            "mode": {"oneOf": [{"$ref": "#/components/schemas/Mode"}, {"type": "null"}]},
            "names": {"type": "array", "maxItems": 1, "items": {"type": "string", "maxLength": 3}}
        }}
    }}});
    let thing = json!({"$ref": "#/components/schemas/Thing"});
    assert!(misfits(&doc, &thing, &json!({"n": 1, "mode": null, "names": ["abc"]}), "x").is_empty());
    assert!(misfits(&doc, &thing, &json!({"n": 1, "mode": "a"}), "x").is_empty());
    for wrong in [
        json!({}),
        json!({"n": 0}),
        json!({"n": "1"}),
        json!({"n": 1, "mode": "c"}),
        json!({"n": 1, "names": ["abcd"]}),
        json!({"n": 1, "names": ["a", "b"]}),
        json!({"n": 1, "colour": "red"}),
        json!([1]),
    ] {
        assert!(!misfits(&doc, &thing, &wrong, "x").is_empty(), "{wrong} is refused");
    }
}
