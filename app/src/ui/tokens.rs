//! `/admin/tokens`: the workspace owner's integrations — API tokens (specs/runs-api,
//! "Tokens") here, webhooks in [`super::webhooks`] below them. A form makes
//! one — a name, a tenant or every tenant, its grants and how long it works — and shows its
//! secret this once; the list shows every token by the first characters of its secret, with
//! where it stands and a revoke button. Nothing on it changes by itself, so it never polls.
//!
//! Owners open it now and then, so its code is a chunk loaded on demand
//! (specs/browser-bundle, "Pages loaded on demand").

use super::answer::answer;
use super::common::{ErrorPanel, ago};
use super::post_form::PostForm;
use crate::api::{CreateToken, RevokeToken, TokenInfo, TokenPage, list_tokens};
use crate::copy::text;
use crate::domain::Timestamp;
use crate::domain::token::{MAX_NAME_CHARS, TokenGrant};
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// The expiries the form offers, in days (the first choice is "until revoked").
const EXPIRIES: [u64; 4] = [30, 90, 365, 730];

/// The tokens page. Unlike the pages people open often, it asks for its list from its own
/// chunk rather than from the main one: the list's and the actions' decoders then load only
/// with the page, at the cost of the request starting once the chunk is in (a page opened
/// now and then).
pub struct TokensRoute;

#[lazy_route]
impl LazyRoute for TokensRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { {tokens_page()} {super::webhooks::webhooks_section()} }.into_any()
    }
}

/// The list, asked again after every make or revoke, and the two actions.
fn tokens_page() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let page = answer(move || (create.version().get(), revoke.version().get()), |_| list_tokens());
    let t = &text().tokens;
    view! {
        <section class="tokens">
            <div class="page-head">
                <h1>{t.heading}</h1>
                <p class="lede">{t.lede}</p>
            </div>
            <Suspense fallback=move || view! { <p class="loading">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(p) => {
                            view! {
                                <MakeForm page=p.clone() create/>
                                <Made create/>
                                <TokenList page=p revoke/>
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
fn MakeForm(page: TokenPage, create: ServerAction<CreateToken>) -> impl IntoView {
    let t = &text().tokens;
    // Once a token is made the name is cleared, so the next one is not made by mistake with
    // the same name.
    let name = RwSignal::new(String::new());
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(_))) {
            name.set(String::new());
        }
    });
    view! {
        <PostForm action=create attr:class="token-form" attr:data-testid="token-form">
            <h2>{t.make}</h2>
            <label>
                {t.name}
                <input
                    type="text"
                    name="name"
                    data-testid="token-name"
                    required
                    maxlength=MAX_NAME_CHARS
                    autocomplete="off"
                    prop:value=name
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
                <span class="hint">{t.name_hint}</span>
            </label>
            <label>
                {t.tenant}
                <select name="tenant" data-testid="token-tenant">
                    <option value="">{t.every_tenant}</option>
                    {page.tenants.iter().map(|o| view! { <option value=o.id.to_string()>{o.name.clone()}</option> }).collect_view()}
                </select>
            </label>
            <fieldset>
                <legend>{t.grants}</legend>
                {TokenGrant::ALL.map(|g| view! {
                    <label class="check">
                        <input type="checkbox" name=g.as_str() value="on" data-testid=format!("token-grant-{}", g.as_str())/>
                        {(t.grant)(g)}
                    </label>
                }).collect_view()}
            </fieldset>
            <label>
                {t.expiry}
                <select name="expires_in_days" data-testid="token-expiry">
                    <option value="">{t.never}</option>
                    {EXPIRIES.map(|d| view! { <option value=d.to_string()>{(t.days)(d)}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit" class="primary" data-testid="token-make" disabled=move || create.pending().get()>
                {t.submit}
            </button>
        </PostForm>
    }
}

/// The answer to the form: the new token's secret, shown this once, or why it was refused.
#[component]
fn Made(create: ServerAction<CreateToken>) -> impl IntoView {
    let t = &text().tokens;
    move || {
        create.value().get().map(|made| match made {
            Ok(made) => view! {
                <div class="notice notice-ok token-made" role="status" data-testid="token-made" data-token-id=made.token.id>
                    <p>{(t.created)(&made.token.name)}</p>
                    <p><code class="secret" data-testid="token-secret">{made.secret.clone()}</code></p>
                    <p class="hint">{t.shown_once}</p>
                </div>
            }
            .into_any(),
            Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
        })
    }
}

#[component]
fn TokenList(page: TokenPage, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    let t = &text().tokens;
    let now = page.observed_at;
    let empty = page.tokens.is_empty();
    view! {
        <h2>{t.list}</h2>
        {move || revoke.value().get().and_then(Result::err).map(|e| view! { <ErrorPanel error=e/> })}
        <Show when=move || !empty fallback=move || view! { <p class="empty" data-testid="tokens-empty">{t.empty}</p> }>
            <table class="token-table" data-testid="tokens">
                <thead>
                    <tr>
                        <th scope="col">{t.name}</th>
                        <th scope="col">{t.starts_with}</th>
                        <th scope="col">{t.may}</th>
                        <th scope="col">{t.scope}</th>
                        <th scope="col">{t.state}</th>
                        <th scope="col">{t.last_used}</th>
                        <th scope="col">{t.expires}</th>
                        <td></td>
                    </tr>
                </thead>
                <tbody>
                    {page.tokens.iter().cloned().map(|token| view! { <Row token now revoke/> }).collect_view()}
                </tbody>
            </table>
        </Show>
    }
}

#[component]
fn Row(token: TokenInfo, now: Timestamp, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    let t = &text().tokens;
    let grants = token
        .grants
        .iter()
        .filter_map(|g| TokenGrant::parse(g).ok())
        .map(|g| (t.grant)(g))
        .collect::<Vec<_>>()
        .join(", ");
    let date = |at: Timestamp| (text().time.date_time)(at.parts());
    let active = token.state == crate::api::TokenState::Active;
    view! {
        <tr data-testid="token-row" data-token-id=token.id data-token-state=token.state.as_str()>
            <th scope="row">{token.name.clone()}</th>
            <td><code>{format!("{}…", token.shown)}</code></td>
            <td>{grants}</td>
            <td>{token.tenant_name.clone().unwrap_or_else(|| t.every_tenant.to_owned())}</td>
            <td>{(t.state_word)(token.state)}</td>
            <td>{token.last_used_at.map_or_else(|| t.unused.to_owned(), |at| ago(at, now))}</td>
            <td>{token.expires_at.map_or_else(|| t.never.to_owned(), date)}</td>
            <td>
                {active.then(|| view! {
                    <PostForm action=revoke attr:class="inline">
                        <input type="hidden" name="id" value=token.id.to_string()/>
                        <button type="submit" class="link" data-testid="token-revoke" aria-label=(t.revoke_label)(&token.name)>
                            {t.revoke}
                        </button>
                    </PostForm>
                })}
            </td>
        </tr>
    }
}
