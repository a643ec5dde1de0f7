//! Types of the workspace's API tokens (specs/runs-api, "Tokens"), as the owner's pages and
//! the command line show them.

use crate::domain::Timestamp;
use serde::{Deserialize, Serialize};

/// Where a token stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenState {
    /// It works.
    Active,
    /// Its expiry has passed.
    Expired,
    /// An owner revoked it.
    Revoked,
}

impl TokenState {
    /// The spelling lists and tests read (`data-token-state`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }
}

/// One token, never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TokenInfo {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The slug of the one tenant it is restricted to, if any.
    pub tenant: Option<String>,
    /// Its grants' spellings (`read_runs`, `start_runs`, `report_runs`).
    pub grants: Vec<String>,
    /// The first characters of its secret, to tell it apart.
    pub shown: String,
    /// Where it stands now.
    pub state: TokenState,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it stops working, if ever.
    pub expires_at: Option<Timestamp>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
    /// When it was last used, to the minute.
    pub last_used_at: Option<Timestamp>,
}

/// A token just made: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    /// The token.
    pub token: TokenInfo,
    /// Its secret, for the caller to keep; Opshub keeps only its hash.
    pub secret: String,
}
