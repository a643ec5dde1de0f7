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

#[cfg(feature = "ssr")]
pub use answer::{api_error, sentence};
pub use dashboard::*;
pub use error::ApiError;
pub use notifications::*;
pub use operations::*;
pub use session::*;
pub use system::*;
pub use tenant::*;
