//! Page data that the server renders into the HTML and the browser picks up when it hydrates.
//!
//! Leptos' default resource codec reads that data with `serde_json::from_str`, while
//! server-function answers are read with `serde_json::from_slice`. The two readers are different
//! types, so every answer type's decoder was compiled into the browser bundle twice. Pages build
//! their resources with [`answer`], whose codec reads through the same slice reader as the
//! server functions: one decoder per type, and a smaller bundle (see specs/browser-bundle).

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;

/// A page's answer from the server, as its resource holds it.
pub type Answer<T> = Resource<Result<T, crate::api::ApiError>, AnswerJson>;

/// JSON for resources, read the way server-function answers are read.
#[derive(Debug, Clone, Copy)]
pub struct AnswerJson;

impl<T: Serialize> Encoder<T> for AnswerJson {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, Self::Error> {
        serde_json::to_string(val)
    }
}

impl<T: DeserializeOwned> Decoder<T> for AnswerJson {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, Self::Error> {
        serde_json::from_slice(val.as_bytes())
    }
}

/// A page's data: loaded by `fetcher` whenever `source` changes, rendered on the server and
/// picked up by the browser without a second request.
#[track_caller]
pub fn answer<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, AnswerJson>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

/// Keeps a page live (specs/product-contract §7 "one poll per page"): once the page has
/// hydrated, its one poll asks `fetch` with the version `current` holds, at the interval
/// `current` names, and writes each changed answer into it; it stops when nothing shown is
/// active or the page is left. On the server it does nothing.
pub fn keep_live<T, F, Fut>(current: RwSignal<T>, fetch: F)
where
    T: crate::api::Live + Send + Sync + 'static,
    F: Fn(String) -> Fut + 'static,
    Fut: Future<Output = Result<crate::api::Poll<T>, crate::api::ApiError>> + 'static,
{
    #[cfg(feature = "hydrate")]
    {
        let mut fetch = Some(fetch);
        Effect::new(move |_| {
            if let Some(fetch) = fetch.take() {
                super::live::poll_page(current, fetch);
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (current, fetch);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_reads_back_what_the_server_wrote() {
        let written: Result<Vec<u32>, String> = Ok(vec![1, 2, 3]);
        let text = <AnswerJson as Encoder<_>>::encode(&written).unwrap_or_default();
        let read: Result<Result<Vec<u32>, String>, _> = <AnswerJson as Decoder<_>>::decode(&text);
        assert_eq!(read.ok(), Some(written));
    }

    #[test]
    fn a_damaged_answer_is_an_error_not_a_panic() {
        let read: Result<Vec<u32>, _> = <AnswerJson as Decoder<_>>::decode("[1, 2,");
        assert!(read.is_err());
    }
}
