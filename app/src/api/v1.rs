//! The runs API's public shapes (`/api/v1`, specs/runs-api): what a platform's own code reads
//! and sends. They are versioned apart from the pages' types, so a page can change without
//! breaking somebody's worker: fields are only ever added here. Times are RFC 3339 in UTC.

use super::{ApiError, RunListPage};
use crate::copy::Catalog;
use crate::domain::refusal::Invalid;
use crate::domain::workspace_type::TypeRequest;
use crate::domain::{Freshness, ProblemClass, Progress, RunView, Timestamp};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

pub mod bodies;
pub mod schema;

/// The media type of an error answer (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One run as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = Run)]
pub struct ApiRun {
    /// Its id.
    pub id: i64,
    /// Its type's key.
    #[serde(rename = "type")]
    #[schema(examples("backup.snapshot"))]
    pub run_type: String,
    /// Its type's name in the caller's language.
    pub type_label: String,
    /// Its tenant's id, if it has one.
    pub tenant_id: Option<i64>,
    /// Its tenant's name, if it has one.
    pub tenant_name: Option<String>,
    /// `queued`, `running` or `completed`.
    #[schema(value_type = crate::domain::status::RunStatus)]
    pub status: &'static str,
    /// How it ended, once completed.
    #[schema(value_type = Option<crate::domain::status::RunOutcome>)]
    pub outcome: Option<&'static str>,
    /// How an active run stands against its windows (active runs only).
    pub freshness: Option<Freshness>,
    /// Its problem class now (`none` when nothing needs a person).
    pub problem_class: ProblemClass,
    /// Its progress, tagged by `mode`.
    pub progress: Progress,
    /// Its recorded counts by key (none when they contradict each other).
    #[schema(value_type = schema::Counts)]
    pub counts: BTreeMap<&'static str, u64>,
    /// The operator-safe sentence of why it failed, if it did.
    pub failure_message: Option<String>,
    /// Whether Opshub's reconciler decided how it ended.
    pub reconciled: bool,
    /// When it was queued.
    pub created_at: String,
    /// When it started.
    pub started_at: Option<String>,
    /// When it completed.
    pub completed_at: Option<String>,
    /// Its worker's last sign of life.
    pub heartbeat_at: Option<String>,
    /// Where to read it: this API, and the page people open.
    pub links: RunLinks,
}

/// Addresses of one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RunLinks {
    /// This run in the API.
    #[serde(rename = "self")]
    pub this: String,
    /// Its page in Opshub.
    pub page: String,
}

/// One page of runs, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = RunPage)]
pub struct ApiRunPage {
    /// The runs.
    pub runs: Vec<ApiRun>,
    /// How many runs match the filters, on every page.
    pub total: u64,
    /// The `after` value of the next page, if there is one.
    pub next_after: Option<String>,
}

impl ApiRun {
    /// The API's view of `v`, its sentences worded from `c`.
    pub fn of(v: &RunView, c: &Catalog) -> Self {
        let time = |t: Option<Timestamp>| t.map(Timestamp::to_rfc3339);
        Self {
            id: v.id.get(),
            run_type: v.run_type.as_str().to_owned(),
            type_label: c.type_name(&v.run_type).to_owned(),
            tenant_id: v.tenant_id.map(|t| t.get()),
            tenant_name: v.tenant_name.clone(),
            status: v.state.status().as_str(),
            outcome: v.state.outcome().map(|o| o.as_str()),
            freshness: v.freshness,
            problem_class: v.problem,
            progress: v.progress.clone(),
            counts: v.counts.iter().map(|(k, n)| (k.as_str(), *n)).collect(),
            failure_message: v.failure_message.as_ref().map(|s| c.stored_sentence(s)),
            reconciled: v.reconciled,
            created_at: v.created_at.to_rfc3339(),
            started_at: time(v.started_at),
            completed_at: time(v.completed_at),
            heartbeat_at: time(v.heartbeat_at),
            links: RunLinks { this: format!("/api/v1/runs/{}", v.id), page: format!("/admin/operations/{}", v.id) },
        }
    }
}

impl ApiRunPage {
    /// The API's view of a list page, its sentences worded from `c`.
    pub fn of(page: &RunListPage, c: &Catalog) -> Self {
        Self {
            runs: page.runs.iter().map(|v| ApiRun::of(v, c)).collect(),
            total: page.total_count,
            next_after: page.next.clone(),
        }
    }
}

/// The answer to a start or a report: the run, and whether it was already active (nothing
/// new written).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = Started)]
pub struct ApiStarted {
    /// The run, new or the identical one already active.
    pub run: ApiRun,
    /// Whether an identical run (same tenant, type and dedupe key) was already active.
    pub already_running: bool,
}

/// `POST /api/v1/runs`: start a run of one of Opshub's own types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartRequest {
    /// The run type's key.
    pub run_type: String,
    /// The tenant's id.
    pub tenant_id: String,
    /// The caller's idempotency key: a start with the key of an active run answers that run.
    pub dedupe_key: Option<String>,
    /// The baseline snapshot a compare or restore uses.
    pub snapshot: Option<String>,
    /// The review a pack exports.
    pub review: Option<String>,
    /// Confirms work that changes a tenant's configuration.
    pub confirm: bool,
}

/// How long a field's name may be when a refusal names it.
const NAMED_FIELD_CHARS: usize = 40;

/// An API request's body (or a part of it) as a JSON object whose every field is one of
/// `known`; the first field that is not is refused by name, a value that is no object as
/// [`Invalid::Body`].
fn object<'a>(
    body: &'a serde_json::Value,
    known: &[&str],
) -> Result<&'a serde_json::Map<String, serde_json::Value>, Invalid> {
    let map = body.as_object().ok_or(Invalid::Body)?;
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(Invalid::Field(unknown.chars().take(NAMED_FIELD_CHARS).collect())),
        None => Ok(map),
    }
}

/// A text field; `None` when absent or null.
fn text(map: &serde_json::Map<String, serde_json::Value>, field: &str) -> Result<Option<String>, Invalid> {
    match map.get(field) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Invalid::Field(field.to_owned())),
    }
}

/// An id field: an integer, or a string of one (ids come either way); `None` when absent or
/// null. Whether it names anything is the service's to say.
fn id(map: &serde_json::Map<String, serde_json::Value>, field: &str) -> Result<Option<String>, Invalid> {
    match map.get(field) {
        Some(serde_json::Value::Number(n)) if n.is_i64() => Ok(Some(n.to_string())),
        _ => text(map, field),
    }
}

impl StartRequest {
    /// The fields a start takes.
    pub const FIELDS: [&str; 6] = ["type", "tenant_id", "dedupe_key", "snapshot", "review", "confirm"];

    /// Reads a start from its JSON body: `type` and `tenant_id` are required; an unknown
    /// field, or one of the wrong kind, is refused by name.
    pub fn from_json(body: &serde_json::Value) -> Result<Self, Invalid> {
        let map = object(body, &Self::FIELDS)?;
        let required = |found: Option<String>, field: &str| found.ok_or_else(|| Invalid::Field(field.to_owned()));
        let confirm = match map.get("confirm") {
            None | Some(serde_json::Value::Null) => false,
            Some(serde_json::Value::Bool(b)) => *b,
            Some(_) => return Err(Invalid::Field("confirm".to_owned())),
        };
        Ok(Self {
            run_type: required(text(map, "type")?, "type")?,
            tenant_id: required(id(map, "tenant_id")?, "tenant_id")?,
            dedupe_key: text(map, "dedupe_key")?,
            snapshot: id(map, "snapshot")?,
            review: id(map, "review")?,
            confirm,
        })
    }
}

/// A field that is an object of counts by key, each a whole number (`None` when absent or
/// null); a value that is not is refused by its key (`counts.total`).
fn counts(map: &serde_json::Map<String, serde_json::Value>, field: &str) -> Result<Vec<(String, i64)>, Invalid> {
    match map.get(field) {
        None | Some(serde_json::Value::Null) => Ok(Vec::new()),
        Some(serde_json::Value::Object(counts)) => counts
            .iter()
            .map(|(key, n)| {
                let named =
                    || Invalid::Field(format!("{field}.{}", key.chars().take(NAMED_FIELD_CHARS).collect::<String>()));
                n.as_i64().map(|n| (key.clone(), n)).ok_or_else(named)
            })
            .collect(),
        Some(_) => Err(Invalid::Field(field.to_owned())),
    }
}

/// The `worker` field every report carries.
fn worker(map: &serde_json::Map<String, serde_json::Value>) -> Result<String, Invalid> {
    text(map, "worker")?.ok_or_else(|| Invalid::Field("worker".to_owned()))
}

/// The fields of a report.
pub const REPORT_FIELDS: [&str; 4] = ["type", "tenant_id", "worker", "dedupe_key"];
/// The fields of a claim.
pub const CLAIM_FIELDS: [&str; 2] = ["types", "worker"];
/// The fields of a sign of life.
pub const HEARTBEAT_FIELDS: [&str; 1] = ["worker"];
/// The fields of a progress report.
pub const PROGRESS_FIELDS: [&str; 4] = ["worker", "counts", "phase", "composite"];
/// The fields of a progress report's `composite`.
pub const COMPOSITE_FIELDS: [&str; 3] = ["total", "ready", "failed"];
/// The fields of an ending.
pub const COMPLETE_FIELDS: [&str; 4] = ["worker", "outcome", "counts", "failure"];
/// The fields of an ending's `failure`.
pub const FAILURE_FIELDS: [&str; 2] = ["code", "message"];
/// The fields of a type's registration.
pub const TYPE_FIELDS: [&str; 4] = ["label", "progress_mode", "phases", "windows"];

/// `POST /api/v1/runs/report`: work the platform runs already.
pub fn report_request(body: &serde_json::Value) -> Result<crate::services::reported::Report, Invalid> {
    let map = object(body, &REPORT_FIELDS)?;
    let required = |found: Option<String>, field: &str| found.ok_or_else(|| Invalid::Field(field.to_owned()));
    Ok(crate::services::reported::Report {
        run_type: required(text(map, "type")?, "type")?,
        tenant_id: required(id(map, "tenant_id")?, "tenant_id")?,
        worker: worker(map)?,
        dedupe_key: text(map, "dedupe_key")?,
    })
}

/// `POST /api/v1/runs/claim`: the workspace types a worker works (`types`) and its name.
pub fn claim_request(body: &serde_json::Value) -> Result<(Vec<String>, String), Invalid> {
    let map = object(body, &CLAIM_FIELDS)?;
    let types = match map.get("types") {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|t| t.as_str().map(str::to_owned).ok_or_else(|| Invalid::Field("types".to_owned())))
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(Invalid::Field("types".to_owned())),
    };
    Ok((types, worker(map)?))
}

/// `POST /api/v1/runs/{id}/heartbeat`: the worker's name.
pub fn heartbeat_request(body: &serde_json::Value) -> Result<String, Invalid> {
    worker(object(body, &HEARTBEAT_FIELDS)?)
}

/// `POST /api/v1/runs/{id}/progress`: the worker's name and its progress — counts by key,
/// the current `phase`, a `composite` summary of sources — any of them.
pub fn progress_request(
    body: &serde_json::Value,
) -> Result<(String, crate::services::reported::ProgressReport), Invalid> {
    let map = object(body, &PROGRESS_FIELDS)?;
    let composite = match map.get("composite") {
        None | Some(serde_json::Value::Null) => None,
        Some(c) => {
            let c = object(c, &COMPOSITE_FIELDS).map_err(|e| match e {
                Invalid::Field(f) => Invalid::Field(format!("composite.{f}")),
                _ => Invalid::Field("composite".to_owned()),
            })?;
            let n = |name: &str| {
                c.get(name)
                    .and_then(serde_json::Value::as_u64)
                    .ok_or_else(|| Invalid::Field(format!("composite.{name}")))
            };
            Some(crate::domain::context::CompositeCounts {
                total: n("total")?,
                ready: n("ready")?,
                failed: n("failed")?,
            })
        }
    };
    let report = crate::services::reported::ProgressReport {
        counts: counts(map, "counts")?,
        phase: text(map, "phase")?,
        composite,
    };
    Ok((worker(map)?, report))
}

/// `POST /api/v1/runs/{id}/complete`: how a held run ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompleteRequest {
    /// The worker holding it.
    pub worker: String,
    /// Its outcome's spelling.
    pub outcome: String,
    /// Final counts to merge, by key.
    pub counts: Vec<(String, i64)>,
    /// Why it did not succeed: a stable code and a sentence safe to show operators.
    pub failure: Option<(String, String)>,
}

impl CompleteRequest {
    /// Reads an ending from its JSON body, naming the field it cannot read.
    pub fn from_json(body: &serde_json::Value) -> Result<Self, Invalid> {
        let map = object(body, &COMPLETE_FIELDS)?;
        let failure = match map.get("failure") {
            None | Some(serde_json::Value::Null) => None,
            Some(f) => {
                let f = object(f, &FAILURE_FIELDS).map_err(|e| match e {
                    Invalid::Field(f) => Invalid::Field(format!("failure.{f}")),
                    _ => Invalid::Field("failure".to_owned()),
                })?;
                let part =
                    |name: &str| text(f, name).ok().flatten().ok_or_else(|| Invalid::Field(format!("failure.{name}")));
                Some((part("code")?, part("message")?))
            }
        };
        Ok(Self {
            worker: worker(map)?,
            outcome: text(map, "outcome")?.ok_or_else(|| Invalid::Field("outcome".to_owned()))?,
            counts: counts(map, "counts")?,
            failure,
        })
    }
}

/// The answer to a claim that got a run.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = Claimed)]
pub struct ApiClaimed {
    /// The run, now held by the claiming worker.
    pub run: ApiRun,
}

/// The workspace's own run types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = RunTypes)]
pub struct ApiRunTypes {
    /// By key.
    pub run_types: Vec<ApiRunType>,
}

/// What a worker hears back from a sign of life or a progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = Heard)]
pub struct ApiHeard {
    /// A person asked the run to stop: end it `cancelled` with what it finished so far.
    pub stop_requested: bool,
}

/// A workspace run type as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = RunType)]
pub struct ApiRunType {
    /// Its key.
    pub key: String,
    /// Its label per language.
    pub label: Labels,
    /// How its runs show progress.
    #[schema(value_type = schema::TypeProgressMode)]
    pub progress_mode: &'static str,
    /// Its phases, in order (phased types only).
    pub phases: Vec<String>,
    /// Its lifecycle windows.
    pub windows: Windows,
    /// When it was registered.
    pub created_at: String,
    /// When it was last changed.
    pub updated_at: String,
}

/// A label per language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Labels {
    /// English.
    #[schema(value_type = schema::Label)]
    pub en: String,
    /// German.
    #[schema(value_type = schema::Label)]
    pub de: String,
}

/// Lifecycle windows in seconds: each at least one, the expected ones shorter than
/// `stale_after_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Windows {
    /// A queued run waiting longer is past expected.
    #[schema(value_type = schema::Window)]
    pub queue_wait_secs: u64,
    /// A running run working longer is past expected.
    #[schema(value_type = schema::Window)]
    pub expected_secs: u64,
    /// An active run older than this in its status is likely stale.
    #[schema(value_type = schema::Window)]
    pub stale_after_secs: u64,
    /// A running run whose last heartbeat is older than this is likely stale.
    #[schema(value_type = schema::Window)]
    pub heartbeat_timeout_secs: u64,
}

impl Windows {
    /// The fields of `windows`, in the order [`TypeRequest::windows`] takes them.
    const FIELDS: [&str; 4] = ["queue_wait_secs", "expected_secs", "stale_after_secs", "heartbeat_timeout_secs"];
}

impl ApiRunType {
    /// The API's view of a registered type.
    pub fn of(r: &crate::services::workspace_types::Registered) -> Self {
        let p = &r.def.policy;
        Self {
            key: r.def.key.clone(),
            label: Labels { en: r.def.label_en.clone(), de: r.def.label_de.clone() },
            progress_mode: r.def.progress_mode.as_str(),
            phases: r.def.phases.clone(),
            windows: Windows {
                queue_wait_secs: p.expected_queue_wait.as_secs(),
                expected_secs: p.expected_duration.as_secs(),
                stale_after_secs: p.stale_after.as_secs(),
                heartbeat_timeout_secs: p.heartbeat_timeout.as_secs(),
            },
            created_at: r.created_at.to_rfc3339(),
            updated_at: r.updated_at.to_rfc3339(),
        }
    }
}

/// `PUT /api/v1/run-types/{key}`: the body of a type's registration, the key from the path.
pub fn type_request(key: &str, body: &serde_json::Value) -> Result<TypeRequest, Invalid> {
    let map = object(body, &TYPE_FIELDS)?;
    let field = |name: &str| Invalid::Field(name.to_owned());
    let label = map.get("label").ok_or_else(|| field("label"))?;
    let label = object(label, &["en", "de"]).map_err(|e| match e {
        Invalid::Body => field("label"),
        Invalid::Field(f) => Invalid::Field(format!("label.{f}")),
        other => other,
    })?;
    let label_text =
        |lang: &str| text(label, lang).ok().flatten().ok_or_else(|| Invalid::Field(format!("label.{lang}")));
    let phases = match map.get("phases") {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|p| p.as_str().map(str::to_owned).ok_or_else(|| field("phases")))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(field("phases")),
    };
    let windows = map.get("windows").ok_or_else(|| field("windows"))?;
    let windows = object(windows, &Windows::FIELDS).map_err(|e| match e {
        Invalid::Body => field("windows"),
        Invalid::Field(f) => Invalid::Field(format!("windows.{f}")),
        other => other,
    })?;
    let mut secs = [0u64; 4];
    for (slot, name) in secs.iter_mut().zip(Windows::FIELDS) {
        *slot = windows
            .get(name)
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| Invalid::Field(format!("windows.{name}")))?;
    }
    Ok(TypeRequest {
        key: key.to_owned(),
        label_en: label_text("en")?,
        label_de: label_text("de")?,
        progress_mode: text(map, "progress_mode")?.ok_or_else(|| field("progress_mode"))?,
        phases,
        windows: secs,
    })
}

/// An error answer (RFC 9457 problem details): `type` is `about:blank`, so `title` is the
/// status's name; `detail` is the same calm sentence a page would show, and `code` a stable
/// spelling to branch on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    #[schema(value_type = schema::ProblemType)]
    pub kind: &'static str,
    /// The status's name.
    pub title: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong and what to do, for a person.
    pub detail: String,
    /// A stable spelling of the kind of refusal.
    #[schema(value_type = schema::ProblemCode)]
    pub code: &'static str,
}

impl Problem {
    /// Every `code` a problem may carry.
    pub const CODES: [&str; 7] =
        ["unauthorized", "forbidden", "not_found", "conflict", "invalid", "throttled", "internal"];
}

impl From<&ApiError> for Problem {
    fn from(e: &ApiError) -> Self {
        let code = match e {
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::Invalid(_) => "invalid",
            ApiError::Throttled(_) => "throttled",
            ApiError::Internal(_) => "internal",
        };
        // HTTP's own name of the status, as the `about:blank` type asks.
        let title =
            axum::http::StatusCode::from_u16(e.status()).ok().and_then(|s| s.canonical_reason()).unwrap_or_default();
        Self { kind: "about:blank", title, status: e.status(), detail: e.message().to_owned(), code }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_type_registration_names_the_nested_field_it_cannot_read() {
        let good = json!({
            "label": {"en": "Backup", "de": "Sicherung"},
            "progress_mode": "counted",
            "windows": {"queue_wait_secs": 60, "expected_secs": 600, "stale_after_secs": 1800, "heartbeat_timeout_secs": 120}
        });
        let r = type_request("backup.run", &good).unwrap();
        assert_eq!((r.label_de.as_str(), r.windows), ("Sicherung", [60, 600, 1800, 120]));
        let with = |path: &[&str], value: serde_json::Value| {
            let mut body = good.clone();
            let mut at = &mut body;
            for p in &path[..path.len() - 1] {
                at = &mut at[*p];
            }
            at[path[path.len() - 1]] = value;
            type_request("backup.run", &body).unwrap_err()
        };
        assert_eq!(with(&["label", "de"], json!(5)), Invalid::Field("label.de".into()));
        assert_eq!(with(&["label", "en"], json!(null)), Invalid::Field("label.en".into()));
        assert_eq!(with(&["label", "fr"], json!("x")), Invalid::Field("label.fr".into()));
        assert_eq!(with(&["label"], json!("Backup")), Invalid::Field("label".into()));
        assert_eq!(
            with(&["windows", "stale_after_secs"], json!(-5)),
            Invalid::Field("windows.stale_after_secs".into())
        );
        assert_eq!(with(&["windows", "expected_secs"], json!("600")), Invalid::Field("windows.expected_secs".into()));
        assert_eq!(with(&["phases"], json!(["copy", 2])), Invalid::Field("phases".into()));
        assert_eq!(with(&["colour"], json!("red")), Invalid::Field("colour".into()));
        assert_eq!(type_request("k", &json!({})).unwrap_err(), Invalid::Field("label".into()));
    }

    #[test]
    fn a_start_names_the_field_it_cannot_read() {
        let ok =
            StartRequest::from_json(&json!({"type": "inventory.sync", "tenant_id": 3, "dedupe_key": "k"})).unwrap();
        assert_eq!(
            (ok.run_type.as_str(), ok.tenant_id.as_str(), ok.dedupe_key.as_deref()),
            ("inventory.sync", "3", Some("k"))
        );
        assert!(!ok.confirm);
        let refused = |body: serde_json::Value| StartRequest::from_json(&body).unwrap_err();
        assert_eq!(refused(json!({"tenant_id": 3})), Invalid::Field("type".into()));
        assert_eq!(refused(json!({"type": "inventory.sync"})), Invalid::Field("tenant_id".into()));
        assert_eq!(refused(json!({"type": 5, "tenant_id": 3})), Invalid::Field("type".into()));
        assert_eq!(refused(json!({"type": "x", "tenant_id": 3.5})), Invalid::Field("tenant_id".into()));
        assert_eq!(refused(json!({"type": "x", "tenant_id": 3, "confirm": "yes"})), Invalid::Field("confirm".into()));
        assert_eq!(refused(json!({"type": "x", "tenant_id": 3, "priority": 1})), Invalid::Field("priority".into()));
        assert_eq!(refused(json!([1, 2])), Invalid::Body);
        let long = "k".repeat(5000);
        let Invalid::Field(named) = refused(json!({"type": "x", "tenant_id": 3, long: 1})) else { panic!() };
        assert_eq!(named.len(), NAMED_FIELD_CHARS, "a refusal never echoes a long name whole");
    }

    #[test]
    fn every_problem_code_is_one_the_reference_lists() {
        let m = String::new;
        let every = [
            ApiError::Unauthorized(m()),
            ApiError::Forbidden(m()),
            ApiError::NotFound(m()),
            ApiError::Conflict(m()),
            ApiError::Invalid(m()),
            ApiError::Throttled(m()),
            ApiError::Internal(m()),
        ];
        let codes: Vec<&str> = every.iter().map(|e| Problem::from(e).code).collect();
        assert_eq!(codes, Problem::CODES);
    }

    #[test]
    fn a_problem_carries_the_status_its_name_and_the_calm_sentence() {
        let p = Problem::from(&ApiError::Invalid("Give the token a name.".into()));
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["type"], "about:blank");
        assert_eq!(json["status"], 422);
        assert_eq!(json["title"], "Unprocessable Entity");
        assert_eq!(json["code"], "invalid");
        assert_eq!(json["detail"], "Give the token a name.");
    }
}
