//! The top bar: navigation, and for a signed-in user their name and role, the workspace
//! switcher (when they belong to more than one), the system link for platform operators,
//! and signing out.

use super::answer::answer;
use super::notifications::NotificationsChanged;
use crate::api::{BROWSER_LANGUAGE, Me, SetLanguage, SignOut, SwitchWorkspace, who_am_i};
use crate::copy::{Locale, text};
use crate::domain::access::Role;
use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;
use leptos_router::hooks::use_location;

/// The bar above every page. Who is signed in is asked again on every navigation (signing
/// in moves from `/login` to the page asked for without a reload).
#[component]
pub fn TopBar() -> impl IntoView {
    let location = use_location();
    let changed = use_context::<NotificationsChanged>().map(|c| c.0);
    let who = answer(move || (location.pathname.get(), changed.map(|c| c.get())), |_| who_am_i());
    view! {
        <header class="topbar">
            <a href="/admin/operations" class="brand">{text().shell.app_name}</a>
            <Suspense fallback=|| ()>
                {move || who.get().map(|r| match r {
                    Ok(Some(me)) => view! { <SignedIn me/> }.into_any(),
                    _ => ().into_any(),
                })}
            </Suspense>
        </header>
    }
}

#[component]
fn SignedIn(me: Me) -> impl IntoView {
    // Signing out and switching are plain form posts: the server answers with a redirect
    // and the browser loads the next page afresh, so nothing of the old session lingers.
    let t = &text().shell;
    let current = me.workspace_id;
    let workspace_name = me.workspaces.iter().find(|w| w.id == current).map(|w| w.name.clone()).unwrap_or_default();
    let switcher = (me.workspaces.len() > 1).then(|| {
        let options = me
            .workspaces
            .iter()
            .map(|w| view! { <option value=w.id.to_string() selected=w.id == current>{w.name.clone()}</option> })
            .collect_view();
        view! {
            <form method="post" action=SwitchWorkspace::PATH class="switcher" data-testid="workspace-switcher">
                <label>
                    <span class="visually-hidden">{t.workspace}</span>
                    <select name="workspace" data-testid="workspace-select">{options}</select>
                </label>
                <button type="submit" data-testid="workspace-switch">{t.switch}</button>
            </form>
        }
    });
    let location = use_location();
    let (path, query) = (location.pathname.get_untracked(), location.search.get_untracked());
    let next = match query.trim_start_matches('?') {
        "" => path,
        q => format!("{path}?{q}"),
    };
    let languages = Locale::ALL
        .map(|l| {
            view! { <option value=l.code() lang=l.code() selected=me.language == Some(l)>{(t.language_name)(l)}</option> }
        })
        .collect_view();
    let parsed = Role::parse(&me.role).ok();
    let role = parsed.map(|r| (text().access.role)(r)).unwrap_or_default();
    let manages_tokens =
        parsed.is_some_and(|r| r.capabilities().contains(&crate::domain::access::Capability::ManageTokens));
    let unread = me.unread_notifications;
    let bell_label = (t.bell_label)(unread);
    view! {
        <nav>
            {nav_link("/admin", true, t.nav_overview)}
            {nav_link("/admin/operations", false, t.nav_operations)}
            {manages_tokens.then(|| nav_link("/admin/tokens", false, text().tokens.heading))}
            {me.platform_operator.then(|| nav_link("/system", false, t.nav_system))}
        </nav>
        <div class="account">
            <a href="/admin/notifications" class="bell" data-testid="bell" data-unread-count=unread aria-label=bell_label>
                <span aria-hidden="true">{t.notifications}</span>
                {(unread > 0).then(|| view! { <span class="bell-count" data-testid="bell-count">{unread}</span> })}
            </a>
            {match switcher {
                Some(s) => s.into_any(),
                None => view! { <span class="workspace" data-testid="workspace-name">{workspace_name}</span> }.into_any(),
            }}
            <span class="who" data-testid="user-name" data-role=me.role.clone()>
                {me.display_name.clone()}
                <span class="role">{role}</span>
            </span>
            <form method="post" action=SetLanguage::PATH class="switcher" data-testid="language-switcher">
                <input type="hidden" name="next" value=next/>
                <label>
                    <span class="visually-hidden">{t.language}</span>
                    <select name="language" data-testid="language-select">
                        <option value=BROWSER_LANGUAGE selected=me.language.is_none()>{t.browser_language}</option>
                        {languages}
                    </select>
                </label>
                <button type="submit" data-testid="language-switch">{t.switch}</button>
            </form>
            <form method="post" action=SignOut::PATH class="sign-out">
                <button type="submit" class="link" data-testid="sign-out">{t.sign_out}</button>
            </form>
        </div>
    }
}

/// A link of the top bar's navigation, marked as the current page (`aria-current`) while the
/// address is at it — or anywhere under it, unless `exact`.
fn nav_link(href: &'static str, exact: bool, label: &'static str) -> impl IntoView {
    let path = use_location().pathname;
    let current = move || {
        let at = path.get();
        let here = at == href || (!exact && at.strip_prefix(href).is_some_and(|rest| rest.starts_with('/')));
        here.then_some("page")
    };
    view! { <a href=href aria-current=current>{label}</a> }
}
