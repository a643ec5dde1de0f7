//! The tenant dashboard's digest (specs/product-contract §7 "one poll per page"): counts, attention
//! buckets, recent operations, the overlay's active runs and the latest review pack, built at
//! most once per change of truth and answered "unchanged" to a page that already holds it.
//!
//! A built digest is kept per tenant with what it was built from — the live view's version
//! of the tenant (every run change on any instance moves it) — and until when it stays true
//! without any event: the next instant an active run's freshness or poll tier changes, the
//! pack expires, or a minute passes (a backstop for changes no run announces, and for the
//! 24-hour window moving on: its count and its drill-through start at the same instant, so
//! they agree however old the digest is). A poll inside those bounds is a map lookup; one that rebuilds
//! and finds the same content still answers "unchanged", because the version is a hash of
//! the content, not of the clock.
//!
//! One build per tenant and language at a time: when a change invalidates the digest while a
//! thousand dashboards poll it, the first poll builds and the others wait for its result
//! rather than each running the same queries (a build read after a poll arrived answers that
//! poll truthfully). Without this, a busy tenant's builds pile up faster than the database
//! answers them as its history grows (specs/benchmarks, the long SQLite soak).

use crate::api::{DigestPoll, OverviewPoll, OverviewTenant, PackCard, TenantDigest, TenantKpis, WorkspaceOverview};
use crate::domain::freshness::{next_change, worker_silent};
use crate::domain::polling::millis;
use crate::domain::{
    ProblemClass, RunOutcome, RunState, RunType, RunView, StoredSentence, TenantId, Timestamp, WorkspaceId,
};
use crate::runtime::metrics::PollAnswer;
use crate::runtime::state::AppState;
use crate::services::error::Error;
use crate::services::principal::Principal;
use crate::store::runs::{self, RunFilter};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// How far back "succeeded recently" looks.
pub const RECENT_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// How many recent operations and follow-up runs the dashboard lists.
pub const LIST_LEN: u32 = 8;
/// The longest a digest is trusted without an event.
const BACKSTOP: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
struct Entry {
    /// The tenant's live versions when it was built: unmoved by heartbeats, and any change.
    versions: (u64, u64),
    /// Whether a run in it was judged by its worker's silence: then a heartbeat alone can
    /// change it (stuck → on track), so any change invalidates it.
    silent: bool,
    valid_until: Timestamp,
    digest: Arc<TenantDigest>,
}

impl Entry {
    /// Whether this entry answers a poll that read `versions`: built from that truth or a
    /// later one (versions only grow), and not yet due to change by time.
    fn holds(&self, versions: (u64, u64), now: Timestamp) -> bool {
        let current = if self.silent { self.versions.1 >= versions.1 } else { self.versions.0 >= versions.0 };
        current && now < self.valid_until
    }
}

/// The cache key: a tenant. A digest holds situations, not words (each reader words them in
/// their own language), so one entry serves every language.
type Key = TenantId;

/// Built digests by tenant.
#[derive(Debug, Default)]
pub struct DigestCache {
    entries: RwLock<HashMap<Key, Entry>>,
    /// One build at a time per key; the others wait for its entry.
    turns: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
    builds: AtomicU64,
}

impl DigestCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many digests this cache has built (each a handful of queries).
    pub fn builds(&self) -> u64 {
        self.builds.load(Ordering::Relaxed)
    }

    fn get(&self, key: Key, versions: (u64, u64), now: Timestamp) -> Option<Arc<TenantDigest>> {
        let entries = self.entries.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.get(&key).filter(|e| e.holds(versions, now)).map(|e| Arc::clone(&e.digest))
    }

    fn put(&self, key: Key, entry: Entry) {
        self.entries.write().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key, entry);
    }

    /// The lock a build of `key` holds (one per tenant, like the entries).
    fn turn(&self, key: Key) -> Arc<tokio::sync::Mutex<()>> {
        let mut turns = self.turns.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(turns.entry(key).or_default())
    }
}

/// The digest of `tenant` for the caller, or [`DigestPoll::Unchanged`] when `known` is its
/// current version.
#[tracing::instrument(level = "debug", skip(state, p), fields(workspace = p.workspace_id.get()))]
pub async fn tenant_digest(
    state: &AppState,
    p: &Principal,
    tenant: &str,
    known: Option<&str>,
) -> Result<DigestPoll, Error> {
    let (t, info) = crate::services::scope::tenant(state, p, tenant).await?;
    let key = t;
    let arrived = state.live.versions(t);
    let digest = match state.digests.get(key, arrived, state.clock.now()) {
        Some(d) => d,
        None => build_once(state, key, arrived, info.workspace_id, info.name).await?,
    };
    Ok(if known == Some(digest.version.as_str()) {
        state.metrics.poll("tenant_digest", PollAnswer::Unchanged);
        DigestPoll::Unchanged
    } else {
        state.metrics.poll("tenant_digest", PollAnswer::Full);
        DigestPoll::Changed(Box::new(TenantDigest::clone(&digest)))
    })
}

/// The digest for a poll that read `arrived` and found no entry holding it: built under the
/// key's turn, or, when the build this poll waited for read the truth after the poll
/// arrived, that build's entry.
async fn build_once(
    state: &AppState,
    key: Key,
    arrived: (u64, u64),
    ws: WorkspaceId,
    name: String,
) -> Result<Arc<TenantDigest>, Error> {
    let turn = state.digests.turn(key);
    let _turn = turn.lock().await;
    let now = state.clock.now();
    if let Some(d) = state.digests.get(key, arrived, now) {
        return Ok(d);
    }
    // Read before building: a change during the build leaves the entry behind, never ahead.
    let versions = state.live.versions(key);
    let built = build(state, key, ws, name, now).await?;
    state.digests.builds.fetch_add(1, Ordering::Relaxed);
    let digest = Arc::new(built.digest);
    let (silent, valid_until) = (built.silent, built.valid_until);
    state.digests.put(key, Entry { versions, silent, valid_until, digest: Arc::clone(&digest) });
    Ok(digest)
}

/// A digest, until when it stays true without an event, and whether a heartbeat alone could
/// change it.
struct Built {
    digest: TenantDigest,
    valid_until: Timestamp,
    silent: bool,
}

/// Builds the digest of tenant `t` at `now`.
async fn build(state: &AppState, t: TenantId, ws: WorkspaceId, name: String, now: Timestamp) -> Result<Built, Error> {
    let polling = &state.config.polling;
    let view = |r: &crate::domain::Run, tenant_name: Option<String>| {
        RunView::derive(r, tenant_name, &state.config.policy(&r.run_type), polling, now)
    };
    let mut valid_until = now.plus(BACKSTOP);

    let live = state.live.tenant_runs(t);
    let mut silent = false;
    for r in &live {
        let policy = state.config.policy(&r.run_type);
        silent |= r.state == RunState::Running && worker_silent(r.lifecycle_times(), &policy, now);
        if let Some(at) = next_change(r.state, r.lifecycle_times(), &policy, now) {
            valid_until = valid_until.min(at);
        }
        if let Some(d) = polling.next_tier_in(now.since(r.created_at)) {
            valid_until = valid_until.min(now.plus(d));
        }
    }
    let active: Vec<RunView> = live.iter().map(|r| view(r, Some(name.clone()))).collect();

    let tenant_only = RunFilter { tenant: Some(t), ..RunFilter::default() };
    let since = now.minus(RECENT_WINDOW);
    // The window moves with the clock; the count and its drill-through both start at `since`,
    // so they agree however old the digest is (the backstop refreshes it within a minute).
    let kpis = Completed::read(state, ws, &tenant_only, since).await?.kpis(&active, |_| true);

    let follow_up_only = RunFilter { follow_up_only: true, ..tenant_only.clone() };
    let follow_up = runs::list_page(&state.db, Some(ws), &follow_up_only, None, LIST_LEN).await?;
    let recent = runs::list_page(&state.db, Some(ws), &tenant_only, None, LIST_LEN).await?;
    let follow_up: Vec<RunView> = follow_up.iter().map(|r| view(&r.run, r.tenant_name.clone())).collect();
    let recent: Vec<RunView> = recent.iter().map(|r| view(&r.run, r.tenant_name.clone())).collect();

    let pack = latest_pack(state, t, now, &active).await?;
    if let Some(at) = pack.as_ref().and_then(|p| p.expires_at).filter(|at| *at > now) {
        valid_until = valid_until.min(at);
    }
    let overlay = polling.overlay_interval(active.iter().map(|v| (v.state, now.since(v.created_at))));
    let card = pack.as_ref().filter(|p| p.in_progress()).map(|_| polling.review_pack);
    let interval = overlay.into_iter().chain(card).min();

    let mut digest = TenantDigest {
        tenant_id: t.get(),
        tenant_name: name,
        version: String::new(),
        kpis,
        since,
        active,
        follow_up,
        recent,
        pack,
        poll_interval_ms: interval.map(millis),
        observed_at: now,
    };
    digest.version = version_of(&digest);
    Ok(Built { digest, valid_until, silent })
}

/// Completed runs per tenant and class: those `filter` selects, and the successes among them
/// since `since` — two grouped queries, whatever the number of tenants.
struct Completed {
    stored: Vec<(Option<TenantId>, ProblemClass, u64)>,
    successes: Vec<(Option<TenantId>, ProblemClass, u64)>,
}

impl Completed {
    async fn read(state: &AppState, ws: WorkspaceId, filter: &RunFilter, since: Timestamp) -> Result<Self, Error> {
        let recent_successes =
            RunFilter { outcome: Some(RunOutcome::Succeeded), completed_since: Some(since), ..filter.clone() };
        Ok(Self {
            stored: runs::completed_counts_by_tenant(&state.db, ws, filter).await?,
            successes: runs::completed_counts_by_tenant(&state.db, ws, &recent_successes).await?,
        })
    }

    /// The dashboard's counts for the tenants `wanted` admits; `active` are the active runs
    /// (from the live view) already narrowed the same way. The same sources as the list each
    /// count links to.
    fn kpis(&self, active: &[RunView], wanted: impl Fn(Option<TenantId>) -> bool) -> TenantKpis {
        let sum = |rows: &[(Option<TenantId>, ProblemClass, u64)], class: Option<ProblemClass>| {
            rows.iter().filter(|(t, c, _)| wanted(*t) && class.is_none_or(|k| k == *c)).map(|(_, _, n)| *n).sum()
        };
        TenantKpis {
            active: active.len() as u64,
            stuck: active.iter().filter(|v| v.problem == ProblemClass::ActiveStale).count() as u64,
            follow_up: sum(&self.stored, Some(ProblemClass::TerminalFollowUp)),
            stopped: sum(&self.stored, Some(ProblemClass::ReconciledStale)),
            succeeded_recently: sum(&self.successes, None),
        }
    }
}

/// A hash of everything the dashboard shows except the clock reading, so two builds of the
/// same truth carry the same version.
fn version_of(d: &TenantDigest) -> String {
    let mut h = DefaultHasher::new();
    d.tenant_name.hash(&mut h);
    d.kpis.hash(&mut h);
    d.pack.hash(&mut h);
    d.poll_interval_ms.hash(&mut h);
    crate::services::poll::hash_views(&mut h, "a", &d.active);
    crate::services::poll::hash_views(&mut h, "f", &d.follow_up);
    crate::services::poll::hash_views(&mut h, "r", &d.recent);
    crate::services::poll::version(&h)
}

/// The workspace overview for the caller, or [`crate::api::Poll::Unchanged`] when `known` is its
/// current version. Built per request (five queries, whatever the number of tenants) and
/// compared by content, so an unchanged answer carries no payload.
#[tracing::instrument(level = "debug", skip(state, p), fields(workspace = p.workspace_id.get()))]
pub async fn workspace_overview(state: &AppState, p: &Principal, known: Option<&str>) -> Result<OverviewPoll, Error> {
    // Like the operations list: every member may view runs; the scope narrows what they see.
    let ws = p.workspace_id;
    let now = state.clock.now();
    let since = now.minus(RECENT_WINDOW);
    let polling = &state.config.polling;
    let view = |r: &crate::domain::Run, tenant_name: Option<String>| {
        RunView::derive(r, tenant_name, &state.config.policy(&r.run_type), polling, now)
    };
    let visible = RunFilter { scope: p.scope(), ..RunFilter::default() };
    let mut active: Vec<RunView> = state
        .live
        .active_runs(Some(ws))
        .iter()
        .filter(|r| visible.admits_active(r))
        .map(|r| view(r, r.tenant_id.and_then(|t| state.live.tenant_name(t))))
        .collect();
    active.sort_by_key(|v| (v.created_at, v.id));
    let completed = Completed::read(state, ws, &visible, since).await?;
    let totals = completed.kpis(&active, |_| true);
    let tenants = crate::services::scope::tenants(state, p)
        .await?
        .into_iter()
        .map(|(id, name)| {
            let t = Some(TenantId(id));
            let theirs: Vec<RunView> = active.iter().filter(|v| v.tenant_id == t).cloned().collect();
            OverviewTenant { tenant_id: id, name, kpis: completed.kpis(&theirs, |of| of == t) }
        })
        .collect();
    let follow_up_only = RunFilter { follow_up_only: true, ..visible.clone() };
    let follow_up = runs::list_page(&state.db, Some(ws), &follow_up_only, None, LIST_LEN).await?;
    let recent = runs::list_page(&state.db, Some(ws), &visible, None, LIST_LEN).await?;
    let interval = polling.overlay_interval(active.iter().map(|v| (v.state, now.since(v.created_at))));
    let mut overview = WorkspaceOverview {
        version: String::new(),
        totals,
        tenants,
        since,
        stuck: active.into_iter().filter(|v| v.problem == ProblemClass::ActiveStale).collect(),
        follow_up: follow_up.iter().map(|r| view(&r.run, r.tenant_name.clone())).collect(),
        recent: recent.iter().map(|r| view(&r.run, r.tenant_name.clone())).collect(),
        poll_interval_ms: interval.map(millis),
        observed_at: now,
    };
    let mut h = DefaultHasher::new();
    overview.totals.hash(&mut h);
    overview.tenants.hash(&mut h);
    overview.poll_interval_ms.hash(&mut h);
    crate::services::poll::hash_views(&mut h, "s", &overview.stuck);
    crate::services::poll::hash_views(&mut h, "f", &overview.follow_up);
    crate::services::poll::hash_views(&mut h, "r", &overview.recent);
    overview.version = crate::services::poll::version(&h);
    Ok(crate::services::poll::unless_known(state, "workspace_overview", overview, known))
}

/// The tenant's latest review pack as its card shows it at `now`. A pack run that is still
/// active and newer than the latest pack (queued, or running before its pack exists) is the
/// card's truth: the card shows it queued or generating, never the previous pack as if
/// nothing had happened. While the pack is being made the card names its own interval.
async fn latest_pack(
    state: &AppState,
    t: TenantId,
    now: Timestamp,
    active: &[RunView],
) -> Result<Option<PackCard>, Error> {
    let row = crate::store::workbench::latest_pack(&state.db, t).await?;
    let pending =
        active.iter().filter(|v| v.run_type.builtin() == Some(RunType::ReviewPackGenerate)).max_by_key(|v| v.id);
    let mut card = match (row, pending) {
        (row, Some(run)) if row.as_ref().is_none_or(|p| p.run_id < run.id.get()) => Some(PackCard {
            id: None,
            status: if run.state == RunState::Queued { "queued" } else { "generating" }.to_owned(),
            review_id: None,
            run_id: run.id.get(),
            size_bytes: None,
            expires_at: None,
            failure: None,
            poll_interval_ms: None,
        }),
        (row, _) => row.map(
            |crate::store::workbench::LatestPackRecord {
                 id,
                 status,
                 review_id,
                 run_id,
                 size_bytes,
                 expires_at,
                 failure_message: failure,
             }| {
                let failure = failure.map(|f| StoredSentence::read(&f));
                let expires_at = expires_at.map(Timestamp);
                let lapsed = status == "ready" && expires_at.is_some_and(|at| at <= now);
                PackCard {
                    id: Some(id),
                    status: if lapsed { "expired".to_owned() } else { status.clone() },
                    review_id,
                    run_id,
                    size_bytes: size_bytes.filter(|_| status == "ready" && !lapsed),
                    expires_at: expires_at.filter(|_| status == "ready" && !lapsed),
                    failure: failure.filter(|_| status == "failed"),
                    poll_interval_ms: None,
                }
            },
        ),
    };
    if let Some(card) = card.as_mut().filter(|c| c.in_progress()) {
        card.poll_interval_ms = Some(millis(state.config.polling.review_pack));
    }
    Ok(card)
}
