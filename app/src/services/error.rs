//! [`Error`]: why a use case did not succeed, as a typed value. Services decide *what* went
//! wrong (which thing was not found, which capability is missing, which field is invalid);
//! they never word it and never pick an HTTP status. `api/` turns it into the reader's
//! sentence and a status in one place, and the command line words it the same way, so a
//! refusal reads identically wherever it surfaces.
//!
//! An internal failure keeps its source and what was being done; it is logged once, by
//! whoever handles it at the edge, and never shown to the person who asked.

use crate::domain::access::Capability;
pub use crate::domain::refusal::{Conflict, Invalid, Thing};
use crate::jobs::run_types::InputError;

/// A boxed cause of an internal failure.
pub type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The result of a use case.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a use case did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Nobody is signed in.
    #[error("nobody is signed in")]
    NotSignedIn,
    /// A sign-in whose email and password match no account (deliberately not saying which).
    #[error("the email and password match no account")]
    WrongCredentials,
    /// Too many failed sign-ins in a short time.
    #[error("too many failed sign-ins")]
    Throttled,
    /// The thing does not exist, or is outside the caller's scope — indistinguishable.
    #[error("not found: {0:?}")]
    NotFound(Thing),
    /// In scope, but the caller's role lacks the capability.
    #[error("the role lacks {0:?}")]
    Forbidden(Capability),
    /// An API token whose grants lack the capability.
    #[error("the API token lacks {0:?}")]
    TokenForbidden(Capability),
    /// Signed in, but a member of no workspace yet.
    #[error("the user is a member of no workspace")]
    NoMembership,
    /// The request conflicts with the current state.
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// The input is not acceptable.
    #[error("invalid: {0:?}")]
    Invalid(Invalid),
    /// A run's stored record cannot be read.
    #[error("run {run_id} has a damaged record: {source}")]
    DamagedRun {
        /// The run.
        run_id: i64,
        /// Why it does not read.
        #[source]
        source: Source,
    },
    /// Something failed inside Opshub.
    #[error("{what}: {source}")]
    Internal {
        /// What was being done, for the log line.
        what: &'static str,
        /// The cause.
        #[source]
        source: Source,
    },
}

impl Error {
    /// An internal failure while doing `what`, keeping its cause for the log.
    pub fn internal(what: &'static str, source: impl Into<Source>) -> Self {
        Self::Internal { what, source: source.into() }
    }

    /// Whether the cause is inside Opshub rather than in the request.
    pub const fn is_internal(&self) -> bool {
        matches!(self, Self::Internal { .. } | Self::DamagedRun { .. })
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Self::internal("a storage call failed", e)
    }
}

impl From<crate::store::runs::RunQueryError> for Error {
    fn from(e: crate::store::runs::RunQueryError) -> Self {
        match e {
            crate::store::runs::RunQueryError::Damaged(d) => Self::DamagedRun { run_id: d.id, source: d.source.into() },
            crate::store::runs::RunQueryError::Database(e) => e.into(),
        }
    }
}

/// A run's inputs that cannot be prepared: the refusal of the options, or a storage failure.
impl From<InputError> for Error {
    fn from(e: InputError) -> Self {
        match e {
            InputError::NotFound(thing) => Self::NotFound(thing),
            InputError::Invalid(why) => Self::Invalid(why),
            InputError::Storage(e) => Self::internal("preparing a run's inputs", e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storage_failure_is_internal_and_keeps_its_cause() {
        let e = Error::from(sqlx::Error::RowNotFound);
        assert!(e.is_internal());
        assert!(std::error::Error::source(&e).is_some());
        assert!(!Error::NotFound(Thing::Operation).is_internal());
    }
}
