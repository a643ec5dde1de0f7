//! What the reconciler reads and holds: the sweep lease (one sweep at a time across
//! instances), the active runs that may be abandoned, and the business records its adapters
//! judge (environment reviews by evidence fingerprint, restore records with their item
//! tallies). Its decisions are written through the lifecycle like every other ending.

use crate::domain::reconcile::AbandonedBefore;
use crate::domain::{Run, RunId, RunType, Timestamp};
use crate::store::db::{Db, placeholders};
use crate::store::runs::{RUN_COLUMNS, RunRow};
use sqlx::FromRow;

/// An environment review as the compose adapter weighs it.
#[derive(Debug, Clone, FromRow)]
pub struct ReviewRecord {
    /// The review's id.
    pub id: i64,
    /// Its workspace.
    pub workspace_id: i64,
    /// Its tenant.
    pub tenant_id: i64,
    /// The fingerprint of the evidence it was composed from.
    pub fingerprint: String,
    /// Its stored status.
    pub status: String,
}

/// A restore record with its per-item tallies, as the restore adapter weighs it.
#[derive(Debug, Clone, FromRow)]
pub struct RestoreTally {
    /// The restore's id.
    pub id: i64,
    /// The run that applies it.
    pub run_id: i64,
    /// Its workspace.
    pub workspace_id: i64,
    /// Its tenant.
    pub tenant_id: i64,
    /// Its stored status.
    pub status: String,
    /// Items applied.
    pub applied: i64,
    /// Items found as the snapshot has them already.
    pub unchanged: i64,
    /// Items that failed.
    pub failed: i64,
}

/// Takes (or renews) the sweep lease `name` for `owner` until `until`; `false` when another
/// owner holds one that has not expired by `now`.
pub async fn take_lease(
    db: &Db,
    name: &str,
    owner: &str,
    until: Timestamp,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let got: Option<String> = sqlx::query_scalar(
        "INSERT INTO sweep_leases (name, owner, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at \
         WHERE sweep_leases.expires_at <= $4 OR sweep_leases.owner = excluded.owner RETURNING owner",
    )
    .bind(name)
    .bind(owner)
    .bind(until.millis())
    .bind(now.millis())
    .fetch_optional(db.pool())
    .await?;
    Ok(got.is_some())
}

/// Gives the sweep lease `name` back early, if `owner` holds it.
pub async fn release_lease(db: &Db, name: &str, owner: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sweep_leases SET expires_at = 0 WHERE name = $1 AND owner = $2")
        .bind(name)
        .bind(owner)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// When a run started (its queueing, for a row written without a start): the domain's
/// `LifecycleTimes` reading, in SQL.
const STARTED: &str = "COALESCE(started_at, created_at)";

/// At most `limit` abandoned active runs, oldest first, under each type's own rule (`rules`:
/// a type and the instants before which its runs are abandoned). The rule is applied inside
/// the query, so runs that are merely old (a long-running type's healthy runs) never fill a
/// batch ahead of abandoned ones. Queued too long and past the time limit first narrow to
/// the loosest of the instants with a range scan of a partial index over active runs
/// (`ix_runs_queued`, `ix_runs_running_started`); a silent worker is found among the running
/// runs through `ix_runs_running_started` too, because no index covers `heartbeat_at` (a
/// heartbeat must stay an in-place update). Runs of workspace types are judged the same way
/// against the windows their workspace registered, read from `workspace_run_types` in the
/// query (a type registered again rewrites its active runs' copy in the same transaction, so
/// the two agree). A damaged row is logged and left out.
pub async fn candidates(
    db: &Db,
    rules: &[(RunType, AbandonedBefore)],
    now: Timestamp,
    limit: i64,
) -> Result<Vec<Run>, sqlx::Error> {
    let loosest = |f: fn(&AbandonedBefore) -> Timestamp| rules.iter().map(|(_, b)| f(b)).max().unwrap_or(Timestamp(0));
    // Placeholders in the order they appear, each bound once (SQLite's are positional).
    let mut p = db.params();
    let mut each = |template: &str, per_rule: usize| -> (String, Vec<String>) {
        let range = p.take(1);
        let rules = rules
            .iter()
            .map(|_| {
                let mut out = template.to_owned();
                for _ in 0..per_rule {
                    out = out.replacen("{}", &p.take(1), 1);
                }
                out
            })
            .collect();
        (range, rules)
    };
    let (queued_range, queued) = each("(run_type = {} AND created_at < {})", 2);
    let (silent_range, silent) = each(&format!("(run_type = {{}} AND heartbeat_at < {{}} AND {STARTED} < {{}})"), 3);
    let (started_range, started) = each(&format!("(run_type = {{}} AND {STARTED} < {{}})"), 2);
    let [n1, n2, n3, n4] = [p.take(1), p.take(1), p.take(1), p.take(1)];
    let limit_param = p.take(1);
    let workspace = format!(
        "SELECT {} FROM operation_runs r JOIN workspace_run_types t \
         ON t.workspace_id = r.workspace_id AND t.key = r.run_type \
         WHERE r.status IN ('queued', 'running') AND r.type_profile IS NOT NULL AND (\
         (r.status = 'queued' AND r.created_at < {n1} - t.stale_secs * 1000) \
         OR (r.status = 'running' AND r.heartbeat_at < {n2} - t.heartbeat_secs * 1000 \
         AND COALESCE(r.started_at, r.created_at) < {n3} - t.heartbeat_secs * 1000) \
         OR (r.status = 'running' AND r.started_at < {n4} - t.stale_secs * 1000))",
        crate::store::runs::run_columns_r(),
    );
    let sql = format!(
        "SELECT * FROM (\
         SELECT {RUN_COLUMNS} FROM operation_runs WHERE status = 'queued' AND created_at < {queued_range} AND ({}) \
         UNION SELECT {RUN_COLUMNS} FROM operation_runs WHERE status = 'running' AND heartbeat_at < {silent_range} \
         AND ({}) \
         UNION SELECT {RUN_COLUMNS} FROM operation_runs WHERE status = 'running' AND started_at < {started_range} \
         AND ({}) \
         UNION {workspace}\
         ) AS abandoned ORDER BY created_at, id LIMIT {limit_param}",
        queued.join(" OR "),
        silent.join(" OR "),
        started.join(" OR "),
    );
    let mut q = sqlx::query_as::<_, RunRow>(&sql).bind(loosest(|b| b.queued).millis());
    for (t, before) in rules {
        q = q.bind(t.as_str()).bind(before.queued.millis());
    }
    q = q.bind(loosest(|b| b.silent).millis());
    for (t, before) in rules {
        q = q.bind(t.as_str()).bind(before.silent.millis()).bind(before.silent.millis());
    }
    q = q.bind(loosest(|b| b.started).millis());
    for (t, before) in rules {
        q = q.bind(t.as_str()).bind(before.started.millis());
    }
    for _ in 0..4 {
        q = q.bind(now.millis());
    }
    let rows: Vec<RunRow> = q.bind(limit).fetch_all(db.pool()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| row.into_run().inspect_err(|e| tracing::warn!(error = %e, "skipping an unreadable run")).ok())
        .collect())
}

/// The environment reviews of `tenants` composed from one of `fingerprints`, and every
/// published review of those tenants, by id.
pub async fn reviews(db: &Db, tenants: &[i64], fingerprints: &[&str]) -> Result<Vec<ReviewRecord>, sqlx::Error> {
    if tenants.is_empty() || fingerprints.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, workspace_id, tenant_id, fingerprint, status FROM environment_reviews \
         WHERE tenant_id IN ({}) AND (fingerprint IN ({}) OR status = 'published') ORDER BY id",
        placeholders(1, tenants.len()),
        placeholders(1 + tenants.len(), fingerprints.len())
    );
    let mut q = sqlx::query_as::<_, ReviewRecord>(&sql);
    for t in tenants {
        q = q.bind(*t);
    }
    for fp in fingerprints {
        q = q.bind(*fp);
    }
    q.fetch_all(db.pool()).await
}

/// A review pack as the pack adapter weighs it.
#[derive(Debug, Clone, FromRow)]
pub struct PackRecord {
    /// The pack's id.
    pub id: i64,
    /// The run that makes it.
    pub run_id: i64,
    /// Its workspace.
    pub workspace_id: i64,
    /// Its tenant.
    pub tenant_id: i64,
    /// Its stored status.
    pub status: String,
}

/// The review packs of `runs` (at most one each).
pub async fn packs(db: &Db, runs: &[RunId]) -> Result<Vec<PackRecord>, sqlx::Error> {
    if runs.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, run_id, workspace_id, tenant_id, status FROM review_packs WHERE run_id IN ({})",
        placeholders(1, runs.len())
    );
    let mut q = sqlx::query_as::<_, PackRecord>(&sql);
    for run in runs {
        q = q.bind(run.get());
    }
    q.fetch_all(db.pool()).await
}

/// The restore records of `runs` with their per-item tallies.
pub async fn restores(db: &Db, runs: &[RunId]) -> Result<Vec<RestoreTally>, sqlx::Error> {
    if runs.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT r.id, r.run_id, r.workspace_id, r.tenant_id, r.status, \
         COALESCE(SUM(CASE WHEN i.result = 'applied' THEN 1 ELSE 0 END), 0) AS applied, \
         COALESCE(SUM(CASE WHEN i.result = 'unchanged' THEN 1 ELSE 0 END), 0) AS unchanged, \
         COALESCE(SUM(CASE WHEN i.result = 'failed' THEN 1 ELSE 0 END), 0) AS failed \
         FROM restores r LEFT JOIN restore_items i ON i.restore_id = r.id \
         WHERE r.run_id IN ({}) GROUP BY r.id, r.run_id, r.workspace_id, r.tenant_id, r.status",
        placeholders(1, runs.len())
    );
    let mut q = sqlx::query_as::<_, RestoreTally>(&sql);
    for run in runs {
        q = q.bind(run.get());
    }
    q.fetch_all(db.pool()).await
}
