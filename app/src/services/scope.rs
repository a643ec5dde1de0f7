//! What the caller may see: the one place a service finds the tenants and runs inside the
//! caller's scope — their workspace, within their tenant entitlement. Anything outside it is
//! "not found", indistinguishable from something that does not exist, so a refusal never
//! confirms that a foreign record is there (specs/product-contract §11). Lists filter by
//! [`Principal::scope`] in the store's queries instead.

use crate::domain::access::Capability;
use crate::domain::{RunId, TenantId};
use crate::runtime::live::TenantInfo;
use crate::runtime::state::AppState;
use crate::services::error::{Error, Thing};
use crate::services::principal::Principal;
use crate::store::runs::{self, RunWithTenant};

/// The tenants of the caller's workspace they may see, by name, as `(id, name)`.
pub async fn tenants(state: &AppState, p: &Principal) -> Result<Vec<(i64, String)>, Error> {
    let scope = p.scope();
    let found = crate::store::workspaces::tenants_of(&state.db, p.workspace_id, scope.as_deref()).await?;
    Ok(found.into_iter().map(|t| (t.id, t.name)).collect())
}

/// The tenant `spelled` names, if the caller may see it: one of their workspace's tenants
/// within their entitlement. Anything else — not an id, another workspace's tenant, a tenant
/// outside the entitlement — is "not found".
pub async fn tenant(state: &AppState, p: &Principal, spelled: &str) -> Result<(TenantId, TenantInfo), Error> {
    let not_found = || Error::NotFound(Thing::Tenant);
    let t = TenantId::parse(spelled).ok_or_else(not_found)?;
    let info = state.live.tenant(t).await?.filter(|i| i.workspace_id == p.workspace_id).ok_or_else(not_found)?;
    p.authorize(info.workspace_id, Some(t), Capability::ViewRuns, Thing::Tenant)?;
    Ok((t, info))
}

/// The run `spelled` names, if the caller may see it: a run of their workspace, of a tenant
/// within their entitlement (or workspace-wide). Anything else is "not found".
pub async fn run(state: &AppState, p: &Principal, spelled: &str) -> Result<RunWithTenant, Error> {
    let not_found = || Error::NotFound(Thing::Operation);
    let id = RunId::parse(spelled).ok_or_else(not_found)?;
    let found = runs::get_in_workspace(&state.db, p.workspace_id, id).await?.ok_or_else(not_found)?;
    p.authorize(found.run.workspace_id, found.run.tenant_id, Capability::ViewRuns, Thing::Operation)?;
    Ok(found)
}
