//! The lifecycle's writes to `operation_runs`: queueing, claiming, heartbeats, progress,
//! cancel requests and the guarded terminal transitions, with the terminal notifications
//! they write in the same transaction. Only `jobs::lifecycle` calls these: it decides what
//! may happen; this module says it in SQL. Every transition names the state it expects
//! (see [`Guard`]), so two racing writers end with exactly one winner.
//!
//! Every write but a sign of life adds one to `revision`; a sign of life (a heartbeat, or a
//! worker holding its lease while it writes business records) touches only columns no index
//! covers, so on PostgreSQL it is an in-place (HOT) update (specs/lifecycle-and-storage).

use crate::domain::{RunId, RunStatus, TenantId, Timestamp, UserId, WorkspaceId};
use crate::store::db::{Backend, Db};
use crate::store::runs::{RUN_COLUMNS, RunRow};
use sqlx::{AnyConnection, FromRow};

/// What a terminal write expects the run to be; a row that no longer matches is left alone.
#[derive(Debug, Clone, Copy)]
pub enum Guard<'a> {
    /// Running under this lease owner.
    RunningUnder(&'a str),
    /// In exactly this (active) status.
    Status(RunStatus),
    /// In this (active) status, last written at exactly this instant.
    Unchanged(RunStatus, Timestamp),
}

/// A run to queue.
#[derive(Debug, Clone, Copy)]
pub struct NewRunRow<'a> {
    /// Its workspace.
    pub workspace: WorkspaceId,
    /// Its tenant, if any.
    pub tenant: Option<TenantId>,
    /// Its type's stored spelling.
    pub run_type: &'a str,
    /// The workspace type it is a run of, as stored (`None` for a built-in type).
    pub type_profile: Option<&'a str>,
    /// Who asked, if a person did.
    pub initiator: Option<UserId>,
    /// Its context as JSON.
    pub context: &'a str,
    /// Its dedupe key, if any.
    pub dedupe_key: Option<&'a str>,
    /// The key one active run of this scope, type and dedupe key holds.
    pub active_key: &'a str,
}

/// The terminal fields a completion writes.
#[derive(Debug, Clone, Copy)]
pub struct Ending<'a> {
    /// The outcome's stored spelling.
    pub outcome: &'a str,
    /// The failure's code, if it failed.
    pub failure_code: Option<&'a str>,
    /// The failure's stored sentence.
    pub failure_message: Option<&'a str>,
    /// The failure's diagnostic detail.
    pub failure_detail: Option<&'a str>,
    /// The problem class the run keeps.
    pub terminal_class: &'a str,
    /// Who or what ended it (stored spelling).
    pub completed_by: &'a str,
}

/// One run of a set-based terminal write, exactly as the reconciler observed it.
#[derive(Debug, Clone)]
pub struct ObservedEnding {
    /// The run.
    pub id: RunId,
    /// The status it was observed in.
    pub observed_status: RunStatus,
    /// Its last write when observed.
    pub observed_at: Timestamp,
    /// The outcome's stored spelling.
    pub outcome: String,
    /// The failure's code, if it failed.
    pub failure_code: Option<String>,
    /// The failure's stored sentence.
    pub failure_message: Option<String>,
    /// The summary counts to store, as JSON.
    pub summary: String,
    /// The context to store, as JSON.
    pub context: String,
    /// The problem class the run keeps.
    pub terminal_class: Option<String>,
    /// Who or what ended it (stored spelling).
    pub completed_by: String,
}

/// A terminal notification to write.
#[derive(Debug, Clone)]
pub struct NewNotification {
    /// Its recipient.
    pub user: UserId,
    /// The run's workspace.
    pub workspace: WorkspaceId,
    /// The run (its words and link are derived from it when read).
    pub run: RunId,
}

/// What progress merges into: the run's type, counts and context as stored.
#[derive(Debug, Clone, FromRow)]
pub struct ProgressBase {
    /// The type's stored spelling.
    pub run_type: String,
    /// The workspace type it carries, if it is not a built-in one.
    pub type_profile: Option<String>,
    /// The summary counts as JSON.
    pub summary_counts: String,
    /// The context as JSON.
    pub context: String,
    /// Its revision when read.
    pub revision: i64,
}

/// Whether `tenant` belongs to `workspace`.
pub async fn tenant_in_workspace(db: &Db, tenant: TenantId, workspace: WorkspaceId) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM tenants WHERE id = $1 AND workspace_id = $2")
        .bind(tenant.get())
        .bind(workspace.get())
        .fetch_optional(db.pool())
        .await?;
    Ok(found.is_some())
}

/// Queues `run` at `now`, unless an active run holds its active key (then `None`).
pub async fn insert_queued(db: &Db, run: &NewRunRow<'_>, now: Timestamp) -> Result<Option<RunRow>, sqlx::Error> {
    insert(db, run, now, None).await
}

/// Writes `run` as already running at `now` under `owner`'s lease until `until` (work its
/// platform runs and reports), unless an active run holds its active key (then `None`).
pub async fn insert_running(
    db: &Db,
    run: &NewRunRow<'_>,
    now: Timestamp,
    owner: &str,
    until: Timestamp,
) -> Result<Option<RunRow>, sqlx::Error> {
    insert(db, run, now, Some((owner, until))).await
}

async fn insert(
    db: &Db,
    run: &NewRunRow<'_>,
    now: Timestamp,
    lease: Option<(&str, Timestamp)>,
) -> Result<Option<RunRow>, sqlx::Error> {
    let insert = format!(
        "INSERT INTO operation_runs (workspace_id, tenant_id, run_type, initiator_id, status, summary_counts, \
         context, created_at, updated_at, attempt, dedupe_key, active_key, type_profile, started_at, heartbeat_at, \
         lease_owner, lease_expires_at) \
         VALUES ($1, $2, $3, $4, $5, '{{}}', $6, $7, $7, $8, $9, $10, $11, $12, $12, $13, $14) \
         ON CONFLICT (active_key) WHERE status <> 'completed' DO NOTHING RETURNING {RUN_COLUMNS}"
    );
    let started = lease.map(|_| now.millis());
    sqlx::query_as(&insert)
        .bind(run.workspace.get())
        .bind(run.tenant.map(TenantId::get))
        .bind(run.run_type)
        .bind(run.initiator.map(UserId::get))
        .bind(if lease.is_some() { "running" } else { "queued" })
        .bind(run.context)
        .bind(now.millis())
        .bind(i64::from(lease.is_some()))
        .bind(run.dedupe_key)
        .bind(run.active_key)
        .bind(run.type_profile)
        .bind(started)
        .bind(lease.map(|(owner, _)| owner))
        .bind(lease.map(|(_, until)| until.millis()))
        .fetch_optional(db.pool())
        .await
}

/// The active run holding `active_key`, if any.
pub async fn active_by_key(db: &Db, active_key: &str) -> Result<Option<RunRow>, sqlx::Error> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM operation_runs WHERE active_key = $1 AND status <> 'completed'");
    sqlx::query_as(&sql).bind(active_key).fetch_optional(db.pool()).await
}

/// The write every claim makes: running under `$2`'s lease until `$3`, started at `$1`.
const CLAIM_SET: &str = "UPDATE operation_runs SET status = 'running', started_at = $1, updated_at = $1, \
     heartbeat_at = $1, lease_owner = $2, lease_expires_at = $3, attempt = attempt + 1, revision = revision + 1";

/// Claims the oldest queued run of a built-in type for `owner` at `now` with a lease until
/// `until`; `None` when another claimer took the pick first or nothing is queued. Runs of
/// workspace types are left to the platform's workers, which claim through the runs API. On PostgreSQL concurrent
/// claimers skip each other's rows.
pub async fn claim_oldest(
    db: &Db,
    owner: &str,
    now: Timestamp,
    until: Timestamp,
) -> Result<Option<RunRow>, sqlx::Error> {
    let pick = match db.backend() {
        Backend::Postgres => {
            "SELECT id FROM operation_runs WHERE status = 'queued' AND type_profile IS NULL ORDER BY created_at, id \
             LIMIT 1 FOR UPDATE SKIP LOCKED"
        }
        Backend::Sqlite => {
            "SELECT id FROM operation_runs WHERE status = 'queued' AND type_profile IS NULL ORDER BY created_at, id LIMIT 1"
        }
    };
    let sql = format!("{CLAIM_SET} WHERE id = ({pick}) AND status = 'queued' RETURNING {RUN_COLUMNS}");
    sqlx::query_as(&sql).bind(now.millis()).bind(owner).bind(until.millis()).fetch_optional(db.pool()).await
}

/// Which queued runs a runs-API claim may take.
#[derive(Debug, Clone, Copy)]
pub struct ReportedPick<'a> {
    /// The claimer's workspace.
    pub workspace: WorkspaceId,
    /// Its tenants, when the claimer is restricted to some.
    pub tenants: Option<&'a [TenantId]>,
    /// The workspace types it works.
    pub types: &'a [&'a str],
}

/// What a claim found.
#[derive(Debug)]
pub enum Claimed {
    /// This run, now held.
    Run(Box<RunRow>),
    /// Nothing of the kind is queued.
    NothingQueued,
    /// Another claimer took the pick between our read and our write.
    TakenFirst,
}

/// Claims the oldest queued run `pick` allows for `owner` at `now` with a lease until `until`.
/// On PostgreSQL concurrent claimers skip each other's rows.
pub async fn claim_oldest_reported(
    db: &Db,
    pick: &ReportedPick<'_>,
    owner: &str,
    now: Timestamp,
    until: Timestamp,
) -> Result<Claimed, sqlx::Error> {
    let types = crate::store::db::placeholders(5, pick.types.len());
    let tenant = tenants_clause(pick, 5 + pick.types.len());
    let lock = if db.backend() == Backend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let choose = format!(
        "SELECT id FROM operation_runs WHERE status = 'queued' AND type_profile IS NOT NULL AND workspace_id = $4 \
         AND run_type IN ({types}){tenant} ORDER BY created_at, id LIMIT 1{lock}"
    );
    let sql = format!("{CLAIM_SET} WHERE id = ({choose}) AND status = 'queued' RETURNING {RUN_COLUMNS}");
    let mut q = sqlx::query_as(&sql).bind(now.millis()).bind(owner).bind(until.millis()).bind(pick.workspace.get());
    for t in pick.types {
        q = q.bind(*t);
    }
    for t in pick.tenants.unwrap_or_default() {
        q = q.bind(t.get());
    }
    if let Some(row) = q.fetch_optional(db.pool()).await? {
        return Ok(Claimed::Run(Box::new(row)));
    }
    let probe = format!(
        "SELECT id FROM operation_runs WHERE status = 'queued' AND type_profile IS NOT NULL AND workspace_id = $1 \
         AND run_type IN ({}){} LIMIT 1",
        crate::store::db::placeholders(2, pick.types.len()),
        tenants_clause(pick, 2 + pick.types.len()),
    );
    let mut q = sqlx::query_scalar::<_, i64>(&probe).bind(pick.workspace.get());
    for t in pick.types {
        q = q.bind(*t);
    }
    for t in pick.tenants.unwrap_or_default() {
        q = q.bind(t.get());
    }
    Ok(if q.fetch_optional(db.pool()).await?.is_some() { Claimed::TakenFirst } else { Claimed::NothingQueued })
}

/// ` AND tenant_id IN (…)` with placeholders from `first`, when `pick` is restricted.
fn tenants_clause(pick: &ReportedPick<'_>, first: usize) -> String {
    match pick.tenants {
        Some(tenants) => format!(" AND tenant_id IN ({})", crate::store::db::placeholders(first, tenants.len())),
        None => String::new(),
    }
}

/// Whether any run of a built-in type is queued.
pub async fn any_queued(db: &Db) -> Result<bool, sqlx::Error> {
    let queued: Option<i64> =
        sqlx::query_scalar("SELECT id FROM operation_runs WHERE status = 'queued' AND type_profile IS NULL LIMIT 1")
            .fetch_optional(db.pool())
            .await?;
    Ok(queued.is_some())
}

/// Claims the queued run `id` for `owner` at `now` with a lease until `until`; `None` when it
/// is not queued.
pub async fn claim(
    db: &Db,
    id: RunId,
    owner: &str,
    now: Timestamp,
    until: Timestamp,
) -> Result<Option<RunRow>, sqlx::Error> {
    sqlx::query_as(&format!("{CLAIM_SET} WHERE id = $4 AND status = 'queued' RETURNING {RUN_COLUMNS}"))
        .bind(now.millis())
        .bind(owner)
        .bind(until.millis())
        .bind(id.get())
        .fetch_optional(db.pool())
        .await
}

/// A sign of life from the worker holding a run: a heartbeat at `$1`, the lease renewed until
/// `$2`, for run `$3` only while it runs under owner `$4`.
const SIGN_OF_LIFE: &str = "UPDATE operation_runs SET heartbeat_at = $1, updated_at = $1, lease_expires_at = $2 \
     WHERE id = $3 AND status = 'running' AND lease_owner = $4";

/// Inside the caller's transaction: renews `owner`'s lease on the running run `id` until
/// `until` and records a sign of life at `now`; `false` when `owner` no longer holds it.
pub async fn hold(
    conn: &mut AnyConnection,
    id: RunId,
    owner: &str,
    now: Timestamp,
    until: Timestamp,
) -> Result<bool, sqlx::Error> {
    let held = sqlx::query(SIGN_OF_LIFE)
        .bind(now.millis())
        .bind(until.millis())
        .bind(id.get())
        .bind(owner)
        .execute(conn)
        .await?;
    Ok(held.rows_affected() == 1)
}

/// A heartbeat: like [`hold`], on its own, returning the run; `None` when the lease is lost.
pub async fn heartbeat(
    db: &Db,
    id: RunId,
    owner: &str,
    now: Timestamp,
    until: Timestamp,
) -> Result<Option<RunRow>, sqlx::Error> {
    sqlx::query_as(&format!("{SIGN_OF_LIFE} RETURNING {RUN_COLUMNS}"))
        .bind(now.millis())
        .bind(until.millis())
        .bind(id.get())
        .bind(owner)
        .fetch_optional(db.pool())
        .await
}

/// Records that `by` asked the running run `id` to stop at `now`; `None` when it is not
/// running or someone asked first.
pub async fn request_cancel(db: &Db, id: RunId, by: UserId, now: Timestamp) -> Result<Option<RunRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE operation_runs SET cancel_requested_at = $1, cancel_requested_by = $2, updated_at = $1, \
         revision = revision + 1 WHERE id = $3 AND status = 'running' AND cancel_requested_at IS NULL RETURNING {RUN_COLUMNS}"
    ))
    .bind(now.millis())
    .bind(by.get())
    .bind(id.get())
    .fetch_optional(db.pool())
    .await
}

/// Inside the caller's transaction: a heartbeat that also returns what progress merges into;
/// `None` when `owner` no longer holds the run.
pub async fn hold_for_progress(
    conn: &mut AnyConnection,
    id: RunId,
    owner: &str,
    now: Timestamp,
    until: Timestamp,
) -> Result<Option<ProgressBase>, sqlx::Error> {
    sqlx::query_as(&format!("{SIGN_OF_LIFE} RETURNING run_type, type_profile, summary_counts, context, revision"))
        .bind(now.millis())
        .bind(until.millis())
        .bind(id.get())
        .bind(owner)
        .fetch_optional(conn)
        .await
}

/// What progress merges into while `owner` holds the running run `id`, read without a lock,
/// with the revision [`write_progress`] must find unchanged; `None` when `owner` does not
/// hold it.
pub async fn progress_base(db: &Db, id: RunId, owner: &str) -> Result<Option<ProgressBase>, sqlx::Error> {
    sqlx::query_as(
        "SELECT run_type, type_profile, summary_counts, context, revision FROM operation_runs \
         WHERE id = $1 AND status = 'running' AND lease_owner = $2",
    )
    .bind(id.get())
    .bind(owner)
    .fetch_optional(db.pool())
    .await
}

/// Progress as one guarded statement: a sign of life at `now` renewing `owner`'s lease until
/// `until`, with the merged summary counts and context — written only if `owner` still holds
/// the running run and nothing else wrote it since it was read at `revision`. Returns the
/// run; `None` when the guard missed.
#[expect(clippy::too_many_arguments, reason = "one guarded statement's binds, named at the call")]
pub async fn write_progress(
    db: &Db,
    id: RunId,
    owner: &str,
    revision: i64,
    now: Timestamp,
    until: Timestamp,
    summary: &str,
    context: &str,
) -> Result<Option<RunRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE operation_runs SET heartbeat_at = $1, updated_at = $1, lease_expires_at = $2, summary_counts = $3, \
         context = $4, revision = revision + 1 \
         WHERE id = $5 AND status = 'running' AND lease_owner = $6 AND revision = $7 RETURNING {RUN_COLUMNS}"
    ))
    .bind(now.millis())
    .bind(until.millis())
    .bind(summary)
    .bind(context)
    .bind(id.get())
    .bind(owner)
    .bind(revision)
    .fetch_optional(db.pool())
    .await
}

/// Inside the caller's transaction: stores the run's summary counts and context, returning it.
pub async fn set_progress(
    conn: &mut AnyConnection,
    id: RunId,
    summary: &str,
    context: &str,
) -> Result<RunRow, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE operation_runs SET summary_counts = $1, context = $2, revision = revision + 1 WHERE id = $3 \
         RETURNING {RUN_COLUMNS}"
    ))
    .bind(summary)
    .bind(context)
    .bind(id.get())
    .fetch_one(conn)
    .await
}

/// Inside the caller's transaction: stores the run's summary counts and context.
pub async fn set_summary_and_context(
    conn: &mut AnyConnection,
    id: RunId,
    summary: &str,
    context: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE operation_runs SET summary_counts = $1, context = $2, revision = revision + 1 WHERE id = $3")
        .bind(summary)
        .bind(context)
        .bind(id.get())
        .execute(conn)
        .await?;
    Ok(())
}

/// Inside the caller's transaction: completes run `id` at `now` with `ending` if `guard`
/// still holds; `None` (nothing written) when it does not.
pub async fn complete(
    conn: &mut AnyConnection,
    id: RunId,
    guard: Guard<'_>,
    ending: &Ending<'_>,
    now: Timestamp,
) -> Result<Option<RunRow>, sqlx::Error> {
    let (condition, owner, seen) = match guard {
        Guard::RunningUnder(owner) => ("status = 'running' AND lease_owner = $9".to_owned(), Some(owner), None),
        Guard::Status(s) => (format!("status = '{}'", s.as_str()), None, None),
        Guard::Unchanged(s, at) => (format!("status = '{}' AND updated_at = $9", s.as_str()), None, Some(at.millis())),
    };
    let sql = format!(
        "UPDATE operation_runs SET status = 'completed', outcome = $1, completed_at = $2, updated_at = $2, \
         failure_code = $3, failure_message = $4, failure_detail = $5, lease_owner = NULL, lease_expires_at = NULL, \
         terminal_class = $7, completed_by = $8, revision = revision + 1 WHERE id = $6 AND {condition} \
         RETURNING {RUN_COLUMNS}"
    );
    let mut q = sqlx::query_as::<_, RunRow>(&sql)
        .bind(ending.outcome)
        .bind(now.millis())
        .bind(ending.failure_code)
        .bind(ending.failure_message)
        .bind(ending.failure_detail)
        .bind(id.get())
        .bind(ending.terminal_class)
        .bind(ending.completed_by);
    if let Some(owner) = owner {
        q = q.bind(owner);
    }
    if let Some(seen) = seen {
        q = q.bind(seen);
    }
    q.fetch_optional(conn).await
}

/// Inside the caller's transaction: completes every run of `chunk` (at most a few hundred)
/// at `now` whose status and last write are still the observed ones, in one set-based
/// statement; returns the ids written.
pub async fn complete_observed(
    db: &Db,
    conn: &mut AnyConnection,
    chunk: &[ObservedEnding],
    now: Timestamp,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut params = db.params();
    let values = (0..chunk.len()).map(|_| format!("({})", params.take(11))).collect::<Vec<_>>().join(", ");
    // VALUES columns are column1… on both databases: id, observed status, observed
    // updated_at, outcome, failure code, failure message, summary, context, now, the
    // class the run keeps, and who ended it.
    let sql = format!(
        "UPDATE operation_runs SET status = 'completed', outcome = v.column4, completed_at = v.column9, \
         updated_at = v.column9, failure_code = v.column5, failure_message = v.column6, failure_detail = NULL, \
         summary_counts = v.column7, context = v.column8, lease_owner = NULL, lease_expires_at = NULL, \
         terminal_class = v.column10, completed_by = v.column11, revision = operation_runs.revision + 1 \
         FROM (VALUES {values}) AS v \
         WHERE operation_runs.id = v.column1 AND operation_runs.status = v.column2 \
         AND operation_runs.updated_at = v.column3 RETURNING operation_runs.id"
    );
    let mut q = sqlx::query_scalar::<_, i64>(&sql);
    for e in chunk {
        q = q
            .bind(e.id.get())
            .bind(e.observed_status.as_str())
            .bind(e.observed_at.millis())
            .bind(e.outcome.clone())
            .bind(e.failure_code.clone())
            .bind(e.failure_message.clone())
            .bind(e.summary.clone())
            .bind(e.context.clone())
            .bind(now.millis())
            .bind(e.terminal_class.clone())
            .bind(e.completed_by.clone());
    }
    q.fetch_all(conn).await
}

/// Inside the caller's transaction: writes each terminal notification at `now`, as one
/// multi-row insert per chunk. Keyed `run-terminal:<id>`, so a run is announced at most once.
pub async fn insert_terminal_notifications(
    db: &Db,
    conn: &mut AnyConnection,
    notifications: &[NewNotification],
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    /// Rows per statement (5 parameters each).
    const CHUNK: usize = 800;
    for chunk in notifications.chunks(CHUNK) {
        let mut sql = String::from(
            "INSERT INTO notifications (user_id, workspace_id, run_id, kind, created_at, dedupe_key) VALUES ",
        );
        let mut params = db.params();
        let rows = (0..chunk.len()).map(|_| format!("({}, 'run_terminal', {})", params.take(3), params.take(2)));
        sql.push_str(&rows.collect::<Vec<_>>().join(", "));
        sql.push_str(" ON CONFLICT (dedupe_key) DO NOTHING");
        let mut q = sqlx::query(&sql);
        for n in chunk {
            q = q
                .bind(n.user.get())
                .bind(n.workspace.get())
                .bind(n.run.get())
                .bind(now.millis())
                .bind(format!("run-terminal:{}", n.run));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}
