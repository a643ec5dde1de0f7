//! The use cases behind the pages and the API: operations list, detail, start, cancel and
//! retry; the tenant digest and the workspace overview; the tenant workbench; notifications;
//! the system plane; sign-in and accounts. Each is a plain async function over the pieces of
//! [`crate::runtime::AppState`] it needs, authorizing through the caller's
//! [`principal::Principal`].

pub mod accounts;
pub mod auth;
pub mod digest;
pub mod live;
pub mod notifications;
pub mod operations;
pub mod poll;
pub mod principal;
pub mod system;
pub mod tenant;

/// Logs a failure inside a service once, with what was being done, and answers the calm
/// generic error (the cause never reaches the browser).
pub(crate) fn internal_error(what: &str, e: impl std::fmt::Display) -> crate::api::ApiError {
    tracing::error!(error = %e, "{what}");
    crate::api::ApiError::internal()
}
