//! Logs that support can follow: readable lines by default, JSON lines for collectors, and
//! one request id per HTTP request that every log line of the request carries.
//!
//! The id is taken from a well-formed incoming `x-request-id` (so a proxy's id carries
//! through) or made here, returned in the response's `x-request-id` header, put on the
//! request's span (so every event inside it names it), and appended to an internal error's
//! calm text (see `app::api::operations::respond`) — a screenshot of the error is enough to
//! find its log lines. Leptos renders a page's resources on spawned tasks; the executor
//! installed here carries the spawning span into them, so those lines carry the id too.

use crate::config::LogFormat;
use app::runtime::{AppState, RequestId};
use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::hash::{BuildHasher as _, Hasher as _};
use std::sync::atomic::{AtomicU64, Ordering};
use tracing::Instrument as _;

/// The header carrying the request id, both ways.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The span the demo seed runs in. What happens inside it (some hundred runs made, claimed
/// and ended, the faults it injects on purpose and the warnings they cause) is worth a line
/// each only to somebody debugging the seed: below errors, its events are written only when
/// the filter asks for debug lines, so a first `make run` ends with the sign-ins and the
/// address instead of a screen of seeding lines.
pub const DEMO_SEED_SPAN: &str = "demo_seed";

/// Installs the process's log subscriber: `format` lines filtered by `filter` (already
/// checked by the configuration), written to standard output.
pub fn init(format: LogFormat, filter: &str) {
    init_writing_to(format, filter, std::io::stdout);
}

/// [`init`] writing to `writer` instead: the benchmark installs the production subscriber
/// writing nowhere, so its figures include what formatting every line costs.
pub fn init_writing_to<W>(format: LogFormat, filter: &str, writer: W)
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    use tracing_subscriber::{Layer as _, filter::FilterExt as _};
    let filter = tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| "info".into());
    let verbose = filter.max_level_hint().is_some_and(|l| l >= tracing::level_filters::LevelFilter::DEBUG);
    let filter = filter.and(calm_demo_seed(verbose));
    let registry = tracing_subscriber::registry();
    let layer = tracing_subscriber::fmt::layer().with_writer(writer);
    let _ = match format {
        LogFormat::Text => registry.with(layer.with_filter(filter)).try_init(),
        LogFormat::Json => registry
            .with(layer.json().flatten_event(true).with_current_span(false).with_span_list(true).with_filter(filter))
            .try_init(),
    };
}

/// Lets through everything but events below errors inside [`DEMO_SEED_SPAN`], unless the
/// filter writes debug lines anyway (`verbose`).
fn calm_demo_seed<S>(
    verbose: bool,
) -> tracing_subscriber::filter::DynFilterFn<
    S,
    impl Fn(&tracing::Metadata<'_>, &tracing_subscriber::layer::Context<'_, S>) -> bool,
>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    tracing_subscriber::filter::DynFilterFn::new(move |meta, cx| {
        verbose
            || !meta.is_event()
            || *meta.level() == tracing::Level::ERROR
            || !cx.lookup_current().is_some_and(|span| span.scope().any(|s| s.name() == DEMO_SEED_SPAN))
    })
}

/// Makes Leptos spawn its tasks (a page's resources, server functions rendered on the
/// server) inside the span that spawned them, so their log lines carry the request id.
/// Must run before the router is built; a second call changes nothing.
pub fn carry_spans_into_leptos_tasks() {
    let _ = any_spawner::Executor::init_custom_executor(SpanCarryingExecutor);
}

#[derive(Debug, Clone, Copy)]
struct SpanCarryingExecutor;

impl any_spawner::CustomExecutor for SpanCarryingExecutor {
    fn spawn(&self, fut: any_spawner::PinnedFuture<()>) {
        tokio::spawn(fut.in_current_span());
    }

    fn spawn_local(&self, fut: any_spawner::PinnedLocalFuture<()>) {
        tokio::task::spawn_local(fut.in_current_span());
    }

    fn poll_local(&self) {}
}

/// A new request id: 16 hex digits, unique within the process (a counter) and unlikely to
/// repeat across instances (keyed by the process's random hasher seed).
fn new_request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static KEYS: std::sync::OnceLock<std::collections::hash_map::RandomState> = std::sync::OnceLock::new();
    let mut h = KEYS.get_or_init(Default::default).build_hasher();
    h.write_u64(NEXT.fetch_add(1, Ordering::Relaxed));
    format!("{:016x}", h.finish())
}

/// An incoming id worth keeping: short, and only characters safe in logs and headers.
fn acceptable(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Names the request's route on its span and its answer once the router has matched it
/// (the innermost layer: only the router knows the template). The name is the template
/// (`/admin/t/{tenant}`), never the path itself, so neither logs' route field nor metrics'
/// labels carry tenant or user names.
pub async fn name_the_route(req: Request, next: Next) -> Response {
    let matched = req.extensions().get::<MatchedPath>().cloned();
    tracing::Span::current().record("route", matched.as_ref().map_or(UNMATCHED, MatchedPath::as_str));
    let mut res = next.run(req).await;
    if let Some(m) = matched {
        res.extensions_mut().insert(m);
    }
    res
}

/// The route name of a request no route matched (a 404, or one refused before routing).
const UNMATCHED: &str = "unmatched";

/// The request middleware (outermost): id, span, the HTTP metrics, and one debug line when
/// the response is ready. The span's route is filled in by [`name_the_route`].
pub async fn request_span(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map_or_else(new_request_id, str::to_owned);
    let method = app::runtime::metrics::method_label(req.method().as_str());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method,
        route = tracing::field::Empty,
        token = tracing::field::Empty
    );
    req.extensions_mut().insert(RequestId(id.as_str().into()));
    let began = std::time::Instant::now();
    let mut res = next.run(req).instrument(span.clone()).await;
    let status = res.status().as_u16();
    let took = began.elapsed();
    let route = res.extensions().get::<MatchedPath>().map_or(UNMATCHED, MatchedPath::as_str);
    state.metrics.http(route, method, status, took);
    span.in_scope(|| tracing::debug!(status, micros = took.as_micros(), "answered"));
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_do_not_repeat_and_are_safe_in_headers() {
        let ids: std::collections::HashSet<String> = (0..10_000).map(|_| new_request_id()).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids.iter().all(|id| acceptable(id) && HeaderValue::from_str(id).is_ok()));
    }

    #[test]
    fn an_incoming_id_is_kept_only_when_it_is_short_and_plain() {
        assert!(acceptable("3f2a-bc19.proxy_7"));
        assert!(!acceptable("short"));
        assert!(!acceptable("has space in it"));
        assert!(!acceptable("line\nbreak-injected"));
        assert!(!acceptable(&"x".repeat(65)));
    }
}
