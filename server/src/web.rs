//! The HTTP router: the Leptos pages and server functions (with the app state and the
//! caller in context), the static browser bundle, and a trivial liveness endpoint.

use app::api::ApiError;
use app::server::AppState;
use app::server::principal::Principal;
use app::{App, shell};
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};

/// Builds the router for `state`, acting as `principal` until sign-in lands.
pub fn router(state: AppState, principal: Principal, options: LeptosOptions) -> Router {
    let routes = generate_route_list(App);
    let api_state = state.clone();
    let api_principal = principal.clone();
    let context = move || {
        provide_context(state.clone());
        provide_context(principal.clone());
    };
    let render = {
        let options = options.clone();
        move || shell(options.clone())
    };
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/api/tenants/{tenant}/active-runs",
            get(move |Path(tenant): Path<String>| async move {
                match app::server::poll::tenant_active_runs_json(&api_state, &api_principal, &tenant).await {
                    Ok(body) => json(StatusCode::OK, body.into()),
                    Err(e) => api_error(&e),
                }
            }),
        )
        .leptos_routes_with_context(&options, routes, context.clone(), render)
        .fallback(leptos_axum::file_and_error_handler_with_context(context, shell))
        .with_state(options)
}

/// Leptos options for serving the bundle built into `site_root`.
pub fn leptos_options(site_root: &str, addr: std::net::SocketAddr) -> LeptosOptions {
    LeptosOptions::builder().output_name("opshub").site_root(site_root).site_pkg_dir("pkg").site_addr(addr).build()
}

fn json(status: StatusCode, body: axum::body::Body) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// An API error as `{"error": "<calm sentence>"}` with its status.
fn api_error(e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::json!({ "error": e.message() }).to_string();
    json(status, body.into())
}
