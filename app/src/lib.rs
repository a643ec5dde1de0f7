//! Opshub's shared core. It compiles for the server (`ssr`) and the browser (`hydrate`):
//! the pure run domain, the copy catalog, shared types and the UI are always compiled; the
//! server-only rooms — [`store`] (SQL), [`services`] (use cases), [`jobs`] (the run
//! machinery) and [`runtime`] (the shared state) — only with the `ssr` feature, so none of
//! them (nor sqlx, tokio or axum) reaches the browser.
#![recursion_limit = "512"]

pub mod api;
pub mod copy;
pub mod domain;
pub mod ui;

pub use ui::{App, shell};

#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod runtime;
#[cfg(feature = "ssr")]
pub mod services;
#[cfg(feature = "ssr")]
pub mod store;
