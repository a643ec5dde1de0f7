//! The runs API over HTTP (`/api/v1`, JSON; specs/runs-api): a platform's own code reads
//! Opshub's truth about its runs with an API token. Every request carries the token as a
//! bearer credential — never a session cookie, so a page's session cannot be borrowed by
//! another site and the API needs no origin check. The token becomes a principal here; the
//! handlers are thin, the services authorize (scope 404, grant 403) exactly as for pages,
//! and every refusal is an RFC 9457 problem document worded like the pages word it.

use app::api::ApiError;
use app::api::v1::{
    ApiClaimed, ApiHeard, ApiRun, ApiRunPage, ApiRunType, ApiRunTypes, ApiStarted, CompleteRequest, PROBLEM_JSON,
    Problem, StartRequest,
};
use app::copy::Locale;
use app::domain::refusal::Invalid;
use app::runtime::AppState;
use app::services::Error;
use app::services::auth::Viewer;
use app::services::principal::Principal;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post, put};
use serde::Serialize;

/// Every path of the API starts with this.
pub const PREFIX: &str = "/api/v1/";

/// The API's routes, in the order the router registers them (the authorization matrix reads
/// [`crate::web::PLAIN_ROUTES`], which lists these too).
pub const RUNS: &str = "/api/v1/runs";
/// One run.
pub const RUN: &str = "/api/v1/runs/{id}";
/// The workspace's run types.
pub const RUN_TYPES: &str = "/api/v1/run-types";
/// One workspace run type.
pub const RUN_TYPE: &str = "/api/v1/run-types/{key}";
/// Report work the platform runs already.
pub const REPORT: &str = "/api/v1/runs/report";
/// Claim queued work of the workspace's types.
pub const CLAIM: &str = "/api/v1/runs/claim";
/// A sign of life for a held run.
pub const HEARTBEAT: &str = "/api/v1/runs/{id}/heartbeat";
/// Progress of a held run.
pub const PROGRESS: &str = "/api/v1/runs/{id}/progress";
/// The end of a held run.
pub const COMPLETE: &str = "/api/v1/runs/{id}/complete";
/// The API's contract (OpenAPI 3.1), readable without a token.
pub const OPENAPI: &str = crate::openapi::PATH;
/// Any other address under the API: a problem document, never a page.
pub const ELSEWHERE: &str = "/api/v1/{*rest}";

/// Every route of the API, as [`routes`] registers them (the authorization matrix walks them
/// through [`crate::web::PLAIN_ROUTES`]).
pub const ROUTES: [&str; 11] =
    [RUNS, RUN, ELSEWHERE, RUN_TYPES, RUN_TYPE, REPORT, CLAIM, HEARTBEAT, PROGRESS, COMPLETE, OPENAPI];

/// The API's router over `state`, to merge into a router of any state.
pub fn routes<S: Clone + Send + Sync + 'static>(state: AppState) -> Router<S> {
    Router::new()
        .route(RUNS, get(list_runs).post(start_run))
        .route(RUN, get(get_run))
        .route(ELSEWHERE, any(nothing_here))
        .route(RUN_TYPES, get(list_run_types))
        .route(RUN_TYPE, put(put_run_type))
        .route(REPORT, post(report_run))
        .route(CLAIM, post(claim_run))
        .route(HEARTBEAT, post(heartbeat))
        .route(PROGRESS, post(progress))
        .route(COMPLETE, post(complete))
        .route(OPENAPI, get(openapi))
        .with_state(state)
}

/// Whether `path` belongs to the API.
pub fn is_api(path: &str) -> bool {
    path.starts_with(PREFIX)
}

/// The API's authentication step, in place of the session's: the bearer token names the
/// principal, or the request ends with a 401 problem that says how to send one.
pub async fn authenticate(state: &AppState, browser: Option<Locale>, mut req: Request, next: Next) -> Response {
    let locale = browser.unwrap_or_default();
    if req.uri().path() == OPENAPI {
        req.extensions_mut().insert(locale);
        return next.run(req).await;
    }
    let secret = bearer(req.headers());
    let principal = match secret {
        Some(secret) => match app::services::tokens::authenticate(state, secret).await {
            Ok(p) => p,
            Err(e) => return failure(locale, &e),
        },
        None => None,
    };
    let Some(principal) = principal else {
        let mut res = problem(&ApiError::Unauthorized(locale.catalog().accounts.token_required.to_owned()));
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return res;
    };
    tracing::Span::current().record("token", principal.token.map(|t| t.id.get()));
    req.extensions_mut().insert(locale);
    req.extensions_mut().insert(Viewer(Some(principal)));
    next.run(req).await
}

/// The secret of an `Authorization: Bearer …` header, if there is one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| secret.trim())
}

/// `GET /api/v1/runs`: one page of the token's runs, newest first, with the operations
/// list's filters (`tenant`, `run_type`, `status`, `outcome`, `class`, `since`, `after`).
pub async fn list_runs(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Extension(locale): Extension<Locale>,
    query: Result<Query<app::api::ListQuery>, QueryRejection>,
) -> Response {
    let Some(p) = caller(viewer) else { return unauthorized(locale) };
    let Ok(Query(mut q)) = query else {
        return problem(&ApiError::Invalid(locale.catalog().errors.bad_shape.to_owned()));
    };
    // A token acts in its own workspace; the system plane's workspace filter is not the API's.
    q.workspace = None;
    match app::services::operations::list_runs(&state, &p, &q).await {
        Ok(page) => ok(&ApiRunPage::of(&page, locale.catalog())),
        Err(e) => failure(locale, &e),
    }
}

/// `POST /api/v1/runs`: starts a run of one of Opshub's own types for a tenant; with a
/// `dedupe_key`, a start identical to an active run (same tenant, type and key) answers that
/// run with `already_running` instead of queueing another. 201 with `Location` when queued,
/// 200 when it was already running.
pub async fn start_run(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Extension(locale): Extension<Locale>,
    body: axum::body::Bytes,
) -> Response {
    use app::jobs::run_types::StartOptions;
    use app::services::operations::{StartNote, start_run, started_view};
    let Some(p) = caller(viewer) else { return unauthorized(locale) };
    let req = match read(&body, StartRequest::from_json) {
        Ok(req) => req,
        Err(why) => return failure(locale, &Error::Invalid(why)),
    };
    let options =
        StartOptions { snapshot: req.snapshot.as_deref(), review: req.review.as_deref(), confirm: req.confirm };
    let started = match start_run(&state, &p, &req.tenant_id, &req.run_type, options, req.dedupe_key.as_deref()).await {
        Ok(started) => started,
        Err(e) => return failure(locale, &e),
    };
    let already_running = matches!(started.note, StartNote::AlreadyRunning(_));
    match started_view(&state, &p, started.run_id).await {
        Ok(view) => created(locale, &view, already_running),
        Err(e) => failure(locale, &e),
    }
}

/// A run made (201 with `Location`) or found active already (200), as `{run, already_running}`.
fn created(locale: Locale, view: &app::domain::RunView, already_running: bool) -> Response {
    let answer = ApiStarted { run: ApiRun::of(view, locale.catalog()), already_running };
    let mut res = ok(&answer);
    if !already_running {
        *res.status_mut() = StatusCode::CREATED;
    }
    if let Ok(location) = HeaderValue::from_str(&answer.run.links.this) {
        res.headers_mut().insert(header::LOCATION, location);
    }
    res
}

/// `POST /api/v1/runs/report`: work of a workspace type the platform runs already, written
/// running and held by the reporting `worker` (201); with the `dedupe_key` of an active run,
/// that run (200, `already_running`).
pub async fn report_run(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Extension(locale): Extension<Locale>,
    body: axum::body::Bytes,
) -> Response {
    let Some(p) = caller(viewer) else { return unauthorized(locale) };
    let report = match read(&body, app::api::v1::report_request) {
        Ok(report) => report,
        Err(why) => return failure(locale, &Error::Invalid(why)),
    };
    match app::services::reported::report(&state, &p, &report).await {
        Ok(held) => created(locale, &held.view, held.already_running),
        Err(e) => failure(locale, &e),
    }
}

/// `POST /api/v1/runs/claim`: the oldest queued run of one of `types` for `worker` (200,
/// `{run}`), or 204 when none is queued.
pub async fn claim_run(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Extension(locale): Extension<Locale>,
    body: axum::body::Bytes,
) -> Response {
    let Some(p) = caller(viewer) else { return unauthorized(locale) };
    let (types, worker) = match read(&body, app::api::v1::claim_request) {
        Ok(request) => request,
        Err(why) => return failure(locale, &Error::Invalid(why)),
    };
    match app::services::reported::claim(&state, &p, &types, &worker).await {
        Ok(Some(held)) => ok(&ApiClaimed { run: ApiRun::of(&held.view, locale.catalog()) }),
        Ok(None) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => failure(locale, &e),
    }
}

/// `POST /api/v1/runs/{id}/heartbeat`: a sign of life from the worker holding the run;
/// answers whether a person asked it to stop.
pub async fn heartbeat(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Extension(locale): Extension<Locale>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let Some(p) = caller(viewer) else { return unauthorized(locale) };
    let worker = match read(&body, app::api::v1::heartbeat_request) {
        Ok(worker) => worker,
        Err(why) => return failure(locale, &Error::Invalid(why)),
    };
    match app::services::reported::heartbeat(&state, &p, &id, &worker).await {
        Ok(heard) => ok(&ApiHeard { stop_requested: heard.stop_requested }),
        Err(e) => failure(locale, &e),
    }
}

/// `POST /api/v1/runs/{id}/progress`: progress from the worker holding the run, checked
/// against its type (a 422 naming the field when it does not fit, and nothing stored).
pub async fn progress(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Extension(locale): Extension<Locale>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let Some(p) = caller(viewer) else { return unauthorized(locale) };
    let (worker, report) = match read(&body, app::api::v1::progress_request) {
        Ok(request) => request,
        Err(why) => return failure(locale, &Error::Invalid(why)),
    };
    match app::services::reported::progress(&state, &p, &id, &worker, report).await {
        Ok(heard) => ok(&ApiHeard { stop_requested: heard.stop_requested }),
        Err(e) => failure(locale, &e),
    }
}

/// `POST /api/v1/runs/{id}/complete`: the end of a run the worker holds, with its outcome,
/// final counts and, unless it succeeded, a failure code and message.
pub async fn complete(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Extension(locale): Extension<Locale>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let Some(p) = caller(viewer) else { return unauthorized(locale) };
    let req = match read(&body, CompleteRequest::from_json) {
        Ok(req) => req,
        Err(why) => return failure(locale, &Error::Invalid(why)),
    };
    let failure_parts = req.failure.as_ref().map(|(code, message)| (code.as_str(), message.as_str()));
    match app::services::reported::complete(&state, &p, &id, &req.worker, &req.outcome, req.counts, failure_parts).await
    {
        Ok(view) => ok(&ApiRun::of(&view, locale.catalog())),
        Err(e) => failure(locale, &e),
    }
}

/// A request body as JSON read by `parse`; a body that is not JSON is [`Invalid::Body`].
fn read<T>(body: &[u8], parse: impl FnOnce(&serde_json::Value) -> Result<T, Invalid>) -> Result<T, Invalid> {
    parse(&serde_json::from_slice(body).map_err(|_| Invalid::Body)?)
}

/// `GET /api/v1/run-types`: the workspace's own run types, by key.
pub async fn list_run_types(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Extension(locale): Extension<Locale>,
) -> Response {
    let Some(p) = caller(viewer) else { return unauthorized(locale) };
    match app::services::workspace_types::list(&state, &p).await {
        Ok(types) => ok(&ApiRunTypes { run_types: types.iter().map(ApiRunType::of).collect() }),
        Err(e) => failure(locale, &e),
    }
}

/// `PUT /api/v1/run-types/{key}`: registers a run type of the workspace (201), or replaces
/// the registration of its key (200).
pub async fn put_run_type(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Extension(locale): Extension<Locale>,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let Some(p) = caller(viewer) else { return unauthorized(locale) };
    let request = match read(&body, |b| app::api::v1::type_request(&key, b)) {
        Ok(r) => r,
        Err(why) => return failure(locale, &Error::Invalid(why)),
    };
    match app::services::workspace_types::register(&state, &p, &request).await {
        Ok((registered, created)) => {
            let mut res = ok(&ApiRunType::of(&registered));
            if created {
                *res.status_mut() = StatusCode::CREATED;
            }
            res
        }
        Err(e) => failure(locale, &e),
    }
}

/// `GET /api/v1/runs/{id}`: one run.
pub async fn get_run(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Extension(locale): Extension<Locale>,
    Path(id): Path<String>,
) -> Response {
    let Some(p) = caller(viewer) else { return unauthorized(locale) };
    match app::services::operations::run_detail(&state, &p, &id).await {
        Ok(detail) => ok(&ApiRun::of(&detail.view, locale.catalog())),
        Err(e) => failure(locale, &e),
    }
}

/// `GET /api/v1/openapi.json`: the API's contract, to anyone. It changes only with the code,
/// so caches may keep it a while.
pub async fn openapi() -> Response {
    let mut res = json(StatusCode::OK, "application/json", crate::openapi::json().to_vec());
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    res
}

/// Any address of the API that names nothing: 404 as a problem document.
pub async fn nothing_here(Extension(locale): Extension<Locale>) -> Response {
    problem(&ApiError::NotFound(locale.catalog().errors.nothing_here.to_owned()))
}

fn caller(viewer: Viewer) -> Option<Principal> {
    viewer.0.filter(|p| p.token.is_some())
}

fn unauthorized(locale: Locale) -> Response {
    problem(&ApiError::Unauthorized(locale.catalog().accounts.token_required.to_owned()))
}

/// A 200 answer with `body` as JSON.
fn ok(body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => json(StatusCode::OK, "application/json", bytes),
        Err(e) => {
            tracing::error!(error = %e, "could not encode an API answer");
            problem(&ApiError::Internal(Locale::En.catalog().errors.internal.to_owned()))
        }
    }
}

/// A service's refusal or failure as a problem document; an internal failure is logged here,
/// once, and never shown.
fn failure(locale: Locale, e: &Error) -> Response {
    if e.is_internal() {
        tracing::error!(error = %e, "API request failed");
    }
    problem(&app::api::api_error(locale.catalog(), e))
}

/// `e` as an RFC 9457 problem document with its status.
pub fn problem(e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(&Problem::from(e)).unwrap_or_default();
    json(status, PROBLEM_JSON, body)
}

fn json(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_bearer_authorization_carries_a_secret() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer  opshub_abc "));
        assert_eq!(bearer(&h), Some("opshub_abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("bearer opshub_abc"));
        assert_eq!(bearer(&h), Some("opshub_abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic b3BzaHViOng="));
        assert_eq!(bearer(&h), None);
    }

    #[test]
    fn every_route_of_the_api_is_in_the_registry_the_matrix_walks() {
        for route in ROUTES {
            assert!(crate::web::PLAIN_ROUTES.contains(&route), "{route}");
            assert!(is_api(route), "{route}");
        }
    }

    #[test]
    fn api_paths_are_the_ones_under_the_version() {
        assert!(is_api("/api/v1/runs") && is_api("/api/v1/runs/4"));
        assert!(!is_api("/api/list_runs") && !is_api("/api/v1") && !is_api("/admin/api/v1/runs"));
    }
}
