//! The sign-in page. It works without JavaScript (a plain form post that the server answers
//! with a redirect) and, once hydrated, shows a refused sign-in without reloading.

use crate::api::SignIn;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/login`: email and password, returning to `next` afterwards.
#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let next = move || use_query_map().read().get("next").unwrap_or_default();
    let refused = move || action.value().get().and_then(Result::err);
    view! {
        <Title text="Sign in · Opshub"/>
        <section class="sign-in panel">
            <h1>"Sign in to Opshub"</h1>
            <p class="lede">"Use the email address and password your workspace owner gave you."</p>
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
            <ActionForm action attr:class="sign-in-form" attr:data-testid="sign-in-form">
                <input type="hidden" name="next" prop:value=next/>
                <label>
                    "Email"
                    <input type="email" name="email" autocomplete="username" required data-testid="sign-in-email"/>
                </label>
                <label>
                    "Password"
                    <input
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        required
                        data-testid="sign-in-password"
                    />
                </label>
                <button type="submit" data-testid="sign-in-submit" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
        </section>
    }
}
