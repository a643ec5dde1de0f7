//! The HTTP router: the Leptos pages and server functions (with the app state and the
//! caller in context), the static browser bundle, and a trivial liveness endpoint.

use app::server::AppState;
use app::server::principal::Principal;
use app::{App, shell};
use axum::Router;
use axum::routing::get;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};

/// Builds the router for `state`, acting as `principal` until sign-in lands.
pub fn router(state: AppState, principal: Principal, options: LeptosOptions) -> Router {
    let routes = generate_route_list(App);
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
        .leptos_routes_with_context(&options, routes, context.clone(), render)
        .fallback(leptos_axum::file_and_error_handler_with_context(context, shell))
        .with_state(options)
}

/// Leptos options for serving the bundle built into `site_root`.
pub fn leptos_options(site_root: &str, addr: std::net::SocketAddr) -> LeptosOptions {
    LeptosOptions::builder().output_name("opshub").site_root(site_root).site_pkg_dir("pkg").site_addr(addr).build()
}
