//! History retention in SQL: which terminal runs and notifications are past their keeping,
//! and deleting them a bounded batch at a time. The rule (what is kept, for how long, in
//! what batches) is `jobs::retention`'s; this module only says it to the database.
//!
//! A run a business record still names (a baseline snapshot, drift findings, a restore, a
//! review pack, the review it composed, the inventory it synced last) is kept whatever its
//! age: those records are current truth, and each proves what its run did. Deleting a run
//! deletes its transitions (`ON DELETE CASCADE`); its notifications stay, no longer naming it,
//! and the counters follow through their triggers in the same transaction.

use crate::domain::Timestamp;
use crate::store::db::Db;

/// The records that keep a run: each table and its column naming the run, every one indexed.
const KEPT_BY: [(&str, &str); 6] = [
    ("baseline_snapshots", "run_id"),
    ("drift_findings", "run_id"),
    ("restores", "run_id"),
    ("review_packs", "run_id"),
    ("environment_reviews", "compose_run_id"),
    ("inventory_items", "last_sync_run_id"),
];

/// `EXISTS …` for each record that keeps run `r`, joined by `OR`.
fn kept_sql() -> String {
    KEPT_BY
        .iter()
        .map(|(table, column)| format!("EXISTS (SELECT 1 FROM {table} k WHERE k.{column} = r.id)"))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// Where a sweep through old runs has got to: the last run it looked at, oldest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    /// When that run was created.
    pub created_at: i64,
    /// Its id.
    pub id: i64,
}

/// A batch of old terminal runs: the deletable ones, and where the batch ended.
#[derive(Debug, Clone, Default)]
pub struct OldRuns {
    /// Runs ended before the cutoff that no business record names.
    pub deletable: Vec<i64>,
    /// The last run looked at, kept or not; `None` when none was left.
    pub last: Option<Cursor>,
}

/// Up to `limit` runs created after `after` and before `before` (oldest first, through
/// `ix_runs_created`), of which those completed before `before` and named by no business
/// record are deletable.
pub async fn old_runs(db: &Db, before: Timestamp, after: Cursor, limit: i64) -> Result<OldRuns, sqlx::Error> {
    let kept = kept_sql();
    let sql = format!(
        "SELECT r.id, r.created_at, CASE WHEN r.status = 'completed' AND r.completed_at < $1 AND NOT ({kept}) \
         THEN 1 ELSE 0 END AS deletable FROM operation_runs r \
         WHERE r.created_at < $1 AND (r.created_at, r.id) > ($2, $3) \
         ORDER BY r.created_at, r.id LIMIT $4"
    );
    let rows: Vec<(i64, i64, i32)> = sqlx::query_as(&sql)
        .bind(before.millis())
        .bind(after.created_at)
        .bind(after.id)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    Ok(OldRuns {
        deletable: rows.iter().filter(|(_, _, d)| *d == 1).map(|(id, _, _)| *id).collect(),
        last: rows.last().map(|(id, created_at, _)| Cursor { created_at: *created_at, id: *id }),
    })
}

/// Deletes the runs `ids` in one transaction, each only while it is still completed before
/// `before` and named by no business record (the batch was read outside it); their
/// notifications stay and stop naming them. Returns how many were deleted.
pub async fn delete_runs(db: &Db, ids: &[i64], before: Timestamp) -> Result<u64, sqlx::Error> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut tx = db.begin_write().await?;
    // Checked once, inside the transaction: nothing names an old finished run anew (new
    // records name new runs), so the runs found here are the runs deleted below.
    let mut p = db.params();
    // The cutoff's placeholder comes first in the text (SQLite numbers them as they appear).
    let cutoff = p.take(1);
    let list = p.take(ids.len());
    let still = format!(
        "SELECT r.id FROM operation_runs r WHERE r.completed_at < {cutoff} AND r.status = 'completed' \
         AND r.id IN ({list}) AND NOT ({})",
        kept_sql()
    );
    let mut q = sqlx::query_scalar::<_, i64>(&still).bind(before.millis());
    for id in ids {
        q = q.bind(*id);
    }
    let gone = q.fetch_all(&mut *tx).await?;
    if gone.is_empty() {
        return Ok(0);
    }
    let list = db.params().take(gone.len());
    let mut deleted = 0;
    for sql in [
        format!("UPDATE notifications SET run_id = NULL WHERE run_id IN ({list})"),
        format!("DELETE FROM operation_runs WHERE id IN ({list})"),
    ] {
        let mut q = sqlx::query(&sql);
        for id in &gone {
            q = q.bind(*id);
        }
        deleted = q.execute(&mut *tx).await?.rows_affected();
    }
    tx.commit().await?;
    Ok(deleted)
}

/// Deletes up to `limit` notifications written before `before`, oldest first, in one
/// statement. Returns how many.
pub async fn delete_notifications(db: &Db, before: Timestamp, limit: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM notifications WHERE id IN \
         (SELECT id FROM notifications WHERE created_at < $1 ORDER BY created_at, id LIMIT $2)",
    )
    .bind(before.millis())
    .bind(limit)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected())
}

/// Deletes up to `limit` webhook events written before `before` whose deliveries are all
/// settled (delivered or given up), with their deliveries and attempts, in one transaction;
/// how many events. A delivery still being retried keeps its event.
pub async fn delete_webhook_events(db: &Db, before: Timestamp, limit: i64) -> Result<u64, sqlx::Error> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT e.id FROM webhook_events e WHERE e.created_at < $1 AND NOT EXISTS \
         (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.state = 'pending') \
         ORDER BY e.created_at, e.id LIMIT $2",
    )
    .bind(before.millis())
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let list = super::db::placeholders(1, ids.len());
    let mut tx = db.begin_write().await?;
    for sql in [
        format!(
            "DELETE FROM webhook_attempts WHERE delivery_id IN \
             (SELECT id FROM webhook_deliveries WHERE event_id IN ({list}) AND state <> 'pending')"
        ),
        format!("DELETE FROM webhook_deliveries WHERE event_id IN ({list}) AND state <> 'pending'"),
    ] {
        let mut q = sqlx::query(&sql);
        for id in &ids {
            q = q.bind(id.as_str());
        }
        q.execute(&mut *tx).await?;
    }
    // An event whose delivery turned pending meanwhile ("retry now") keeps that delivery, so
    // it is kept too.
    let sql = format!(
        "DELETE FROM webhook_events WHERE id IN ({list}) AND NOT EXISTS \
         (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)"
    );
    let mut q = sqlx::query(&sql);
    for id in &ids {
        q = q.bind(id.as_str());
    }
    let done = q.execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}
