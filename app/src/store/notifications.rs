//! The `notifications` table: what a person's bell lists and marks read. The lifecycle
//! writes each run's terminal notification in the run's own terminal transaction, so that
//! insert lives with the lifecycle's other writes; this module reads and marks.

use crate::domain::{TenantId, Timestamp, UserId, WorkspaceId};
use crate::store::db::Db;
use crate::store::runs::scope_sql;
use sqlx::FromRow;

/// Whose notifications a query reads: one person in one workspace, and, when their
/// entitlement is a list of tenants, only notifications about those tenants' runs (or about
/// no run at all).
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    /// The person.
    pub user: UserId,
    /// The workspace they act in.
    pub workspace: WorkspaceId,
    /// Their tenant entitlement when it is not every tenant.
    pub scope: Option<&'a [TenantId]>,
}

impl Recipient<'_> {
    /// ` AND …` limiting notifications (alias `n`, runs alias `r`) to the recipient's tenants,
    /// with its arguments bound from `$first` on.
    fn scope_sql(&self, first: usize) -> (String, Vec<i64>) {
        match self.scope {
            None => (String::new(), Vec::new()),
            Some(list) => (scope_sql("r.tenant_id", list.len(), first), list.iter().map(|t| t.get()).collect()),
        }
    }
}

/// One stored notification.
#[derive(Debug, Clone, FromRow)]
pub struct NotificationRow {
    /// The notification's id.
    pub id: i64,
    /// The run it is about, if any.
    pub run_id: Option<i64>,
    /// Its title as worded when it was written (rows written before notifications were
    /// worded on read; newer rows derive their words from the run).
    pub title: Option<String>,
    /// Its body as worded when it was written (the same older rows).
    pub body: Option<String>,
    /// Where it leads (the same older rows).
    pub link: Option<String>,
    /// When it was written (milliseconds).
    pub created_at: i64,
    /// When its recipient read it (milliseconds), if they have.
    pub read_at: Option<i64>,
}

/// How many of `to`'s notifications are unread.
pub async fn unread_count(db: &Db, to: &Recipient<'_>) -> Result<u64, sqlx::Error> {
    let (only, args) = to.scope_sql(3);
    let sql = format!(
        "SELECT COUNT(*) FROM notifications n LEFT JOIN operation_runs r ON r.id = n.run_id \
         WHERE n.user_id = $1 AND n.workspace_id = $2 AND n.read_at IS NULL{only}"
    );
    let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(to.user.get()).bind(to.workspace.get());
    for a in args {
        q = q.bind(a);
    }
    let n = q.fetch_one(db.pool()).await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// `to`'s newest `limit` notifications, newest first.
pub async fn newest(db: &Db, to: &Recipient<'_>, limit: u32) -> Result<Vec<NotificationRow>, sqlx::Error> {
    let (only, args) = to.scope_sql(3);
    let sql = format!(
        "SELECT n.id, n.run_id, n.title, n.body, n.link, n.created_at, n.read_at FROM notifications n \
         LEFT JOIN operation_runs r ON r.id = n.run_id \
         WHERE n.user_id = $1 AND n.workspace_id = $2{only} ORDER BY n.created_at DESC, n.id DESC LIMIT {limit}"
    );
    let mut q = sqlx::query_as::<_, NotificationRow>(&sql).bind(to.user.get()).bind(to.workspace.get());
    for a in args {
        q = q.bind(a);
    }
    q.fetch_all(db.pool()).await
}

/// Whether notification `id` is one of `to`'s.
pub async fn belongs_to(db: &Db, to: &Recipient<'_>, id: i64) -> Result<bool, sqlx::Error> {
    let (only, args) = to.scope_sql(4);
    let sql = format!(
        "SELECT n.id FROM notifications n LEFT JOIN operation_runs r ON r.id = n.run_id \
         WHERE n.id = $1 AND n.user_id = $2 AND n.workspace_id = $3{only}"
    );
    let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(id).bind(to.user.get()).bind(to.workspace.get());
    for a in args {
        q = q.bind(a);
    }
    Ok(q.fetch_optional(db.pool()).await?.is_some())
}

/// Marks notification `id` read at `now`, unless it already is.
pub async fn mark_read(db: &Db, id: i64, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE id = $2 AND read_at IS NULL")
        .bind(now.millis())
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Marks every unread notification of `user` in `workspace` read at `now`.
pub async fn mark_all_read(db: &Db, user: UserId, workspace: WorkspaceId, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND workspace_id = $3 AND read_at IS NULL")
        .bind(now.millis())
        .bind(user.get())
        .bind(workspace.get())
        .execute(db.pool())
        .await?;
    Ok(())
}
