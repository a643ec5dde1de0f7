//! API tokens (specs/runs-api, "Tokens"): the workspace owner makes, lists and revokes them;
//! every runs-API request is authenticated by one. A token's secret is shown once, when it is
//! made; only its SHA-256 is stored, so neither the database nor a log line can give it back.
//! A token acts through a [`Principal`] like a person does, with its grants in place of a
//! role, so the one authorization decision covers the API too. Tokens are workspace-wide
//! records: a member entitled to some tenants only does not see them (not found), like any
//! workspace-wide record.

use crate::api::{CreatedToken, TenantOption, TokenInfo, TokenPage, TokenState};
use crate::domain::access::{Capability, Role, TenantScope};
use crate::domain::token::{self, TokenGrant, TokenGrants};
use crate::domain::{TenantId, Timestamp, TokenId};
use crate::runtime::AppState;
use crate::services::auth::stored_form;
use crate::services::error::{Error, Invalid, Thing};
use crate::services::principal::{Principal, TokenActor};
use crate::store::tokens::{self as stored, NewTokenRow, TokenRow};

/// The longest expiry a token may be given, in days (ten years).
pub const MAX_EXPIRY_DAYS: u32 = 3650;

/// How often a token's "last used" is written, at most (milliseconds): a worker reporting
/// progress many times a second must not write a row for each call.
const TOUCH_EVERY_MS: i64 = 60_000;

/// What an owner asks for when making a token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewToken {
    /// Its name.
    pub name: String,
    /// The one tenant of the workspace it is restricted to (by id), if any.
    pub tenant: Option<TenantId>,
    /// Its grants, spelled and separated by commas.
    pub grants: String,
    /// How many days it works for; `None` for no expiry.
    pub expires_in_days: Option<u32>,
}

impl NewToken {
    /// The request as the page's form sends it: `ticked` says which of the boxes of
    /// [`TokenGrant::ALL`] are ticked, an empty `tenant` is every tenant and an empty
    /// `expires_in_days` no expiry.
    pub fn from_form(
        name: String,
        tenant: Option<&str>,
        ticked: [bool; 3],
        expires_in_days: Option<&str>,
    ) -> Result<Self, Error> {
        let grants = TokenGrant::ALL
            .into_iter()
            .zip(ticked)
            .filter(|(_, on)| *on)
            .map(|(g, _)| g.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let tenant = match tenant.map(str::trim).filter(|t| !t.is_empty()) {
            None => None,
            Some(t) => Some(TenantId::parse(t).ok_or(Error::NotFound(Thing::Tenant))?),
        };
        let expires_in_days = match expires_in_days.map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(d) => Some(d.parse().map_err(|_| Error::Invalid(Invalid::TokenExpiry))?),
        };
        Ok(Self { name, tenant, grants, expires_in_days })
    }
}

/// Makes a token for the caller's workspace; the answer carries its secret, shown this once.
#[tracing::instrument(skip_all, fields(workspace = p.workspace_id.get()))]
pub async fn create(state: &AppState, p: &Principal, new: &NewToken) -> Result<CreatedToken, Error> {
    p.authorize(p.workspace_id, None, Capability::ManageTokens, Thing::Page)?;
    let name = token::token_name(&new.name).ok_or(Error::Invalid(Invalid::TokenName))?;
    let grants = TokenGrants::parse(&new.grants).map_err(|_| Error::Invalid(Invalid::TokenGrants))?;
    let now = state.clock.now();
    let expires_at = match new.expires_in_days {
        None => None,
        Some(days) if (1..=MAX_EXPIRY_DAYS).contains(&days) => Some(now.millis() + i64::from(days) * 86_400_000),
        Some(_) => return Err(Error::Invalid(Invalid::TokenExpiry)),
    };
    if let Some(tenant) = new.tenant {
        let place = crate::store::workspaces::tenant_place(&state.db, tenant).await?;
        if place.is_none_or(|place| place.workspace_id != p.workspace_id.get()) {
            return Err(Error::NotFound(Thing::Tenant));
        }
    }
    let secret = new_secret()?;
    let prefix: String = secret.chars().take(token::SHOWN_CHARS).collect();
    let row = NewTokenRow {
        workspace: p.workspace_id,
        tenant: new.tenant,
        name: &name,
        capabilities: &grants.spelling(),
        prefix: &prefix,
        secret_hash: &stored_form(&secret),
        created_by: p.user_id,
        created_at: now.millis(),
        expires_at,
    };
    let id = stored::insert(&state.db, row).await?;
    tracing::info!(token = id.get(), grants = %grants.spelling(), "API token made");
    let row = stored::get(&state.db, p.workspace_id, id).await?.ok_or(Error::NotFound(Thing::Token))?;
    Ok(CreatedToken { token: info(row, now), secret })
}

/// The owner's tokens page: every token and the tenants one may be restricted to.
pub async fn page(state: &AppState, p: &Principal) -> Result<TokenPage, Error> {
    let tokens = list(state, p).await?;
    let tenants = crate::services::scope::tenants(state, p)
        .await?
        .into_iter()
        .map(|(id, name)| TenantOption { id, name })
        .collect();
    Ok(TokenPage { tokens, tenants, observed_at: state.clock.now() })
}

/// Every token of the caller's workspace, newest first, revoked and expired ones included.
pub async fn list(state: &AppState, p: &Principal) -> Result<Vec<TokenInfo>, Error> {
    p.authorize(p.workspace_id, None, Capability::ManageTokens, Thing::Page)?;
    let now = state.clock.now();
    Ok(stored::list(&state.db, p.workspace_id).await?.into_iter().map(|row| info(row, now)).collect())
}

/// Revokes token `id` of the caller's workspace; from the next request on, it authenticates
/// nothing. Revoking a revoked token is harmless (the first time is kept).
#[tracing::instrument(skip_all, fields(workspace = p.workspace_id.get(), token = id))]
pub async fn revoke(state: &AppState, p: &Principal, id: &str) -> Result<(), Error> {
    p.authorize(p.workspace_id, None, Capability::ManageTokens, Thing::Token)?;
    let id = TokenId::parse(id).ok_or(Error::NotFound(Thing::Token))?;
    if stored::revoke(&state.db, p.workspace_id, id, state.clock.now().millis()).await? {
        state.auth_cache.forget_token(id.get());
        tracing::info!("API token revoked");
        return Ok(());
    }
    if stored::exists(&state.db, p.workspace_id, id).await? { Ok(()) } else { Err(Error::NotFound(Thing::Token)) }
}

/// The principal a request's bearer `secret` acts as, or `None` when it names no working
/// token (unknown, revoked, expired or not even shaped like one — all alike to the caller).
///
/// A token found working is trusted from memory for [`crate::services::auth::AUTH_CACHE_TTL`],
/// like a session, so a worker's every progress report costs no lookup: a token revoked on
/// this instance stops at once, one revoked elsewhere within that time; one that expires
/// stops on the dot (its expiry is checked on every request).
pub async fn authenticate(state: &AppState, secret: &str) -> Result<Option<Principal>, Error> {
    if !token::looks_like_secret(secret) {
        return Ok(None);
    }
    let hash = stored_form(secret);
    let row = match state.auth_cache.token(&hash) {
        Some(row) => row,
        None => {
            let Some(row) = stored::by_secret_hash(&state.db, &hash).await? else { return Ok(None) };
            if row.revoked_at.is_none() {
                state.auth_cache.remember_token(hash, row.clone());
            }
            row
        }
    };
    let now = state.clock.now();
    if info_state(&row, now) != TokenState::Active {
        return Ok(None);
    }
    let grants = match TokenGrants::parse(&row.capabilities) {
        Ok(g) => g,
        Err(e) => {
            tracing::warn!(token = row.id, error = %e, "an API token's stored grants do not read; it authenticates nothing");
            return Ok(None);
        }
    };
    let id = TokenId(row.id);
    // Read first, so a busy worker's calls write nothing until a minute has passed; the
    // write itself is guarded too, so instances racing here write once.
    if row.last_used_at.is_none_or(|at| at <= now.millis() - TOUCH_EVERY_MS) {
        stored::touch(&state.db, id, now.millis(), TOUCH_EVERY_MS).await?;
        state.auth_cache.token_used(id.get(), now.millis());
    }
    let tenants = match row.tenant_id {
        Some(t) => TenantScope::Only(vec![TenantId(t)]),
        None => TenantScope::All,
    };
    let mut p = Principal::new(
        crate::domain::UserId(row.created_by),
        crate::domain::WorkspaceId(row.workspace_id),
        &row.name,
        Role::Reader,
        tenants,
    );
    p.token = Some(TokenActor { id, grants });
    Ok(Some(p))
}

/// A new secret from the operating system's random source: the token prefix and 64 hex
/// digits (webhook signing secrets are drawn here too).
pub(crate) fn new_secret() -> Result<String, Error> {
    use argon2::password_hash::rand_core::{OsRng, RngCore as _};
    let mut random = [0u8; token::SECRET_BYTES];
    OsRng.try_fill_bytes(&mut random).map_err(|e| Error::internal("drawing a token's secret", e.to_string()))?;
    Ok(token::secret_from(&random))
}

fn info_state(row: &TokenRow, now: Timestamp) -> TokenState {
    if row.revoked_at.is_some() {
        TokenState::Revoked
    } else if row.expires_at.is_some_and(|at| at <= now.millis()) {
        TokenState::Expired
    } else {
        TokenState::Active
    }
}

fn info(row: TokenRow, now: Timestamp) -> TokenInfo {
    let state = info_state(&row, now);
    // Stored grants that do not read show as none: the token authenticates nothing anyway.
    let grants = TokenGrants::parse(&row.capabilities)
        .map(|g| g.iter().map(|g| g.as_str().to_owned()).collect())
        .unwrap_or_default();
    TokenInfo {
        id: row.id,
        name: row.name,
        tenant: row.tenant_slug,
        tenant_name: row.tenant_name,
        grants,
        shown: row.prefix,
        state,
        created_at: Timestamp(row.created_at),
        expires_at: row.expires_at.map(Timestamp),
        revoked_at: row.revoked_at.map(Timestamp),
        last_used_at: row.last_used_at.map(Timestamp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_names_grants_by_ticked_boxes_and_leaves_empty_choices_unset() {
        let n = NewToken::from_form("w".into(), Some(" "), [true, false, true], Some("")).unwrap();
        assert_eq!((n.grants.as_str(), n.tenant, n.expires_in_days), ("read_runs,report_runs", None, None));
        let n = NewToken::from_form("w".into(), Some("7"), [false; 3], Some("30")).unwrap();
        assert_eq!((n.grants.as_str(), n.tenant, n.expires_in_days), ("", Some(TenantId(7)), Some(30)));
        assert!(matches!(NewToken::from_form("w".into(), Some("x"), [true; 3], None), Err(Error::NotFound(_))));
        for bad in ["-1", "soon", "99999999999"] {
            let e = NewToken::from_form("w".into(), None, [true; 3], Some(bad)).unwrap_err();
            assert!(matches!(e, Error::Invalid(Invalid::TokenExpiry)), "{bad}");
        }
    }

    #[test]
    fn a_secret_is_stored_as_its_sha256_and_every_secret_is_new() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert_ne!(a, b);
        assert!(token::looks_like_secret(&a), "{a}");
        let h = stored_form(&a);
        assert_eq!(h.len(), 64);
        assert!(!h.contains(&a[token::SECRET_PREFIX.len()..]));
        assert_eq!(stored_form("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
