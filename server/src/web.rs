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
    let pack_state = state.clone();
    let pack_principal = principal.clone();
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
        .route(
            "/admin/review-packs/{pack}/download",
            get(
                move |Path(pack): Path<String>| async move { pack_download(&pack_state, &pack_principal, &pack).await },
            ),
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

/// Streams a ready review pack; an expired one answers a calm page, not an error.
async fn pack_download(state: &AppState, principal: &Principal, pack: &str) -> Response {
    use app::server::packs::PackDownload;
    match app::server::packs::download(state, principal, pack).await {
        Ok(PackDownload::Ready { file_name, bytes }) => {
            let mut res = (StatusCode::OK, bytes).into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
                res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Ok(PackDownload::Expired) => calm_page(
            StatusCode::GONE,
            "This review pack has expired",
            "Review packs are kept for a limited time. Generate a new pack from the review to download it again.",
        ),
        Ok(PackDownload::NotReady(_)) => calm_page(
            StatusCode::CONFLICT,
            "This review pack is not ready",
            "It is still being generated, or generating it did not succeed. Its operation says which.",
        ),
        Ok(PackDownload::NotFound) => {
            calm_page(StatusCode::NOT_FOUND, "Review pack not found", "There is no review pack with that id.")
        }
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "review pack download failed");
            calm_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The review pack could not be read. Please try again.",
            )
        }
    }
}

/// A small, calm HTML page for answers outside the app's pages.
fn calm_page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} · Opshub</title>\
         <link rel=\"stylesheet\" href=\"/pkg/opshub.css\"></head><body><main class=\"page\"><section class=\"empty\" \
         data-testid=\"calm-page\" data-status=\"{code}\"><h1>{title}</h1><p>{body}</p>\
         <p><a href=\"/admin/operations\">Go to operations</a></p></section></main></body></html>",
        code = status.as_u16()
    );
    let mut res = (status, html).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    res
}
