//! The live view of active runs: every queued or running run of this database, held in
//! memory so the poll path (one tenant's active runs, asked for every few seconds by every
//! open page) costs no query.
//!
//! It is part of the truth, so it is kept current, never merely expired:
//! - every lifecycle write on this instance applies its result here before returning, so the
//!   next poll on the same instance sees it;
//! - on PostgreSQL every meaningful write also sends `NOTIFY` with the run id; each
//!   instance's [`listen`] task re-reads that run, so a write on another instance is visible
//!   within one poll interval;
//! - heartbeats are not announced (they would be most of the traffic, to every instance):
//!   [`keep_current`] catches up every heartbeat interval, comparing each active run's
//!   revision and heartbeat with the view ([`LiveRuns::catch_up`]) — it copies newer
//!   heartbeats over and re-reads only runs that are new, changed or ended. The same
//!   catch-up runs whenever the notification connection returns, so what changed while it
//!   was away is found without any instance reloading every active run.
//!
//! Freshness is derived at read time from the cached heartbeat, so time passing needs no
//! update here. A heartbeat written elsewhere reaches the view at most one heartbeat
//! interval late; every type's heartbeat timeout is at least three intervals
//! (specs/worker-runtime), so no run looks silent for that delay.

use crate::domain::{Run, RunId, TenantId, Timestamp, WorkspaceId};
use crate::store::db::{Backend, Db};
use crate::store::{runs, workspaces};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// A tenant's place and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantInfo {
    /// The workspace it belongs to.
    pub workspace_id: WorkspaceId,
    /// Its display name.
    pub name: String,
}

#[derive(Debug, Default)]
struct Inner {
    /// Active tenant runs by tenant (the poll path reads these).
    by_tenant: HashMap<TenantId, BTreeMap<RunId, Arc<Run>>>,
    /// Active workspace-level runs (no tenant, so never on a tenant's poll path).
    workspace_level: BTreeMap<RunId, Arc<Run>>,
    /// Which tenant each cached run is filed under.
    tenant_of: HashMap<RunId, TenantId>,
    /// Every tenant, for scope checks and names.
    tenants: HashMap<TenantId, TenantInfo>,
    /// Bumped on every change to a tenant's active runs (and on reload, for all), so derived
    /// answers can be cached until the truth changes.
    versions: HashMap<TenantId, u64>,
    /// Bumped like `versions` except for a sign of life alone (a heartbeat: new heartbeat,
    /// lease and `updated_at`, nothing else), which changes no answer but freshness — and
    /// that only for a run whose worker had gone silent. See [`LiveRuns::versions`].
    shapes: HashMap<TenantId, u64>,
    /// Added to every version: a reload moves every tenant on at once.
    epoch: u64,
}

/// What one [`LiveRuns::catch_up`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CatchUp {
    /// Active runs compared.
    pub compared: usize,
    /// Runs re-read whole: new, changed or ended since the view last heard of them.
    pub reread: usize,
    /// Runs whose newer heartbeat was copied over without re-reading them.
    pub heartbeats: usize,
}

/// The in-memory view of active runs. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct LiveRuns {
    db: Db,
    channel: String,
    inner: RwLock<Inner>,
}

impl LiveRuns {
    /// An empty view over `db`; call [`LiveRuns::reload`] before serving from it.
    pub fn new(db: Db) -> Self {
        let channel = db.notify_channel();
        Self { db, channel, inner: RwLock::new(Inner::default()) }
    }

    /// The PostgreSQL notification channel of this database.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Replaces the whole view with what the database holds now.
    #[tracing::instrument(skip(self))]
    pub async fn reload(&self) -> Result<usize, sqlx::Error> {
        let tenants = workspaces::tenant_places(&self.db).await?;
        let active = runs::all_active(&self.db).await?;
        let mut next = Inner::default();
        for t in tenants {
            next.tenants.insert(TenantId(t.id), TenantInfo { workspace_id: WorkspaceId(t.workspace_id), name: t.name });
        }
        for run in active {
            file(&mut next, run);
        }
        let n = next.tenant_of.len() + next.workspace_level.len();
        let mut inner = self.write();
        next.epoch = inner.epoch + 1 + inner.versions.values().copied().max().unwrap_or(0);
        *inner = next;
        drop(inner);
        tracing::debug!(active = n, "live view reloaded");
        Ok(n)
    }

    /// Records the state of a run just written: filed if active, dropped if completed.
    pub fn apply(&self, run: &Run) {
        let mut inner = self.write();
        if let Some(t) = run.tenant_id
            && let Some(runs) = inner.by_tenant.get_mut(&t)
            && let Some(cached) = runs.get_mut(&run.id)
            && only_a_sign_of_life(cached, run)
        {
            *cached = Arc::new(run.clone());
            *inner.versions.entry(t).or_default() += 1;
            return;
        }
        unfile(&mut inner, run.id);
        if run.state.is_active() {
            file(&mut inner, run.clone());
        }
    }

    /// Re-reads the runs `ids` from the database and applies them (a notification from
    /// elsewhere); an id that is gone or unreadable leaves the view.
    pub async fn refresh(&self, ids: &[RunId]) -> Result<(), sqlx::Error> {
        for chunk in ids.chunks(500) {
            let mut found = HashSet::new();
            for run in runs::by_ids(&self.db, chunk).await? {
                if let Some(t) = run.tenant_id
                    && !self.read().tenants.contains_key(&t)
                {
                    self.load_tenant(t).await?;
                }
                found.insert(run.id);
                self.apply(&run);
            }
            let mut inner = self.write();
            for id in chunk.iter().filter(|id| !found.contains(id)) {
                unfile(&mut inner, *id);
            }
        }
        Ok(())
    }

    /// Brings the view up to what the database holds by comparing marks, not reloading:
    /// reads every active run's revision and heartbeat, copies a newer heartbeat of an
    /// unchanged run into the view, and re-reads only runs the view lacks, holds at another
    /// revision, or holds though they ended.
    #[tracing::instrument(skip(self))]
    pub async fn catch_up(&self) -> Result<CatchUp, sqlx::Error> {
        let marks = runs::active_marks(&self.db).await?;
        let mut report = CatchUp { compared: marks.len(), ..CatchUp::default() };
        let mut reread = Vec::new();
        {
            let mut inner = self.write();
            let mut active = HashSet::with_capacity(marks.len());
            for m in &marks {
                let id = RunId(m.id);
                active.insert(id);
                match copy_heartbeat(&mut inner, id, m) {
                    Some(true) => report.heartbeats += 1,
                    Some(false) => {}
                    None => reread.push(id),
                }
            }
            let ended = inner.tenant_of.keys().chain(inner.workspace_level.keys()).filter(|id| !active.contains(id));
            reread.extend(ended.copied());
        }
        report.reread = reread.len();
        self.refresh(&reread).await?;
        Ok(report)
    }

    /// The run ids a change notification carries (comma-separated), or `None` if malformed.
    fn parse_payload(payload: &str) -> Option<Vec<RunId>> {
        payload.split(',').map(|id| id.trim().parse::<i64>().ok().map(RunId)).collect()
    }

    async fn load_tenant(&self, t: TenantId) -> Result<Option<TenantInfo>, sqlx::Error> {
        let row = workspaces::tenant_place(&self.db, t).await?;
        let info = row.map(|r| TenantInfo { workspace_id: WorkspaceId(r.workspace_id), name: r.name });
        if let Some(info) = &info {
            self.write().tenants.insert(t, info.clone());
        }
        Ok(info)
    }

    /// The tenant's place and name; tenants created after the last reload are looked up once.
    pub async fn tenant(&self, t: TenantId) -> Result<Option<TenantInfo>, sqlx::Error> {
        if let Some(info) = self.read().tenants.get(&t) {
            return Ok(Some(info.clone()));
        }
        self.load_tenant(t).await
    }

    /// The version of a tenant's active runs: it changes whenever they do.
    pub fn version(&self, t: TenantId) -> u64 {
        let inner = self.read();
        inner.epoch + inner.versions.get(&t).copied().unwrap_or(0)
    }

    /// Like [`Self::version`], but unmoved by a heartbeat alone. An answer that shows no
    /// heartbeat and judges no run by its worker's silence stays true across heartbeats, so
    /// it may be cached on this version (200 heartbeating runs would otherwise rebuild it on
    /// nearly every poll).
    ///
    /// Returned with [`Self::version`] as `(shape, any)`, read under one lock.
    pub fn versions(&self, t: TenantId) -> (u64, u64) {
        let inner = self.read();
        let of = |m: &HashMap<TenantId, u64>| inner.epoch + m.get(&t).copied().unwrap_or(0);
        (of(&inner.shapes), of(&inner.versions))
    }

    /// A tenant's active runs, oldest first.
    pub fn tenant_runs(&self, t: TenantId) -> Vec<Arc<Run>> {
        let inner = self.read();
        let mut runs: Vec<Arc<Run>> =
            inner.by_tenant.get(&t).map(|m| m.values().cloned().collect()).unwrap_or_default();
        runs.sort_by_key(|r| (r.created_at, r.id));
        runs
    }

    /// Every active run of `workspace` (of every workspace when `None`), tenant-level and
    /// workspace-level alike, in no particular order.
    pub fn active_runs(&self, workspace: Option<WorkspaceId>) -> Vec<Arc<Run>> {
        let inner = self.read();
        let wanted = |r: &&Arc<Run>| workspace.is_none_or(|ws| r.workspace_id == ws);
        inner
            .by_tenant
            .values()
            .flat_map(BTreeMap::values)
            .chain(inner.workspace_level.values())
            .filter(wanted)
            .cloned()
            .collect()
    }

    /// The display name of a known tenant.
    pub fn tenant_name(&self, t: TenantId) -> Option<String> {
        self.read().tenants.get(&t).map(|i| i.name.clone())
    }

    /// How many active runs the view holds.
    pub fn len(&self) -> usize {
        let inner = self.read();
        inner.tenant_of.len() + inner.workspace_level.len()
    }

    /// Whether the view holds no active run.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn file(inner: &mut Inner, run: Run) {
    match run.tenant_id {
        Some(t) => {
            *inner.versions.entry(t).or_default() += 1;
            *inner.shapes.entry(t).or_default() += 1;
            inner.tenant_of.insert(run.id, t);
            inner.by_tenant.entry(t).or_default().insert(run.id, Arc::new(run));
        }
        None => {
            inner.workspace_level.insert(run.id, Arc::new(run));
        }
    }
}

/// Copies a newer sign of life from `mark` into the view's copy of run `id`: `Some(true)`
/// when it did, `Some(false)` when the view was already as new, `None` when the view lacks
/// the run or holds it at another revision (so it must be re-read).
fn copy_heartbeat(inner: &mut Inner, id: RunId, mark: &runs::RunMark) -> Option<bool> {
    let tenant = inner.tenant_of.get(&id).copied();
    let cached = match tenant {
        Some(t) => inner.by_tenant.get_mut(&t)?.get_mut(&id)?,
        None => inner.workspace_level.get_mut(&id)?,
    };
    if cached.revision != mark.revision {
        return None;
    }
    let heartbeat = mark.heartbeat_at.map(Timestamp);
    if heartbeat <= cached.heartbeat_at {
        return Some(false);
    }
    let mut newer = Run::clone(cached);
    newer.heartbeat_at = heartbeat;
    newer.lease_expires_at = mark.lease_expires_at.map(Timestamp);
    newer.updated_at = newer.updated_at.max(Timestamp(mark.updated_at));
    *cached = Arc::new(newer);
    if let Some(t) = tenant {
        *inner.versions.entry(t).or_default() += 1;
    }
    Some(true)
}

/// Whether `new` differs from `cached` only by a sign of life: heartbeat, lease expiry and
/// `updated_at`.
fn only_a_sign_of_life(cached: &Run, new: &Run) -> bool {
    let mut same = cached.clone();
    same.heartbeat_at = new.heartbeat_at;
    same.lease_expires_at = new.lease_expires_at;
    same.updated_at = new.updated_at;
    same == *new && cached.heartbeat_at != new.heartbeat_at
}

fn unfile(inner: &mut Inner, id: RunId) {
    inner.workspace_level.remove(&id);
    if let Some(t) = inner.tenant_of.remove(&id)
        && let Some(m) = inner.by_tenant.get_mut(&t)
    {
        *inner.versions.entry(t).or_default() += 1;
        *inner.shapes.entry(t).or_default() += 1;
        m.remove(&id);
        if m.is_empty() {
            inner.by_tenant.remove(&t);
        }
    }
}

/// Keeps `live` current with writes made by other instances (PostgreSQL only; SQLite has one
/// instance by design): re-reads each run another instance announces. Runs until the
/// process ends.
pub async fn listen(live: Arc<LiveRuns>, url: String) {
    if Backend::from_url(&url).ok() != Some(Backend::Postgres) {
        return;
    }
    loop {
        match listen_once(&live, &url).await {
            Ok(()) => tracing::warn!("run notifications stopped; reconnecting"),
            Err(e) => tracing::warn!(error = %e, "run notifications unavailable; retrying"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn listen_once(live: &LiveRuns, url: &str) -> Result<(), sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(live.channel()).await?;
    // Anything written while this instance was not listening: compared with the view and
    // re-read run by run, never reloaded whole.
    let caught = live.catch_up().await?;
    tracing::info!(reread = caught.reread, compared = caught.compared, "listening for run changes");
    loop {
        match listener.try_recv().await? {
            Some(n) => match LiveRuns::parse_payload(n.payload()) {
                Some(ids) => live.refresh(&ids).await?,
                None => tracing::warn!(payload = n.payload(), "ignoring a malformed run notification"),
            },
            // The connection dropped: notifications may be lost, so start over with a catch-up.
            None => return Ok(()),
        }
    }
}

/// Catches `live` up every `every` (the heartbeat interval): heartbeats written by other
/// instances, which are not announced. PostgreSQL only. Runs until the process ends.
pub async fn keep_current(live: Arc<LiveRuns>, url: String, every: Duration) {
    if Backend::from_url(&url).ok() != Some(Backend::Postgres) {
        return;
    }
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        match live.catch_up().await {
            Ok(c) if c.reread > 0 => {
                tracing::debug!(reread = c.reread, heartbeats = c.heartbeats, "live view caught up")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not catch the live view up; trying again next interval"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notification_carries_one_or_many_comma_separated_run_ids() {
        assert_eq!(LiveRuns::parse_payload("7"), Some(vec![RunId(7)]));
        assert_eq!(LiveRuns::parse_payload("7,8, 9"), Some(vec![RunId(7), RunId(8), RunId(9)]));
    }

    #[test]
    fn a_malformed_notification_is_refused_whole() {
        assert_eq!(LiveRuns::parse_payload(""), None);
        assert_eq!(LiveRuns::parse_payload("7,x"), None);
        assert_eq!(LiveRuns::parse_payload("7,,8"), None);
    }
}
