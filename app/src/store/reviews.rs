//! Environment reviews (`environment_reviews`: composing → ready → published → superseded)
//! and the evidence a compose gathers for one: the latest runs of the evidence types, the
//! latest compare's finding counts and the tenant's recent failures.

use crate::domain::{RunId, TenantId, Timestamp, WorkspaceId};
use crate::store::db::Db;
use sqlx::{AnyConnection, FromRow};

/// A completed run as evidence: which one, and how it ended (stored spelling).
#[derive(Debug, Clone, FromRow)]
pub struct LatestRun {
    /// The run's id.
    pub id: i64,
    /// Its stored outcome.
    pub outcome: Option<String>,
}

/// How many findings of one kind a compare recorded.
#[derive(Debug, Clone, FromRow)]
pub struct ChangeCount {
    /// `added`, `removed` or `changed`.
    pub change: String,
    /// How many.
    pub n: i64,
}

/// What a composed review holds.
#[derive(Debug, Clone, Copy)]
pub struct Composed<'a> {
    /// The tenant it reviews.
    pub tenant: TenantId,
    /// The fingerprint of its evidence.
    pub fingerprint: &'a str,
    /// The compose run that wrote it.
    pub run: RunId,
    /// Its sections as JSON.
    pub sections: &'a str,
    /// Its evidence record as JSON.
    pub evidence: &'a str,
}

/// The tenant's latest completed run of `run_type` (stored spelling), if any.
pub async fn latest_completed_run(db: &Db, tenant: TenantId, run_type: &str) -> Result<Option<LatestRun>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, outcome FROM operation_runs WHERE tenant_id = $1 AND run_type = $2 AND status = 'completed' \
         ORDER BY completed_at DESC, id DESC LIMIT 1",
    )
    .bind(tenant.get())
    .bind(run_type)
    .fetch_optional(db.pool())
    .await
}

/// How many findings of each kind compare run `run` recorded, by kind.
pub async fn finding_counts(db: &Db, run: i64) -> Result<Vec<ChangeCount>, sqlx::Error> {
    sqlx::query_as("SELECT change, COUNT(*) AS n FROM drift_findings WHERE run_id = $1 GROUP BY change ORDER BY change")
        .bind(run)
        .fetch_all(db.pool())
        .await
}

/// The tenant's last 20 failed runs completed since `since`, other than composes, newest first.
pub async fn recent_failures(db: &Db, tenant: TenantId, since: Timestamp) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM operation_runs WHERE tenant_id = $1 AND status = 'completed' AND outcome = 'failed' \
         AND completed_at >= $2 AND run_type <> 'environment.review.compose' ORDER BY id DESC LIMIT 20",
    )
    .bind(tenant.get())
    .bind(since.millis())
    .fetch_all(db.pool())
    .await
}

/// Refreshes the tenant's mutable (composing or ready) review of the same evidence with
/// `review`, ready at `now`; its id, or `None` when there is no such review.
pub async fn refresh_mutable(
    conn: &mut AnyConnection,
    review: &Composed<'_>,
    now: Timestamp,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE environment_reviews SET status = 'ready', compose_run_id = $1, sections = $2, evidence = $3, \
         updated_at = $4 WHERE tenant_id = $5 AND fingerprint = $6 AND status IN ('composing', 'ready') RETURNING id",
    )
    .bind(review.run.get())
    .bind(review.sections)
    .bind(review.evidence)
    .bind(now.millis())
    .bind(review.tenant.get())
    .bind(review.fingerprint)
    .fetch_optional(conn)
    .await
}

/// Adds `review` as a ready review of `workspace` at `now`; its id. A second mutable review
/// of the same evidence meets the unique partial index (a unique violation).
pub async fn insert_ready(
    conn: &mut AnyConnection,
    workspace: WorkspaceId,
    review: &Composed<'_>,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO environment_reviews (workspace_id, tenant_id, fingerprint, status, compose_run_id, \
         sections, evidence, created_at, updated_at) VALUES ($1, $2, $3, 'ready', $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(workspace.get())
    .bind(review.tenant.get())
    .bind(review.fingerprint)
    .bind(review.run.get())
    .bind(review.sections)
    .bind(review.evidence)
    .bind(now.millis())
    .fetch_one(conn)
    .await
}

/// Publishes review `review` of `workspace` at `now` if it is ready; its tenant, or `None`
/// when it is not ready (or not there).
pub async fn publish(
    conn: &mut AnyConnection,
    workspace: WorkspaceId,
    review: i64,
    now: Timestamp,
) -> Result<Option<TenantId>, sqlx::Error> {
    let tenant: Option<i64> = sqlx::query_scalar(
        "UPDATE environment_reviews SET status = 'published', published_at = $1, updated_at = $1 \
         WHERE id = $2 AND workspace_id = $3 AND status = 'ready' RETURNING tenant_id",
    )
    .bind(now.millis())
    .bind(review)
    .bind(workspace.get())
    .fetch_optional(conn)
    .await?;
    Ok(tenant.map(TenantId))
}

/// Inside the caller's transaction: the tenant of review `review` of `workspace`, if any.
pub async fn tenant_of(
    conn: &mut AnyConnection,
    workspace: WorkspaceId,
    review: i64,
) -> Result<Option<TenantId>, sqlx::Error> {
    let tenant: Option<i64> =
        sqlx::query_scalar("SELECT tenant_id FROM environment_reviews WHERE id = $1 AND workspace_id = $2")
            .bind(review)
            .bind(workspace.get())
            .fetch_optional(conn)
            .await?;
    Ok(tenant.map(TenantId))
}

/// Supersedes every published review of `tenant` but `review`, at `now`.
pub async fn supersede_others(
    conn: &mut AnyConnection,
    tenant: TenantId,
    review: i64,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE environment_reviews SET status = 'superseded', updated_at = $1 \
         WHERE tenant_id = $2 AND status = 'published' AND id <> $3",
    )
    .bind(now.millis())
    .bind(tenant.get())
    .bind(review)
    .execute(conn)
    .await?;
    Ok(())
}

/// The stored status of review `review` of `workspace`, if there is one.
pub async fn status(db: &Db, workspace: WorkspaceId, review: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT status FROM environment_reviews WHERE id = $1 AND workspace_id = $2")
        .bind(review)
        .bind(workspace.get())
        .fetch_optional(db.pool())
        .await
}
