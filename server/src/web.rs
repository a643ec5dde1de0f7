//! The HTTP router: the Leptos pages and server functions (with the app state in context),
//! the poll API, review-pack downloads, the static browser bundle and a liveness endpoint —
//! all behind one authentication middleware. Answers above a kilobyte travel compressed
//! (brotli or gzip, whichever the browser prefers); the bundle's were compressed at build
//! time (`crate::assets`), everything else is compressed as it streams.
//!
//! The middleware is the one enforcement path for "who is asking" (specs/product-contract §2): it resolves
//! the session to a principal for every request, sends visitors to `/login` (pages, returning
//! afterwards) or answers 401 (everything else), and refuses state-changing requests from
//! another origin. Scope (404) and capability (403) checks happen in the services, through
//! the principal it hands on.

use crate::hosts::Origins;
use app::api::ApiError;
use app::copy::{Catalog, Locale};
use app::runtime::AppState;
use app::services::auth::{ClientAddr, DbSessionStore, Viewer};
use app::services::principal::Principal;
use app::{App, shell};
use axum::Router;
use axum::extract::{ConnectInfo, Extension, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Session, SessionManagerLayer};

/// The routes served outside Leptos (health, metrics, the poll API, pack downloads, the runs
/// API). The authorization matrix test reads this list, so a new route here needs a row there.
pub const PLAIN_ROUTES: [&str; 17] = [
    "/healthz",
    "/api/tenants/{tenant}/active-runs",
    "/admin/review-packs/{pack}/download",
    "/readyz",
    "/metrics",
    "/pkg/{*file}",
    crate::api_v1::RUNS,
    crate::api_v1::RUN,
    crate::api_v1::ELSEWHERE,
    crate::api_v1::RUN_TYPES,
    crate::api_v1::RUN_TYPE,
    crate::api_v1::REPORT,
    crate::api_v1::CLAIM,
    crate::api_v1::HEARTBEAT,
    crate::api_v1::PROGRESS,
    crate::api_v1::COMPLETE,
    crate::api_v1::OPENAPI,
];

/// Answers smaller than this go as they are: compressing them saves less than it costs.
const COMPRESS_ABOVE: u16 = 1024;

/// Compression for answers not compressed already (see the module docs). The level is a
/// streaming one: brotli's best is for the bundle, done once at build time. Images and zip
/// downloads are compressed already; event streams must not wait for a compressor's buffer.
fn compression() -> CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{NotForContentType, Predicate as _, SizeAbove};
    CompressionLayer::new().quality(CompressionLevel::Precise(4)).compress_when(
        SizeAbove::new(COMPRESS_ABOVE)
            .and(NotForContentType::IMAGES)
            .and(NotForContentType::SSE)
            .and(NotForContentType::GRPC)
            .and(NotForContentType::const_new("application/zip")),
    )
}

/// What the operational endpoints need beyond the app state.
#[derive(Debug, Clone, Default)]
pub struct Ops {
    /// What `/readyz` watches.
    pub readiness: crate::health::Readiness,
    /// The bearer token `/metrics` asks for, if any.
    pub metrics_token: Option<String>,
    /// The origins the server answers as (`public_origins`); empty means the loopback names
    /// at the port the router is built for.
    pub origins: Vec<crate::hosts::Origin>,
    /// Whose `X-Forwarded-For` names the client (`trusted_proxies`).
    pub trusted_proxies: crate::clients::TrustedProxies,
}

/// What the authentication middleware reads.
#[derive(Debug)]
struct Gate {
    state: AppState,
    origins: Arc<Origins>,
    proxies: crate::clients::TrustedProxies,
}

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "opshub_session";

/// Builds the router for `state`.
pub fn router(state: AppState, options: LeptosOptions, ops: Ops) -> Router {
    crate::logs::carry_spans_into_leptos_tasks();
    let routes = route_list();
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone(), state.auth_cache.clone()))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.sessions.secure_cookie)
        .with_expiry(state.config.sessions.expiry());
    let api_state = state.clone();
    let pack_state = state.clone();
    let origins = Arc::new(Origins::new(&ops.origins, options.site_addr.port()));
    let gate = Arc::new(Gate { state: state.clone(), origins: origins.clone(), proxies: ops.trusted_proxies.clone() });
    let request_state = state.clone();
    let ready_state = state.clone();
    let metrics_state = state.clone();
    let api_routes_state = state.clone();
    let edge = Arc::new(Edge { origins, https: crate::headers::Https(state.config.sessions.secure_cookie) });
    // Every page and server function reads the app state and the request's locale (chosen
    // by the middleware below) from its Leptos context. A page's policy names the nonce
    // Leptos put on its inline scripts for this response.
    let context = move || {
        provide_context(state.clone());
        let locale = with_context::<axum::http::request::Parts, _>(|p| p.extensions.get::<Locale>().copied()).flatten();
        provide_context(locale.unwrap_or_default());
        if let (Some(nonce), Some(res)) = (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
            && let Ok(policy) = HeaderValue::from_str(&crate::headers::page_policy(&nonce))
        {
            res.insert_header(header::CONTENT_SECURITY_POLICY, policy);
        }
    };
    let render = {
        let options = options.clone();
        move || shell(options.clone())
    };
    let readiness = ops.readiness;
    let token = ops.metrics_token;
    let bundle = Arc::new(crate::assets::Bundle::of(&options));
    let app = Router::new()
        .route(PLAIN_ROUTES[0], get(crate::health::healthz))
        .route(
            PLAIN_ROUTES[3],
            get(move || {
                let (state, readiness) = (ready_state.clone(), readiness.clone());
                async move { crate::health::readyz(&state.db, &readiness).await }
            }),
        )
        .route(
            PLAIN_ROUTES[4],
            get(move |headers: HeaderMap| {
                let (state, token) = (metrics_state.clone(), token.clone());
                async move { metrics(&state, token.as_deref(), &headers) }
            }),
        )
        .route(
            PLAIN_ROUTES[1],
            get(
                move |Path(tenant): Path<String>,
                      Extension(viewer): Extension<Viewer>,
                      Extension(locale): Extension<Locale>| async move {
                    let Some(principal) = viewer.0 else { return api_error(&not_signed_in(locale.catalog())) };
                    match app::services::poll::tenant_active_runs_json(&api_state, &principal, &tenant).await {
                        Ok(body) => json(StatusCode::OK, body.into()),
                        Err(e) => service_error(locale, &e),
                    }
                },
            ),
        )
        .route(
            PLAIN_ROUTES[2],
            get(
                move |Path(pack): Path<String>,
                      Extension(viewer): Extension<Viewer>,
                      Extension(locale): Extension<Locale>| async move {
                    let Some(principal) = viewer.0 else { return api_error(&not_signed_in(locale.catalog())) };
                    pack_download(&pack_state, &principal, &pack, locale).await
                },
            ),
        )
        .merge(crate::api_v1::routes(api_routes_state))
        .route(
            PLAIN_ROUTES[5],
            get(move |req: Request| {
                let bundle = bundle.clone();
                async move { bundle.serve(req).await }
            }),
        )
        .leptos_routes_with_context(&options, routes, context.clone(), render)
        .fallback(leptos_axum::file_and_error_handler_with_context(context, shell))
        .layer(middleware::from_fn(crate::logs::name_the_route))
        .with_state(options);
    // The middleware wraps the router from outside: layered inside (`Router::layer`) it would
    // wrap every route, and each request would clone every layer and handler beneath it.
    // Fewer, merged layers for the same reason: each costs an allocation and clones per
    // request (specs/benchmarks, "Where a request's time goes").
    let stack = tower::ServiceBuilder::new()
        .layer(middleware::from_fn_with_state(request_state, crate::logs::request_span))
        .layer(compression())
        .layer(middleware::from_fn_with_state(edge, at_the_edge))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(crate::limits::MAX_BODY))
        .map_request(|req: axum::http::Request<_>| req.map(axum::body::Body::new))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(gate, authenticate))
        .service(app);
    Router::new().fallback_service(stack)
}

/// What the edge checks read.
#[derive(Debug)]
struct Edge {
    origins: Arc<Origins>,
    https: crate::headers::Https,
}

/// The checks every request passes before anything reads it (an overlong address or header,
/// a host we do not answer as) and the security headers every answer leaves with, refusals
/// included.
async fn at_the_edge(State(edge): State<Arc<Edge>>, req: Request, next: Next) -> Response {
    let refused = crate::limits::refusal(&req).or_else(|| crate::hosts::refusal(&edge.origins, &req));
    let mut res = match refused {
        Some(res) => res,
        None => next.run(req).await,
    };
    crate::headers::secure(&mut res, edge.https);
    res
}

/// The app's page routes, generated once per process: generating renders the app in a
/// route-collecting mode, which must not overlap another router's page renders in the same
/// process (the test suites build many routers side by side, and read this list too).
pub fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// `/metrics`: the Prometheus text exposition, for a request bearing the configured token
/// (compared in constant time) or for anyone when none is configured.
fn metrics(state: &AppState, token: Option<&str>, headers: &HeaderMap) -> Response {
    if let Some(expected) = token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        let same = given.len() == expected.len()
            && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if !same {
            let mut res = (StatusCode::UNAUTHORIZED, "a bearer token is required\n").into_response();
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return res;
        }
    }
    match state.metrics.encode(&state.live, &state.config, state.clock.now()) {
        Ok(body) => {
            let mut res = (StatusCode::OK, body).into_response();
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            );
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "could not encode the metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn not_signed_in(text: &Catalog) -> ApiError {
    ApiError::Unauthorized(text.errors.sign_in.to_owned())
}

/// Paths anyone may request: the sign-in page and its server function, the header's
/// "who am I", liveness, and the static bundle.
fn is_public(path: &str) -> bool {
    matches!(path, "/login" | "/healthz" | "/readyz" | "/metrics" | "/api/sign_in" | "/api/who_am_i" | "/favicon.ico")
        || path.starts_with("/pkg/")
}

/// Whether a request may change state (everything but GET, HEAD and OPTIONS).
fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// `path` percent-encoded for a query value.
fn encode_query_value(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The one authentication step every request passes (see the module docs).
async fn authenticate(State(gate): State<Arc<Gate>>, session: Session, mut req: Request, next: Next) -> Response {
    let state = gate.state.clone();
    let path = req.uri().path().to_owned();
    let browser = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Locale::negotiate);
    if crate::api_v1::is_api(&path) {
        return crate::api_v1::authenticate(&state, browser, req, next).await;
    }
    if changes_state(req.method()) && !gate.origins.allows_source(req.headers()) {
        tracing::warn!(path, "refused a state-changing request from another origin");
        let text = browser.unwrap_or_default().catalog();
        return api_error(&ApiError::Forbidden(text.errors.cross_origin.to_owned()));
    }
    let client = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| gate.proxies.client(c.0.ip(), req.headers()).to_string());
    let operational = matches!(path.as_str(), "/healthz" | "/readyz" | "/metrics");
    let principal: Option<Principal> = if path.starts_with("/pkg/") || operational {
        None
    } else {
        match app::services::auth::resolve(&state, &session).await {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "could not resolve the session");
                return api_error(&ApiError::internal());
            }
        }
    };
    if principal.is_none() && !is_public(&path) {
        let page = matches!(*req.method(), Method::GET | Method::HEAD) && !path.starts_with("/api/");
        if page {
            let target = req.uri().path_and_query().map_or(path.as_str(), |pq| pq.as_str()).to_owned();
            return Redirect::to(&format!("/login?next={}", encode_query_value(&target))).into_response();
        }
        return api_error(&not_signed_in(browser.unwrap_or_default().catalog()));
    }
    // The page's language: the user's setting, else their browser's, else English.
    let locale = principal.as_ref().and_then(|p| p.locale).or(browser).unwrap_or_default();
    req.extensions_mut().insert(locale);
    req.extensions_mut().insert(Viewer(principal));
    req.extensions_mut().insert(ClientAddr(client));
    let server_fn = crate::limits::is_server_fn(&req);
    crate::limits::typed_status(server_fn, next.run(req).await).await
}

/// Leptos options for serving the bundle built into `site_root`: pages load it from its
/// content-stamped folder ([`crate::assets::stamped_pkg_dir`]).
pub fn leptos_options(site_root: &str, addr: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(crate::assets::BUNDLE_NAME)
        .site_root(site_root)
        .site_pkg_dir(crate::assets::stamped_pkg_dir(site_root))
        .site_addr(addr)
        .build()
}

fn json(status: StatusCode, body: axum::body::Body) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// A service's refusal or failure, answered like a server function's: worded in `locale`,
/// an internal failure logged here, once, and never shown.
fn service_error(locale: Locale, e: &app::services::Error) -> Response {
    if e.is_internal() {
        tracing::error!(error = %e, "request failed");
    }
    api_error(&app::api::api_error(locale.catalog(), e))
}

/// An API error as `{"error": "<calm sentence>"}` with its status.
fn api_error(e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::json!({ "error": e.message() }).to_string();
    json(status, body.into())
}

/// Streams a ready review pack; an expired one answers a calm page, not an error.
async fn pack_download(state: &AppState, principal: &Principal, pack: &str, locale: Locale) -> Response {
    use app::services::tenant::PackDownload;
    let text = locale.catalog();
    match app::services::tenant::download_pack(state, principal, pack).await {
        Ok(PackDownload::Ready { file_name, size_bytes, contents }) => {
            // One chunk in memory at a time; a chunk that cannot be read ends the body with an
            // error, so the browser reports a failed download instead of saving a cut-off one.
            let chunks = futures_util::stream::unfold(Some(contents), |contents| async move {
                let mut contents = contents?;
                match contents.next_chunk().await {
                    Ok(Some(chunk)) => Some((Ok(axum::body::Bytes::from(chunk)), Some(contents))),
                    Ok(None) => None,
                    Err(e) => {
                        tracing::error!(error = %format!("{e:#}"), "review pack download broke off");
                        Some((Err(std::io::Error::other("the review pack could not be read")), None))
                    }
                }
            });
            let mut res = (StatusCode::OK, axum::body::Body::from_stream(chunks)).into_response();
            res.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(size_bytes));
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
                res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Ok(PackDownload::Expired) => {
            calm_page(locale, StatusCode::GONE, text.pages.pack_expired_title, text.pages.pack_expired_body)
        }
        Ok(PackDownload::NotReady(_)) => {
            calm_page(locale, StatusCode::CONFLICT, text.pages.pack_not_ready_title, text.pages.pack_not_ready_body)
        }
        Ok(PackDownload::NotFound) => {
            calm_page(locale, StatusCode::NOT_FOUND, text.pages.pack_not_found_title, text.pages.pack_not_found_body)
        }
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "review pack download failed");
            let (title, body) = (text.pages.pack_failed_title, text.pages.pack_failed_body);
            calm_page(locale, StatusCode::INTERNAL_SERVER_ERROR, title, body)
        }
    }
}

/// A small, calm HTML page for answers outside the app's pages.
fn calm_page(locale: Locale, status: StatusCode, title: &str, body: &str) -> Response {
    let shell = &locale.catalog().shell;
    let html = format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{page_title}</title>\
         <link rel=\"stylesheet\" href=\"/pkg/opshub.css\"></head><body><main class=\"page\"><section class=\"empty\" \
         data-testid=\"calm-page\" data-status=\"{code}\"><h1>{title}</h1><p>{body}</p>\
         <p><a href=\"/admin/operations\">{back}</a></p></section></main></body></html>",
        page_title = (shell.page_title)(title),
        back = shell.go_to_operations,
        lang = locale.code(),
        code = status.as_u16()
    );
    let mut res = (status, html).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    res.headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(crate::headers::CALM_PAGE_POLICY));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_sign_in_page_liveness_and_the_bundle_are_public() {
        for p in ["/login", "/healthz", "/api/sign_in", "/api/who_am_i", "/pkg/opshub.js"] {
            assert!(is_public(p), "{p}");
        }
        for p in ["/", "/admin/operations", "/api/list_runs", "/system", "/admin/review-packs/1/download", "/loginx"] {
            assert!(!is_public(p), "{p}");
        }
    }

    #[test]
    fn the_return_path_is_encoded_into_the_sign_in_link() {
        assert_eq!(
            encode_query_value("/admin/operations?status=running&x=1"),
            "/admin/operations%3Fstatus%3Drunning%26x%3D1"
        );
    }
}
