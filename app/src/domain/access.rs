//! Who may see and do what (specs/product-contract §1–2), decided in one place. A signed-in user acts in one
//! workspace through a membership: a role, from which capabilities follow, and a tenant
//! entitlement (every tenant of the workspace, or a list). Everything outside that scope does
//! not exist for them — the answer is "not found", never "forbidden", so nothing leaks that a
//! record exists. Inside the scope, a missing capability is "forbidden" with a calm sentence.

use super::ParseError;
use super::ids::{TenantId, UserId, WorkspaceId};
use super::token::TokenGrants;
use serde::{Deserialize, Serialize};

/// A membership's role in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum Role {
    /// Runs the workspace: everything, including its members.
    Owner,
    /// Runs the work: everything but membership.
    Manager,
    /// Does the day-to-day work: starts non-destructive operations.
    Operator,
    /// Watches: reads runs, reviews and packs.
    Reader,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [Self::Owner, Self::Manager, Self::Operator, Self::Reader];

    /// The stored spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Manager => "manager",
            Self::Operator => "operator",
            Self::Reader => "reader",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        Self::ALL.into_iter().find(|r| r.as_str() == text).ok_or_else(|| ParseError::unknown("role", text))
    }

    /// What this role may do. The only place capabilities are derived from roles.
    pub const fn capabilities(self) -> &'static [Capability] {
        use Capability::*;
        match self {
            Self::Owner => {
                &[ViewRuns, StartOperations, ChangeConfiguration, PublishReviews, ManageMembers, ManageTokens]
            }
            Self::Manager => &[ViewRuns, StartOperations, ChangeConfiguration, PublishReviews],
            Self::Operator => &[ViewRuns, StartOperations],
            Self::Reader => &[ViewRuns],
        }
    }
}

/// Something a member may be allowed to do inside their scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// See runs, their records (inventory, findings, reviews, packs) and download packs.
    ViewRuns,
    /// Start operations that do not change a tenant's configuration.
    StartOperations,
    /// Start operations that change a tenant's configuration (a restore).
    ChangeConfiguration,
    /// Publish an environment review.
    PublishReviews,
    /// Add, change and remove members.
    ManageMembers,
    /// Create, list and revoke the workspace's API tokens.
    ManageTokens,
    /// Report runs the platform runs itself (API tokens only; no role has it).
    ReportRuns,
}

impl Capability {
    /// Every capability.
    pub const ALL: [Capability; 7] = [
        Self::ViewRuns,
        Self::StartOperations,
        Self::ChangeConfiguration,
        Self::PublishReviews,
        Self::ManageMembers,
        Self::ManageTokens,
        Self::ReportRuns,
    ];
}

/// Which tenants of the workspace a membership covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TenantScope {
    /// Every tenant, including ones added later.
    All,
    /// Only these.
    Only(Vec<TenantId>),
}

/// A signed-in user, or an API token, acting in one workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    /// The user.
    pub user: UserId,
    /// The workspace chosen for this session.
    pub workspace: WorkspaceId,
    /// Their role there.
    pub role: Role,
    /// Their tenants there.
    pub tenants: TenantScope,
    /// Whether they may use the platform's system pages.
    pub platform_operator: bool,
    /// An API token's grants, which replace the role's capabilities when it is a token asking.
    #[serde(skip)]
    pub token: Option<TokenGrants>,
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// Nobody is signed in (pages redirect to sign-in; other requests get 401).
    NotSignedIn,
    /// Out of scope, or does not exist: indistinguishable on purpose (404).
    NotFound,
    /// In scope, but the role lacks the capability (403).
    Forbidden(Capability),
}

impl Access {
    /// Whether the role grants `cap` — or, for an API token, its grants do.
    pub fn can(&self, cap: Capability) -> bool {
        match self.token {
            Some(grants) => grants.allows(cap),
            None => self.role.capabilities().contains(&cap),
        }
    }

    /// Whether `tenant` of `workspace` is inside this access's scope.
    pub fn sees_tenant(&self, workspace: WorkspaceId, tenant: TenantId) -> bool {
        workspace == self.workspace
            && match &self.tenants {
                TenantScope::All => true,
                TenantScope::Only(list) => list.contains(&tenant),
            }
    }

    /// Whether a record of `workspace`, of `tenant` when it has one, is inside the scope.
    /// Workspace-wide records (no tenant) are visible only to members entitled to all tenants.
    pub fn sees(&self, workspace: WorkspaceId, tenant: Option<TenantId>) -> bool {
        match tenant {
            Some(t) => self.sees_tenant(workspace, t),
            None => workspace == self.workspace && self.tenants == TenantScope::All,
        }
    }

    /// The tenant list a query must filter by, or `None` for every tenant of the workspace.
    pub fn tenant_filter(&self) -> Option<&[TenantId]> {
        match &self.tenants {
            TenantScope::All => None,
            TenantScope::Only(list) => Some(list),
        }
    }
}

/// The one authorization decision: may `access` do something needing `cap` on a record of
/// `workspace` / `tenant`? Out of scope is `NotFound` before the capability is looked at, so
/// a refusal never confirms that a foreign record exists.
pub fn authorize(
    access: Option<&Access>,
    workspace: WorkspaceId,
    tenant: Option<TenantId>,
    cap: Capability,
) -> Result<(), Denial> {
    let access = access.ok_or(Denial::NotSignedIn)?;
    if !access.sees(workspace, tenant) {
        return Err(Denial::NotFound);
    }
    if !access.can(cap) {
        return Err(Denial::Forbidden(cap));
    }
    Ok(())
}

/// May `access` open the platform's system pages? Anyone else gets "not found".
pub fn authorize_system(access: Option<&Access>) -> Result<(), Denial> {
    match access {
        None => Err(Denial::NotSignedIn),
        Some(a) if a.platform_operator => Ok(()),
        Some(_) => Err(Denial::NotFound),
    }
}

super::serde_as_spelling!(Role, "role");

#[cfg(test)]
mod tests {
    use super::*;

    const WS: WorkspaceId = WorkspaceId(1);
    const OTHER_WS: WorkspaceId = WorkspaceId(2);
    const T1: TenantId = TenantId(10);
    const T2: TenantId = TenantId(11);

    fn access(role: Role, tenants: TenantScope) -> Access {
        Access { user: UserId(1), workspace: WS, role, tenants, platform_operator: false, token: None }
    }

    #[test]
    fn capabilities_shrink_from_owner_to_reader() {
        for pair in Role::ALL.windows(2) {
            let (more, less) = (pair[0].capabilities(), pair[1].capabilities());
            assert!(less.iter().all(|c| more.contains(c)), "{:?} ⊇ {:?}", pair[0], pair[1]);
            assert!(more.len() > less.len());
        }
        for r in Role::ALL {
            assert!(r.capabilities().contains(&Capability::ViewRuns));
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        assert!(Role::parse("admin").is_err());
    }

    #[test]
    fn nobody_signed_in_is_told_to_sign_in_first() {
        assert_eq!(authorize(None, WS, Some(T1), Capability::ViewRuns), Err(Denial::NotSignedIn));
        assert_eq!(authorize_system(None), Err(Denial::NotSignedIn));
    }

    #[test]
    fn another_workspace_or_tenant_is_not_found_whatever_the_role() {
        for role in Role::ALL {
            let a = access(role, TenantScope::Only(vec![T1]));
            for cap in [Capability::ViewRuns, Capability::ChangeConfiguration, Capability::ManageMembers] {
                assert_eq!(authorize(Some(&a), WS, Some(T2), cap), Err(Denial::NotFound), "{role:?}");
                assert_eq!(authorize(Some(&a), OTHER_WS, Some(T1), cap), Err(Denial::NotFound), "{role:?}");
            }
        }
    }

    #[test]
    fn in_scope_without_the_capability_is_forbidden_with_a_sentence() {
        let reader = access(Role::Reader, TenantScope::All);
        assert_eq!(authorize(Some(&reader), WS, Some(T1), Capability::ViewRuns), Ok(()));
        assert_eq!(
            authorize(Some(&reader), WS, Some(T1), Capability::StartOperations),
            Err(Denial::Forbidden(Capability::StartOperations))
        );
        let operator = access(Role::Operator, TenantScope::All);
        assert_eq!(authorize(Some(&operator), WS, Some(T1), Capability::StartOperations), Ok(()));
        assert!(matches!(
            authorize(Some(&operator), WS, Some(T1), Capability::ChangeConfiguration),
            Err(Denial::Forbidden(_))
        ));
        let manager = access(Role::Manager, TenantScope::All);
        assert_eq!(authorize(Some(&manager), WS, Some(T1), Capability::ChangeConfiguration), Ok(()));
    }

    #[test]
    fn workspace_wide_records_need_every_tenant() {
        let all = access(Role::Reader, TenantScope::All);
        let one = access(Role::Owner, TenantScope::Only(vec![T1]));
        assert!(all.sees(WS, None));
        assert!(!one.sees(WS, None));
        assert!(!all.sees(OTHER_WS, None));
        assert_eq!(one.tenant_filter(), Some(&[T1][..]));
        assert_eq!(all.tenant_filter(), None);
    }

    #[test]
    fn a_token_can_do_what_its_grants_say_whatever_the_role_it_carries() {
        use super::super::token::{TokenGrant, TokenGrants};
        let mut t = access(Role::Owner, TenantScope::Only(vec![T1]));
        t.token = TokenGrants::of(&[TokenGrant::ReportRuns]);
        assert_eq!(authorize(Some(&t), WS, Some(T1), Capability::ReportRuns), Ok(()));
        assert_eq!(
            authorize(Some(&t), WS, Some(T1), Capability::ViewRuns),
            Err(Denial::Forbidden(Capability::ViewRuns))
        );
        assert_eq!(authorize(Some(&t), WS, Some(T2), Capability::ReportRuns), Err(Denial::NotFound));
        assert!(!access(Role::Owner, TenantScope::All).can(Capability::ReportRuns), "no role reports runs");
    }

    #[test]
    fn system_pages_exist_only_for_platform_operators() {
        let mut a = access(Role::Owner, TenantScope::All);
        assert_eq!(authorize_system(Some(&a)), Err(Denial::NotFound));
        a.platform_operator = true;
        assert_eq!(authorize_system(Some(&a)), Ok(()));
    }
}
