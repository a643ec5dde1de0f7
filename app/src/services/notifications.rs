//! The notification bell (specs/product-contract §10): a person's terminal notifications in the current
//! workspace, newest first, with the unread count, and marking them read. The lifecycle
//! writes them (exactly one per run, in the run's terminal transaction); this only reads and
//! marks. A notification about a run the reader may no longer see (entitlement narrowed
//! since) is left out like every other out-of-scope record.

use crate::api::{NotificationItem, Notifications};
use crate::domain::{RunId, RunView};
use crate::runtime::state::AppState;
use crate::services::error::{Error, Thing};
use crate::services::principal::Principal;
use crate::store::notifications::{self as stored, Recipient};
use crate::store::runs;
use std::collections::HashMap;

/// How many notifications the list shows.
pub const LIST_SIZE: u32 = 50;

/// How many unread notifications the caller has in the current workspace.
pub async fn unread_count(state: &AppState, p: &Principal) -> Result<u64, Error> {
    let scope = p.scope();
    Ok(stored::unread_count(&state.db, &recipient(p, scope.as_deref())).await?)
}

/// The caller as the store addresses notifications.
fn recipient<'a>(p: &Principal, scope: Option<&'a [crate::domain::TenantId]>) -> Recipient<'a> {
    Recipient { user: p.user_id, workspace: p.workspace_id, scope }
}

/// The caller's newest notifications in the current workspace, each with its run as every
/// surface shows it, and the unread count.
#[tracing::instrument(skip_all, fields(user = p.user_id.get(), workspace = p.workspace_id.get()))]
pub async fn list(state: &AppState, p: &Principal) -> Result<Notifications, Error> {
    let scope = p.scope();
    let rows = stored::newest(&state.db, &recipient(p, scope.as_deref()), LIST_SIZE).await?;
    let views = run_views(state, p, rows.iter().filter_map(|r| r.run_id).collect()).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let run = row.run_id.and_then(|r| views.get(&r).cloned());
            let link = match (row.link, row.run_id) {
                (Some(link), _) => link,
                (None, Some(run)) => format!("/admin/operations/{run}"),
                (None, None) => "/admin/notifications".to_owned(),
            };
            NotificationItem {
                id: row.id,
                list_link: run.as_ref().map(list_link_for),
                title: row.title,
                body: row.body,
                link,
                created_at: crate::domain::Timestamp(row.created_at),
                read: row.read_at.is_some(),
                run,
            }
        })
        .collect();
    Ok(Notifications { items, unread: unread_count(state, p).await?, observed_at: state.clock.now() })
}

/// The list of runs like this one: the same tenant and problem class (specs/product-contract §5: a
/// drill-through keeps the class and the tenant).
fn list_link_for(v: &RunView) -> String {
    let mut parts = Vec::new();
    if let Some(t) = v.tenant_id {
        parts.push(format!("tenant={t}"));
    }
    parts.push(format!("class={}", v.problem.as_str()));
    format!("/admin/operations?{}", parts.join("&"))
}

async fn run_views(state: &AppState, p: &Principal, ids: Vec<i64>) -> Result<HashMap<i64, RunView>, Error> {
    let found = runs::many_in_workspace(&state.db, p.workspace_id, &ids).await?;
    let now = state.clock.now();
    Ok(found
        .into_iter()
        .map(|r| {
            let policy = state.config.policy(&r.run.run_type);
            (r.run.id.get(), RunView::derive(&r.run, r.tenant_name, &policy, &state.config.polling, now))
        })
        .collect())
}

/// Marks one of the caller's notifications read; returns the unread count left. Someone
/// else's notification, or one that does not exist, is "not found".
pub async fn mark_read(state: &AppState, p: &Principal, id: &str) -> Result<u64, Error> {
    let not_found = || Error::NotFound(Thing::Notification);
    let id = RunId::parse(id).ok_or_else(not_found)?.get();
    let scope = p.scope();
    if !stored::belongs_to(&state.db, &recipient(p, scope.as_deref()), id).await? {
        return Err(not_found());
    }
    stored::mark_read(&state.db, id, state.clock.now()).await?;
    unread_count(state, p).await
}

/// Marks every notification of the caller in the current workspace read; returns the
/// unread count left (zero, unless one arrived meanwhile).
pub async fn mark_all_read(state: &AppState, p: &Principal) -> Result<u64, Error> {
    stored::mark_all_read(&state.db, p.user_id, p.workspace_id, state.clock.now()).await?;
    unread_count(state, p).await
}
