//! Opshub's shared core. It compiles for the server (`ssr`) and the browser (`hydrate`):
//! the pure run domain and shared types are always compiled; storage, services and workers
//! live in the `server` module behind the `ssr` feature.

pub mod domain;

#[cfg(feature = "ssr")]
pub mod server;
