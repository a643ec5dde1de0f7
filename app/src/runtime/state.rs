//! [`AppState`]: the dependencies every service takes explicitly — the pool, the clock and the
//! runtime configuration — handed to server functions through Leptos context and to workers
//! directly. There are no globals.

use crate::domain::{LifecyclePolicy, PollingPolicy, RunKind, RunType};
use crate::jobs::lifecycle::Lifecycle;
use crate::runtime::clock::Clock;
use crate::runtime::live::LiveRuns;
use crate::services::poll::PollCache;
use crate::store::db::Db;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Configuration the services read at run time.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Poll intervals.
    pub polling: PollingPolicy,
    /// Per-type lifecycle windows overriding the catalog defaults.
    pub policy_overrides: BTreeMap<RunType, LifecyclePolicy>,
    /// How long a claim's lease lasts before it must be renewed.
    pub lease: Duration,
    /// How often a worker heartbeats while a handler runs.
    pub heartbeat_every: Duration,
    /// Demo pacing: how long inventory.sync spends per provider item.
    pub inventory_item_delay: Duration,
    /// A name for this instance, used as the lease owner prefix.
    pub instance_id: String,
    /// How long a ready review pack is kept before it expires.
    pub pack_retention: Duration,
    /// How long a terminal run (with its transitions) is kept after it ended; `None` keeps
    /// every run.
    pub history_retention: Option<Duration>,
    /// How long a notification is kept; `None` keeps every notification.
    pub notification_retention: Option<Duration>,
    /// How long sign-in sessions live.
    pub sessions: crate::services::auth::SessionPolicy,
    /// How often this instance's reconciler sweeps (`None` when it does not), for the
    /// detail's promise of when a stuck run will be closed.
    pub reconcile_every: Option<Duration>,
    /// How webhook deliveries are made and retried.
    pub webhooks: crate::jobs::webhooks::WebhookPolicy,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            polling: PollingPolicy::default(),
            policy_overrides: BTreeMap::new(),
            lease: Duration::from_secs(60),
            heartbeat_every: Duration::from_secs(10),
            inventory_item_delay: Duration::ZERO,
            instance_id: "opshub".to_owned(),
            pack_retention: Duration::from_secs(7 * 86_400),
            history_retention: Some(Duration::from_secs(90 * 86_400)),
            notification_retention: Some(Duration::from_secs(90 * 86_400)),
            sessions: crate::services::auth::SessionPolicy::default(),
            reconcile_every: Some(Duration::from_secs(30)),
            webhooks: crate::jobs::webhooks::WebhookPolicy::default(),
        }
    }
}

impl RuntimeConfig {
    /// The lifecycle windows runs of `kind` are judged by: a built-in type's (overridden
    /// here or its defaults), or the ones its workspace registered.
    pub fn policy(&self, kind: &RunKind) -> LifecyclePolicy {
        match kind {
            RunKind::Builtin(t) => self.builtin_policy(*t),
            RunKind::Workspace(w) => w.policy,
        }
    }

    /// The lifecycle windows of the built-in type `t`.
    pub fn builtin_policy(&self, t: RunType) -> LifecyclePolicy {
        self.policy_overrides.get(&t).copied().unwrap_or_else(|| t.default_policy())
    }
}

/// Everything a request or worker needs, behind one shared allocation: a clone is one
/// reference count. That matters on the request path, where the HTTP stack clones the state
/// of every middleware layer it passes through (specs/benchmarks, "Where a request's time
/// goes"). Reads go through [`Deref`](std::ops::Deref) to [`Shared`].
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

/// What an [`AppState`] shares.
#[derive(Debug, Clone)]
pub struct Shared {
    /// The one pool.
    pub db: Db,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Runtime configuration.
    pub config: Arc<RuntimeConfig>,
    /// Wakes idle workers when a run is queued.
    pub work_queued: Arc<Notify>,
    /// Active runs in memory (the poll path).
    pub live: Arc<LiveRuns>,
    /// Encoded poll answers, valid until the truth or the second changes.
    pub poll_cache: Arc<PollCache>,
    /// Session records and principals recently read (the poll path asks no database).
    pub auth_cache: Arc<crate::services::auth::AuthCache>,
    /// Built tenant digests, valid until the truth changes or time moves a judgement on.
    pub digests: Arc<crate::services::digest::DigestCache>,
    /// This instance's metrics.
    pub metrics: Arc<crate::runtime::metrics::Metrics>,
    /// How many password checks may run at once.
    pub hash_gate: Arc<crate::services::accounts::HashGate>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// A state over `db` with `clock` and `config`.
    pub fn new(db: Db, clock: Arc<dyn Clock>, config: RuntimeConfig) -> Self {
        let live = Arc::new(LiveRuns::new(db.clone()));
        Self(Arc::new(Shared {
            db,
            clock,
            config: Arc::new(config),
            work_queued: Arc::new(Notify::new()),
            live,
            poll_cache: Arc::new(PollCache::new()),
            auth_cache: Arc::default(),
            digests: Arc::default(),
            metrics: Arc::default(),
            hash_gate: Arc::default(),
        }))
    }

    /// This state reading `clock` instead (seeding history, tests); everything else shared.
    pub fn with_clock(&self, clock: Arc<dyn Clock>) -> Self {
        Self(Arc::new(Shared { clock, ..Shared::clone(&self.0) }))
    }

    /// This state under `config` instead (tests, an instance configured otherwise);
    /// everything else shared.
    pub fn with_config(&self, config: RuntimeConfig) -> Self {
        Self(Arc::new(Shared { config: Arc::new(config), ..Shared::clone(&self.0) }))
    }

    /// The lifecycle service.
    pub fn lifecycle(&self) -> Lifecycle {
        Lifecycle::new(self.db.clone(), self.clock.clone())
            .with_live(self.live.clone())
            .with_metrics(self.metrics.clone())
    }
}
