//! The composition root every request and worker shares: [`AppState`] (the pool, the
//! clock, the configuration and the in-memory views), the injected [`Clock`], this
//! instance's metrics, the live view of active runs (kept current by the lifecycle, read by
//! the poll path) and the id of the request being served. Everything else receives these
//! pieces explicitly; there are no globals.

pub mod clock;
pub mod live;
pub mod metrics;
pub mod state;

pub use clock::{Clock, ManualClock, SystemClock};
pub use state::{AppState, RuntimeConfig, Shared};

/// The id of the HTTP request being served (set by the server's request middleware, echoed
/// in the `x-request-id` header, every log line of the request and an internal error's text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub std::sync::Arc<str>);

impl RequestId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
