//! Who is asking. Every server function starts from a [`Principal`] taken from the request
//! context: the user, the workspace they act in, their role there and the tenants they are
//! entitled to. Services authorize through [`Principal::access`] and the one decision in
//! [`crate::domain::access`]. The authentication middleware resolves it from the session
//! ([`crate::services::auth`]).

use crate::copy::Locale;
use crate::domain::access::{Access, Capability, Denial, Role, TenantScope, authorize};
use crate::domain::token::TokenGrants;
use crate::domain::{TenantId, TokenId, UserId, WorkspaceId};
use crate::services::error::{Error, Thing};
use crate::store::db::Db;
use crate::store::people;

/// The signed-in user acting in a workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user.
    pub user_id: UserId,
    /// The workspace chosen for this session.
    pub workspace_id: WorkspaceId,
    /// For display.
    pub display_name: String,
    /// Their role in the workspace.
    pub role: Role,
    /// The tenants they are entitled to there.
    pub tenants: TenantScope,
    /// Whether they may use the platform's system pages.
    pub platform_operator: bool,
    /// The language they chose for their pages (`None`: their browser's).
    pub locale: Option<Locale>,
    /// Set when an API token is asking rather than a person: its grants replace the role's
    /// capabilities, and `user_id` is the person who made the token (for the record only).
    pub token: Option<TokenActor>,
}

/// The API token a request came with (see [`Principal::token`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenActor {
    /// Which token.
    pub id: TokenId,
    /// What it may do.
    pub grants: TokenGrants,
}

impl Principal {
    /// A member of `workspace` with `role` over `tenants`.
    pub fn new(user: UserId, workspace: WorkspaceId, name: &str, role: Role, tenants: TenantScope) -> Self {
        Self {
            user_id: user,
            workspace_id: workspace,
            display_name: name.to_owned(),
            role,
            tenants,
            platform_operator: false,
            locale: None,
            token: None,
        }
    }

    /// The workspace's owner, entitled to every tenant.
    pub fn owner(user: UserId, workspace: WorkspaceId, name: &str) -> Self {
        Self::new(user, workspace, name, Role::Owner, TenantScope::All)
    }

    /// The one check a service runs before it reads or changes a record of `workspace` and
    /// `tenant` (`None`: workspace-wide): outside the principal's scope the record does not
    /// exist (`NotFound` of `thing`, exactly as for a missing id); inside it, a missing
    /// capability is `Forbidden`.
    pub fn authorize(
        &self,
        workspace: WorkspaceId,
        tenant: Option<TenantId>,
        cap: Capability,
        thing: Thing,
    ) -> Result<(), Error> {
        authorize(Some(&self.access()), workspace, tenant, cap).map_err(|d| match d {
            Denial::NotSignedIn => Error::NotSignedIn,
            Denial::NotFound => Error::NotFound(thing),
            Denial::Forbidden(cap) if self.token.is_some() => Error::TokenForbidden(cap),
            Denial::Forbidden(cap) => Error::Forbidden(cap),
        })
    }

    /// The capability check alone, for reads already bounded by the principal's own scope
    /// (a list of their workspace's runs, filtered to their tenants): a missing capability is
    /// `Forbidden`.
    pub fn require(&self, cap: Capability) -> Result<(), Error> {
        match (self.access().can(cap), self.token) {
            (true, _) => Ok(()),
            (false, Some(_)) => Err(Error::TokenForbidden(cap)),
            (false, None) => Err(Error::Forbidden(cap)),
        }
    }

    /// Who a run this principal creates is initiated by: the person, or for an API token
    /// the owner who made it (a token acts for its maker, so its runs are theirs, and their
    /// bell hears how each ended, as a person hears of their own).
    pub fn initiator(&self) -> UserId {
        self.user_id
    }

    /// The tenant list a query must filter by, or `None` for every tenant of the workspace.
    pub fn scope(&self) -> Option<Vec<TenantId>> {
        match &self.tenants {
            TenantScope::All => None,
            TenantScope::Only(list) => Some(list.clone()),
        }
    }

    /// What this principal may see and do.
    pub fn access(&self) -> Access {
        Access {
            user: self.user_id,
            workspace: self.workspace_id,
            role: self.role,
            tenants: self.tenants.clone(),
            platform_operator: self.platform_operator,
            token: self.token.map(|t| t.grants),
        }
    }
}

/// The principal of `user` in `workspace` as their membership says, or `None` when they are
/// not a member there. An unknown stored role reads as reader (the least power), never more.
pub async fn load(db: &Db, user: UserId, workspace: WorkspaceId) -> Result<Option<Principal>, sqlx::Error> {
    let Some(m) = people::membership(db, user, workspace).await? else { return Ok(None) };
    let tenants = if m.all_tenants != 0 {
        TenantScope::All
    } else {
        TenantScope::Only(people::entitled_tenants(db, user, workspace).await?)
    };
    Ok(Some(Principal {
        user_id: user,
        workspace_id: workspace,
        display_name: m.display_name,
        role: Role::parse(&m.role).unwrap_or(Role::Reader),
        tenants,
        platform_operator: m.is_platform_operator != 0,
        locale: stored_locale(m.locale.as_deref()),
        token: None,
    }))
}

/// A platform operator who is a member of no workspace: they act in none (every workspace
/// record is out of their scope and every list is empty) and use the system pages. `None`
/// for anyone else.
pub async fn platform_only(db: &Db, user: UserId) -> Result<Option<Principal>, sqlx::Error> {
    let row = people::user(db, user).await?;
    Ok(row.filter(|u| u.is_platform_operator != 0).map(|u| Principal {
        user_id: user,
        workspace_id: NO_WORKSPACE,
        display_name: u.display_name,
        role: Role::Reader,
        tenants: TenantScope::Only(Vec::new()),
        platform_operator: true,
        locale: stored_locale(u.locale.as_deref()),
        token: None,
    }))
}

/// The workspace of a principal who acts in none (no row has this id).
pub const NO_WORKSPACE: WorkspaceId = WorkspaceId(0);

/// A stored language setting: `None` for none, and for a value this version does not speak
/// (logged, so a bad row is found, but the user still gets their pages).
fn stored_locale(stored: Option<&str>) -> Option<Locale> {
    let stored = stored?;
    Locale::parse(stored)
        .inspect_err(|e| tracing::warn!(error = %e, "a user's stored language is unknown; using their browser's"))
        .ok()
}

/// Stores `user`'s language (`None`: follow the browser).
pub async fn set_locale(db: &Db, user: UserId, locale: Option<Locale>) -> Result<(), sqlx::Error> {
    people::set_locale(db, user, locale.map(Locale::code)).await
}
