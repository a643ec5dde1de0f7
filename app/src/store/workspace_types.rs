//! The `workspace_run_types` table: the run types a workspace registered for the work its
//! platform reports (`services::workspace_types` owns what they mean).

use crate::domain::WorkspaceId;
use crate::store::db::Db;
use sqlx::FromRow;

/// A stored workspace run type.
#[derive(Debug, Clone, FromRow)]
pub struct WorkspaceTypeRow {
    /// Its key.
    pub key: String,
    /// Its English label.
    pub label_en: String,
    /// Its German label.
    pub label_de: String,
    /// Its progress mode's spelling.
    pub progress_mode: String,
    /// Its phases as a JSON array of names.
    pub phases: String,
    /// Expected queue wait, seconds.
    pub queue_secs: i64,
    /// Expected duration, seconds.
    pub expected_secs: i64,
    /// Stale after, seconds.
    pub stale_secs: i64,
    /// Heartbeat timeout, seconds.
    pub heartbeat_secs: i64,
    /// When it was registered (milliseconds).
    pub created_at: i64,
    /// When it was last changed (milliseconds).
    pub updated_at: i64,
}

/// What is written for a type.
#[derive(Debug, Clone, Copy)]
pub struct TypeWrite<'a> {
    /// Its workspace.
    pub workspace: WorkspaceId,
    /// Its key.
    pub key: &'a str,
    /// Its English label.
    pub label_en: &'a str,
    /// Its German label.
    pub label_de: &'a str,
    /// Its progress mode's spelling.
    pub progress_mode: &'a str,
    /// Its phases as a JSON array of names.
    pub phases: &'a str,
    /// Windows in seconds: queue wait, expected duration, stale-after, heartbeat timeout.
    pub windows: [i64; 4],
    /// The type as its runs carry it (`store::runs::stored_profile`).
    pub profile: &'a str,
    /// When (milliseconds).
    pub now: i64,
}

/// Registers the type, or replaces an earlier registration of its key; whether it is new.
/// Its active runs take the new registration in the same transaction, so they are judged and
/// shown by it from now on (finished runs keep the type they ran as).
pub async fn upsert(db: &Db, w: TypeWrite<'_>) -> Result<bool, sqlx::Error> {
    // Both statements take the type's values as $1…$11, in the same order.
    macro_rules! with_values {
        ($sql:expr) => {{
            let [queue, expected, stale, heartbeat] = w.windows;
            sqlx::query($sql)
                .bind(w.workspace.get())
                .bind(w.key)
                .bind(w.label_en)
                .bind(w.label_de)
                .bind(w.progress_mode)
                .bind(w.phases)
                .bind(queue)
                .bind(expected)
                .bind(stale)
                .bind(heartbeat)
                .bind(w.now)
        }};
    }
    let mut tx = db.pool().begin().await?;
    let insert = "INSERT INTO workspace_run_types (workspace_id, key, label_en, label_de, progress_mode, phases, \
                  queue_secs, expected_secs, stale_secs, heartbeat_secs, created_at, updated_at) \
                  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) ON CONFLICT (workspace_id, key) DO NOTHING";
    let created = with_values!(insert).execute(&mut *tx).await?.rows_affected() == 1;
    if !created {
        let update = "UPDATE workspace_run_types SET label_en = $3, label_de = $4, progress_mode = $5, phases = $6, \
                      queue_secs = $7, expected_secs = $8, stale_secs = $9, heartbeat_secs = $10, updated_at = $11 \
                      WHERE workspace_id = $1 AND key = $2";
        with_values!(update).execute(&mut *tx).await?;
        sqlx::query(
            "UPDATE operation_runs SET type_profile = $1 WHERE workspace_id = $2 AND run_type = $3 \
             AND status <> 'completed' AND type_profile IS NOT NULL",
        )
        .bind(w.profile)
        .bind(w.workspace.get())
        .bind(w.key)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(created)
}

const COLUMNS: &str = "key, label_en, label_de, progress_mode, phases, queue_secs, expected_secs, stale_secs, \
                       heartbeat_secs, created_at, updated_at";

/// Every type of `workspace`, by key.
pub async fn list(db: &Db, workspace: WorkspaceId) -> Result<Vec<WorkspaceTypeRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM workspace_run_types WHERE workspace_id = $1 ORDER BY key");
    sqlx::query_as(&sql).bind(workspace.get()).fetch_all(db.pool()).await
}

/// The type `key` of `workspace`, if registered.
pub async fn get(db: &Db, workspace: WorkspaceId, key: &str) -> Result<Option<WorkspaceTypeRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM workspace_run_types WHERE workspace_id = $1 AND key = $2");
    sqlx::query_as(&sql).bind(workspace.get()).bind(key).fetch_optional(db.pool()).await
}
