//! The `opshub` server: configuration, the HTTP router, the worker pool, the demo seed and the
//! command line. `main.rs` is a thin shell over this library so tests can drive every piece.

pub mod config;
pub mod seed;
pub mod serve;
pub mod web;
