//! The sign-in page. It works without JavaScript (a plain form post that the server answers
//! with a redirect) and, once hydrated, shows a refused sign-in without reloading.

use super::post_form::PostForm;
use crate::api::SignIn;
use crate::copy::text;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/login`: email and password, returning to `next` afterwards.
#[component]
pub fn LoginPage() -> impl IntoView {
    let t = &text().login;
    let action = ServerAction::<SignIn>::new();
    let next = move || use_query_map().read().get("next").unwrap_or_default();
    let refused = move || action.value().get().and_then(Result::err);
    view! {
        <Title text=(text().shell.page_title)(t.title)/>
        <section class="sign-in panel">
            <h1>{t.heading}</h1>
            <p class="lede">{t.lede}</p>
            {move || {
                refused()
                    .map(|error| {
                        view! {
                            <div class="notice notice-error" role="alert" data-testid="sign-in-error" data-status=error.status()>
                                {error.message().to_owned()}
                            </div>
                        }
                    })
            }}
            <PostForm action attr:class="sign-in-form" attr:data-testid="sign-in-form">
                <input type="hidden" name="next" prop:value=next/>
                <label>
                    {t.email}
                    <input type="email" name="email" autocomplete="username" required data-testid="sign-in-email"/>
                </label>
                <label>
                    {t.password}
                    <input
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        required
                        data-testid="sign-in-password"
                    />
                </label>
                <button type="submit" data-testid="sign-in-submit" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { t.pending } else { t.submit }}
                </button>
            </PostForm>
        </section>
    }
}
