//! Server-only code: storage, the lifecycle service, workers and request context. Compiled
//! only with the `ssr` feature, so none of it (nor sqlx, tokio or axum) reaches the browser.

pub mod accounts;
pub mod auth;
pub mod baselines;
pub mod clock;
pub mod db;
pub mod digest;
pub mod inventory;
pub mod lifecycle;
pub mod live;
pub mod metrics;
pub mod notifications;
pub mod operations;
pub mod packs;
pub mod poll;
pub mod principal;
pub mod provider;
pub mod reconciler;
pub mod restore;
pub mod reviews;
pub mod runs;
pub mod state;
pub mod system;
pub mod tenant;
pub mod worker;

/// The id of the HTTP request being served (set by the server's request middleware, echoed
/// in the `x-request-id` header, every log line of the request and an internal error's text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub std::sync::Arc<str>);

impl RequestId {
    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub use clock::{Clock, ManualClock, SystemClock};
pub use db::{Backend, Db, DbOptions};
pub use state::{AppState, RuntimeConfig};

/// Logs a failure inside a service once, with what was being done, and answers the calm
/// generic error (the cause never reaches the browser).
pub(crate) fn internal_error(what: &str, e: impl std::fmt::Display) -> crate::api::ApiError {
    tracing::error!(error = %e, "{what}");
    crate::api::ApiError::internal()
}
