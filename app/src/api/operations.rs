//! Server functions and types of the operations surfaces: the canonical list, the run detail,
//! its poll, and starting an inventory sync.

use super::ApiError;
use crate::domain::{LifecyclePolicy, ProblemClass, RunStatus, RunView, Timestamp};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// The `status` filter value for "queued or running" (a public URL spelling).
pub const STATUS_ACTIVE: &str = "active";

/// The list's filters and page position, as they appear in the URL query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    /// Tenant id.
    pub tenant: Option<String>,
    /// Run type key.
    pub run_type: Option<String>,
    /// Status spelling.
    pub status: Option<String>,
    /// Outcome spelling (completed runs only).
    pub outcome: Option<String>,
    /// Problem class spelling (`data-problem-class`).
    pub class: Option<String>,
    /// Only runs completed at or after this instant (milliseconds since the epoch).
    pub since: Option<String>,
    /// Opaque cursor of the page to show.
    pub after: Option<String>,
}

/// A tenant the caller may pick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantOption {
    /// The tenant's id (the filter's value).
    pub id: i64,
    /// Display name.
    pub name: String,
}

/// How many runs matching the list's other filters are in one problem class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassCount {
    /// The class.
    pub class: ProblemClass,
    /// How many runs.
    pub count: u64,
}

/// One page of the operations list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunListPage {
    /// The runs on this page, newest first.
    pub runs: Vec<RunView>,
    /// The workspace of each run on this page, in the same order.
    pub workspaces: Vec<i64>,
    /// Workspace names (the system plane's lists only; empty on the admin plane).
    pub workspace_names: Vec<super::WorkspaceOption>,
    /// How many runs match the filters (all pages).
    pub total_count: u64,
    /// Runs per problem class under every filter but the class one, in [`ProblemClass::ALL`]
    /// order; following one gives a list of exactly that many runs.
    pub class_counts: Vec<ClassCount>,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
    /// Tenants of the caller's workspace, for filters and the start form.
    pub tenants: Vec<TenantOption>,
}

/// One entry of a run's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// When the change happened.
    pub at: Timestamp,
    /// The status the run moved to.
    pub to: RunStatus,
    /// What happened and who or what caused it, in a sentence.
    pub text: String,
}

/// Raw detail of a run for platform operators: never shown to anyone else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostics {
    /// The workspace it belongs to.
    pub workspace_id: i64,
    /// The stored context document, pretty-printed.
    pub context_json: String,
    /// The failure code, if it failed.
    pub failure_code: Option<String>,
    /// The raw failure detail, if recorded.
    pub failure_detail: Option<String>,
    /// The worker instance holding the lease, while running.
    pub lease_owner: Option<String>,
    /// When that lease runs out.
    pub lease_expires_at: Option<Timestamp>,
    /// How many times it was claimed.
    pub attempt: i32,
    /// The dedupe key it was started with.
    pub dedupe_key: Option<String>,
}

/// The canonical detail of one run: the view every surface shares, its timeline, and — for
/// platform operators only — diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunDetail {
    /// The run as every surface presents it.
    pub view: RunView,
    /// Every status change, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// Raw detail, for platform operators only.
    pub diagnostics: Option<Diagnostics>,
    /// For a run stuck right now: by when this instance's reconciler will have closed it.
    pub closes_by: Option<Timestamp>,
    /// The windows its type is judged by (the "How is this judged?" dialog).
    pub policy: LifecyclePolicy,
    /// Whether the caller may cancel it now (it is active and they may start its type).
    pub can_cancel: bool,
    /// When a person asked it to stop, while it is still running.
    pub cancel_requested_at: Option<Timestamp>,
    /// Whether the caller may run it again now (it needs follow-up, they may start its type,
    /// and no retry of it exists yet).
    pub can_retry: bool,
    /// The run this one retries ("run again"), if any.
    pub retry_of: Option<i64>,
    /// The run that retries this one, if any.
    pub retried_by: Option<i64>,
}

/// What asking a run to stop did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelResult {
    /// It ended at once (it was queued); otherwise it stops at its next report.
    pub ended: bool,
    /// What to tell the operator.
    pub message: String,
}

/// What starting an operation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartResult {
    /// The run, new or already active.
    pub run_id: i64,
    /// Whether an identical run was already active (nothing new was queued).
    pub already_running: bool,
    /// What to tell the operator.
    pub message: String,
}

/// A tenant's active runs, for live progress surfaces (the poll path).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantActivity {
    /// The tenant.
    pub tenant_id: i64,
    /// Its name.
    pub tenant_name: String,
    /// Its active runs (stale ones included), oldest first.
    pub runs: Vec<RunView>,
    /// When to ask again; `None` when nothing is active.
    pub poll_interval_ms: Option<u64>,
}

#[cfg(feature = "ssr")]
pub(super) fn context() -> Result<(crate::runtime::AppState, crate::services::principal::Principal), ApiError> {
    let state = use_context::<crate::runtime::AppState>().ok_or_else(ApiError::internal)?;
    // The authentication middleware resolved the session before the request got here.
    let principal = use_context::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<crate::services::auth::Viewer>().and_then(|v| v.0.clone()))
        .ok_or_else(|| ApiError::Unauthorized(crate::copy::text().errors.sign_in.to_owned()))?;
    Ok((state, principal))
}

/// Sets the HTTP status of the server-function response to match the error, and gives an
/// internal error the request's id, so the person who sees it can hand support the one
/// reference that finds its log lines.
#[cfg(feature = "ssr")]
pub(super) fn respond(err: ApiError) -> ApiError {
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(code) = axum::http::StatusCode::from_u16(err.status())
    {
        res.set_status(code);
    }
    let request = use_context::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<crate::runtime::RequestId>().cloned());
    match (err, request) {
        (ApiError::Internal(message), Some(id)) => {
            ApiError::Internal(format!("{message} {}", (crate::copy::text().errors.reference)(id.as_str())))
        }
        (err, _) => err,
    }
}

/// One page of the canonical operations list.
#[server(endpoint = "list_runs", input = Json)]
pub async fn list_runs(query: ListQuery) -> Result<RunListPage, ApiError> {
    let (state, principal) = context().map_err(respond)?;
    crate::services::operations::list_runs(&state, &principal, &query).await.map_err(respond)
}

/// One run's detail.
#[server(endpoint = "get_run")]
pub async fn get_run(id: String) -> Result<RunDetail, ApiError> {
    let (state, principal) = context().map_err(respond)?;
    crate::services::operations::run_detail(&state, &principal, &id).await.map_err(respond)
}

/// Asks an active run to stop (see [`CancelResult`]).
#[server(endpoint = "cancel_run")]
pub async fn cancel_run(id: String) -> Result<CancelResult, ApiError> {
    let (state, principal) = context().map_err(respond)?;
    crate::services::operations::cancel_run(&state, &principal, &id).await.map_err(respond)
}

/// Runs a run that needs follow-up again: a new run of the same type, scope and inputs,
/// linked both ways. A second request returns the same new run.
#[server(endpoint = "retry_run")]
pub async fn retry_run(id: String) -> Result<StartResult, ApiError> {
    let (state, principal) = context().map_err(respond)?;
    crate::services::operations::retry_run(&state, &principal, &id).await.map_err(respond)
}

/// The live poll of an active run's detail: the same detail, asked for again.
#[server(endpoint = "poll_run")]
pub async fn poll_run(id: String) -> Result<RunDetail, ApiError> {
    let (state, principal) = context().map_err(respond)?;
    state.metrics.poll("run_detail", crate::runtime::metrics::PollAnswer::Full);
    crate::services::operations::run_detail(&state, &principal, &id).await.map_err(respond)
}

/// Starts an operation for a tenant (or returns the identical one already running).
/// `snapshot` is the baseline a compare (optional) or restore (required) uses; `review` the
/// review a pack exports; `confirm` must be true for a restore.
#[server(endpoint = "start_operation")]
pub async fn start_operation(
    tenant: String,
    run_type: String,
    snapshot: Option<String>,
    review: Option<String>,
    confirm: Option<bool>,
) -> Result<StartResult, ApiError> {
    let (state, principal) = context().map_err(respond)?;
    let options = crate::services::operations::StartOptions {
        snapshot: snapshot.as_deref(),
        review: review.as_deref(),
        confirm: confirm.unwrap_or(false),
    };
    crate::services::operations::start_operation(&state, &principal, &tenant, &run_type, options).await.map_err(respond)
}
