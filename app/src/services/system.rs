//! The system plane (specs/product-contract §2): what platform operators see across every workspace — how
//! big each one is and whether any of its work is stuck right now. Nobody else learns that
//! these pages exist: for them they are "not found".

use crate::api::{
    ListQuery, RunDetail, RunListPage, StuckRun, StuckRuns, SystemOverview, TenantOption, WorkspaceHealth,
    WorkspaceOption,
};
use crate::domain::RunId;
use crate::domain::access::{Denial, authorize_system};
use crate::domain::freshness::stale_at;
use crate::domain::reconcile::abandoned;
use crate::domain::{Freshness, RunView};
use crate::runtime::state::AppState;
use crate::services::error::{Error, Thing};
use crate::services::operations::{detail_of, list_in, parse_query};
use crate::services::poll;
use crate::services::principal::Principal;
use crate::store::runs::{self, RunWithTenant};
use crate::store::workspaces;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash};

/// Platform operators pass; everyone else learns nothing ("not found").
fn authorize(principal: &Principal) -> Result<(), Error> {
    authorize_system(Some(&principal.access())).map_err(|d| match d {
        Denial::NotSignedIn => Error::NotSignedIn,
        Denial::NotFound | Denial::Forbidden(_) => Error::NotFound(Thing::Page),
    })
}

/// Every workspace with its tenants, members, runs and the active runs that are stuck now.
pub async fn overview(state: &AppState, principal: &Principal) -> Result<SystemOverview, Error> {
    authorize(principal)?;
    let rows =
        workspaces::sizes(&state.db).await.map_err(|e| Error::internal("could not read the system overview", e))?;
    let now = state.clock.now();
    // One reading of the live view for the counts and the interval, so they agree.
    let live = state.live.active_runs(None);
    let mut active: HashMap<i64, (u64, u64)> = HashMap::new();
    for run in &live {
        let policy = state.config.policy(&run.run_type);
        let entry = active.entry(run.workspace_id.get()).or_default();
        entry.0 += 1;
        if run.freshness(&policy, now) == Some(Freshness::LikelyStale) {
            entry.1 += 1;
        }
    }
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let interval = state.config.polling.overlay_interval(live.iter().map(|r| (r.state, now.since(r.created_at))));
    let mut overview = SystemOverview {
        workspaces: rows
            .into_iter()
            .map(|w| {
                let (active, stale) = active.get(&w.id).copied().unwrap_or_default();
                WorkspaceHealth {
                    id: w.id,
                    name: w.name,
                    tenants: count(w.tenants),
                    members: count(w.members),
                    runs: count(w.runs),
                    failed: count(w.failed),
                    active,
                    likely_stale: stale,
                }
            })
            .collect(),
        instance: state.config.instance_id.clone(),
        version: String::new(),
        poll_interval_ms: interval.map(crate::domain::polling::millis),
        observed_at: now,
    };
    // Not the answering instance: on several instances polls land on any of them, and the
    // figures are the same truth whichever answers.
    let mut h = DefaultHasher::new();
    overview.workspaces.hash(&mut h);
    overview.poll_interval_ms.hash(&mut h);
    overview.version = poll::version(&h);
    Ok(overview)
}

/// Every run of every workspace that is stuck right now (likely stale, so abandoned), the
/// one stuck longest first. Read from the live view of active runs, so it costs no scan of the runs.
pub async fn stuck(state: &AppState, principal: &Principal) -> Result<StuckRuns, Error> {
    authorize(principal)?;
    let names: HashMap<i64, String> = workspaces::names(&state.db)
        .await
        .map_err(|e| Error::internal("could not read the workspaces", e))?
        .into_iter()
        .map(|w| (w.id, w.name))
        .collect();
    let now = state.clock.now();
    let mut runs = Vec::new();
    for run in state.live.active_runs(None) {
        let ws = run.workspace_id;
        let policy = state.config.policy(&run.run_type);
        // Stuck is abandoned: the same instant the reconciler may close it from.
        let (Some(why), Some(stuck_since)) =
            (abandoned(&run, &policy, now), stale_at(run.state, run.lifecycle_times(), &policy))
        else {
            continue;
        };
        let tenant_name = tenant_name(state, run.tenant_id).await?;
        let view = RunView::derive(&run, tenant_name, &policy, &state.config.polling, now);
        runs.push(StuckRun {
            workspace_id: ws.get(),
            workspace_name: names.get(&ws.get()).cloned().unwrap_or_default(),
            stuck_since,
            why,
            view,
        });
    }
    runs.sort_by_key(|r| (r.stuck_since, r.view.id));
    let mut h = DefaultHasher::new();
    for r in &runs {
        poll::hash_views(&mut h, "stuck", std::slice::from_ref(&r.view));
        (r.workspace_id, &r.workspace_name, r.stuck_since, r.why.as_str()).hash(&mut h);
    }
    let poll_interval_ms = crate::domain::polling::shown_interval_ms(runs.iter().map(|r| &r.view));
    poll_interval_ms.hash(&mut h);
    Ok(StuckRuns { runs, version: poll::version(&h), poll_interval_ms, observed_at: now })
}

/// One page of every workspace's runs under the list's filters (`follow_up_only`: only the
/// runs that need follow-up — the failures page), with class counts, every tenant as a filter
/// option ("Workspace · Tenant") and every workspace's name.
pub async fn runs(
    state: &AppState,
    principal: &Principal,
    q: &ListQuery,
    follow_up_only: bool,
) -> Result<RunListPage, Error> {
    authorize(principal)?;
    let mut parsed = parse_query(q)?;
    let workspace = parsed.workspace;
    parsed.filter.follow_up_only = follow_up_only;
    let mut page = list_in(state, workspace, parsed).await?;
    let read = |e| Error::internal("could not read the workspaces", e);
    let names = workspaces::names(&state.db).await.map_err(read)?;
    let tenants = workspaces::all_tenants(&state.db).await.map_err(read)?;
    page.tenants = tenants
        .into_iter()
        .map(|t| TenantOption { id: t.id, name: format!("{} · {}", t.workspace_name, t.name) })
        .collect();
    page.workspace_names = names.into_iter().map(|w| WorkspaceOption { id: w.id, name: w.name }).collect();
    page.version = poll::list_version(&page);
    Ok(page)
}

/// The detail of any run in any workspace, with diagnostics.
pub async fn run(state: &AppState, principal: &Principal, id: &str) -> Result<RunDetail, Error> {
    authorize(principal)?;
    let not_found = || Error::NotFound(Thing::Operation);
    let id = RunId::parse(id).ok_or_else(not_found)?;
    let run = runs::get(&state.db, id).await?.ok_or_else(not_found)?;
    let tenant_name = tenant_name(state, run.tenant_id).await?;
    detail_of(state, RunWithTenant { run, tenant_name }, true).await
}

/// The name of `tenant` as the live view knows it (`None` for workspace-wide runs).
async fn tenant_name(state: &AppState, tenant: Option<crate::domain::TenantId>) -> Result<Option<String>, Error> {
    let Some(t) = tenant else { return Ok(None) };
    let info = state.live.tenant(t).await?;
    Ok(info.map(|i| i.name))
}
