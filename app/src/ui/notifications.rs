//! `/admin/notifications`: the bell's list — one notification per finished run the person
//! started, worded by its problem class, each carrying the run's specs/product-contract §13 hooks, with
//! "mark as read" and "mark all as read". The top bar's unread count follows every change.
//!
//! The page is opened from the bell now and then, not on every visit, so its code is a chunk
//! loaded on demand (specs/browser-bundle, "Pages loaded on demand").

use super::answer::{Answer, answer};
use super::common::{ErrorPanel, RunBadges, RunListItem, ago};
use super::post_form::PostForm;
use crate::api::{MarkAllNotificationsRead, MarkNotificationRead, NotificationItem, Notifications, list_notifications};
use crate::copy::text;
use crate::domain::Timestamp;
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// Bumped whenever notifications change on this page, so the top bar asks for its unread
/// count again.
#[derive(Debug, Clone, Copy)]
pub struct NotificationsChanged(pub RwSignal<u64>);

/// The notifications page: its list, asked again after every mark, and the two marks.
pub struct NotificationsRoute {
    list: Answer<Notifications>,
    mark: ServerAction<MarkNotificationRead>,
    mark_all: ServerAction<MarkAllNotificationsRead>,
}

#[lazy_route]
impl LazyRoute for NotificationsRoute {
    fn data() -> Self {
        let mark = ServerAction::<MarkNotificationRead>::new();
        let mark_all = ServerAction::<MarkAllNotificationsRead>::new();
        let list = answer(move || (mark.version().get(), mark_all.version().get()), |_| list_notifications());
        if let Some(NotificationsChanged(changed)) = use_context::<NotificationsChanged>() {
            Effect::new(move |_| {
                if mark.version().get() + mark_all.version().get() > 0 {
                    changed.update(|n| *n += 1);
                }
            });
        }
        Self { list, mark, mark_all }
    }

    fn view(this: Self) -> AnyView {
        notifications_page(this).into_any()
    }
}

fn notifications_page(route: NotificationsRoute) -> impl IntoView {
    let NotificationsRoute { list, mark, mark_all } = route;
    let t = &text().notices;
    view! {
        <section class="notifications">
            <div class="page-head">
                <h1>{t.heading}</h1>
                <p class="lede">{t.lede}</p>
            </div>
            <Suspense fallback=move || view! { <p class="loading">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(n) => {
                            let unread = n.unread;
                            let now = n.observed_at;
                            let empty = n.items.is_empty();
                            view! {
                                <div class="list" data-testid="notifications" data-unread-count=unread>
                                    <PostForm action=mark_all attr:class="mark-all">
                                        <button type="submit" data-testid="mark-all-read" disabled=unread == 0>
                                            {t.mark_all}
                                        </button>
                                    </PostForm>
                                    <Show when=move || !empty fallback=move || view! { <p class="empty">{t.empty}</p> }>
                                        <ul class="notification-list">
                                            {n.items.iter().cloned().map(|item| view! { <Item item now mark/> }).collect_view()}
                                        </ul>
                                    </Show>
                                </div>
                            }
                            .into_any()
                        }
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Item(item: NotificationItem, now: Timestamp, mark: ServerAction<MarkNotificationRead>) -> impl IntoView {
    let badges = item.run.clone().map(|view| view! { <RunBadges view/> });
    let read = item.read;
    let t = &text().notices;
    // Worded from the run in the reader's language; an older notification's stored words
    // when its run cannot be; and when neither exists, its run is past its keeping.
    let said = item.run.as_ref().and_then(|run| text().notice(run));
    let title = said
        .as_ref()
        .map(|s| s.title.clone())
        .or_else(|| item.title.clone())
        .unwrap_or_else(|| t.title_gone.to_owned());
    let body = said.map(|s| s.body).or_else(|| item.body.clone()).unwrap_or_else(|| t.body_gone.to_owned());
    view! {
        <RunListItem
            view=item.run.clone()
            testid="notification-item"
            class=if read { "notification read" } else { "notification unread" }
            attr:data-read=read.to_string()
        >
            <div class="notification-head">
                <a href=item.link.clone() class="notification-title" data-testid="notification-link">{title}</a>
                {badges}
                <time class="muted" datetime=item.created_at.to_rfc3339()>{ago(item.created_at, now)}</time>
            </div>
            <p>{body}</p>
            <div class="notification-actions">
                {item.list_link.clone().map(|href| view! {
                    <a href=href data-testid="notification-list-link">{t.see_like_this}</a>
                })}
                {(!read).then(|| view! {
                    <PostForm action=mark attr:class="inline">
                        <input type="hidden" name="id" value=item.id.to_string()/>
                        <button type="submit" class="link" data-testid="mark-read">{t.mark_read}</button>
                    </PostForm>
                })}
            </div>
        </RunListItem>
    }
}
