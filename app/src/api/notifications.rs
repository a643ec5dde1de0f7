//! Server functions of the notification bell: the list and marking read.

use super::ApiError;
use crate::domain::{RunView, Timestamp};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One notification as the bell lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationItem {
    /// Id (for marking it read).
    pub id: i64,
    /// The title stored with a notification written before notifications were worded on
    /// read; a reader words the others from [`Self::run`] (`Catalog::notice`).
    pub title: Option<String>,
    /// The body stored with such an older notification.
    pub body: Option<String>,
    /// The run's canonical detail.
    pub link: String,
    /// The list of runs like this one (same tenant and problem class).
    pub list_link: Option<String>,
    /// When it was written.
    pub created_at: Timestamp,
    /// Whether it has been read.
    pub read: bool,
    /// The run it is about, as every surface shows it; with no stored title either, the run
    /// is past its keeping (history retention deleted it) and the reader says so.
    pub run: Option<RunView>,
}

/// The caller's notifications in the current workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notifications {
    /// Newest first.
    pub items: Vec<NotificationItem>,
    /// How many are unread (all of them, not only those listed).
    pub unread: u64,
    /// The server's clock when this was read.
    pub observed_at: Timestamp,
}

/// The caller's newest notifications and the unread count.
#[server(endpoint = "list_notifications")]
pub async fn list_notifications() -> Result<Notifications, ApiError> {
    super::answer::serve(|s, p| async move { crate::services::notifications::list(&s, &p).await }).await
}

/// Marks one notification read; answers the unread count left.
#[server(endpoint = "mark_notification_read")]
pub async fn mark_notification_read(id: String) -> Result<u64, ApiError> {
    super::answer::serve(|s, p| async move { crate::services::notifications::mark_read(&s, &p, &id).await }).await
}

/// Marks every notification read; answers the unread count left.
#[server(endpoint = "mark_all_notifications_read")]
pub async fn mark_all_notifications_read() -> Result<u64, ApiError> {
    super::answer::serve(|s, p| async move { crate::services::notifications::mark_all_read(&s, &p).await }).await
}
