//! The API between the pages and the server: shared serde types and the server functions.
//! Each server function is thin — it takes typed arguments, finds the caller and the state in
//! context, calls a plain service in `server::operations`, and maps the result to
//! [`ApiError`], which carries only operator-safe text.

mod dashboard;
mod error;
mod notifications;
mod operations;
mod session;
mod system;
mod tenant;

pub use dashboard::*;
pub use error::ApiError;
pub use notifications::*;
pub use operations::*;
pub use session::*;
pub use system::*;
pub use tenant::*;
