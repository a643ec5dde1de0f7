//! How a server function answers: the one place a service's typed [`Error`] becomes an
//! [`ApiError`] with an HTTP status and a sentence in the reader's language, and the one
//! helper ([`serve`]) every server function that acts for a signed-in caller goes through.
//! Internal failures are logged here, once, with what was being done and the request's id,
//! and the person sees only the calm generic sentence with that id as a reference.

use super::ApiError;
use crate::copy::{Catalog, text};
use crate::runtime::{AppState, RequestId};
use crate::services::error::{Conflict, Error, Invalid, Thing};
use crate::services::principal::Principal;
use leptos::prelude::*;

/// Runs `service` for the signed-in caller with the application's state, and answers its
/// result: the caller and state come from the request's context, a failure becomes an
/// [`ApiError`] (and the response's status) through [`answer`].
pub(super) async fn serve<T, F, Fut>(service: F) -> Result<T, ApiError>
where
    F: FnOnce(AppState, Principal) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let state = app_state()?;
    let principal = caller().ok_or_else(|| answer(Error::NotSignedIn))?;
    service(state, principal).await.map_err(answer)
}

/// Runs `service` with the application's state alone (sign-in, the header's view of a
/// visitor), answering its failure like [`serve`].
pub(super) async fn serve_anyone<T, F, Fut>(service: F) -> Result<T, ApiError>
where
    F: FnOnce(AppState) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    service(app_state()?).await.map_err(answer)
}

/// The application's state, put into every request's context by the server.
fn app_state() -> Result<AppState, ApiError> {
    use_context::<AppState>().ok_or_else(|| answer(Error::internal("answering a request", NoState)))
}

/// The server did not put the application's state into the request's context.
#[derive(Debug, thiserror::Error)]
#[error("no application state in the request context")]
struct NoState;

/// The signed-in caller the authentication middleware resolved, if any.
pub(super) fn caller() -> Option<Principal> {
    // Borrowed, not cloned: the request's parts carry every header and extension.
    with_context::<axum::http::request::Parts, _>(|p| {
        p.extensions.get::<crate::services::auth::Viewer>().and_then(|v| v.0.clone())
    })
    .flatten()
}

/// Answers a failed request: logs an internal failure once (with the request's id), sets the
/// response's status, and gives the reader the sentence — for an internal failure the calm
/// generic one with the request's id, the one reference that finds its log lines.
pub(super) fn answer(e: Error) -> ApiError {
    let request = with_context::<axum::http::request::Parts, _>(|p| p.extensions.get::<RequestId>().cloned()).flatten();
    if e.is_internal() {
        tracing::error!(error = %e, request_id = request.as_ref().map(RequestId::as_str), "request failed");
    }
    let mut err = api_error(text(), &e);
    if let (ApiError::Internal(message), Some(id)) = (&mut err, &request) {
        *message = format!("{message} {}", (text().errors.reference)(id.as_str()));
    }
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(code) = axum::http::StatusCode::from_u16(err.status())
    {
        res.set_status(code);
    }
    err
}

/// The [`ApiError`] of `e`, worded from catalog `c`: its kind picks the status, its value the
/// sentence. Logs nothing (see [`answer`]).
pub fn api_error(c: &Catalog, e: &Error) -> ApiError {
    let sentence = sentence(c, e);
    match e {
        Error::NotSignedIn | Error::WrongCredentials => ApiError::Unauthorized(sentence),
        Error::Throttled => ApiError::Throttled(sentence),
        Error::NotFound(_) => ApiError::NotFound(sentence),
        Error::Forbidden(_) | Error::TokenForbidden(_) | Error::NoMembership => ApiError::Forbidden(sentence),
        Error::Conflict(_) => ApiError::Conflict(sentence),
        Error::Invalid(_) => ApiError::Invalid(sentence),
        Error::DamagedRun { .. } | Error::Internal { .. } => ApiError::Internal(sentence),
    }
}

/// The sentence that tells a person why their request did not succeed, from catalog `c`.
/// The command line words account errors with it too.
pub fn sentence(c: &Catalog, e: &Error) -> String {
    let (err, acc) = (&c.errors, &c.accounts);
    match e {
        Error::NotSignedIn => err.sign_in.to_owned(),
        Error::WrongCredentials => err.wrong_credentials.to_owned(),
        Error::Throttled => err.throttled.to_owned(),
        Error::NoMembership => err.no_membership.to_owned(),
        Error::Forbidden(cap) => (acc.refusal)(*cap).to_owned(),
        Error::TokenForbidden(cap) => (acc.token_refusal)(*cap).to_owned(),
        Error::DamagedRun { .. } => err.damaged_run.to_owned(),
        Error::Internal { .. } => err.internal.to_owned(),
        Error::NotFound(thing) => match thing {
            Thing::Operation => err.no_operation.to_owned(),
            Thing::Tenant => err.no_tenant.to_owned(),
            Thing::Review => err.no_review.to_owned(),
            Thing::Notification => err.no_notification.to_owned(),
            Thing::Workspace => err.no_workspace.to_owned(),
            Thing::Snapshot => err.no_snapshot.to_owned(),
            Thing::ReviewForPack => err.no_review_for_pack.to_owned(),
            Thing::Page => err.nothing_here.to_owned(),
            Thing::User(email) => (acc.no_user)(email),
            Thing::WorkspaceSlug(slug) => (acc.no_workspace)(slug),
            Thing::TenantSlug { tenant, workspace } => (acc.no_tenant)(tenant, workspace),
            Thing::Membership { email, workspace } => (acc.not_member)(email, workspace),
            Thing::Token => acc.no_token.to_owned(),
            Thing::Webhook => acc.no_webhook.to_owned(),
            Thing::Delivery => acc.no_delivery.to_owned(),
        },
        Error::Conflict(why) => match why {
            Conflict::CancelTooLate => c.detail.cancel_too_late.to_owned(),
            Conflict::RetryNotOffered => c.detail.retry_not_offered.to_owned(),
            Conflict::NotPublishable(status) => (err.not_publishable)(&(c.tenant.record_status)(status)),
            Conflict::PublishedMeanwhile => err.published_meanwhile.to_owned(),
            Conflict::CouldNotStart => err.could_not_start.to_owned(),
            Conflict::BuiltInType => acc.built_in_type.to_owned(),
            Conflict::OpshubRunsIt => acc.opshub_runs_it.to_owned(),
            Conflict::NotHeld => acc.not_held.to_owned(),
        },
        Error::Invalid(why) => match why {
            Invalid::WorkspaceFilter => err.bad_workspace_filter.to_owned(),
            Invalid::TenantFilter => err.bad_tenant_filter.to_owned(),
            Invalid::TypeFilter => err.bad_type_filter.to_owned(),
            Invalid::StatusFilter => err.bad_status_filter.to_owned(),
            Invalid::SinceFilter => err.bad_since_filter.to_owned(),
            Invalid::OutcomeFilter => err.bad_outcome_filter.to_owned(),
            Invalid::ClassFilter => err.bad_class_filter.to_owned(),
            Invalid::Page => err.bad_page.to_owned(),
            Invalid::ChooseOperation => err.choose_operation.to_owned(),
            Invalid::ChooseTenant => err.choose_tenant.to_owned(),
            Invalid::ChooseSnapshot => err.choose_snapshot.to_owned(),
            Invalid::SnapshotNotTaken => err.snapshot_not_taken.to_owned(),
            Invalid::ReviewNotTaken => err.review_not_taken.to_owned(),
            Invalid::ConfirmRestore => err.confirm_restore.to_owned(),
            Invalid::Language => err.bad_language.to_owned(),
            Invalid::Email => acc.bad_email.to_owned(),
            Invalid::DisplayName => acc.long_name.to_owned(),
            Invalid::ShortPassword(min) => (acc.short_password)(*min),
            Invalid::Role(role) => (acc.not_a_role)(role),
            Invalid::NoTenantsNamed => acc.name_tenants.to_owned(),
            Invalid::TokenName => (acc.bad_token_name)(crate::domain::token::MAX_NAME_CHARS),
            Invalid::TokenGrants => acc.bad_token_grants.to_owned(),
            Invalid::TokenExpiry => acc.bad_token_expiry.to_owned(),
            Invalid::DedupeKey(max) => (acc.bad_dedupe_key)(*max),
            Invalid::Field(field) => (acc.bad_field)(field),
            Invalid::Body => err.bad_shape.to_owned(),
            Invalid::TypeKey => (acc.bad_type_key)(crate::domain::workspace_type::MAX_KEY_CHARS),
            Invalid::TypeWindows => acc.bad_type_windows.to_owned(),
            Invalid::WebhookUrl => acc.bad_webhook_url.to_owned(),
            Invalid::WebhookEvents => acc.bad_webhook_events.to_owned(),
        },
    }
}

impl From<Error> for ApiError {
    /// The error in the current request's language, logging nothing and setting no status:
    /// for callers outside a server function (tests, the command line). Server functions
    /// use [`answer`].
    fn from(e: Error) -> Self {
        api_error(text(), &e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::copy::Locale;

    #[test]
    fn each_kind_of_refusal_answers_with_its_own_status() {
        let c = Locale::En.catalog();
        let cases = [
            (Error::NotSignedIn, 401),
            (Error::WrongCredentials, 401),
            (Error::Throttled, 429),
            (Error::NotFound(Thing::Operation), 404),
            (Error::Forbidden(crate::domain::access::Capability::StartOperations), 403),
            (Error::NoMembership, 403),
            (Error::Conflict(Conflict::CancelTooLate), 409),
            (Error::Invalid(Invalid::Page), 422),
            (Error::internal("reading", sqlx::Error::RowNotFound), 500),
        ];
        for (e, status) in cases {
            assert_eq!(api_error(c, &e).status(), status, "{e:?}");
        }
    }

    #[test]
    fn an_internal_failure_never_shows_its_cause() {
        let e = Error::internal("reading the runs", sqlx::Error::Protocol("SQLSTATE 42P01 relation".into()));
        let shown = api_error(Locale::En.catalog(), &e);
        assert!(!shown.message().contains("SQLSTATE") && !shown.message().contains("reading"), "{shown:?}");
    }

    #[test]
    fn refusals_are_calm_sentences() {
        for locale in Locale::ALL {
            for cap in crate::domain::access::Capability::ALL {
                let s = sentence(locale.catalog(), &Error::Forbidden(cap));
                assert!(s.ends_with('.') && !s.contains('_'), "{s}");
            }
        }
    }

    #[test]
    fn refusals_are_worded_in_the_readers_language() {
        let e = Error::NotFound(Thing::Tenant);
        assert_eq!(sentence(Locale::En.catalog(), &e), "There is no tenant with that id.");
        assert_ne!(sentence(Locale::De.catalog(), &e), sentence(Locale::En.catalog(), &e));
    }
}
