//! Who is asking. Every server function starts from a [`Principal`] taken from the request
//! context; today the server provides a fixed demo principal, and sign-in will provide a real
//! one without any service changing.

use super::db::Db;
use crate::domain::{UserId, WorkspaceId};
use anyhow::Context as _;

/// The signed-in user acting in a workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user.
    pub user_id: UserId,
    /// The workspace chosen for this session.
    pub workspace_id: WorkspaceId,
    /// For display.
    pub display_name: String,
}

/// The demo principal: the user with `email` in their first workspace.
pub async fn demo_principal(db: &Db, email: &str) -> anyhow::Result<Principal> {
    let row: Option<(i64, String, i64)> = sqlx::query_as(
        "SELECT u.id, u.display_name, m.workspace_id FROM users u JOIN memberships m ON m.user_id = u.id \
         WHERE u.email = $1 ORDER BY m.workspace_id LIMIT 1",
    )
    .bind(email)
    .fetch_optional(db.pool())
    .await
    .context("could not look up the demo user")?;
    let (id, name, ws) =
        row.with_context(|| format!("the demo user {email} has no workspace; was the demo seeded?"))?;
    Ok(Principal { user_id: UserId(id), workspace_id: WorkspaceId(ws), display_name: name })
}
