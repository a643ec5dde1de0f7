//! The API between the pages and the server: shared serde types and the server functions.
//! Each server function is thin — it takes typed arguments, finds the caller and the state in
//! context, calls a plain service in `services/`, and answers through `answer`, the one
//! place a service's typed error becomes an [`ApiError`] carrying only operator-safe text in
//! the reader's language.

#[cfg(feature = "ssr")]
mod answer;
mod dashboard;
mod error;
mod notifications;
mod operations;
mod session;
mod system;
mod tenant;
mod tokens;
#[cfg(feature = "ssr")]
pub mod v1;
mod webhooks;

#[cfg(feature = "ssr")]
pub use answer::{api_error, sentence};
pub use dashboard::*;
pub use error::ApiError;
pub use notifications::*;
pub use operations::*;
pub use session::*;
pub use system::*;
pub use tenant::*;
pub use tokens::*;
pub use webhooks::*;

/// The answer to a live page's poll (specs/product-contract §7 "one poll per page"): the page
/// sends the version it holds, and the server answers `Unchanged` — no payload — while what
/// the page shows is still the truth.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Poll<T> {
    /// Nothing changed since the version the page holds.
    Unchanged,
    /// The current answer.
    Changed(Box<T>),
}

/// An answer a live page holds: the version it sends back with its next poll and when that
/// poll is due (`None`: nothing it shows is active, so the page keeps no timer).
pub trait Live {
    /// The version of this answer: a hash of what the page shows, never of the clock.
    fn version(&self) -> &str;
    /// When to poll again, in milliseconds.
    fn poll_interval_ms(&self) -> Option<u64>;
}

macro_rules! live {
    ($($t:ty),*) => {$(
        impl Live for $t {
            fn version(&self) -> &str {
                &self.version
            }
            fn poll_interval_ms(&self) -> Option<u64> {
                self.poll_interval_ms
            }
        }
    )*};
}
live!(RunListPage, StuckRuns, SystemOverview, WorkspaceOverview, TenantDigest);
