//! Who is asking. Every server function starts from a [`Principal`] taken from the request
//! context: the user, the workspace they act in, their role there and the tenants they are
//! entitled to. Services authorize through [`Principal::access`] and the one decision in
//! [`crate::domain::access`]. The authentication middleware resolves it from the session
//! ([`crate::services::auth`]).

use crate::api::ApiError;
use crate::copy::{Locale, text};
use crate::domain::access::{Access, Capability, Denial, Role, TenantScope, authorize};
use crate::domain::{TenantId, UserId, WorkspaceId};
use crate::store::db::Db;

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
        }
    }

    /// The workspace's owner, entitled to every tenant.
    pub fn owner(user: UserId, workspace: WorkspaceId, name: &str) -> Self {
        Self::new(user, workspace, name, Role::Owner, TenantScope::All)
    }

    /// The one check a service runs before it reads or changes a record of `workspace` and
    /// `tenant` (`None`: workspace-wide): outside the principal's scope the record does not
    /// exist (`NotFound` with `not_found`, the same sentence as for a missing id); inside it,
    /// a missing capability is `Forbidden` with a calm sentence.
    pub fn authorize(
        &self,
        workspace: WorkspaceId,
        tenant: Option<TenantId>,
        cap: Capability,
        not_found: &str,
    ) -> Result<(), ApiError> {
        authorize(Some(&self.access()), workspace, tenant, cap).map_err(|d| match d {
            Denial::NotSignedIn => ApiError::Unauthorized(text().errors.sign_in.to_owned()),
            Denial::NotFound => ApiError::NotFound(not_found.to_owned()),
            Denial::Forbidden(why) => ApiError::Forbidden(why.to_owned()),
        })
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
        }
    }
}

/// The principal of `user` in `workspace` as their membership says, or `None` when they are
/// not a member there. An unknown stored role reads as reader (the least power), never more.
pub async fn load(db: &Db, user: UserId, workspace: WorkspaceId) -> Result<Option<Principal>, sqlx::Error> {
    let row: Option<(String, String, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT u.display_name, m.role, m.all_tenants, u.is_platform_operator, u.locale FROM users u \
         JOIN memberships m ON m.user_id = u.id WHERE u.id = $1 AND m.workspace_id = $2",
    )
    .bind(user.get())
    .bind(workspace.get())
    .fetch_optional(db.pool())
    .await?;
    let Some((name, role, all, platform, locale)) = row else { return Ok(None) };
    let tenants = if all != 0 {
        TenantScope::All
    } else {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT e.tenant_id FROM membership_tenants e JOIN tenants t ON t.id = e.tenant_id \
             WHERE e.user_id = $1 AND e.workspace_id = $2 AND t.workspace_id = $2 ORDER BY e.tenant_id",
        )
        .bind(user.get())
        .bind(workspace.get())
        .fetch_all(db.pool())
        .await?;
        TenantScope::Only(ids.into_iter().map(TenantId).collect())
    };
    Ok(Some(Principal {
        user_id: user,
        workspace_id: workspace,
        display_name: name,
        role: Role::parse(&role).unwrap_or(Role::Reader),
        tenants,
        platform_operator: platform != 0,
        locale: stored_locale(locale.as_deref()),
    }))
}

/// A platform operator who is a member of no workspace: they act in none (every workspace
/// record is out of their scope and every list is empty) and use the system pages. `None`
/// for anyone else.
pub async fn platform_only(db: &Db, user: UserId) -> Result<Option<Principal>, sqlx::Error> {
    let row: Option<(String, i64, Option<String>)> =
        sqlx::query_as("SELECT display_name, is_platform_operator, locale FROM users WHERE id = $1")
            .bind(user.get())
            .fetch_optional(db.pool())
            .await?;
    Ok(row.filter(|(_, platform, _)| *platform != 0).map(|(name, _, locale)| Principal {
        user_id: user,
        workspace_id: NO_WORKSPACE,
        display_name: name,
        role: Role::Reader,
        tenants: TenantScope::Only(Vec::new()),
        platform_operator: true,
        locale: stored_locale(locale.as_deref()),
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
    sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
        .bind(locale.map(Locale::code))
        .bind(user.get())
        .execute(db.pool())
        .await?;
    Ok(())
}
