//! Forms that post to a server function.
//!
//! Every such form is a plain `<form method="post">` aimed at the function's URL, so it works
//! before the page has hydrated (the server answers and redirects back). Once hydrated, a
//! submission is caught and dispatched through the page's [`ServerAction`], so the answer lands
//! in the page without a reload.
//!
//! Leptos' `ActionForm` does the same but turns the form into arguments with a generic
//! query-string deserializer, compiled into the browser bundle once per form type; here each
//! argument type names its fields in [`FromFields`], a few lines that cost next to nothing.

use crate::api::{
    CancelRun, CreateToken, CreateWebhook, ListQuery, MarkAllNotificationsRead, MarkNotificationRead, PublishReview,
    RetryDelivery, RetryRun, RevokeToken, RevokeWebhook, SignIn, StartOperation,
};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::{FormData, HtmlFormElement};

/// A server function's arguments, read from the fields of the form that submits it.
pub trait FromFields: Sized {
    /// The arguments from `field` (a field's value by name, `None` when the form has no such
    /// field or the box is unticked), or `None` when a field the function needs is missing.
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Self>;
}

/// A form posting to the server function of `action`; see the module docs.
#[component]
pub fn PostForm<S>(action: ServerAction<S>, children: Children) -> impl IntoView
where
    S: FromFields + ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    let submit = move |ev: SubmitEvent| {
        if let Some(args) = submitted::<S>(&ev) {
            ev.prevent_default();
            action.dispatch(args);
        }
    };
    view! { <form method="post" action=S::url() on:submit=submit>{children()}</form> }
}

/// What the form of `ev` submits, read as `T`; `None` when another handler already took the
/// submission or a field `T` needs is missing. Callers that get `None` let the browser submit
/// the form itself: the server then answers, with its own calm error if need be.
pub fn submitted<T: FromFields>(ev: &SubmitEvent) -> Option<T> {
    if ev.default_prevented() {
        return None;
    }
    let form = ev.target()?.dyn_into::<HtmlFormElement>().ok()?;
    let data = FormData::new_with_form(&form).ok()?;
    T::from_fields(&|name| data.get(name).as_string())
}

impl FromFields for ListQuery {
    /// The list's filter form: an empty choice ("all tenants", "any status") is no filter.
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Self> {
        let chosen = |name: &str| field(name).filter(|v| !v.is_empty());
        Some(Self {
            workspace: chosen("workspace"),
            tenant: chosen("tenant"),
            run_type: chosen("type"),
            status: chosen("status"),
            outcome: chosen("outcome"),
            class: chosen("class"),
            since: chosen("since"),
            after: None,
        })
    }
}

impl FromFields for CreateToken {
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Self> {
        Some(Self {
            name: field("name")?,
            tenant: field("tenant"),
            read_runs: field("read_runs"),
            start_runs: field("start_runs"),
            report_runs: field("report_runs"),
            expires_in_days: field("expires_in_days"),
        })
    }
}

impl FromFields for RevokeToken {
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Self> {
        Some(Self { id: field("id")? })
    }
}

impl FromFields for CreateWebhook {
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Self> {
        Some(Self {
            url: field("url")?,
            finished: field("finished"),
            reconciled: field("reconciled"),
            stuck: field("stuck"),
        })
    }
}

impl FromFields for RevokeWebhook {
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Self> {
        Some(Self { id: field("id")? })
    }
}

impl FromFields for RetryDelivery {
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Self> {
        Some(Self { id: field("id")? })
    }
}

impl FromFields for StartOperation {
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Self> {
        Some(Self {
            tenant: field("tenant")?,
            run_type: field("run_type")?,
            snapshot: field("snapshot"),
            review: field("review"),
            confirm: field("confirm").map(|v| v == "true"),
        })
    }
}

impl FromFields for PublishReview {
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Self> {
        Some(Self { review: field("review")? })
    }
}

impl FromFields for CancelRun {
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Self> {
        Some(Self { id: field("id")? })
    }
}

impl FromFields for RetryRun {
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Self> {
        Some(Self { id: field("id")?, confirm: field("confirm").map(|v| v == "true") })
    }
}

impl FromFields for MarkNotificationRead {
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Self> {
        Some(Self { id: field("id")? })
    }
}

impl FromFields for MarkAllNotificationsRead {
    fn from_fields(_: &dyn Fn(&str) -> Option<String>) -> Option<Self> {
        Some(Self {})
    }
}

impl FromFields for SignIn {
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Self> {
        Some(Self { email: field("email")?, password: field("password")?, next: field("next") })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn form(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn a_restore_form_reads_its_tenant_type_snapshot_and_ticked_confirmation() {
        let args = StartOperation::from_fields(&form(&[
            ("tenant", "2"),
            ("run_type", "restore.execute"),
            ("snapshot", "7"),
            ("confirm", "true"),
        ]));
        let args = args.map(|a| (a.tenant, a.run_type, a.snapshot, a.review, a.confirm));
        assert_eq!(args, Some(("2".into(), "restore.execute".into(), Some("7".into()), None, Some(true))));
    }

    #[test]
    fn an_unticked_confirmation_is_absent_not_false_so_the_server_refuses_it() {
        let args = StartOperation::from_fields(&form(&[("tenant", "2"), ("run_type", "restore.execute")]));
        assert_eq!(args.and_then(|a| a.confirm), None);
    }

    #[test]
    fn a_form_missing_a_needed_field_gives_no_arguments() {
        assert!(StartOperation::from_fields(&form(&[("tenant", "2")])).is_none());
        assert!(SignIn::from_fields(&form(&[("email", "a@b.c")])).is_none());
        assert!(PublishReview::from_fields(&form(&[])).is_none());
        assert!(MarkNotificationRead::from_fields(&form(&[])).is_none());
    }

    #[test]
    fn the_filter_form_drops_empty_choices_and_starts_again_at_the_first_page() {
        let q = ListQuery::from_fields(&form(&[
            ("workspace", "4"),
            ("tenant", ""),
            ("type", "inventory.sync"),
            ("status", ""),
            ("class", "active_stale"),
            ("after", "abc"),
        ]));
        let q = q.map(|q| (q.workspace, q.tenant, q.run_type, q.status, q.outcome, q.class, q.since, q.after));
        let want = (
            Some("4".into()),
            None,
            Some("inventory.sync".into()),
            None,
            None,
            Some("active_stale".into()),
            None,
            None,
        );
        assert_eq!(q, Some(want));
    }

    #[test]
    fn sign_in_keeps_the_page_to_return_to() {
        let args = SignIn::from_fields(&form(&[("email", "a@b.c"), ("password", "pw"), ("next", "/admin")]));
        assert_eq!(args.and_then(|a| a.next), Some("/admin".into()));
    }
}
