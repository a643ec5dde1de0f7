//! Types of the workspace's API tokens (specs/runs-api, "Tokens"), as the owner's pages and
//! the command line show them.

use super::{ApiError, TenantOption};
use crate::domain::Timestamp;
use leptos::prelude::*;
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
    /// Every state.
    pub const ALL: [TokenState; 3] = [Self::Active, Self::Expired, Self::Revoked];

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
    /// That tenant's display name.
    pub tenant_name: Option<String>,
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

/// The owner's tokens page: the workspace's tokens and the tenants one may be restricted to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPage {
    /// Every token, newest first.
    pub tokens: Vec<TokenInfo>,
    /// The workspace's tenants.
    pub tenants: Vec<TenantOption>,
    /// The server's clock when this was read (for "last used 3 min ago").
    pub observed_at: Timestamp,
}

/// The workspace's tokens (owners only).
#[server(endpoint = "list_tokens")]
pub async fn list_tokens() -> Result<TokenPage, ApiError> {
    super::answer::serve(|s, p| async move { crate::services::tokens::page(&s, &p).await }).await
}

/// Makes a token; the answer carries its secret, this once. Each grant is a box of the form
/// (`read_runs`, `start_runs`, `report_runs`); an empty `tenant` is every tenant and an empty
/// `expires_in_days` no expiry.
#[server(endpoint = "create_token")]
pub async fn create_token(
    name: String,
    tenant: Option<String>,
    read_runs: Option<String>,
    start_runs: Option<String>,
    report_runs: Option<String>,
    expires_in_days: Option<String>,
) -> Result<CreatedToken, ApiError> {
    super::answer::serve(|s, p| async move {
        let ticked = [read_runs.is_some(), start_runs.is_some(), report_runs.is_some()];
        let new =
            crate::services::tokens::NewToken::from_form(name, tenant.as_deref(), ticked, expires_in_days.as_deref())?;
        crate::services::tokens::create(&s, &p, &new).await
    })
    .await
}

/// Revokes a token of the workspace.
#[server(endpoint = "revoke_token")]
pub async fn revoke_token(id: String) -> Result<(), ApiError> {
    super::answer::serve(|s, p| async move { crate::services::tokens::revoke(&s, &p, &id).await }).await
}
