//! The operations service behind the list, detail and start server functions. Plain async
//! functions over explicit dependencies; they authorize by scope (a run or tenant outside the
//! caller's workspace is "not found", exactly like one that does not exist) and answer a
//! typed [`Error`].

use crate::api::{ClassCount, Diagnostics, ListQuery, RunDetail, RunListPage, TenantOption, TimelineEntry};
use crate::domain::RunState;
use crate::domain::access::Capability;
use crate::domain::freshness::stale_at;
use crate::domain::reconcile::closes_by;
use crate::domain::transition::{Actor, Transition};
use crate::domain::workspace_type::type_key;
use crate::domain::{
    ProblemClass, Run, RunId, RunKind, RunOutcome, RunStatus, RunType, RunView, TenantId, Timestamp, TypeName,
    WorkspaceId,
};
use crate::jobs::lifecycle::{CancelAnswer, LifecycleError, NewRun, Started as Creation};
use crate::jobs::run_types;
pub use crate::jobs::run_types::StartOptions;
use crate::runtime::live::LiveRuns;
use crate::runtime::state::AppState;
use crate::services::error::{Conflict, Error, Invalid, Thing};
use crate::services::principal::Principal;
use crate::services::scope;
use crate::store::runs::{self, Cursor, RunFilter, RunWithTenant};
use serde_json::json;
use std::sync::Arc;

/// Rows per list page.
pub const PAGE_SIZE: u32 = 50;

/// What starting (or running again) an operation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    /// The run: new, or the identical one already active.
    pub run_id: RunId,
    /// What happened, for the person who asked.
    pub note: StartNote,
}

/// What a start or retry did, as the person who asked is told it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartNote {
    /// A new run of this type was queued.
    Queued(TypeName),
    /// An identical run of this type was already active; nothing new was queued.
    AlreadyRunning(TypeName),
    /// The retry was queued.
    RetryStarted,
    /// The run had already been run again; that run.
    RetryExists,
}

impl Started {
    /// Whether nothing new was queued.
    pub const fn already_running(&self) -> bool {
        self.note.already_running()
    }
}

impl StartNote {
    /// Whether nothing new was queued.
    pub const fn already_running(&self) -> bool {
        matches!(self, Self::AlreadyRunning(_) | Self::RetryExists)
    }
}

/// A parsed list query: the filters every row must pass, the problem class asked for (chosen
/// apart: an active run's class is derived at read time, a completed run's is stored), and
/// where the page starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    /// The workspace filter (read by the system lists; every list checks its shape).
    pub workspace: Option<WorkspaceId>,
    /// Tenant, type, status, outcome (and, set by the service, scope).
    pub filter: RunFilter,
    /// The problem class filter.
    pub class: Option<ProblemClass>,
    /// The page position.
    pub after: Option<Cursor>,
}

/// Parses the list query, with calm errors for bad values.
pub fn parse_query(q: &ListQuery) -> Result<ParsedQuery, Error> {
    let nonempty = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let workspace = match nonempty(&q.workspace) {
        None => None,
        Some(w) => Some(WorkspaceId::parse(&w).ok_or(Error::Invalid(Invalid::WorkspaceFilter))?),
    };
    let tenant = match nonempty(&q.tenant) {
        None => None,
        Some(t) => Some(TenantId::parse(&t).ok_or_else(|| Error::Invalid(Invalid::TenantFilter))?),
    };
    let run_type = match nonempty(&q.run_type) {
        None => None,
        // A built-in type, or one the workspace may have registered (none matches otherwise).
        Some(t) => Some(match RunType::parse(&t) {
            Ok(t) => t.as_str().to_owned(),
            Err(_) => type_key(&t).map_err(|_| Error::Invalid(Invalid::TypeFilter))?,
        }),
    };
    let (status, active_only) = match nonempty(&q.status) {
        None => (None, false),
        Some(s) if s == crate::api::STATUS_ACTIVE => (None, true),
        Some(s) => (Some(RunStatus::parse(&s).map_err(|_| Error::Invalid(Invalid::StatusFilter))?), false),
    };
    let completed_since = match nonempty(&q.since) {
        None => None,
        Some(s) => Some(
            s.parse::<i64>()
                .ok()
                .filter(|ms| *ms >= 0)
                .map(Timestamp)
                .ok_or_else(|| Error::Invalid(Invalid::SinceFilter))?,
        ),
    };
    let outcome = match nonempty(&q.outcome) {
        None => None,
        Some(o) => Some(RunOutcome::parse(&o).map_err(|_| Error::Invalid(Invalid::OutcomeFilter))?),
    };
    let class = match nonempty(&q.class) {
        None => None,
        Some(c) => Some(ProblemClass::parse(&c).ok_or_else(|| Error::Invalid(Invalid::ClassFilter))?),
    };
    let after = match nonempty(&q.after) {
        None => None,
        Some(c) => Some(parse_cursor(&c).ok_or_else(|| Error::Invalid(Invalid::Page))?),
    };
    let filter = RunFilter {
        tenant,
        run_type,
        status,
        active_only,
        completed_since,
        outcome,
        terminal_class: None,
        follow_up_only: false,
        scope: None,
    };
    Ok(ParsedQuery { workspace, filter, class, after })
}

/// `"<created_at ms>.<id>"`.
pub fn format_cursor(c: Cursor) -> String {
    format!("{}.{}", c.created_at.millis(), c.id.get())
}

fn parse_cursor(text: &str) -> Option<Cursor> {
    let (at, id) = text.split_once('.')?;
    Some(Cursor { created_at: Timestamp(at.parse().ok()?), id: RunId::parse(id)? })
}

async fn tenants(state: &AppState, p: &Principal) -> Result<Vec<TenantOption>, Error> {
    Ok(scope::tenants(state, p).await?.into_iter().map(|(id, name)| TenantOption { id, name }).collect())
}

/// The active runs of `workspace` that pass `filter`, each with its class now, from the live
/// view (no query: there are few active runs, and their class depends on the clock).
fn active_matching(
    state: &AppState,
    workspace: Option<WorkspaceId>,
    filter: &RunFilter,
) -> Vec<(Arc<Run>, ProblemClass)> {
    let now = state.clock.now();
    state
        .live
        .active_runs(workspace)
        .into_iter()
        .filter(|r| filter.admits_active(r))
        .map(|r| {
            let class = r.problem_class(&state.config.policy(&r.run_type), now);
            (r, class)
        })
        .collect()
}

/// The runs per class under `filter`: completed ones from the counters, active ones from the
/// live view — the same two sources the class-filtered list reads, so a count and the list
/// it links to agree.
async fn class_counts(
    state: &AppState,
    workspace: Option<WorkspaceId>,
    filter: &RunFilter,
    active: &[(Arc<Run>, ProblemClass)],
) -> Result<Vec<ClassCount>, Error> {
    let stored = runs::terminal_class_counts(&state.db, workspace, filter).await?;
    Ok(ProblemClass::ALL
        .into_iter()
        .map(|class| {
            let completed: u64 = stored.iter().filter(|(c, _)| *c == class).map(|(_, n)| *n).sum();
            let live = active.iter().filter(|(_, c)| *c == class).count() as u64;
            ClassCount { class, count: completed + live }
        })
        .collect())
}

/// The class counts the list shows for `filter` in `workspace` (exposed for the benchmark).
pub async fn count_classes(
    state: &AppState,
    workspace: WorkspaceId,
    filter: &RunFilter,
) -> Result<Vec<ClassCount>, Error> {
    let active = active_matching(state, Some(workspace), filter);
    class_counts(state, Some(workspace), filter, &active).await
}

/// One page of the caller's workspace's runs.
#[tracing::instrument(skip(state, p), fields(workspace = p.workspace_id.get()))]
pub async fn list_runs(state: &AppState, p: &Principal, q: &ListQuery) -> Result<RunListPage, Error> {
    p.require(Capability::ViewRuns)?;
    let mut parsed = parse_query(q)?;
    parsed.filter.scope = p.scope();
    let mut page = list_in(state, Some(p.workspace_id), parsed).await?;
    page.tenants = tenants(state, p).await?;
    page.version = crate::services::poll::list_version(&page);
    Ok(page)
}

/// One page of runs of `ws` (of every workspace when `None`) under `parsed`, with the class
/// counts under its other filters. Authorization is the caller's: the admin plane passes the
/// principal's workspace and tenant scope, the system plane every workspace.
pub(crate) async fn list_in(
    state: &AppState,
    ws: Option<WorkspaceId>,
    parsed: ParsedQuery,
) -> Result<RunListPage, Error> {
    let ParsedQuery { filter, class, after, .. } = parsed;
    let limit = PAGE_SIZE as usize + 1;
    let active = active_matching(state, ws, &filter);
    let class_counts = class_counts(state, ws, &filter, &active).await?;
    let (rows, total_count) = match class {
        None => {
            let rows = runs::list_page(&state.db, ws, &filter, after, PAGE_SIZE + 1).await?;
            (rows, runs::count(&state.db, ws, &filter).await?)
        }
        Some(class) => {
            // Completed runs keep their class in the database; active ones are classed now.
            let stored = if class.is_stuck_now() {
                Vec::new()
            } else {
                let filter = RunFilter { terminal_class: Some(class), ..filter.clone() };
                runs::list_page(&state.db, ws, &filter, after, PAGE_SIZE + 1).await?
            };
            let live = active.iter().filter(|(_, c)| *c == class).map(|(r, _)| r);
            let total = class_counts.iter().find(|c| c.class == class).map_or(0, |c| c.count);
            (merge_newest_first(stored, live, after, limit, &state.live), total)
        }
    };
    let now = state.clock.now();
    let has_more = rows.len() > PAGE_SIZE as usize;
    let rows = &rows[..rows.len().min(PAGE_SIZE as usize)];
    let next = has_more
        .then(|| rows.last())
        .flatten()
        .map(|r| format_cursor(Cursor { created_at: r.run.created_at, id: r.run.id }));
    let runs: Vec<RunView> = rows
        .iter()
        .map(|r| {
            RunView::derive(
                &r.run,
                r.tenant_name.clone(),
                &state.config.policy(&r.run.run_type),
                &state.config.polling,
                now,
            )
        })
        .collect();
    let workspaces = rows.iter().map(|r| r.run.workspace_id.get()).collect();
    let poll_interval_ms = crate::domain::polling::shown_interval_ms(&runs);
    Ok(RunListPage {
        runs,
        workspaces,
        workspace_names: Vec::new(),
        total_count,
        class_counts,
        next,
        tenants: Vec::new(),
        version: String::new(),
        poll_interval_ms,
    })
}

/// The first `limit` runs after `after`, newest first, from a page of stored rows and a set of
/// live active runs (the two halves of a class-filtered list).
fn merge_newest_first<'a>(
    stored: Vec<RunWithTenant>,
    live: impl Iterator<Item = &'a Arc<Run>>,
    after: Option<Cursor>,
    limit: usize,
    view: &LiveRuns,
) -> Vec<RunWithTenant> {
    let key = |r: &Run| std::cmp::Reverse((r.created_at, r.id));
    let before_cursor = |r: &Run| after.is_none_or(|c| (r.created_at, r.id) < (c.created_at, c.id));
    let mut all: Vec<RunWithTenant> = live
        .filter(|r| before_cursor(r))
        .map(|r| RunWithTenant { run: Run::clone(r), tenant_name: r.tenant_id.and_then(|t| view.tenant_name(t)) })
        .chain(stored)
        .collect();
    all.sort_by_key(|r| key(&r.run));
    all.truncate(limit);
    all
}

/// Asks run `id` to stop for the caller: a queued run ends `cancelled` at once, a running
/// one stops at its next heartbeat or progress write; answers whether it ended at once.
/// Needs the capability that starts a run of its type (403 for a reader); out of scope is
/// "not found".
#[tracing::instrument(skip(state, p), fields(workspace = p.workspace_id.get()))]
pub async fn cancel_run(state: &AppState, p: &Principal, id: &str) -> Result<bool, Error> {
    let found = scope::run(state, p, id).await?;
    let run = &found.run;
    p.authorize(run.workspace_id, run.tenant_id, capability_to_start(&run.run_type), Thing::Operation)?;
    match state.lifecycle().request_cancel(run.id, p.user_id).await {
        Ok(CancelAnswer::Cancelled(_)) => Ok(true),
        Ok(CancelAnswer::Requested) => Ok(false),
        Err(LifecycleError::AlreadyCompleted { .. }) => Err(Error::Conflict(Conflict::CancelTooLate)),
        Err(e) => Err(Error::internal("asking a run to stop", e)),
    }
}

/// "Run again" for the caller: a new run with the original's type, scope and inputs, its
/// dedupe key naming the original (so the two link both ways and a second request returns
/// the same run). Its inputs are prepared again by its type, like a new start's: the records
/// it names must still be the tenant's, a compose takes the evidence of now, and work that
/// changes the tenant's configuration needs `confirm` again. Offered only for runs that need
/// follow-up ([`Run::can_run_again`]); needs the capability that starts the type (403 for a
/// reader); out of scope is "not found".
#[tracing::instrument(skip(state, p), fields(workspace = p.workspace_id.get()))]
pub async fn retry_run(state: &AppState, p: &Principal, id: &str, confirm: bool) -> Result<Started, Error> {
    let found = scope::run(state, p, id).await?;
    let original = &found.run;
    p.authorize(original.workspace_id, original.tenant_id, capability_to_start(&original.run_type), Thing::Operation)?;
    if !original.can_run_again() {
        return Err(Error::Conflict(Conflict::RetryNotOffered));
    }
    let key = Run::retry_key(original.id);
    if let Some(existing) = runs::by_dedupe_key(&state.db, original.workspace_id, &key).await? {
        return Ok(Started { run_id: existing, note: StartNote::RetryExists });
    }
    let mut inputs = original.context.inputs().cloned().unwrap_or_default();
    // A built-in type prepares its inputs again; a workspace type's are its platform's own.
    if let (Some(tenant), Some(t)) = (original.tenant_id, original.run_type.builtin()) {
        let (snapshot, review, confirm) = run_types::options_of(&inputs, confirm);
        let o = StartOptions { snapshot: snapshot.as_deref(), review: review.as_deref(), confirm };
        inputs.extend(run_types::prepare(state, t, tenant, &o).await?);
    }
    inputs.insert("requested_by".to_owned(), json!(p.display_name));
    let req = NewRun {
        workspace_id: original.workspace_id,
        tenant_id: original.tenant_id,
        run_type: original.run_type.clone(),
        initiator: Some(p.user_id),
        dedupe_key: Some(key),
        inputs: serde_json::Value::Object(inputs),
    };
    match state.lifecycle().start(req).await.map_err(|e| Error::internal("running a run again", e))? {
        Creation::Created(run) => {
            if run.run_type.builtin().is_some() {
                state.work_queued.notify_one();
            }
            Ok(Started { run_id: run.id, note: StartNote::RetryStarted })
        }
        // Two requests at once: the other one's run.
        Creation::AlreadyActive(run) => Ok(Started { run_id: run.id, note: StartNote::RetryExists }),
    }
}

/// What a person must be allowed to do to start (and so to stop) a run of type `t`.
fn capability_to_start(t: &RunKind) -> Capability {
    if t.changes_configuration() { Capability::ChangeConfiguration } else { Capability::StartOperations }
}

/// The canonical detail of one run in the caller's workspace: its view, its timeline, and
/// diagnostics when the caller is a platform operator.
#[tracing::instrument(skip(state, p), fields(workspace = p.workspace_id.get()))]
pub async fn run_detail(state: &AppState, p: &Principal, id: &str) -> Result<RunDetail, Error> {
    let found = scope::run(state, p, id).await?;
    let may_start = p
        .authorize(
            found.run.workspace_id,
            found.run.tenant_id,
            capability_to_start(&found.run.run_type),
            Thing::Operation,
        )
        .is_ok();
    let follow_up = found.run.can_run_again();
    let mut detail = detail_of(state, found, p.platform_operator).await?;
    detail.can_cancel = may_start && !matches!(detail.view.state, RunState::Completed(_));
    detail.can_retry = may_start && follow_up && detail.retried_by.is_none();
    Ok(detail)
}

/// The view of a run the caller just started (or of the identical one already active). It
/// is shown to whoever may start its type, a token that may not read runs included: it is
/// the answer to their own request.
pub async fn started_view(state: &AppState, p: &Principal, id: RunId) -> Result<RunView, Error> {
    view_for(state, p, id, capability_to_start).await
}

/// The view of run `id` for a caller with the capability `needed` names for its kind (the
/// answer to their own write, shown even where they may not read runs).
pub(crate) async fn view_for(
    state: &AppState,
    p: &Principal,
    id: RunId,
    needed: fn(&RunKind) -> Capability,
) -> Result<RunView, Error> {
    let not_found = || Error::NotFound(Thing::Operation);
    let found = runs::get_in_workspace(&state.db, p.workspace_id, id).await?.ok_or_else(not_found)?;
    let run = &found.run;
    p.authorize(run.workspace_id, run.tenant_id, needed(&run.run_type), Thing::Operation)?;
    let policy = state.config.policy(&run.run_type);
    Ok(RunView::derive(run, found.tenant_name.clone(), &policy, &state.config.polling, state.clock.now()))
}

/// The detail of a run already authorized: shared by the admin and system planes.
pub(crate) async fn detail_of(state: &AppState, found: RunWithTenant, diagnostics: bool) -> Result<RunDetail, Error> {
    let run = found.run;
    let policy = state.config.policy(&run.run_type);
    let view = RunView::derive(&run, found.tenant_name, &policy, &state.config.polling, state.clock.now());
    let timeline = timeline(state, &run).await?;
    let closes_by = match (view.problem, state.config.reconcile_every) {
        (ProblemClass::ActiveStale, Some(every)) => {
            stale_at(run.state, run.lifecycle_times(), &policy).map(|at| closes_by(at, view.observed_at, every))
        }
        _ => None,
    };
    let diagnostics = diagnostics.then(|| Diagnostics {
        workspace_id: run.workspace_id.get(),
        context_json: serde_json::to_string_pretty(run.context.as_value()).unwrap_or_else(|_| run.context.to_json()),
        failure_code: run.failure.as_ref().map(|f| f.code.clone()),
        failure_detail: run.failure.as_ref().and_then(|f| f.detail.clone()),
        lease_owner: run.lease_owner.clone(),
        lease_expires_at: run.lease_expires_at,
        attempt: run.attempt,
        dedupe_key: run.dedupe_key.clone(),
    });
    let cancel_requested_at = run.cancel_requested.filter(|_| run.state == RunState::Running).map(|r| r.at);
    // Only a run that needs follow-up can have been run again, so only its detail looks.
    let retried_by = if run.can_run_again() {
        runs::by_dedupe_key(&state.db, run.workspace_id, &Run::retry_key(run.id)).await?.map(RunId::get)
    } else {
        None
    };
    Ok(RunDetail {
        view,
        timeline,
        diagnostics,
        closes_by,
        policy,
        can_cancel: false,
        cancel_requested_at,
        can_retry: false,
        retry_of: run.retry_of().map(RunId::get),
        retried_by,
    })
}

/// The run's timeline from its transition log; a run completed before the log existed gets
/// its entries from its timestamps, with the causes it no longer knows left unrecorded.
async fn timeline(state: &AppState, run: &Run) -> Result<Vec<TimelineEntry>, Error> {
    let mut log = runs::transitions(&state.db, run.id).await?;
    if log.is_empty() {
        let created_by = run.initiator.map_or(Actor::System, Actor::Initiator);
        let steps = [
            (Some(run.created_at), RunStatus::Queued, None, created_by),
            (run.started_at, RunStatus::Running, None, Actor::Unknown),
            (run.completed_at, RunStatus::Completed, run.state.outcome(), Actor::Unknown),
        ];
        log = steps
            .into_iter()
            .filter_map(|(at, to, outcome, actor)| Some(Transition { at: at?, from: None, to, outcome, actor }))
            .collect();
    }
    let mut names = std::collections::HashMap::new();
    for t in &log {
        if let Actor::Initiator(u) | Actor::Person(u) = t.actor
            && !names.contains_key(&u)
        {
            let name = crate::store::people::display_name(&state.db, u).await?;
            names.insert(u, name);
        }
    }
    Ok(log
        .iter()
        .map(|t| {
            let name = match t.actor {
                Actor::Initiator(u) | Actor::Person(u) => names.get(&u).cloned().flatten(),
                _ => None,
            };
            TimelineEntry { at: t.at, to: t.to, outcome: t.outcome, actor: t.actor.clone(), name }
        })
        .collect())
}

/// Starts an operation of `run_type` for `tenant` (or returns the identical one already
/// active). Every refusal is calm and specific and creates nothing; the type's own input
/// preparation (`jobs::run_types::prepare`) decides what its options must name.
pub async fn start_operation(
    state: &AppState,
    p: &Principal,
    tenant: &str,
    run_type: &str,
    o: StartOptions<'_>,
) -> Result<Started, Error> {
    start_run(state, p, tenant, run_type, o, None).await
}

/// The longest dedupe key a start may carry.
pub const MAX_DEDUPE_KEY_CHARS: usize = 200;

/// A caller's dedupe key, if given, is 1–200 characters without control characters.
pub(crate) fn check_dedupe_key(key: Option<&str>) -> Result<(), Error> {
    match key {
        Some(k) if k.is_empty() || k.chars().count() > MAX_DEDUPE_KEY_CHARS || k.chars().any(char::is_control) => {
            Err(Error::Invalid(Invalid::DedupeKey(MAX_DEDUPE_KEY_CHARS)))
        }
        _ => Ok(()),
    }
}

/// The tenant `tenant` (an id) names in the caller's workspace; not found when it names
/// none there (whether or not another workspace has it).
pub(crate) async fn tenant_in_workspace(state: &AppState, p: &Principal, tenant: &str) -> Result<TenantId, Error> {
    let tenant = TenantId::parse(tenant).ok_or_else(|| Error::Invalid(Invalid::ChooseTenant))?;
    let info = state.live.tenant(tenant).await?;
    if info.is_none_or(|i| i.workspace_id != p.workspace_id) {
        return Err(Error::NotFound(Thing::Tenant));
    }
    Ok(tenant)
}

/// [`start_operation`] with the caller's own `dedupe_key`: a start with the key of an
/// active run of the same tenant and type answers that run instead of queueing another
/// (the runs API's idempotent start).
#[tracing::instrument(skip(state, p, o, dedupe_key), fields(workspace = p.workspace_id.get()))]
pub async fn start_run(
    state: &AppState,
    p: &Principal,
    tenant: &str,
    run_type: &str,
    o: StartOptions<'_>,
    dedupe_key: Option<&str>,
) -> Result<Started, Error> {
    check_dedupe_key(dedupe_key)?;
    let kind = crate::services::workspace_types::kind(state, p.workspace_id, run_type.trim())
        .await?
        .ok_or(Error::Invalid(Invalid::ChooseOperation))?;
    let tenant = tenant_in_workspace(state, p, tenant).await?;
    p.authorize(p.workspace_id, Some(tenant), capability_to_start(&kind), Thing::Tenant)?;
    // A built-in type prepares its inputs; a workspace type's worker takes what it is given.
    let mut inputs = match kind.builtin() {
        Some(t) => run_types::prepare(state, t, tenant, &o).await?,
        None => serde_json::Map::new(),
    };
    inputs.insert("requested_by".to_owned(), json!(p.display_name));
    let name = kind.name();
    let req = NewRun {
        workspace_id: p.workspace_id,
        tenant_id: Some(tenant),
        run_type: kind,
        initiator: Some(p.initiator()),
        dedupe_key: dedupe_key.map(str::to_owned),
        inputs: serde_json::Value::Object(inputs),
    };
    match state.lifecycle().start(req).await {
        Ok(Creation::Created(run)) => {
            if run.run_type.builtin().is_some() {
                state.work_queued.notify_one();
            }
            Ok(Started { run_id: run.id, note: StartNote::Queued(name) })
        }
        Ok(Creation::AlreadyActive(run)) => Ok(Started { run_id: run.id, note: StartNote::AlreadyRunning(name) }),
        Err(LifecycleError::TenantNotInWorkspace) => Err(Error::NotFound(Thing::Tenant)),
        Err(LifecycleError::Contended) => Err(Error::Conflict(Conflict::CouldNotStart)),
        Err(e) => Err(Error::internal("starting an operation", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_queries_parse_and_refuse_bad_values_calmly() {
        let q = ListQuery {
            workspace: None,
            tenant: Some("3".into()),
            run_type: Some("inventory.sync".into()),
            status: Some("completed".into()),
            outcome: Some("blocked".into()),
            class: Some("reconciled_stale".into()),
            since: Some("1600".into()),
            after: Some("1700.42".into()),
        };
        let parsed = parse_query(&q).unwrap_or_default();
        let f = parsed.filter;
        assert_eq!(f.tenant, Some(TenantId(3)));
        assert_eq!(f.run_type.as_deref(), Some("inventory.sync"));
        assert_eq!(f.status, Some(RunStatus::Completed));
        assert_eq!(f.outcome, Some(RunOutcome::Blocked));
        assert_eq!(parsed.class, Some(ProblemClass::ReconciledStale));
        assert_eq!(parsed.after, Some(Cursor { created_at: Timestamp(1700), id: RunId(42) }));
        assert_eq!(f.completed_since, Some(Timestamp(1600)));
        let active = parse_query(&ListQuery { status: Some("active".into()), ..ListQuery::default() });
        assert!(active.is_ok_and(|p| p.filter.active_only && p.filter.status.is_none()));
        assert!(matches!(
            parse_query(&ListQuery { tenant: Some(" ".into()), ..ListQuery::default() }),
            Ok(p) if p == ParsedQuery::default()
        ));
        for bad in [
            ListQuery { tenant: Some("x".into()), ..ListQuery::default() },
            ListQuery { run_type: Some("DROP TABLE".into()), ..ListQuery::default() },
            ListQuery { status: Some("paused".into()), ..ListQuery::default() },
            ListQuery { outcome: Some("exploded".into()), ..ListQuery::default() },
            ListQuery { class: Some("urgent".into()), ..ListQuery::default() },
            ListQuery { after: Some("tomorrow".into()), ..ListQuery::default() },
            ListQuery { since: Some("yesterday".into()), ..ListQuery::default() },
            ListQuery { since: Some("-5".into()), ..ListQuery::default() },
        ] {
            assert!(matches!(parse_query(&bad), Err(Error::Invalid(_))), "{bad:?}");
        }
    }

    #[test]
    fn cursors_round_trip() {
        let c = Cursor { created_at: Timestamp(1_795_000_000_123), id: RunId(77) };
        assert_eq!(parse_cursor(&format_cursor(c)), Some(c));
        assert_eq!(parse_cursor("1.0"), None);
        assert_eq!(parse_cursor(""), None);
    }
}
