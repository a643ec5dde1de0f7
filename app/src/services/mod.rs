//! The use cases behind the pages and the API: operations list, detail, start, cancel and
//! retry; the tenant digest and the workspace overview; the tenant workbench; notifications;
//! the system plane; sign-in and accounts. Each is a plain async function over the pieces of
//! [`crate::runtime::AppState`] it needs, authorizing through the caller's
//! [`principal::Principal`] and finding records through [`scope`]. They answer [`error::Error`], a typed value: what went wrong,
//! never how to word it or which HTTP status it is (`api/` decides both, in one place).

pub mod accounts;
pub mod auth;
pub mod digest;
pub mod error;
pub mod notifications;
pub mod operations;
pub mod poll;
pub mod principal;
pub mod reported;
pub mod scope;
pub mod system;
pub mod tenant;
pub mod tokens;
pub mod webhooks;
pub mod workspace_types;

pub use error::Error;
