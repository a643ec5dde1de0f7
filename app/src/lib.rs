//! Opshub's shared core. It compiles for the server (`ssr`) and the browser (`hydrate`):
//! the pure run domain and shared types are always compiled; storage, services and workers
//! live in the `server` module behind the `ssr` feature.
#![recursion_limit = "512"]

pub mod api;
pub mod copy;
pub mod domain;
pub mod ui;

pub use ui::{App, shell};

#[cfg(feature = "ssr")]
pub mod server;
