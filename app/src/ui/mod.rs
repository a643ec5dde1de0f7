//! The Leptos UI: the HTML shell, the router and the pages. Components render
//! [`crate::domain::RunView`]s and never recompute a rule; the one browser-only piece, the
//! live poll loop, lives in `live` behind the `hydrate` feature.

mod answer;
mod common;
mod dashboard;
mod header;
#[cfg(feature = "hydrate")]
mod live;
mod login;
mod notifications;
pub(crate) mod operations;
mod overview;
mod post_form;
pub(crate) mod run_detail;
mod system;
mod tenant;
mod tokens;
mod webhooks;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{Lazy, SsrMode, path};

/// The tab icon, inline (the page policy allows `data:` images): without one every browser
/// asks for `/favicon.ico` and logs its 404 on every page.
const FAVICON: &str = "data:image/svg+xml,%3csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3e\
    %3crect width='16' height='16' rx='3' fill='%232456c9'/%3e\
    %3cpath d='M2 9h3l2-4 2 6 2-2h3' fill='none' stroke='white' stroke-width='1.6' stroke-linejoin='round'/%3e%3c/svg%3e";

/// The full HTML document the server renders around [`App`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang=crate::copy::locale().code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href=FAVICON/>
                // Inside the bundle's content-stamped folder (the server's `site_pkg_dir`), so
                // a browser keeps it until the next build.
                <link rel="stylesheet" id="opshub" href=format!("/{}/{}.css", options.site_pkg_dir, options.output_name)/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The application: navigation and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, so this turns true once the page has hydrated; tests
    // (ours and our users') wait for it before interacting.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    provide_context(notifications::NotificationsChanged(RwSignal::new(0)));
    view! {
        <Title text=crate::copy::text().shell.app_name/>
        <Router>
            <header::TopBar/>
            <main class="page" data-hydrated=move || hydrated.get().to_string()>
                <Routes fallback=common::NotFound>
                    <Route path=path!("/login") view=login::LoginPage/>
                    <Route path=path!("/") view=|| view! { <Redirect path="/admin/operations"/> }/>
                    <Route path=path!("/admin") view=overview::OverviewPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/operations") view=operations::OperationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/operations/:id") view=run_detail::RunDetailPage ssr=SsrMode::Async/>
                    // Pages opened now and then (the bell's list, the system plane) load their
                    // code on demand (specs/browser-bundle, "Pages loaded on demand").
                    <Route path=path!("/admin/notifications") view={Lazy::<notifications::NotificationsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/t/:tenant") view=tenant::TenantPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/tokens") view={Lazy::<tokens::TokensRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/system") view={Lazy::<system::SystemRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/system/ops/stuck") view={Lazy::<system::StuckRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/system/ops/runs") view={Lazy::<system::SystemRunsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/system/ops/failures") view={Lazy::<system::SystemFailuresRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/system/ops/runs/:id") view={Lazy::<system::SystemRunRoute>::new()} ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
