//! Server functions of signing in and out and of choosing the workspace, and what the page
//! header shows about the signed-in user.

use super::ApiError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A workspace the user can switch to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceOption {
    /// The workspace's id (what switching sends).
    pub id: i64,
    /// Display name.
    pub name: String,
}

/// The signed-in user, as the header shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// Display name.
    pub display_name: String,
    /// Their role in the current workspace.
    pub role: String,
    /// The current workspace.
    pub workspace_id: i64,
    /// Every workspace they are a member of (the current one included).
    pub workspaces: Vec<WorkspaceOption>,
    /// Whether they may open the system pages.
    pub platform_operator: bool,
    /// Their unread notifications in the current workspace (the bell).
    pub unread_notifications: u64,
    /// The language they chose (`None`: their browser's).
    pub language: Option<crate::copy::Locale>,
}

/// The value of the language picker that follows the browser.
pub const BROWSER_LANGUAGE: &str = "browser";

/// The language a picker's value names: [`BROWSER_LANGUAGE`] (or nothing) for none, else a
/// locale's code.
pub fn parse_language(value: &str) -> Result<Option<crate::copy::Locale>, crate::copy::UnknownLocale> {
    let value = value.trim();
    if value.is_empty() || value == BROWSER_LANGUAGE {
        return Ok(None);
    }
    crate::copy::Locale::parse(value).map(Some)
}

/// Where to go after signing in: `next` when it is a path on this site, else the operations
/// list. Anything that could leave the site (`//host`, `https://…`, `/\host`) or is longer
/// than any of our addresses is ignored.
pub fn safe_return_path(next: Option<&str>) -> String {
    const HOME: &str = "/admin/operations";
    let Some(next) = next.map(str::trim).filter(|n| !n.is_empty()) else { return HOME.to_owned() };
    let leaves_site = next.len() > 2048
        || !next.starts_with('/')
        || next.starts_with("//")
        || next.starts_with("/\\")
        || next.chars().any(|c| c.is_control() || c == '\\');
    if leaves_site || next.starts_with("/login") { HOME.to_owned() } else { next.to_owned() }
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::api::ApiError;
    use crate::services::auth::ClientAddr;
    use crate::services::error::Error;
    use leptos::prelude::*;

    /// The request's session (the session layer puts it in every request).
    pub(super) async fn session() -> Result<tower_sessions::Session, ApiError> {
        leptos_axum::extract::<tower_sessions::Session>()
            .await
            .map_err(|e| super::super::answer::answer(Error::internal("finding the session layer", e)))
    }

    /// The client address the middleware recorded, for the sign-in throttle.
    pub(super) fn client() -> String {
        with_context::<axum::http::request::Parts, _>(|p| p.extensions.get::<ClientAddr>().map(|c| c.0.clone()))
            .flatten()
            .unwrap_or_else(|| "unknown".to_owned())
    }
}

/// Signs in and goes to `next` (a path on this site) or the operations list.
#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), ApiError> {
    let session = ssr::session().await?;
    let client = ssr::client();
    let principal = super::answer::serve_anyone(|s| async move {
        crate::services::auth::sign_in(&s, &session, &email, &password, &client).await
    })
    .await?;
    // A platform operator outside every workspace has nothing to see there: start at /system.
    let home = principal.workspace_id == crate::services::principal::NO_WORKSPACE && next.is_none();
    leptos_axum::redirect(&if home { "/system".to_owned() } else { safe_return_path(next.as_deref()) });
    Ok(())
}

/// Signs out and goes to the sign-in page.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), ApiError> {
    let session = ssr::session().await?;
    super::answer::serve_anyone(|_| async move { crate::services::auth::sign_out(&session).await }).await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Makes `workspace` the one this session acts in, then shows its operations.
#[server(endpoint = "switch_workspace")]
pub async fn switch_workspace(workspace: String) -> Result<(), ApiError> {
    let session = ssr::session().await?;
    super::answer::serve(
        |s, p| async move { crate::services::auth::switch_workspace(&s, &session, &p, &workspace).await },
    )
    .await?;
    leptos_axum::redirect("/admin/operations");
    Ok(())
}

/// Stores the language the signed-in user chose for their pages, then shows `next` (a path
/// on this site) in it.
#[server(endpoint = "set_language")]
pub async fn set_language(language: String, next: Option<String>) -> Result<(), ApiError> {
    use crate::services::error::{Error, Invalid};
    super::answer::serve(|s, p| async move {
        let locale = parse_language(&language).map_err(|_| Error::Invalid(Invalid::Language))?;
        crate::services::auth::set_language(&s, &p, locale).await
    })
    .await?;
    leptos_axum::redirect(&safe_return_path(next.as_deref()));
    Ok(())
}

/// The signed-in user for the header, or `None` for a visitor.
#[server(endpoint = "who_am_i")]
pub async fn who_am_i() -> Result<Option<Me>, ApiError> {
    let Some(principal) = super::answer::caller() else { return Ok(None) };
    super::answer::serve_anyone(|s| async move { crate::services::auth::me(&s, &principal).await.map(Some) }).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_return_path_on_this_site_is_kept() {
        assert_eq!(safe_return_path(Some("/admin/operations/42?x=1")), "/admin/operations/42?x=1");
        assert_eq!(safe_return_path(Some("/admin/t/3")), "/admin/t/3");
    }

    #[test]
    fn a_return_path_that_could_leave_the_site_goes_home_instead() {
        for bad in [
            None,
            Some(""),
            Some("https://evil.example/"),
            Some("//evil.example"),
            Some("/\\evil.example"),
            Some("evil"),
            Some("/a\r\nSet-Cookie: x"),
            Some("/login?next=/login"),
        ] {
            assert_eq!(safe_return_path(bad), "/admin/operations", "{bad:?}");
        }
    }
}
