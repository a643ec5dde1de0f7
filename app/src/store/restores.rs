//! Restore records (`restores`: applying → applied, partially applied or failed) and one
//! result per item (`restore_items`), written by `restore.execute` inside its run; the
//! restore adapter of the reconciler reads them back (`store::sweeps`).

use crate::domain::{RunId, TenantId, Timestamp, WorkspaceId};
use crate::store::db::Db;
use sqlx::AnyConnection;

/// Opens a restore of `snapshot` onto `tenant` by `run`, applying from `now`, inside the run's
/// transaction that holds its lease; returns its id.
pub async fn begin(
    conn: &mut AnyConnection,
    workspace: WorkspaceId,
    tenant: TenantId,
    run: RunId,
    snapshot: i64,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO restores (workspace_id, tenant_id, run_id, snapshot_id, status, started_at) \
         VALUES ($1, $2, $3, $4, 'applying', $5) RETURNING id",
    )
    .bind(workspace.get())
    .bind(tenant.get())
    .bind(run.get())
    .bind(snapshot)
    .bind(now.millis())
    .fetch_one(conn)
    .await
}

/// Records what restoring `external_id` did (`applied`, `unchanged` or `failed`) and a
/// sentence about it.
pub async fn record_item(
    conn: &mut AnyConnection,
    restore: i64,
    external_id: &str,
    result: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO restore_items (restore_id, external_id, result, detail) VALUES ($1, $2, $3, $4)")
        .bind(restore)
        .bind(external_id)
        .bind(result)
        .bind(detail)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends `restore` with `status` at `now`.
pub async fn finish(conn: &mut AnyConnection, restore: i64, status: &str, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE restores SET status = $1, finished_at = $2 WHERE id = $3")
        .bind(status)
        .bind(now.millis())
        .bind(restore)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends the restores `runs` were still applying (their runs ended without finishing them), at
/// `now`, in the runs' terminal transaction, as failed: the restore did not complete. Its
/// per-item results still say which items were put back. (Applied and partially applied
/// mean the restore ran to its end; the reconciler proves a run's success from them.)
pub async fn end_with_runs(
    db: &Db,
    conn: &mut AnyConnection,
    runs: &[RunId],
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let mut p = db.params();
    let at = p.take(1);
    let sql = format!(
        "UPDATE restores SET finished_at = {at}, status = 'failed' WHERE run_id IN ({}) AND status = 'applying'",
        p.take(runs.len())
    );
    let mut q = sqlx::query(&sql).bind(now.millis());
    for run in runs {
        q = q.bind(run.get());
    }
    q.execute(conn).await?;
    Ok(())
}
