//! Reading runs: the row shape shared by every query, its conversion into the domain
//! [`Run`], and the list/detail/poll queries. Writes live in [`crate::jobs::lifecycle`].

use crate::domain::run::{CancelRequest, Failure};
use crate::domain::transition::{Actor, Transition};
use crate::domain::workspace_type::{TypeRequest, WorkspaceType};
use crate::domain::{
    ParseError, ProblemClass, Run, RunContext, RunId, RunKind, RunOutcome, RunState, RunStatus, RunType, Sentence,
    StoredSentence, SummaryCounts, TenantId, Timestamp, UserId, WorkspaceId,
};
use crate::store::db::Db;
use sqlx::FromRow;

/// The columns of `operation_runs` every run query selects, in [`RunRow`] order.
pub const RUN_COLUMNS: &str = "id, workspace_id, tenant_id, run_type, initiator_id, status, outcome, \
    summary_counts, context, failure_code, failure_message, failure_detail, created_at, started_at, \
    completed_at, updated_at, heartbeat_at, lease_owner, lease_expires_at, attempt, dedupe_key, \
    cancel_requested_at, cancel_requested_by, revision, type_profile";

/// [`RUN_COLUMNS`] qualified with the alias `r`, for joins.
pub fn run_columns_r() -> String {
    RUN_COLUMNS.split(", ").map(|c| format!("r.{}", c.trim())).collect::<Vec<_>>().join(", ")
}

/// One `operation_runs` row as stored (plus the tenant's name when joined).
#[derive(Debug, Clone, FromRow)]
pub struct RunRow {
    id: i64,
    workspace_id: i64,
    tenant_id: Option<i64>,
    run_type: String,
    initiator_id: Option<i64>,
    status: String,
    outcome: Option<String>,
    summary_counts: String,
    context: String,
    failure_code: Option<String>,
    failure_message: Option<String>,
    failure_detail: Option<String>,
    created_at: i64,
    started_at: Option<i64>,
    completed_at: Option<i64>,
    updated_at: i64,
    heartbeat_at: Option<i64>,
    lease_owner: Option<String>,
    lease_expires_at: Option<i64>,
    attempt: i64,
    dedupe_key: Option<String>,
    cancel_requested_at: Option<i64>,
    cancel_requested_by: Option<i64>,
    revision: i64,
    type_profile: Option<String>,
    #[sqlx(default)]
    tenant_name: Option<String>,
}

/// A stored run that cannot be read as a run (unknown type or contradictory state).
#[derive(Debug, Clone, thiserror::Error)]
#[error("stored run {id} is damaged: {source}")]
pub struct DamagedRun {
    /// The row's id.
    pub id: i64,
    /// What is wrong.
    pub source: ParseError,
}

impl RunRow {
    /// The joined tenant name, if selected.
    pub fn tenant_name(&self) -> Option<String> {
        self.tenant_name.clone()
    }

    /// Converts to the domain run. Summary counts and context are read leniently (a damaged
    /// document degrades the display); type and state must parse.
    pub fn into_run(self) -> Result<Run, DamagedRun> {
        let damaged = |source| DamagedRun { id: self.id, source };
        let run_type = stored_kind(&self.run_type, self.type_profile.as_deref()).map_err(damaged)?;
        let state = RunState::from_parts(&self.status, self.outcome.as_deref()).map_err(damaged)?;
        let failure = self.failure_code.map(|code| Failure {
            code,
            message: self
                .failure_message
                .map_or_else(|| StoredSentence::from(&Sentence::DidNotFinish), |m| StoredSentence::read(&m)),
            detail: self.failure_detail,
        });
        Ok(Run {
            id: RunId(self.id),
            workspace_id: WorkspaceId(self.workspace_id),
            tenant_id: self.tenant_id.map(TenantId),
            run_type,
            initiator: self.initiator_id.map(UserId),
            state,
            summary: SummaryCounts::from_json_lenient(&self.summary_counts),
            context: RunContext::from_json_lenient(&self.context),
            failure,
            created_at: Timestamp(self.created_at),
            started_at: self.started_at.map(Timestamp),
            completed_at: self.completed_at.map(Timestamp),
            updated_at: Timestamp(self.updated_at),
            heartbeat_at: self.heartbeat_at.map(Timestamp),
            lease_owner: self.lease_owner,
            lease_expires_at: self.lease_expires_at.map(Timestamp),
            attempt: i32::try_from(self.attempt).unwrap_or(i32::MAX),
            dedupe_key: self.dedupe_key,
            cancel_requested: self
                .cancel_requested_at
                .map(|at| CancelRequest { at: Timestamp(at), by: self.cancel_requested_by.map(UserId) }),
            revision: self.revision,
        })
    }
}

/// A run's kind from its stored `run_type` and `type_profile` ([`stored_profile`]); a
/// workspace type is checked again as it is read, and must carry the run's key.
pub fn stored_kind(run_type: &str, profile: Option<&str>) -> Result<RunKind, ParseError> {
    let Some(profile) = profile else {
        return RunType::parse(run_type).map(RunKind::Builtin);
    };
    serde_json::from_str::<TypeRequest>(profile)
        .ok()
        .and_then(|request| WorkspaceType::check(&request).ok())
        .filter(|t| t.key == run_type)
        .map(RunKind::Workspace)
        .ok_or_else(|| ParseError::unknown("workspace run type", run_type))
}

/// The `type_profile` a run of `kind` is stored with: `None` for a built-in type, the
/// workspace type as registered for any other.
pub fn stored_profile(kind: &RunKind) -> Option<String> {
    match kind {
        RunKind::Builtin(_) => None,
        RunKind::Workspace(t) => Some(type_profile(t)),
    }
}

/// The workspace type `t` as its runs carry it: the request that registers it again, as
/// JSON ([`stored_kind`] reads it back).
pub fn type_profile(t: &WorkspaceType) -> String {
    let r = t.request();
    serde_json::json!({
        "key": r.key,
        "label_en": r.label_en,
        "label_de": r.label_de,
        "progress_mode": r.progress_mode,
        "phases": r.phases,
        "windows": r.windows,
    })
    .to_string()
}

/// A run with its tenant's display name.
#[derive(Debug, Clone)]
pub struct RunWithTenant {
    /// The run.
    pub run: Run,
    /// The tenant's name, if the run has a tenant.
    pub tenant_name: Option<String>,
}

fn convert(rows: Vec<RunRow>) -> Vec<RunWithTenant> {
    rows.into_iter()
        .filter_map(|row| {
            let tenant_name = row.tenant_name();
            match row.into_run() {
                Ok(run) => Some(RunWithTenant { run, tenant_name }),
                Err(e) => {
                    tracing::warn!(run_id = e.id, error = %e.source, "skipping a damaged run row");
                    None
                }
            }
        })
        .collect()
}

/// Filters of the operations list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFilter {
    /// Only this tenant's runs.
    pub tenant: Option<TenantId>,
    /// Only runs of the type with this key (built-in or the workspace's own).
    pub run_type: Option<String>,
    /// Only runs in this status.
    pub status: Option<RunStatus>,
    /// Only active runs (queued or running).
    pub active_only: bool,
    /// Only runs completed at or after this instant (exact counts then come from the runs,
    /// bounded by `ix_runs_tenant_outcome_completed`, not from the counters).
    pub completed_since: Option<Timestamp>,
    /// Only completed runs with this outcome.
    pub outcome: Option<RunOutcome>,
    /// Only completed runs that keep this problem class (the stored `terminal_class`). An
    /// active run's class depends on time, so active runs are selected from the live view.
    pub terminal_class: Option<ProblemClass>,
    /// Only completed runs that need follow-up (either terminal problem class).
    pub follow_up_only: bool,
    /// The caller's tenant entitlement when it is not every tenant: only these tenants' runs,
    /// and no workspace-wide runs. Applied in the query, never after it.
    pub scope: Option<Vec<TenantId>>,
}

impl RunFilter {
    /// Whether an active run (from the live view) passes the filters that apply to it: the
    /// same tenant, type, status and scope conditions as [`filter_sql`], in memory. An outcome
    /// or stored-class filter selects completed runs only, so no active run passes it.
    pub fn admits_active(&self, run: &Run) -> bool {
        self.outcome.is_none()
            && self.terminal_class.is_none()
            && !self.follow_up_only
            && self.completed_since.is_none()
            && self.tenant.is_none_or(|t| run.tenant_id == Some(t))
            && self.run_type.as_ref().is_none_or(|t| run.run_type.as_str() == t)
            && self.status.is_none_or(|s| run.state.status() == s)
            && self.scope.as_ref().is_none_or(|scope| run.tenant_id.is_some_and(|t| scope.contains(&t)))
    }
}

/// Where a keyset page starts: strictly after this `(created_at, id)` in descending order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// `created_at` of the last run on the previous page.
    pub created_at: Timestamp,
    /// `id` of the last run on the previous page.
    pub id: RunId,
}

/// The oldest run of `workspace` started with dedupe key `key` (any status).
pub async fn by_dedupe_key(db: &Db, workspace: WorkspaceId, key: &str) -> Result<Option<RunId>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM operation_runs WHERE workspace_id = $1 AND dedupe_key = $2 ORDER BY id LIMIT 1",
    )
    .bind(workspace.get())
    .bind(key)
    .fetch_optional(db.pool())
    .await?;
    Ok(id.map(RunId))
}

/// One run of `workspace` by id, with its tenant name. Runs of other workspaces are `None`,
/// exactly like runs that do not exist.
pub async fn get_in_workspace(
    db: &Db,
    workspace: WorkspaceId,
    id: RunId,
) -> Result<Option<RunWithTenant>, RunQueryError> {
    let sql = format!(
        "SELECT {}, t.name AS tenant_name FROM operation_runs r LEFT JOIN tenants t ON t.id = r.tenant_id \
         WHERE r.id = $1 AND r.workspace_id = $2",
        run_columns_r()
    );
    let row: Option<RunRow> =
        sqlx::query_as(&sql).bind(id.get()).bind(workspace.get()).fetch_optional(db.pool()).await?;
    match row {
        None => Ok(None),
        Some(row) => {
            let tenant_name = row.tenant_name();
            let run = row.into_run()?;
            Ok(Some(RunWithTenant { run, tenant_name }))
        }
    }
}

/// The runs of `workspace` among `ids`, with their tenant names, in no particular order.
/// Ids of other workspaces, of missing runs and of damaged rows are left out.
pub async fn many_in_workspace(
    db: &Db,
    workspace: WorkspaceId,
    ids: &[i64],
) -> Result<Vec<RunWithTenant>, RunQueryError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {}, t.name AS tenant_name FROM operation_runs r LEFT JOIN tenants t ON t.id = r.tenant_id \
         WHERE r.workspace_id = $1 AND r.id IN ({})",
        run_columns_r(),
        super::db::placeholders(2, ids.len())
    );
    let mut q = sqlx::query_as::<_, RunRow>(&sql).bind(workspace.get());
    for id in ids {
        q = q.bind(id);
    }
    Ok(convert(q.fetch_all(db.pool()).await?))
}

/// Where an active run stands, without its documents: what an instance compares with its
/// live view to catch up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromRow)]
pub struct RunMark {
    /// The run.
    pub id: i64,
    /// Its count of meaningful writes.
    pub revision: i64,
    /// Its last write of any kind.
    pub updated_at: i64,
    /// Its worker's last sign of life.
    pub heartbeat_at: Option<i64>,
    /// When its lease runs out.
    pub lease_expires_at: Option<i64>,
}

/// The mark of every active run, in no particular order (through the partial index over
/// active runs; a few dozen bytes a run).
pub async fn active_marks(db: &Db) -> Result<Vec<RunMark>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, revision, updated_at, heartbeat_at, lease_expires_at FROM operation_runs \
         WHERE status <> 'completed'",
    )
    .fetch_all(db.pool())
    .await
}

/// Every active (queued or running) run of the database, in no particular order: what the
/// live view starts from. A damaged row is logged and left out.
pub async fn all_active(db: &Db) -> Result<Vec<Run>, sqlx::Error> {
    let rows: Vec<RunRow> =
        sqlx::query_as(&format!("SELECT {RUN_COLUMNS} FROM operation_runs WHERE status <> 'completed'"))
            .fetch_all(db.pool())
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            row.into_run()
                .inspect_err(|e| tracing::warn!(run_id = e.id, error = %e.source, "skipping a damaged active run"))
                .ok()
        })
        .collect())
}

/// The runs among `ids` (at most a few hundred; callers chunk), in no particular order,
/// regardless of scope. Missing ids and damaged rows are left out.
pub async fn by_ids(db: &Db, ids: &[RunId]) -> Result<Vec<Run>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql =
        format!("SELECT {RUN_COLUMNS} FROM operation_runs WHERE id IN ({})", super::db::placeholders(1, ids.len()));
    let mut q = sqlx::query_as::<_, RunRow>(&sql);
    for id in ids {
        q = q.bind(id.get());
    }
    Ok(q.fetch_all(db.pool()).await?.into_iter().filter_map(|row| row.into_run().ok()).collect())
}

/// The runs running under `owner`'s lease now.
pub async fn running_under(db: &Db, owner: &str) -> Result<Vec<RunId>, sqlx::Error> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM operation_runs WHERE status = 'running' AND lease_owner = $1")
            .bind(owner)
            .fetch_all(db.pool())
            .await?;
    Ok(ids.into_iter().map(RunId).collect())
}

/// One run by id regardless of scope (workers and the lifecycle service only).
pub async fn get(db: &Db, id: RunId) -> Result<Option<Run>, RunQueryError> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM operation_runs WHERE id = $1");
    let row: Option<RunRow> = sqlx::query_as(&sql).bind(id.get()).fetch_optional(db.pool()).await?;
    Ok(row.map(RunRow::into_run).transpose()?)
}

/// ` AND {column} IN ($first, …)` for a tenant entitlement of `len` tenants (bound by the
/// caller in order), or a condition that matches nothing when the entitlement is empty.
pub(crate) fn scope_sql(column: &str, len: usize, first: usize) -> String {
    if len == 0 {
        return " AND 1 = 0".to_owned();
    }
    format!(" AND {column} IN ({})", crate::store::db::placeholders(first, len))
}

fn filter_sql(filter: &RunFilter, first_param: usize) -> (String, Vec<FilterArg>) {
    let mut sql = String::new();
    let mut args = Vec::new();
    let mut n = first_param;
    if let Some(t) = filter.tenant {
        sql.push_str(&format!(" AND r.tenant_id = ${n}"));
        args.push(FilterArg::Int(t.get()));
        n += 1;
    }
    if let Some(t) = &filter.run_type {
        sql.push_str(&format!(" AND r.run_type = ${n}"));
        args.push(FilterArg::Text(t.clone()));
        n += 1;
    }
    if let Some(s) = filter.status {
        sql.push_str(&format!(" AND r.status = ${n}"));
        args.push(FilterArg::Text(s.as_str().to_owned()));
        n += 1;
    }
    if filter.active_only {
        sql.push_str(" AND r.status <> 'completed'");
    }
    if let Some(since) = filter.completed_since {
        sql.push_str(&format!(" AND r.status = 'completed' AND r.completed_at >= ${n}"));
        args.push(FilterArg::Int(since.millis()));
        n += 1;
    }
    if let Some(o) = filter.outcome {
        sql.push_str(&format!(" AND r.outcome = ${n}"));
        args.push(FilterArg::Text(o.as_str().to_owned()));
        n += 1;
    }
    if let Some(c) = filter.terminal_class {
        sql.push_str(&format!(" AND r.terminal_class = ${n}"));
        args.push(FilterArg::Text(c.as_str().to_owned()));
        n += 1;
    }
    if filter.follow_up_only {
        sql.push_str(&format!(" AND r.terminal_class IN ({})", follow_up_classes_sql()));
    }
    if let Some(scope) = &filter.scope {
        sql.push_str(&scope_sql("r.tenant_id", scope.len(), n));
        args.extend(scope.iter().map(|t| FilterArg::Int(t.get())));
    }
    (sql, args)
}

/// The terminal classes that need follow-up, as SQL literals from the domain rule
/// (`'terminal_follow_up', 'reconciled_stale'`). Literal rather than bound, so the planner can
/// match the partial indexes of migrations 0015 and 0021 that spell the same list.
fn follow_up_classes_sql() -> String {
    ProblemClass::ALL
        .into_iter()
        .filter(|c| c.needs_follow_up())
        .map(|c| format!("'{}'", c.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The condition placing a query in one workspace (`$1`) or in all of them (the system
/// plane), and the first parameter number the filters take.
fn place_sql(workspace: Option<WorkspaceId>) -> (&'static str, usize) {
    match workspace {
        Some(_) => ("r.workspace_id = $1", 2),
        None => ("1 = 1", 1),
    }
}

enum FilterArg {
    Int(i64),
    Text(String),
}

/// Binds a filter's arguments, in order, to a query of any kind (rows, scalars).
macro_rules! bind_filter {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                FilterArg::Int(v) => q.bind(v),
                FilterArg::Text(v) => q.bind(v),
            };
        }
        q
    }};
}

/// One keyset page of `workspace`'s runs (every workspace's when `None`), newest first.
pub async fn list_page(
    db: &Db,
    workspace: Option<WorkspaceId>,
    filter: &RunFilter,
    after: Option<Cursor>,
    limit: u32,
) -> Result<Vec<RunWithTenant>, RunQueryError> {
    let (place, first) = place_sql(workspace);
    let (mut where_sql, args) = filter_sql(filter, first);
    let mut next = first + args.len();
    if after.is_some() {
        // A row comparison: both databases read it as a range of the creation-order index,
        // where the same condition spelled out with OR is checked row by row from the newest.
        where_sql.push_str(&format!(" AND (r.created_at, r.id) < (${next}, ${})", next + 1));
        next += 2;
    }
    let sql = format!(
        "SELECT {}, t.name AS tenant_name FROM operation_runs r LEFT JOIN tenants t ON t.id = r.tenant_id \
         WHERE {place}{where_sql} ORDER BY r.created_at DESC, r.id DESC LIMIT ${next}",
        run_columns_r()
    );
    let mut q = sqlx::query_as::<_, RunRow>(&sql);
    if let Some(ws) = workspace {
        q = q.bind(ws.get());
    }
    q = bind_filter!(q, args);
    if let Some(c) = after {
        q = q.bind(c.created_at.millis()).bind(c.id.get());
    }
    let rows = q.bind(i64::from(limit)).fetch_all(db.pool()).await?;
    Ok(convert(rows))
}

/// The width of a completion-window counter's bucket: an hour, as migration 0031 spells it.
pub const COMPLETION_BUCKET_MS: i64 = 3_600_000;

/// The rows a count under `filter` sums, as one SQL source (the filter's arguments follow the
/// workspace's `$1`): each row carries `n` (how many runs it stands for) and `columns`, and
/// passes `extra` (conditions on `r`).
///
/// - Without a completion window: the trigger-maintained counters (a handful of rows), per
///   tenant when filtered by tenant or scope, per workspace otherwise.
/// - A window over one tenant or a scope: the runs themselves, bounded by the tenant's
///   completion index.
/// - A window over the workspace: its whole hours from the hourly completion counters, plus
///   the runs of its first, partial hour (specs/lifecycle-and-storage, "Counting a window").
fn counted(workspace: Option<WorkspaceId>, filter: &RunFilter, columns: &str, extra: &str) -> (String, Vec<FilterArg>) {
    let (place, first) = place_sql(workspace);
    let source = |table: &str, n: &str, filter: &RunFilter, first: usize| {
        let (where_sql, args) = filter_sql(filter, first);
        (format!("SELECT {columns}{n} AS n FROM {table} r WHERE {place}{where_sql}{extra}"), args)
    };
    let by_tenant = filter.tenant.is_some() || filter.scope.is_some();
    match filter.completed_since {
        None if by_tenant => source("run_counts", "r.n", filter, first),
        None => source("run_counts_ws", "r.n", filter, first),
        Some(_) if by_tenant => source("operation_runs", "1", filter, first),
        Some(since) => {
            let whole = Timestamp(since.millis().div_euclid(COMPLETION_BUCKET_MS) * COMPLETION_BUCKET_MS);
            let whole = if whole < since { Timestamp(whole.millis() + COMPLETION_BUCKET_MS) } else { whole };
            let hours = RunFilter { completed_since: Some(whole), ..filter.clone() };
            let (hours_sql, mut args) = source("run_completions_ws", "r.n", &hours, first);
            let (edge_sql, edge_args) = source("operation_runs", "1", filter, first + args.len());
            let until = first + args.len() + edge_args.len();
            args.extend(edge_args);
            args.push(FilterArg::Int(whole.millis()));
            (format!("{hours_sql} UNION ALL {edge_sql} AND r.completed_at < ${until}"), args)
        }
    }
}

/// How many of `workspace`'s runs (every workspace's when `None`) match `filter`: exact, from
/// the trigger-maintained counters wherever they answer ([`counted`]), never a scan of the
/// workspace's runs.
pub async fn count(db: &Db, workspace: Option<WorkspaceId>, filter: &RunFilter) -> Result<u64, RunQueryError> {
    let (source, args) = counted(workspace, filter, "", "");
    let sql = format!("SELECT CAST(COALESCE(SUM(c.n), 0) AS BIGINT) FROM ({source}) c");
    let mut q = sqlx::query_scalar::<_, i64>(&sql);
    if let Some(ws) = workspace {
        q = q.bind(ws.get());
    }
    q = bind_filter!(q, args);
    let n = q.fetch_one(db.pool()).await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// How many of `workspace`'s completed runs matching `filter` there are per tenant (`None`
/// for workspace-wide runs) and problem class, in one grouped query: from the per-tenant
/// counters, or from the runs when `filter` sets a completion window. Empty groups are absent.
pub async fn completed_counts_by_tenant(
    db: &Db,
    workspace: WorkspaceId,
    filter: &RunFilter,
) -> Result<Vec<(Option<TenantId>, ProblemClass, u64)>, RunQueryError> {
    let (place, first) = place_sql(Some(workspace));
    let (where_sql, args) = filter_sql(filter, first);
    let (table, n) = if filter.completed_since.is_some() { ("operation_runs", "1") } else { ("run_counts", "r.n") };
    let sql = format!(
        "SELECT r.tenant_id, r.terminal_class, CAST(COALESCE(SUM({n}), 0) AS BIGINT) AS n FROM {table} r \
         WHERE {place} AND r.status = 'completed'{where_sql} GROUP BY r.tenant_id, r.terminal_class"
    );
    let mut q = sqlx::query_as::<_, ClassCountRow>(&sql).bind(workspace.get());
    q = bind_filter!(q, args);
    let rows = q.fetch_all(db.pool()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let tenant = row.tenant_id.filter(|t| *t > 0).map(TenantId);
            Some((tenant, ProblemClass::parse(row.terminal_class.as_deref()?)?, u64::try_from(row.n).unwrap_or(0)))
        })
        .collect())
}

/// How many of `workspace`'s completed runs matching `filter` keep each problem class, from
/// the same counters as [`count`] (the class is part of their key). Classes with no runs are
/// absent. Active runs are counted from the live view by the caller.
pub async fn terminal_class_counts(
    db: &Db,
    workspace: Option<WorkspaceId>,
    filter: &RunFilter,
) -> Result<Vec<(ProblemClass, u64)>, RunQueryError> {
    let (source, args) =
        counted(workspace, filter, "r.terminal_class AS terminal_class, ", " AND r.status = 'completed'");
    let sql = format!(
        "SELECT c.terminal_class, CAST(COALESCE(SUM(c.n), 0) AS BIGINT) AS n FROM ({source}) c GROUP BY c.terminal_class"
    );
    let mut q = sqlx::query_as::<_, ClassTotalRow>(&sql);
    if let Some(ws) = workspace {
        q = q.bind(ws.get());
    }
    q = bind_filter!(q, args);
    let rows = q.fetch_all(db.pool()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| Some((ProblemClass::parse(&row.terminal_class)?, u64::try_from(row.n).unwrap_or(0))))
        .collect())
}

/// A tenant's active runs, oldest first (the poll path).
pub async fn active_for_tenant(db: &Db, tenant: TenantId) -> Result<Vec<RunWithTenant>, RunQueryError> {
    let sql = format!(
        "SELECT {}, t.name AS tenant_name FROM operation_runs r JOIN tenants t ON t.id = r.tenant_id \
         WHERE r.tenant_id = $1 AND r.status <> 'completed' ORDER BY r.created_at, r.id",
        run_columns_r()
    );
    let rows: Vec<RunRow> = sqlx::query_as(&sql).bind(tenant.get()).fetch_all(db.pool()).await?;
    Ok(convert(rows))
}

/// A run's logged status changes, oldest first (empty for runs completed before the log).
pub async fn transitions(db: &Db, run: RunId) -> Result<Vec<Transition>, RunQueryError> {
    let rows: Vec<TransitionRow> = sqlx::query_as(
        "SELECT at, from_status, to_status, outcome, actor FROM run_transitions WHERE run_id = $1 ORDER BY id",
    )
    .bind(run.get())
    .fetch_all(db.pool())
    .await?;
    // A row that does not read is left out, like a damaged run in a list.
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(Transition {
                at: Timestamp(row.at),
                from: row.from_status.map(|f| RunStatus::parse(&f)).transpose().ok()?,
                to: RunStatus::parse(&row.to_status).ok()?,
                outcome: row.outcome.map(|o| RunOutcome::parse(&o)).transpose().ok()?,
                actor: Actor::parse(&row.actor),
            })
        })
        .collect())
}

/// Completed runs counted per problem class.
#[derive(Debug, Clone, FromRow)]
struct ClassTotalRow {
    /// The class the runs keep.
    terminal_class: String,
    /// How many.
    n: i64,
}

/// Completed runs counted per tenant and problem class.
#[derive(Debug, Clone, FromRow)]
struct ClassCountRow {
    /// The tenant (`NULL` for workspace-wide runs).
    tenant_id: Option<i64>,
    /// The class the runs keep.
    terminal_class: Option<String>,
    /// How many.
    n: i64,
}

/// One logged status change of a run.
#[derive(Debug, Clone, FromRow)]
struct TransitionRow {
    /// When (milliseconds).
    at: i64,
    /// The status before, if any.
    from_status: Option<String>,
    /// The status after.
    to_status: String,
    /// The outcome, once completed.
    outcome: Option<String>,
    /// Who or what caused it (stored spelling).
    actor: String,
}

/// Why a run query failed.
#[derive(Debug, thiserror::Error)]
pub enum RunQueryError {
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored row could not be read.
    #[error(transparent)]
    Damaged(#[from] DamagedRun),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_follow_up_filter_spells_the_partial_index_predicate_of_both_databases() {
        let predicate = format!("terminal_class IN ({})", follow_up_classes_sql());
        assert_eq!(predicate, "terminal_class IN ('terminal_follow_up', 'reconciled_stale')");
        for migration in [
            include_str!("../../../migrations/sqlite/0015_system_lists.sql"),
            include_str!("../../../migrations/postgres/0015_system_lists.sql"),
            include_str!("../../../migrations/sqlite/0021_dashboard_indexes.sql"),
            include_str!("../../../migrations/postgres/0021_dashboard_indexes.sql"),
        ] {
            assert!(migration.contains(&predicate), "{migration}");
        }
    }
}
