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
    /// Workspace id (the system plane's lists only; the admin plane lists its session's).
    pub workspace: Option<String>,
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
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TenantOption {
    /// The tenant's id (the filter's value).
    pub id: i64,
    /// Display name.
    pub name: String,
}

/// How many runs matching the list's other filters are in one problem class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// Changes whenever anything above does; the page sends it back with its next poll.
    pub version: String,
    /// When to poll again: as often as the youngest active run on the page needs; `None`
    /// when every run shown is terminal (nothing on the page changes by itself).
    pub poll_interval_ms: Option<u64>,
}

/// One entry of a run's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// When the change happened.
    pub at: Timestamp,
    /// The status the run moved to.
    pub to: RunStatus,
    /// How it ended, when it completed.
    pub outcome: Option<crate::domain::RunOutcome>,
    /// Who or what caused it.
    pub actor: crate::domain::transition::Actor,
    /// The display name of the person the actor names, when known.
    pub name: Option<String>,
}

impl TimelineEntry {
    /// What happened and who or what caused it, in a sentence of catalog `c`.
    pub fn sentence(&self, c: &crate::copy::Catalog) -> String {
        c.transition(self.to, self.outcome, &self.actor, self.name.as_deref())
    }
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

/// What starting (or running again) an operation did, in the current request's language.
#[cfg(feature = "ssr")]
impl From<crate::services::operations::Started> for StartResult {
    fn from(s: crate::services::operations::Started) -> Self {
        use crate::services::operations::StartNote;
        let t = crate::copy::text();
        let message = match &s.note {
            StartNote::Queued(ty) => (t.runs.queued)(t.type_name(ty)),
            StartNote::AlreadyRunning(ty) => (t.runs.already_running)(&t.type_name(ty).to_lowercase()),
            StartNote::RetryStarted => t.detail.retry_started.to_owned(),
            StartNote::RetryExists => t.detail.retry_exists.to_owned(),
        };
        Self { run_id: s.run_id.get(), already_running: s.note.already_running(), message }
    }
}

/// One page of the canonical operations list; `known` is the version the page holds, if any.
#[server(endpoint = "list_runs", input = Json)]
pub async fn list_runs(query: ListQuery, known: Option<String>) -> Result<super::Poll<RunListPage>, ApiError> {
    super::answer::serve(|s, p| async move {
        let page = crate::services::operations::list_runs(&s, &p, &query).await?;
        Ok(crate::services::poll::unless_known(&s, "operations_list", page, known.as_deref()))
    })
    .await
}

/// One run's detail.
#[server(endpoint = "get_run")]
pub async fn get_run(id: String) -> Result<RunDetail, ApiError> {
    super::answer::serve(|s, p| async move { crate::services::operations::run_detail(&s, &p, &id).await }).await
}

/// Asks an active run to stop (see [`CancelResult`]).
#[server(endpoint = "cancel_run")]
pub async fn cancel_run(id: String) -> Result<CancelResult, ApiError> {
    let ended =
        super::answer::serve(|s, p| async move { crate::services::operations::cancel_run(&s, &p, &id).await }).await?;
    let t = &crate::copy::text().detail;
    Ok(CancelResult { ended, message: if ended { t.cancelled_now } else { t.cancel_requested }.to_owned() })
}

/// Runs a run that needs follow-up again: a new run of the same type, scope and inputs,
/// linked both ways. A second request returns the same new run. `confirm` must be true to
/// run again work that changes the tenant's configuration (a restore), as for its start.
#[server(endpoint = "retry_run")]
pub async fn retry_run(id: String, confirm: Option<bool>) -> Result<StartResult, ApiError> {
    super::answer::serve(|s, p| async move {
        crate::services::operations::retry_run(&s, &p, &id, confirm.unwrap_or(false)).await
    })
    .await
    .map(StartResult::from)
}

/// The live poll of an active run's detail: the same detail, asked for again.
#[server(endpoint = "poll_run")]
pub async fn poll_run(id: String) -> Result<RunDetail, ApiError> {
    super::answer::serve(|s, p| async move {
        s.metrics.poll("run_detail", crate::runtime::metrics::PollAnswer::Full);
        crate::services::operations::run_detail(&s, &p, &id).await
    })
    .await
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
    super::answer::serve(|s, p| async move {
        let options = crate::services::operations::StartOptions {
            snapshot: snapshot.as_deref(),
            review: review.as_deref(),
            confirm: confirm.unwrap_or(false),
        };
        crate::services::operations::start_operation(&s, &p, &tenant, &run_type, options).await
    })
    .await
    .map(StartResult::from)
}
