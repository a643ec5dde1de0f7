//! The runs API's contract (specs/runs-api): an OpenAPI 3.1 document generated from the code.
//!
//! Its paths are the router's own route constants ([`crate::api_v1`]); its shapes are the
//! types the handlers answer with and the bodies the parsers read (`app::api::v1`), whose
//! schemas come from those types and from the domain's own lists and limits. Nothing here is
//! a second copy of a rule. The document is served to anyone at `/api/v1/openapi.json` (a
//! contract is no secret, and client generators fetch it without credentials) and rendered
//! as Markdown into `specs/runs-api/reference.md`. Tests fail when the committed copies differ
//! from what the code generates, and the conformance suite checks every answer the API gives
//! against the document.
//!
//! The descriptions are English, for the engineers who integrate with the API, like the
//! command line's.

use crate::api_v1 as route;
use app::api::v1::bodies::{ClaimBody, CompleteBody, HeartbeatBody, ProgressBody, ReportBody, RunTypeBody, StartBody};
use app::api::v1::schema::{CompositeBody, FailureBody};
use app::api::v1::{
    ApiClaimed, ApiHeard, ApiRun, ApiRunPage, ApiRunType, ApiRunTypes, ApiStarted, Labels, PROBLEM_JSON, Problem,
    RunLinks, Windows,
};
use app::domain::status::{RunOutcome, RunStatus};
use app::domain::token::TokenGrant;
use app::domain::{Freshness, ProblemClass, Progress};
use serde_json::Value;
use std::fmt::Write as _;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ComponentsBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Ref, RefOr, Required,
    ResponseBuilder, ResponsesBuilder,
};
use utoipa::{PartialSchema, ToSchema};

/// The document's own address.
pub const PATH: &str = "/api/v1/openapi.json";

/// The security scheme every operation but the document's own asks for.
const TOKEN: &str = "api_token";

/// One answer an operation may give: its status, the shape of its body (a component's name;
/// none for an empty answer) and what it means.
#[derive(Debug, Clone, Copy)]
struct Answer {
    status: u16,
    body: Option<&'static str>,
    meaning: &'static str,
}

const fn answer(status: u16, body: &'static str, meaning: &'static str) -> Answer {
    Answer { status, body: Some(body), meaning }
}

/// A refusal, answered as a problem document.
const fn refusal(status: u16, meaning: &'static str) -> Answer {
    Answer { status, body: Some("Problem"), meaning }
}

const UNAUTHORIZED: Answer = refusal(401, "No valid API token: missing, unknown, revoked or expired.");
const FORBIDDEN: Answer = refusal(403, "The token lacks the grant this needs; `detail` names it.");
const INVALID: Answer = refusal(422, "A field cannot be read or does not fit; `detail` names the field.");
const NOT_A_RUN: Answer = refusal(404, "The address names no run: its id is not a number.");
const NOT_HELD: Answer = refusal(
    409,
    "This worker of this token does not hold the run: it ended, another worker holds it, or there is no such run.",
);
const INTERNAL: Answer =
    refusal(500, "Opshub failed; the problem carries no detail, the server log has the request id.");

/// How a write to a run the worker holds is refused.
const HELD_RUN_REFUSALS: &[Answer] = &[UNAUTHORIZED, FORBIDDEN, NOT_A_RUN, NOT_HELD, INVALID, INTERNAL];

/// The methods the API answers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
    Put,
}

impl Method {
    /// The method's name as OpenAPI spells it.
    const fn name(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Post => "post",
            Self::Put => "put",
        }
    }

    const fn http(self) -> HttpMethod {
        match self {
            Self::Get => HttpMethod::Get,
            Self::Post => HttpMethod::Post,
            Self::Put => HttpMethod::Put,
        }
    }
}

/// One operation of the API.
#[derive(Debug, Clone, Copy)]
struct Operation {
    method: Method,
    path: &'static str,
    id: &'static str,
    summary: &'static str,
    description: &'static str,
    /// The grants of which a token needs one (none: anyone may ask).
    grants: &'static [TokenGrant],
    /// The body it reads (a component's name).
    body: Option<&'static str>,
    /// Whether it reads the operations list's filters from the query.
    filters: bool,
    /// Its answers when it does what was asked.
    answers: &'static [Answer],
    /// Its refusals and failures.
    refused: &'static [Answer],
}

/// Every operation, in the order the reference lists them.
const OPERATIONS: [Operation; 11] = [
    Operation {
        method: Method::Get,
        path: route::RUNS,
        id: "listRuns",
        summary: "List runs",
        description: "A page of the runs the token may see, newest first, with the operations list's filters. \
                      Follow `next_after` for the next page.",
        grants: &[TokenGrant::ReadRuns],
        body: None,
        filters: true,
        answers: &[answer(200, "RunPage", "A page of runs.")],
        refused: &[
            UNAUTHORIZED,
            FORBIDDEN,
            refusal(404, "The `tenant` filter names a tenant outside the token's scope."),
            INVALID,
            INTERNAL,
        ],
    },
    Operation {
        method: Method::Post,
        path: route::RUNS,
        id: "startRun",
        summary: "Start a run",
        description: "Starts a run of one of Opshub's own types, or queues one of the workspace's types for its \
                      workers to claim. A start identical to an active run (same tenant, type and dedupe key) \
                      answers that run instead of queueing another.",
        grants: &[TokenGrant::StartRuns],
        body: Some("StartBody"),
        filters: false,
        answers: &[
            answer(200, "Started", "An identical run is active already: that run, with `already_running`."),
            answer(201, "Started", "Queued; `Location` is the run's address."),
        ],
        refused: &[
            UNAUTHORIZED,
            FORBIDDEN,
            refusal(404, "No such tenant in the token's scope, or no such snapshot or review."),
            refusal(409, "The type cannot start now, or its work is a person's decision."),
            INVALID,
            INTERNAL,
        ],
    },
    Operation {
        method: Method::Get,
        path: route::RUN,
        id: "getRun",
        summary: "Read one run",
        description: "One run, as every page of Opshub shows it.",
        grants: &[TokenGrant::ReadRuns],
        body: None,
        filters: false,
        answers: &[answer(200, "Run", "The run.")],
        refused: &[UNAUTHORIZED, FORBIDDEN, refusal(404, "No such run in the token's scope."), INTERNAL],
    },
    Operation {
        method: Method::Get,
        path: route::RUN_TYPES,
        id: "listRunTypes",
        summary: "List the workspace's run types",
        description: "The run types the workspace registered, by key.",
        grants: &[TokenGrant::ReadRuns, TokenGrant::ReportRuns],
        body: None,
        filters: false,
        answers: &[answer(200, "RunTypes", "The types.")],
        refused: &[
            UNAUTHORIZED,
            FORBIDDEN,
            refusal(404, "The token acts for one tenant; types belong to the whole workspace."),
            INTERNAL,
        ],
    },
    Operation {
        method: Method::Put,
        path: route::RUN_TYPE,
        id: "putRunType",
        summary: "Register a run type",
        description: "Registers a kind of work the platform runs itself, or replaces the registration of its \
                      key. Its windows are checked like Opshub's own types'; active runs of the type are judged \
                      by the new windows from now on.",
        grants: &[TokenGrant::ReportRuns],
        body: Some("RunTypeBody"),
        filters: false,
        answers: &[
            answer(200, "RunType", "Replaced (or registered exactly so already)."),
            answer(201, "RunType", "Registered."),
        ],
        refused: &[
            UNAUTHORIZED,
            FORBIDDEN,
            refusal(404, "The token acts for one tenant; types belong to the whole workspace."),
            refusal(409, "The key is one of Opshub's own types."),
            INVALID,
            INTERNAL,
        ],
    },
    Operation {
        method: Method::Post,
        path: route::REPORT,
        id: "reportRun",
        summary: "Report a run the platform runs",
        description: "Writes work the platform runs already as running, held by the reporting worker. A report \
                      with the dedupe key of an active run answers that run.",
        grants: &[TokenGrant::ReportRuns],
        body: Some("ReportBody"),
        filters: false,
        answers: &[
            answer(200, "Started", "The active run with this dedupe key, now held by this worker."),
            answer(201, "Started", "Written running; `Location` is the run's address."),
        ],
        refused: &[
            UNAUTHORIZED,
            FORBIDDEN,
            refusal(404, "No such tenant in the token's scope."),
            refusal(409, "Another worker holds the run with this key, or the type is Opshub's own."),
            INVALID,
            INTERNAL,
        ],
    },
    Operation {
        method: Method::Post,
        path: route::CLAIM,
        id: "claimRun",
        summary: "Claim queued work",
        description: "The oldest queued run of the named types in the token's scope, now held by the worker. \
                      Two claimers never hold the same run.",
        grants: &[TokenGrant::ReportRuns],
        body: Some("ClaimBody"),
        filters: false,
        answers: &[
            answer(200, "Claimed", "A run, now held by this worker."),
            Answer { status: 204, body: None, meaning: "Nothing of these types is queued." },
        ],
        refused: &[UNAUTHORIZED, FORBIDDEN, INVALID, INTERNAL],
    },
    Operation {
        method: Method::Post,
        path: route::HEARTBEAT,
        id: "heartbeat",
        summary: "Send a sign of life",
        description: "Tells Opshub the worker holding the run is alive. A run whose worker stays silent longer \
                      than its type's heartbeat timeout is closed as worker lost.",
        grants: &[TokenGrant::ReportRuns],
        body: Some("HeartbeatBody"),
        filters: false,
        answers: &[answer(200, "Heard", "Heard; `stop_requested` says whether a person asked the run to stop.")],
        refused: HELD_RUN_REFUSALS,
    },
    Operation {
        method: Method::Post,
        path: route::PROGRESS,
        id: "reportProgress",
        summary: "Report progress",
        description: "Progress of a held run, in the mode its type shows; a sign of life too. Checked against \
                      the type before anything is stored.",
        grants: &[TokenGrant::ReportRuns],
        body: Some("ProgressBody"),
        filters: false,
        answers: &[answer(200, "Heard", "Stored; `stop_requested` says whether a person asked the run to stop.")],
        refused: HELD_RUN_REFUSALS,
    },
    Operation {
        method: Method::Post,
        path: route::COMPLETE,
        id: "completeRun",
        summary: "End a run",
        description: "Ends a held run with its outcome, final counts and, unless it succeeded, a failure code \
                      and a sentence for operators. A run ends once: its end is notified and delivered to \
                      webhooks once.",
        grants: &[TokenGrant::ReportRuns],
        body: Some("CompleteBody"),
        filters: false,
        answers: &[answer(200, "Run", "The run as it ended.")],
        refused: HELD_RUN_REFUSALS,
    },
    Operation {
        method: Method::Get,
        path: PATH,
        id: "openapi",
        summary: "This document",
        description: "The API's contract as OpenAPI 3.1; no token needed.",
        grants: &[],
        body: None,
        filters: false,
        answers: &[answer(200, "OpenApiDocument", "The document.")],
        refused: &[],
    },
];

/// The operations list's filters, as `GET /api/v1/runs` reads them from its query.
fn filters() -> Vec<(&'static str, RefOr<Schema>, &'static str)> {
    let statuses = RunStatus::ALL.map(RunStatus::as_str).into_iter().chain([app::api::STATUS_ACTIVE]);
    let string = || ObjectBuilder::new().schema_type(Type::String);
    let integer = || ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0));
    vec![
        ("tenant", integer().build().into(), "Only runs of this tenant (its id)."),
        ("run_type", string().build().into(), "Only runs of this type (its key)."),
        (
            "status",
            string().enum_values(Some(statuses)).build().into(),
            "Only runs in this status; `active` is queued or running.",
        ),
        (
            "outcome",
            string().enum_values(Some(RunOutcome::ALL.map(RunOutcome::as_str))).build().into(),
            "Only completed runs that ended so.",
        ),
        ("class", ProblemClass::schema(), "Only runs in this problem class."),
        ("since", integer().build().into(), "Only runs completed at or after this instant (milliseconds since 1970)."),
        ("after", string().build().into(), "The page after this one: the previous page's `next_after`."),
    ]
}

/// Adds `T`'s schema and every schema it refers to.
fn add<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
    schemas.push((T::name().into_owned(), T::schema()));
    T::schemas(schemas);
}

/// The document.
pub fn document() -> OpenApi {
    let mut schemas = Vec::new();
    add::<ApiRun>(&mut schemas);
    add::<RunLinks>(&mut schemas);
    add::<ApiRunPage>(&mut schemas);
    add::<ApiStarted>(&mut schemas);
    add::<ApiClaimed>(&mut schemas);
    add::<ApiHeard>(&mut schemas);
    add::<ApiRunType>(&mut schemas);
    add::<ApiRunTypes>(&mut schemas);
    add::<Labels>(&mut schemas);
    add::<Windows>(&mut schemas);
    add::<Freshness>(&mut schemas);
    add::<ProblemClass>(&mut schemas);
    add::<Progress>(&mut schemas);
    add::<Problem>(&mut schemas);
    add::<StartBody>(&mut schemas);
    add::<ReportBody>(&mut schemas);
    add::<ClaimBody>(&mut schemas);
    add::<HeartbeatBody>(&mut schemas);
    add::<ProgressBody>(&mut schemas);
    add::<CompositeBody>(&mut schemas);
    add::<CompleteBody>(&mut schemas);
    add::<FailureBody>(&mut schemas);
    add::<RunTypeBody>(&mut schemas);
    schemas.push((
        "OpenApiDocument".into(),
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("An OpenAPI 3.1 document: this one."))
            .required("openapi")
            .build()
            .into(),
    ));
    let bearer = Http::builder()
        .scheme(HttpAuthScheme::Bearer)
        .bearer_format("opshub_ and 64 hex digits")
        .description(Some(
            "An API token a workspace owner made on `/admin/tokens` or with `opshub token create`. It acts for its \
             workspace, or for one tenant, with its grants: `read_runs`, `start_runs`, `report_runs`.",
        ))
        .build();
    let components = ComponentsBuilder::new()
        .schemas_from_iter(schemas)
        .security_scheme(TOKEN, SecurityScheme::Http(bearer))
        .build();

    let mut paths = PathsBuilder::new();
    let mut by_path: Vec<(&str, PathItem)> = Vec::new();
    for op in OPERATIONS {
        let operation = operation(&op);
        match by_path.iter_mut().find(|(p, _)| *p == op.path) {
            Some((_, item)) => item.merge_operations(PathItem::new(op.method.http(), operation)),
            None => by_path.push((op.path, PathItem::new(op.method.http(), operation))),
        }
    }
    for (path, item) in by_path {
        paths = paths.path(path, item);
    }
    let info = InfoBuilder::new()
        .title("Opshub runs API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "Read Opshub's truth about a workspace's runs, start runs, and report the platform's own work while \
             it runs. Every answer is JSON; every refusal is an RFC 9457 problem document whose `detail` is a calm \
             sentence in the language of `Accept-Language` (English or German) and whose `code` is stable. Times \
             are RFC 3339 in UTC. Fields are only ever added to these shapes.",
        ))
        .build();
    OpenApiBuilder::new().info(info).paths(paths.build()).components(Some(components)).build()
}

/// `op` as an OpenAPI operation.
fn operation(op: &Operation) -> utoipa::openapi::path::Operation {
    let mut b = OperationBuilder::new()
        .operation_id(Some(op.id))
        .summary(Some(op.summary))
        .description(Some(describe(op)))
        .tag("runs");
    if !op.grants.is_empty() {
        b = b.security(SecurityRequirement::new(TOKEN, Vec::<String>::new()));
    }
    for name in path_parameters(op.path) {
        let (schema, text): (RefOr<Schema>, _) = match name {
            "id" => (ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).build().into(), "The run's id."),
            _ => (Ref::from_schema_name("TypeKey").into(), "The type's key."),
        };
        b = b.parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some(text))
                .schema(Some(schema)),
        );
    }
    if op.filters {
        for (name, schema, text) in filters() {
            b = b.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Query)
                    .required(Required::False)
                    .description(Some(text))
                    .schema(Some(schema)),
            );
        }
    }
    if let Some(body) = op.body {
        let content = ContentBuilder::new().schema(Some(Ref::from_schema_name(body))).build();
        b = b.request_body(Some(
            RequestBodyBuilder::new().required(Some(Required::True)).content("application/json", content).build(),
        ));
    }
    let mut responses = ResponsesBuilder::new();
    for a in op.answers.iter().chain(op.refused) {
        let mut r = ResponseBuilder::new().description(a.meaning);
        if let Some(body) = a.body {
            let media = if body == "Problem" { PROBLEM_JSON } else { "application/json" };
            r = r.content(media, ContentBuilder::new().schema(Some(Ref::from_schema_name(body))).build());
        }
        // Made runs have an address to read them at; a registered type is read in the list.
        if a.status == 201 && a.body == Some("Started") {
            let location = HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .description(Some("The run's address in this API."))
                .build();
            r = r.header("Location", location);
        }
        if a.status == 401 {
            let challenge = HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .description(Some("`Bearer`: how to send a token."))
                .build();
            r = r.header("WWW-Authenticate", challenge);
        }
        responses = responses.response(a.status.to_string(), r.build());
    }
    b.responses(responses.build()).build()
}

/// An operation's description with the grant it needs.
fn describe(op: &Operation) -> String {
    let grants: Vec<String> = op.grants.iter().map(|g| format!("`{}`", g.as_str())).collect();
    match grants.as_slice() {
        [] => op.description.to_owned(),
        [one] => format!("{}\n\nNeeds the {one} grant.", op.description),
        many => format!("{}\n\nNeeds one of the grants {}.", op.description, many.join(", ")),
    }
}

/// The names of `path`'s parameters (`{id}` → `id`).
fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
}

/// The document as the JSON `GET /api/v1/openapi.json` answers, built once.
pub fn json() -> &'static [u8] {
    static JSON: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    JSON.get_or_init(|| pretty(&document()).into_bytes())
}

/// `doc` as indented JSON with a final newline (the form committed under specs/).
pub fn pretty(doc: &OpenApi) -> String {
    // A document of plain maps and strings always serializes.
    let mut text = serde_json::to_string_pretty(doc).unwrap_or_default();
    text.push('\n');
    text
}

/// The reference in Markdown, rendered from the document `doc` (as JSON).
pub fn markdown(doc: &Value) -> String {
    let mut out = String::new();
    let info = &doc["info"];
    let _ = writeln!(out, "# {} — reference\n", str_of(&info["title"]));
    out.push_str(
        "Rendered from the code by `server/src/openapi.rs`; a test fails when this file differs from what the code \
         generates (`OPSHUB_BLESS=1 cargo test -p server --lib openapi` rewrites it). A running Opshub serves the \
         same contract as OpenAPI 3.1 at `/api/v1/openapi.json`; `openapi.json` beside this file is a copy.\n\n",
    );
    let _ = writeln!(out, "{}\n", str_of(&info["description"]));
    out.push_str("## Operations\n\n");
    for op in OPERATIONS {
        let o = &doc["paths"][op.path][op.method.name()];
        let _ = writeln!(out, "### {} — `{} {}`\n", str_of(&o["summary"]), op.method.name().to_uppercase(), op.path);
        let _ = writeln!(out, "{}\n", str_of(&o["description"]));
        if let Some(params) = o["parameters"].as_array() {
            out.push_str("| parameter | in | type | meaning |\n|---|---|---|---|\n");
            for p in params {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {} |",
                    str_of(&p["name"]),
                    str_of(&p["in"]),
                    cell(&type_of(&p["schema"])),
                    cell(str_of(&p["description"]))
                );
            }
            out.push('\n');
        }
        if let Some(body) = op.body {
            let _ = writeln!(out, "Body: {}.\n", link(body));
        }
        out.push_str("| answer | body | meaning |\n|---|---|---|\n");
        if let Some(answers) = o["responses"].as_object() {
            for (status, r) in answers {
                let body = r["content"]
                    .as_object()
                    .and_then(|c| c.values().next())
                    .map_or_else(|| "—".to_owned(), |c| type_of(&c["schema"]));
                let _ = writeln!(out, "| {status} | {} | {} |", cell(&body), cell(str_of(&r["description"])));
            }
        }
        out.push('\n');
    }
    out.push_str("## Shapes\n\n");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, s) in schemas {
            let _ = writeln!(out, "### {name}\n");
            if let Some(d) = s["description"].as_str() {
                let _ = writeln!(out, "{}\n", d.trim());
            }
            if let Some(alternatives) = s["oneOf"].as_array() {
                out.push_str("| one of | meaning |\n|---|---|\n");
                for alt in alternatives {
                    let _ = writeln!(out, "| {} | {} |", cell(&fields_of(alt)), cell(str_of(&alt["description"])));
                }
                out.push('\n');
                continue;
            }
            match s["properties"].as_object() {
                Some(props) => {
                    let required: Vec<&str> = s["required"]
                        .as_array()
                        .map(|r| r.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    out.push_str("| field | type | meaning |\n|---|---|---|\n");
                    for (field, p) in props {
                        let optional = if required.contains(&field.as_str()) { "" } else { " (optional)" };
                        let _ = writeln!(
                            out,
                            "| `{field}`{optional} | {} | {} |",
                            cell(&type_of(p)),
                            cell(description_of(p))
                        );
                    }
                }
                None => {
                    let _ = writeln!(out, "{}", type_of(s));
                }
            }
            out.push('\n');
        }
    }
    out.trim_end().to_owned() + "\n"
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// `text` fit for one table cell.
fn cell(text: &str) -> String {
    text.trim().replace('|', "\\|").replace("\n\n", " ").replace('\n', " ")
}

/// A link to a shape's section.
fn link(name: &str) -> String {
    format!("[`{name}`](#{})", name.to_lowercase())
}

/// A property's description: its own, or that of the shape it may be (`T or null`).
fn description_of(p: &Value) -> &str {
    p["description"]
        .as_str()
        .or_else(|| p["oneOf"].as_array()?.iter().find_map(|alt| alt["description"].as_str()))
        .unwrap_or_default()
}

/// An object's fields in words: `` `total`: integer ≥ 1; … ``.
fn fields_of(s: &Value) -> String {
    let Some(props) = s["properties"].as_object() else { return type_of(s) };
    props.iter().map(|(name, p)| format!("`{name}`: {}", type_of(p))).collect::<Vec<_>>().join("; ")
}

/// A schema in words: `integer ≥ 1`, `one of "a", "b"`, a link to a shape.
fn type_of(s: &Value) -> String {
    if let Some(r) = s["$ref"].as_str() {
        return link(r.rsplit('/').next().unwrap_or(r));
    }
    if let Some(alternatives) = s["oneOf"].as_array() {
        let parts: Vec<String> = alternatives.iter().map(type_of).collect();
        return parts.join(" or ");
    }
    let types: Vec<&str> = match &s["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let nullable = types.contains(&"null");
    let mut words = match s["enum"].as_array() {
        Some(values) => {
            let spelled = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            let listed: Vec<String> =
                values.iter().filter(|v| !v.is_null()).map(|v| format!("`{}`", spelled(v))).collect();
            format!("one of {}", listed.join(", "))
        }
        None => {
            let main = match types.iter().find(|t| **t != "null") {
                Some(t) => *t,
                None if nullable => return "null".to_owned(),
                None => "any",
            };
            match main {
                "array" => format!("list of {}", type_of(&s["items"])),
                "object" if s.get("additionalProperties").is_some_and(Value::is_object) => {
                    let keys = s["propertyNames"]["enum"]
                        .as_array()
                        .map(|k| k.iter().map(|v| format!("`{}`", str_of(v))).collect::<Vec<_>>().join(", "));
                    let by = keys.map_or_else(|| "key".to_owned(), |k| format!("key ({k})"));
                    format!("{} by {by}", type_of(&s["additionalProperties"]))
                }
                other => other.to_owned(),
            }
        }
    };
    if let Some(min) = s.get("minimum") {
        words.push_str(&format!(" ≥ {min}"));
    }
    let mut limits = Vec::new();
    for (min, max, unit) in [("minLength", "maxLength", "characters"), ("minItems", "maxItems", "items")] {
        match (s.get(min), s.get(max)) {
            (Some(a), Some(b)) => limits.push(format!("{a}–{b} {unit}")),
            (None, Some(b)) => limits.push(format!("at most {b} {unit}")),
            (Some(a), None) => limits.push(format!("at least {a} {unit}")),
            (None, None) => {}
        }
    }
    if let Some(p) = s["pattern"].as_str() {
        limits.push(format!("matching `{p}`"));
    }
    if !limits.is_empty() {
        words.push_str(&format!(" ({})", limits.join(", ")));
    }
    if nullable {
        words.push_str(", or null");
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn specs() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../specs/runs-api")
    }

    /// Whether `file` under specs/runs-api holds `text`; with `OPSHUB_BLESS=1`, writes it.
    fn committed(file: &str, text: &str) -> bool {
        let path = specs().join(file);
        if std::env::var("OPSHUB_BLESS").as_deref() == Ok("1") {
            std::fs::write(&path, text).expect("write the rendered reference");
        }
        std::fs::read_to_string(&path).is_ok_and(|on_disk| on_disk == text)
    }

    #[test]
    fn the_committed_document_and_reference_are_what_the_code_generates() {
        let doc = pretty(&document());
        assert!(committed("openapi.json", &doc), "specs/runs-api/openapi.json is stale: run with OPSHUB_BLESS=1");
        let value: Value = serde_json::from_str(&doc).expect("the document is JSON");
        assert!(
            committed("reference.md", &markdown(&value)),
            "specs/runs-api/reference.md is stale: run with OPSHUB_BLESS=1"
        );
    }

    #[test]
    fn the_document_is_openapi_3_1_and_every_reference_in_it_resolves() {
        let doc: Value = serde_json::from_slice(json()).expect("JSON");
        assert_eq!(doc["openapi"], "3.1.0");
        let text = doc.to_string();
        let mut refs = 0;
        for piece in text.split("\"$ref\":\"").skip(1) {
            let target = piece.split('"').next().unwrap_or_default();
            let name = target.strip_prefix("#/components/schemas/").expect("a schema reference");
            assert!(doc["components"]["schemas"].get(name).is_some(), "{target} resolves");
            refs += 1;
        }
        assert!(refs > 20, "the shapes refer to each other ({refs})");
    }

    #[test]
    fn every_route_of_the_api_is_documented_and_every_documented_path_is_routed() {
        let doc: Value = serde_json::from_slice(json()).expect("JSON");
        let paths = doc["paths"].as_object().expect("paths");
        for r in route::ROUTES.into_iter().filter(|r| *r != route::ELSEWHERE) {
            assert!(paths.contains_key(r), "{r} is in the reference");
        }
        for p in paths.keys() {
            assert!(route::ROUTES.contains(&p.as_str()), "{p} is routed");
        }
    }

    #[test]
    fn the_documented_filters_are_the_operations_lists_own() {
        let every = app::api::ListQuery {
            workspace: Some(String::new()),
            tenant: Some(String::new()),
            run_type: Some(String::new()),
            status: Some(String::new()),
            outcome: Some(String::new()),
            class: Some(String::new()),
            since: Some(String::new()),
            after: Some(String::new()),
        };
        let Value::Object(fields) = serde_json::to_value(every).expect("a query") else { panic!("an object") };
        let mut read: Vec<&str> = fields.keys().map(String::as_str).filter(|k| *k != "workspace").collect();
        let mut documented: Vec<&str> = filters().into_iter().map(|(name, ..)| name).collect();
        read.sort_unstable();
        documented.sort_unstable();
        assert_eq!(read, documented, "the API ignores only the system plane's workspace filter");
    }

    #[test]
    fn every_operation_but_the_documents_own_needs_a_token_and_says_which_grant() {
        let doc: Value = serde_json::from_slice(json()).expect("JSON");
        for op in OPERATIONS {
            let o = &doc["paths"][op.path][op.method.name()];
            assert_eq!(o["operationId"], op.id);
            let secured = o["security"].as_array().is_some_and(|s| !s.is_empty());
            assert_eq!(secured, op.path != PATH, "{}", op.id);
            if secured {
                assert!(o["responses"].get("401").is_some() && o["responses"].get("403").is_some(), "{}", op.id);
                assert!(str_of(&o["description"]).contains("grant"), "{}", op.id);
            }
        }
    }

    #[test]
    fn a_schema_reads_as_words_in_the_reference() {
        let outcome = serde_json::json!({"type": ["string", "null"], "enum": ["failed", null]});
        assert_eq!(type_of(&outcome), "one of `failed`, or null");
        let worker = serde_json::json!({"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[a-z]+$"});
        assert_eq!(type_of(&worker), "string (1–64 characters, matching `^[a-z]+$`)");
        assert_eq!(type_of(&serde_json::json!({"type": "integer", "minimum": 1})), "integer ≥ 1");
        assert_eq!(type_of(&serde_json::json!({"$ref": "#/components/schemas/Run"})), "[`Run`](#run)");
    }
}
