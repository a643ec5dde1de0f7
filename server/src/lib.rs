//! The `opshub` server: configuration, the HTTP router, the worker pool, the demo seed and the
//! command line. `main.rs` is a thin shell over this library so tests can drive every piece.
// Rendering the app's deepest view types (the run detail) happens here, in the crate that
// serves them; the default limit is too small for Leptos's static view types.
#![recursion_limit = "512"]

pub mod api_v1;
pub mod assets;
pub mod clients;
pub mod config;
pub mod headers;
pub mod health;
pub mod hosts;
pub mod limits;
pub mod logs;
pub mod openapi;
pub mod seed;
pub mod serve;
pub mod web;
