//! The notification bell (specs/product-contract §10): a person's terminal notifications in the current
//! workspace, newest first, with the unread count, and marking them read. The lifecycle
//! writes them (exactly one per run, in the run's terminal transaction); this only reads and
//! marks. A notification about a run the reader may no longer see (entitlement narrowed
//! since) is left out like every other out-of-scope record.

use crate::api::{ApiError, NotificationItem, Notifications};
use crate::copy::text;
use crate::domain::{RunId, RunView};
use crate::runtime::state::AppState;
use crate::services::principal::Principal;
use crate::store::runs::{self, run_columns_r, scope_sql};
use std::collections::HashMap;

/// How many notifications the list shows.
pub const LIST_SIZE: i64 = 50;

fn internal(e: impl std::fmt::Display) -> ApiError {
    crate::services::internal_error("notifications request failed", e)
}

/// ` AND …` limiting notifications (alias `n`, runs alias `r`) to the caller's tenants, with
/// its arguments bound from `$first` on.
fn scope(p: &Principal, first: usize) -> (String, Vec<i64>) {
    match p.scope() {
        None => (String::new(), Vec::new()),
        Some(list) => (scope_sql("r.tenant_id", list.len(), first), list.iter().map(|t| t.get()).collect()),
    }
}

/// How many unread notifications the caller has in the current workspace.
pub async fn unread_count(state: &AppState, p: &Principal) -> Result<u64, ApiError> {
    let (only, args) = scope(p, 3);
    let sql = format!(
        "SELECT COUNT(*) FROM notifications n LEFT JOIN operation_runs r ON r.id = n.run_id \
         WHERE n.user_id = $1 AND n.workspace_id = $2 AND n.read_at IS NULL{only}"
    );
    let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(p.user_id.get()).bind(p.workspace_id.get());
    for a in args {
        q = q.bind(a);
    }
    let n = q.fetch_one(state.db.pool()).await.map_err(internal)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

type NotificationRow = (i64, Option<i64>, String, String, String, i64, Option<i64>);

/// The caller's newest notifications in the current workspace, each with its run as every
/// surface shows it, and the unread count.
#[tracing::instrument(skip_all, fields(user = p.user_id.get(), workspace = p.workspace_id.get()))]
pub async fn list(state: &AppState, p: &Principal) -> Result<Notifications, ApiError> {
    let (only, args) = scope(p, 3);
    let sql = format!(
        "SELECT n.id, n.run_id, n.title, n.body, n.link, n.created_at, n.read_at FROM notifications n \
         LEFT JOIN operation_runs r ON r.id = n.run_id \
         WHERE n.user_id = $1 AND n.workspace_id = $2{only} ORDER BY n.created_at DESC, n.id DESC LIMIT {LIST_SIZE}"
    );
    let mut q = sqlx::query_as::<_, NotificationRow>(&sql).bind(p.user_id.get()).bind(p.workspace_id.get());
    for a in args {
        q = q.bind(a);
    }
    let rows = q.fetch_all(state.db.pool()).await.map_err(internal)?;
    let views = run_views(state, p, rows.iter().filter_map(|r| r.1).collect()).await?;
    let items = rows
        .into_iter()
        .map(|(id, run_id, title, body, link, created_at, read_at)| {
            let run = run_id.and_then(|r| views.get(&r).cloned());
            // Worded again from the run, in the reader's language; the stored words only
            // when the run is out of sight or not (yet) ended.
            let (title, body) = match run.as_ref().and_then(reworded) {
                Some(text) => (text.title, text.body),
                None => (title, body),
            };
            NotificationItem {
                id,
                list_link: run.as_ref().map(list_link_for),
                title,
                body,
                link,
                created_at: crate::domain::Timestamp(created_at),
                read: read_at.is_some(),
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

async fn run_views(state: &AppState, p: &Principal, ids: Vec<i64>) -> Result<HashMap<i64, RunView>, ApiError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT {}, t.name AS tenant_name FROM operation_runs r LEFT JOIN tenants t ON t.id = r.tenant_id \
         WHERE r.workspace_id = $1 AND r.id IN ({})",
        run_columns_r(),
        crate::store::db::placeholders(2, ids.len())
    );
    let mut q = sqlx::query_as::<_, runs::RunRow>(&sql).bind(p.workspace_id.get());
    for id in &ids {
        q = q.bind(id);
    }
    let now = state.clock.now();
    let mut out = HashMap::new();
    for row in q.fetch_all(state.db.pool()).await.map_err(internal)? {
        let tenant_name = row.tenant_name();
        let Ok(run) = row.into_run() else { continue };
        let policy = state.config.policy(run.run_type);
        out.insert(run.id.get(), RunView::derive(&run, tenant_name, &policy, &state.config.polling, now));
    }
    Ok(out)
}

/// Marks one of the caller's notifications read; returns the unread count left. Someone
/// else's notification, or one that does not exist, is "not found".
pub async fn mark_read(state: &AppState, p: &Principal, id: &str) -> Result<u64, ApiError> {
    let not_found = || ApiError::NotFound(text().errors.no_notification.to_owned());
    let id = RunId::parse(id).ok_or_else(not_found)?.get();
    let (only, args) = scope(p, 4);
    let sql = format!(
        "SELECT n.id FROM notifications n LEFT JOIN operation_runs r ON r.id = n.run_id \
         WHERE n.id = $1 AND n.user_id = $2 AND n.workspace_id = $3{only}"
    );
    let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(id).bind(p.user_id.get()).bind(p.workspace_id.get());
    for a in args {
        q = q.bind(a);
    }
    q.fetch_optional(state.db.pool()).await.map_err(internal)?.ok_or_else(not_found)?;
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE id = $2 AND read_at IS NULL")
        .bind(state.clock.now().millis())
        .bind(id)
        .execute(state.db.pool())
        .await
        .map_err(internal)?;
    unread_count(state, p).await
}

/// Marks every notification of the caller in the current workspace read; returns the
/// unread count left (zero, unless one arrived meanwhile).
pub async fn mark_all_read(state: &AppState, p: &Principal) -> Result<u64, ApiError> {
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND workspace_id = $3 AND read_at IS NULL")
        .bind(state.clock.now().millis())
        .bind(p.user_id.get())
        .bind(p.workspace_id.get())
        .execute(state.db.pool())
        .await
        .map_err(internal)?;
    unread_count(state, p).await
}

/// A run's terminal notification worded now (in the reader's language), if it has ended.
fn reworded(v: &RunView) -> Option<crate::domain::notification::NotificationText> {
    let outcome = v.outcome()?;
    Some(crate::domain::notification::terminal_notification(
        v.id,
        v.run_type,
        outcome,
        v.problem,
        v.failure_message.as_deref(),
    ))
}
