//! [`ApiError`]: the one error type server functions return. Every variant carries a calm,
//! operator-safe sentence; raw causes are logged on the server where they are handled and
//! never reach the browser.

use crate::copy::text;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Why a server function did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ApiError {
    /// Not signed in (HTTP 401).
    #[error("{0}")]
    Unauthorized(String),
    /// In scope but a capability is missing (HTTP 403).
    #[error("{0}")]
    Forbidden(String),
    /// Does not exist, or is outside the caller's scope — indistinguishable (HTTP 404).
    #[error("{0}")]
    NotFound(String),
    /// Conflicts with the current state (HTTP 409).
    #[error("{0}")]
    Conflict(String),
    /// The input is not acceptable (HTTP 422).
    #[error("{0}")]
    Invalid(String),
    /// Too many attempts in a short time; try again later (HTTP 429).
    #[error("{0}")]
    Throttled(String),
    /// Something failed inside Opshub (HTTP 500); details are in the server log.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status this error answers with.
    pub const fn status(&self) -> u16 {
        match self {
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::Conflict(_) => 409,
            Self::Invalid(_) => 422,
            Self::Throttled(_) => 429,
            Self::Internal(_) => 500,
        }
    }

    /// The sentence to show.
    pub fn message(&self) -> &str {
        match self {
            Self::Unauthorized(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::Conflict(m)
            | Self::Invalid(m)
            | Self::Throttled(m)
            | Self::Internal(m) => m,
        }
    }

    /// The generic internal error.
    pub fn internal() -> Self {
        Self::Internal(text().errors.internal.to_owned())
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) => {
                Self::Invalid(text().errors.bad_shape.to_owned())
            }
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => {
                Self::Internal(text().errors.unreachable.to_owned())
            }
            _ => Self::internal(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_failures_become_calm_sentences_without_internals() {
        let e = ApiError::from_server_fn_error(ServerFnErrorErr::Deserialization(
            "invalid type: map at line 1 column 9".into(),
        ));
        assert_eq!(e.status(), 422);
        assert!(!e.message().contains("line 1"));
        let e = ApiError::from_server_fn_error(ServerFnErrorErr::ServerError("SQLSTATE 23505 duplicate key".into()));
        assert_eq!(e.status(), 500);
        assert!(!e.message().contains("SQLSTATE"));
    }
}
