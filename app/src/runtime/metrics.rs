//! Prometheus metrics of this instance, encoded by `prometheus-client` (never by hand).
//!
//! Counters are incremented where the thing happens — the lifecycle's committed writes, the
//! reconciler's sweeps, the poll services, the HTTP middleware — so summing them over the
//! instances sharing a database counts each run exactly once. Gauges of what is active are
//! read from the live view when scraped, judged by the one freshness rule. Labels are run
//! types, outcomes, decision kinds, poll surfaces and route templates: bounded sets that
//! never name a tenant or a person.

use crate::domain::{Freshness, Run, RunKind, RunType, Timestamp};
use crate::runtime::live::LiveRuns;
use crate::runtime::state::RuntimeConfig;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use std::time::Duration;

/// The `run_type` label every run of a workspace type is counted under: each workspace
/// names its own types, and a label per name would let callers grow the metrics without
/// bound.
const WORKSPACE_TYPES: &str = "workspace";

/// A run kind's `run_type` label: a built-in type's key, or [`WORKSPACE_TYPES`].
fn type_label(kind: &RunKind) -> &'static str {
    kind.builtin().map_or(WORKSPACE_TYPES, RunType::as_str)
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TypeLabels {
    run_type: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    run_type: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PollLabels {
    surface: &'static str,
    answer: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    route: String,
    method: &'static str,
    status: u16,
}

/// The label of an HTTP method: one of the standard methods, or "other" — a client can send
/// any token as a method, and each new label value would be a new series kept forever.
pub fn method_label(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"];
    KNOWN.into_iter().find(|m| *m == method).unwrap_or("other")
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// Seconds from 5 ms to about 3 hours.
fn long_seconds() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 3.0, 14))
}

/// Seconds from 0.1 ms to about 6.5 s.
fn short_seconds() -> Histogram {
    Histogram::new(exponential_buckets(0.0001, 3.0, 11))
}

/// What a poll answered: everything, or "nothing changed since the version you hold".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollAnswer {
    /// The whole answer.
    Full,
    /// Only "unchanged".
    Unchanged,
}

/// Every metric of the instance, and the registry that encodes them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    runs_started: Family<TypeLabels, Counter>,
    runs_completed: Family<OutcomeLabels, Counter>,
    active_runs: Family<TypeLabels, Gauge>,
    stale_runs: Family<TypeLabels, Gauge>,
    claim_wait: Histograms<TypeLabels>,
    run_duration: Histograms<OutcomeLabels>,
    sweep_duration: Histogram,
    sweep_decisions: Family<DecisionLabels, Counter>,
    poll_requests: Family<PollLabels, Counter>,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Histograms<RouteLabels>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every metric, all at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("opshub");
        let m = Self {
            runs_started: Family::default(),
            runs_completed: Family::default(),
            active_runs: Family::default(),
            stale_runs: Family::default(),
            claim_wait: Family::new_with_constructor(long_seconds),
            run_duration: Family::new_with_constructor(long_seconds),
            sweep_duration: short_seconds(),
            sweep_decisions: Family::default(),
            poll_requests: Family::default(),
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(short_seconds),
            registry: Registry::default(),
        };
        registry.register("runs_started", "Runs queued, by type", m.runs_started.clone());
        registry.register("runs_completed", "Runs completed, by type and outcome", m.runs_completed.clone());
        registry.register("active_runs", "Runs queued or running now, by type", m.active_runs.clone());
        registry.register(
            "likely_stale_runs",
            "Active runs judged likely stale now (specs/product-contract §4), by type",
            m.stale_runs.clone(),
        );
        registry.register_with_unit(
            "claim_wait",
            "Time a run waited in the queue before a worker claimed it",
            Unit::Seconds,
            m.claim_wait.clone(),
        );
        registry.register_with_unit(
            "run_duration",
            "Time from claim (or queueing, if never claimed) to completion",
            Unit::Seconds,
            m.run_duration.clone(),
        );
        registry.register_with_unit(
            "reconcile_sweep_duration",
            "Time one reconciler sweep took",
            Unit::Seconds,
            m.sweep_duration.clone(),
        );
        registry.register(
            "reconcile_decisions",
            "Runs the reconciler decided, by kind of decision",
            m.sweep_decisions.clone(),
        );
        registry.register(
            "poll_requests",
            "Poll requests by surface and answer (full or unchanged)",
            m.poll_requests.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests by route template, method and status",
            m.http_requests.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer an HTTP request, by route template",
            Unit::Seconds,
            m.http_duration.clone(),
        );
        Self { registry, ..m }
    }

    /// A run was queued.
    pub fn run_started(&self, kind: &RunKind) {
        self.runs_started.get_or_create(&TypeLabels { run_type: type_label(kind) }).inc();
    }

    /// A run was claimed.
    pub fn run_claimed(&self, run: &Run) {
        let waited = run.started_at.map_or(Duration::ZERO, |s| s.since(run.created_at));
        self.claim_wait
            .get_or_create(&TypeLabels { run_type: type_label(&run.run_type) })
            .observe(waited.as_secs_f64());
    }

    /// A run was completed (by anyone: worker, reconciler, adapter, shutdown).
    pub fn run_completed(&self, run: &Run) {
        let Some(outcome) = run.state.outcome() else { return };
        let labels = OutcomeLabels { run_type: type_label(&run.run_type), outcome: outcome.as_str() };
        self.runs_completed.get_or_create(&labels).inc();
        if let Some(done) = run.completed_at {
            let took = done.since(run.started_at.unwrap_or(run.created_at));
            self.run_duration.get_or_create(&labels).observe(took.as_secs_f64());
        }
    }

    /// A reconciler sweep finished after `took`, deciding runs of the kinds in `decisions`.
    pub fn sweep(&self, took: Duration, decisions: impl IntoIterator<Item = String>) {
        self.sweep_duration.observe(took.as_secs_f64());
        for kind in decisions {
            self.sweep_decisions.get_or_create(&DecisionLabels { kind }).inc();
        }
    }

    /// A poll of `surface` was answered.
    pub fn poll(&self, surface: &'static str, answer: PollAnswer) {
        let answer = match answer {
            PollAnswer::Full => "full",
            PollAnswer::Unchanged => "unchanged",
        };
        self.poll_requests.get_or_create(&PollLabels { surface, answer }).inc();
    }

    /// An HTTP request to the route template `route` was answered with `status` after `took`.
    pub fn http(&self, route: &str, method: &str, status: u16, took: Duration) {
        let labels = HttpLabels { route: route.to_owned(), method: method_label(method), status };
        self.http_requests.get_or_create(&labels).inc();
        self.http_duration.get_or_create(&RouteLabels { route: route.to_owned() }).observe(took.as_secs_f64());
    }

    /// The Prometheus text exposition, with the gauges read from `live` at `now`.
    pub fn encode(&self, live: &LiveRuns, config: &RuntimeConfig, now: Timestamp) -> Result<String, std::fmt::Error> {
        let mut active = std::collections::BTreeMap::<&'static str, (i64, i64)>::new();
        for t in RunType::ALL {
            active.insert(t.as_str(), (0, 0));
        }
        active.insert(WORKSPACE_TYPES, (0, 0));
        for run in live.active_runs(None) {
            let entry = active.entry(type_label(&run.run_type)).or_default();
            entry.0 += 1;
            if run.freshness(&config.policy(&run.run_type), now) == Some(Freshness::LikelyStale) {
                entry.1 += 1;
            }
        }
        for (run_type, (n, stale)) in active {
            self.active_runs.get_or_create(&TypeLabels { run_type }).set(n);
            self.stale_runs.get_or_create(&TypeLabels { run_type }).set(stale);
        }
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_http_methods_are_counted_as_other_and_add_no_series() {
        let m = Metrics::default();
        let took = Duration::from_millis(1);
        m.http("/healthz", "GET", 200, took);
        m.http("/healthz", "OTHER-THING", 405, took);
        let series = |m: &Metrics| {
            let mut text = String::new();
            prometheus_client::encoding::text::encode(&mut text, &m.registry)
                .map(|()| text.lines().filter(|l| l.starts_with("opshub_http_requests_total{")).count())
        };
        let before = series(&m);
        for i in 0..500 {
            m.http("/healthz", &format!("X{i}"), 405, took);
        }
        assert_eq!(series(&m), before, "500 invented methods add no series");
        assert_eq!(before, Ok(2));
        assert_eq!((method_label("PATCH"), method_label("get"), method_label("BREW")), ("PATCH", "other", "other"));
    }
}
