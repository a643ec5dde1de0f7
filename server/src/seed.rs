//! The demo data set and the directory helpers it is built from. Seeding is idempotent: it
//! runs once per database (recorded in `app_meta`) and every insert tolerates existing rows,
//! so `make run` can call it on every start.
//!
//! The history is real work: every finished run is started through the same service the pages
//! use and worked by the real handlers against the demo provider, with a clock standing in the
//! past — so every run has the records its work leaves (inventory, snapshots, findings,
//! reviews, packs, restores). Outcomes other than success come from the provider's own data
//! (unreadable items), from faults injected for that one run, from a real shutdown, or from a
//! worker that went away mid-run — and those the real reconciler then decides, from business
//! truth where there is some.

use anyhow::Context as _;
use app::domain::context::CompositeCounts;
use app::domain::{RunId, RunOutcome, RunType, TenantId, Timestamp, UserId, WorkspaceId};
use app::jobs::lifecycle::{NewRun, ProgressUpdate, Started};
use app::jobs::provider::{Fault, fault_for, set_fault};
use app::jobs::reconciler::Reconciler;
use app::jobs::worker::Worker;
use app::runtime::{AppState, Clock};
use app::services::operations::{StartOptions, start_operation};
use app::services::principal::Principal;
use app::store::{Db, demo};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tracing::Instrument as _;

/// The demo operator's email; the fixed demo principal until sign-in lands.
pub const DEMO_EMAIL: &str = "operator@contoso-msp.example";
const SEED_KEY: &str = "demo_seed";
const SEED_VERSION: &str = "2";
/// The lease owner of the worker that writes the history.
const HISTORY_WORKER: &str = "demo-history";

/// How long the shutdown story waits for its worker to claim the run it will cancel.
const CLAIM_DEADLINE: Duration = Duration::from_secs(30);

/// Creates the workspace `slug` if missing and returns its id.
pub async fn ensure_workspace(db: &Db, slug: &str, name: &str, now: Timestamp) -> anyhow::Result<WorkspaceId> {
    Ok(demo::ensure_workspace(db, slug, name, now).await?)
}

/// Creates the tenant `slug` in `ws` if missing and returns its id.
pub async fn ensure_tenant(
    db: &Db,
    ws: WorkspaceId,
    slug: &str,
    name: &str,
    now: Timestamp,
) -> anyhow::Result<TenantId> {
    Ok(demo::ensure_tenant(db, ws, slug, name, now).await?)
}

/// Creates the user `email` if missing and returns their id.
pub async fn ensure_user(db: &Db, email: &str, name: &str, now: Timestamp) -> anyhow::Result<UserId> {
    Ok(demo::ensure_user(db, email, name, now).await?)
}

/// Gives `user` the `role` in `ws` for all tenants, if they have no membership there yet.
pub async fn ensure_membership(db: &Db, user: UserId, ws: WorkspaceId, role: &str) -> anyhow::Result<()> {
    Ok(demo::ensure_membership(db, user, ws, role).await?)
}

/// Gives the demo provider `count` deterministic configuration items for `tenant`; the
/// items whose index is in `damaged` get settings that are not a JSON object.
pub async fn ensure_provider_items(
    db: &Db,
    tenant: TenantId,
    count: usize,
    damaged: &[usize],
    now: Timestamp,
) -> anyhow::Result<()> {
    const KINDS: [&str; 4] =
        ["device_compliance_policy", "conditional_access_policy", "app_protection_policy", "security_baseline"];
    let mut tx = db.begin_write().await?;
    for i in 0..count {
        let kind = KINDS[i % KINDS.len()];
        let settings = if damaged.contains(&i) {
            "\"unreadable\"".to_owned()
        } else {
            json!({ "enabled": i % 3 != 0, "level": i % 5, "scope": format!("group-{}", i % 7) }).to_string()
        };
        let (external_id, display_name) = (format!("item-{i:05}"), format!("{} {}", kind.replace('_', " "), i + 1));
        let item =
            demo::NewProviderItem { external_id: &external_id, kind, display_name: &display_name, settings: &settings };
        demo::ensure_provider_item(&mut tx, tenant, item, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What the demo seed created (or found).
#[derive(Debug, Clone)]
pub struct Demo {
    /// The demo workspace.
    pub workspace: WorkspaceId,
    /// The tenants, smallest first.
    pub tenants: Vec<TenantId>,
    /// Whether this call created the history (false when it already existed).
    pub created: bool,
}

/// Seeds the demo once: a workspace with three tenants, provider items, the demo people and
/// their grants, and a history of runs in every state the product can show. Later calls find
/// the tenants and grant nothing.
pub async fn seed_demo(state: &AppState) -> anyhow::Result<Demo> {
    let db = &state.db;
    let now = state.clock.now();
    let ws = ensure_workspace(db, "contoso-msp", "Contoso Managed Services", now).await?;
    let specs = [
        ("northwind", "Northwind Traders", 20, vec![]),
        ("fabrikam", "Fabrikam Health", 200, vec![17, 93]),
        ("adatum", "Adatum Logistics", 2000, vec![]),
    ];
    let mut tenants = Vec::new();
    for (slug, name, items, damaged) in &specs {
        let t = ensure_tenant(db, ws, slug, name, now).await?;
        ensure_provider_items(db, t, *items, damaged, now).await?;
        tenants.push(t);
    }
    // Taking the key first means one instance writes the history even when several start
    // together on one PostgreSQL; a failed attempt gives the key back.
    // People and their grants are written only here, once: a membership an administrator
    // revoked or a password they changed stays as they left it across restarts.
    if !demo::take_key(db, SEED_KEY, SEED_VERSION).await? {
        return Ok(Demo { workspace: ws, tenants, created: false });
    }
    let seeded = async {
        seed_people(state).await.context("seeding the demo people")?;
        let operator = ensure_user(db, DEMO_EMAIL, "Dana Operator", now).await?;
        let principal = Principal::owner(operator, ws, "Dana Operator");
        seed_history(state, principal, &tenants).await.context("seeding the demo run history")
    };
    if let Err(e) = seeded.await {
        demo::release_key(db, SEED_KEY).await?;
        return Err(e);
    }
    Ok(Demo { workspace: ws, tenants, created: true })
}

/// A demo sign-in: email, display name, password, workspace, role, tenants (`None`: all).
#[derive(Debug, Clone, Copy)]
pub struct DemoPerson {
    /// Sign-in email.
    pub email: &'static str,
    /// Display name.
    pub name: &'static str,
    /// The demo password (demo data only).
    pub password: &'static str,
    /// The workspace slug, if a member.
    pub workspace: Option<&'static str>,
    /// Their role there.
    pub role: &'static str,
    /// Their tenants there (`None`: every tenant).
    pub tenants: Option<&'static [&'static str]>,
    /// A platform operator.
    pub platform: bool,
}

/// The demo's people: an owner, an operator of every tenant, a reader of Northwind only, a
/// member of another workspace, and a platform operator.
pub const DEMO_PEOPLE: [DemoPerson; 5] = [
    DemoPerson {
        email: DEMO_EMAIL,
        name: "Dana Operator",
        password: "demo-owner-password",
        workspace: Some("contoso-msp"),
        role: "owner",
        tenants: None,
        platform: false,
    },
    DemoPerson {
        email: "olu@contoso-msp.example",
        name: "Olu Operator",
        password: "demo-operator-password",
        workspace: Some("contoso-msp"),
        role: "operator",
        tenants: None,
        platform: false,
    },
    DemoPerson {
        email: "rhea@northwind.example",
        name: "Rhea Reader",
        password: "demo-reader-password",
        workspace: Some("contoso-msp"),
        role: "reader",
        tenants: Some(&["northwind"]),
        platform: false,
    },
    DemoPerson {
        email: "sam@litware.example",
        name: "Sam Litware",
        password: "demo-litware-password",
        workspace: Some("litware-it"),
        role: "owner",
        tenants: None,
        platform: false,
    },
    DemoPerson {
        email: "pat@opshub.example",
        name: "Pat Platform",
        password: "demo-platform-password",
        workspace: None,
        role: "",
        tenants: None,
        platform: true,
    },
];

/// Creates the demo people with their passwords and memberships, and the second workspace
/// (Litware IT, one tenant) that the Contoso people must never see.
async fn seed_people(state: &AppState) -> anyhow::Result<()> {
    use app::services::accounts::{add_user, grant, set_platform_operator};
    let db = &state.db;
    let now = state.clock.now();
    let litware = ensure_workspace(db, "litware-it", "Litware IT", now).await?;
    let hq = ensure_tenant(db, litware, "litware-hq", "Litware Headquarters", now).await?;
    ensure_provider_items(db, hq, 8, &[], now).await?;
    seed_crowd(state, litware, hq).await.context("seeding Litware's busy moment")?;
    for p in &DEMO_PEOPLE {
        add_user(db, state.clock.as_ref(), p.email, p.name, Some(p.password)).await?;
        if let Some(ws) = p.workspace {
            let tenants: Option<Vec<String>> = p.tenants.map(|t| t.iter().map(|s| (*s).to_owned()).collect());
            grant(db, p.email, ws, p.role, tenants.as_deref()).await?;
        }
        if p.platform {
            set_platform_operator(db, p.email, true).await?;
        }
    }
    Ok(())
}

/// How many runs Litware's lost worker host held: more than a progress overlay shows.
const CROWD: usize = 10;

/// Litware's busy moment: its integration asked for an inventory sync of each of its
/// [`CROWD`] sites under the site's own request key, one worker host claimed them all and
/// went down ten minutes ago. Every one is stuck, more than the overlay has room for.
async fn seed_crowd(state: &AppState, workspace: WorkspaceId, tenant: TenantId) -> anyhow::Result<()> {
    let now = state.clock.now();
    let clock = HistoryClock(Arc::new(AtomicI64::new(now.millis())));
    let past = state.with_clock(Arc::new(clock.clone()));
    let life = past.lifecycle();
    for site in 1..=CROWD {
        clock.set(now.minus(Duration::from_secs(15 * 60)));
        let started = life
            .start(NewRun {
                workspace_id: workspace,
                tenant_id: Some(tenant),
                run_type: RunType::InventorySync.into(),
                initiator: None,
                dedupe_key: Some(format!("site-{site}")),
                inputs: json!({ "requested_by": "integration", "site": site }),
            })
            .await?;
        let Started::Created(run) = started else { anyhow::bail!("Litware's sync of site {site} was already active") };
        clock.set(now.minus(Duration::from_secs(14 * 60)));
        life.claim(run.id, "worker-host-3", past.config.lease).await?.context("the site sync was not claimable")?;
        clock.set(now.minus(Duration::from_secs(10 * 60)));
        let progress = report(None, &[("total", 8), ("processed", i64::try_from(site % 8).unwrap_or(0))]);
        life.record_progress(run.id, "worker-host-3", past.config.lease, &progress).await?;
    }
    Ok(())
}

/// The clock the history is written with: it stands where the story is and moves forward a
/// little at every reading, so seeded runs take plausible, repeatable time.
#[derive(Debug, Clone)]
struct HistoryClock(Arc<AtomicI64>);

impl HistoryClock {
    /// How far one reading moves the clock.
    const STEP_MS: i64 = 120;

    fn set(&self, at: Timestamp) {
        self.0.store(at.millis(), Ordering::SeqCst);
    }
}

impl Clock for HistoryClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.fetch_add(Self::STEP_MS, Ordering::SeqCst))
    }
}

/// Who asked for a history run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum By {
    /// The demo operator, through the same start service the pages use.
    Operator,
    /// The platform's schedule (no initiator).
    Schedule,
}

/// Writes the demo history: real runs worked by the real handlers at moments in the past.
struct History {
    state: AppState,
    clock: HistoryClock,
    worker: Worker,
    principal: Principal,
    tenants: Vec<TenantId>,
    now: Timestamp,
}

impl History {
    /// Moves the story to `ago` before now.
    fn at(&self, ago: Duration) {
        self.clock.set(self.now.minus(ago));
    }

    /// Queues a run of `run_type` for tenant `tenant` (an index into the demo tenants).
    async fn queue(&self, tenant: usize, run_type: RunType, by: By, snapshot: Option<i64>) -> anyhow::Result<RunId> {
        let tenant_id = self.tenants[tenant];
        if by == By::Schedule {
            let started = self
                .state
                .lifecycle()
                .start(NewRun {
                    workspace_id: self.principal.workspace_id,
                    tenant_id: Some(tenant_id),
                    run_type: run_type.into(),
                    initiator: None,
                    dedupe_key: None,
                    inputs: json!({ "requested_by": "schedule" }),
                })
                .await?;
            let Started::Created(run) = started else { anyhow::bail!("a scheduled {run_type:?} was already active") };
            return Ok(run.id);
        }
        let snapshot = snapshot.map(|s| s.to_string());
        let options = StartOptions { snapshot: snapshot.as_deref(), review: None, confirm: true };
        let started =
            start_operation(&self.state, &self.principal, &tenant_id.get().to_string(), run_type.as_str(), options)
                .await
                .map_err(|e| anyhow::anyhow!("starting {run_type:?}: {e}"))?;
        anyhow::ensure!(!started.note.already_running(), "a {run_type:?} was already active");
        Ok(started.run_id)
    }

    /// Queues a run and has the history worker do it, under `fault` when given.
    async fn work(&self, tenant: usize, run_type: RunType, by: By, fault: Option<Fault>) -> anyhow::Result<RunId> {
        self.work_on(tenant, run_type, by, fault, None).await
    }

    async fn work_on(
        &self,
        tenant: usize,
        run_type: RunType,
        by: By,
        fault: Option<Fault>,
        snapshot: Option<i64>,
    ) -> anyhow::Result<RunId> {
        let id = self.queue(tenant, run_type, by, snapshot).await?;
        let before = self.inject(run_type, fault).await?;
        let worked = self.worker.run_queued(id).await;
        self.inject(run_type, before).await?;
        anyhow::ensure!(worked?, "the history run {} was taken by another worker", id.get());
        Ok(id)
    }

    /// Sets the provider's fault for `run_type`; returns the one it replaced.
    async fn inject(&self, run_type: RunType, fault: Option<Fault>) -> anyhow::Result<Option<Fault>> {
        let before = fault_for(&self.state.db, run_type).await?;
        if before != fault {
            set_fault(&self.state.db, run_type, fault, self.clock.now()).await?;
        }
        Ok(before)
    }

    /// A run of `run_type` the server was working on when it was told to shut down: the
    /// provider stopped answering, the grace period ran out, and the worker pool cancelled it —
    /// the same path a real SIGTERM takes. The records it was making end with it.
    async fn cancelled_at_shutdown(&self, tenant: usize, run_type: RunType, by: By) -> anyhow::Result<RunId> {
        let id = self.queue(tenant, run_type, by, None).await?;
        let before = self.inject(run_type, Some(Fault::Hang)).await?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let pool = tokio::spawn(self.worker.clone().run_pool(1, stopped, Duration::ZERO).in_current_span());
        // The pool claims within milliseconds on a quiet machine; the deadline is generous
        // because seeding may share two cores with a whole test suite doing the same.
        let deadline = tokio::time::Instant::now() + CLAIM_DEADLINE;
        let mut claimed = false;
        while !claimed && tokio::time::Instant::now() < deadline {
            let run = app::store::runs::get(&self.state.db, id).await?.context("the run to cancel is gone")?;
            // A pack run is caught once its pack is being written, so the pack ends with it.
            let making = run_type != RunType::ReviewPackGenerate
                || !app::store::sweeps::packs(&self.state.db, &[id]).await?.is_empty();
            claimed = run.state != app::domain::RunState::Queued && making;
            if !claimed {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        let _ = stop.send(true);
        pool.await.context("the history worker pool")?;
        self.inject(run_type, before).await?;
        anyhow::ensure!(claimed, "the history worker never claimed the run it was to cancel");
        Ok(id)
    }

    /// A compose whose review write met the review another compose of the same evidence had
    /// just written. On PostgreSQL two composes can race to that unique key; SQLite's single
    /// writer makes them take turns, so the demo stages the meeting. From there it is the
    /// compose handler's own path: `recover_duplicate` proves the run from the review it met.
    async fn duplicate_recovered(&self, tenant: usize) -> anyhow::Result<RunId> {
        let id = self.queue(tenant, RunType::EnvironmentReviewCompose, By::Operator, None).await?;
        let life = self.state.lifecycle();
        let run = life
            .claim(id, HISTORY_WORKER, self.state.config.lease)
            .await?
            .context("the second compose was not claimable")?;
        let fingerprint =
            app::jobs::run_types::reviews::evidence_fingerprint(&self.state, self.tenants[tenant]).await?;
        let ended = app::jobs::run_types::reviews::recover_duplicate(&self.state, &run, &fingerprint).await?;
        anyhow::ensure!(ended.outcome == RunOutcome::Succeeded, "the review it met should prove the second compose");
        life.complete(id, ended.completion(HISTORY_WORKER)).await?;
        Ok(id)
    }

    /// A run whose worker went away mid-run: claimed `started` before now, it reported
    /// `update` (its last sign of life, `silent` before now) and was never heard from again.
    async fn abandoned(
        &self,
        tenant: usize,
        run_type: RunType,
        started: Duration,
        silent: Duration,
        update: ProgressUpdate,
    ) -> anyhow::Result<RunId> {
        self.at(started + Duration::from_secs(3));
        let id = self.queue(tenant, run_type, By::Operator, None).await?;
        self.at(started);
        let life = self.state.lifecycle();
        life.claim(id, "worker-gone", self.state.config.lease).await?.context("the run was not claimable")?;
        self.at(silent);
        life.record_progress(id, "worker-gone", self.state.config.lease, &update).await?;
        Ok(id)
    }

    /// A run claimed `started` before now (or as long before as its type's time limit needs)
    /// whose worker kept reporting — `update` was its last report, moments before the sweep —
    /// until the sweep closed it a minute past its time limit (stale-after).
    async fn ran_past_its_limit(
        &self,
        tenant: usize,
        run_type: RunType,
        started: Duration,
        update: ProgressUpdate,
    ) -> anyhow::Result<RunId> {
        let limit = self.state.config.builtin_policy(run_type).stale_after;
        let started = started.max(limit + Duration::from_secs(120));
        self.at(started + Duration::from_secs(3));
        let id = self.queue(tenant, run_type, By::Operator, None).await?;
        self.at(started);
        let life = self.state.lifecycle();
        life.claim(id, "worker-busy", self.state.config.lease).await?.context("the run was not claimable")?;
        let swept = started - limit - Duration::from_secs(60);
        self.at(swept + Duration::from_secs(20));
        life.record_progress(id, "worker-busy", self.state.config.lease, &update).await?;
        anyhow::ensure!(self.sweep(swept).await? == 1, "the sweep should close the run past its time limit");
        Ok(id)
    }

    /// A review compose an integration asked for under its own request key (so it runs beside
    /// the operators' and the schedule's composes): its worker claimed it `started` before now
    /// over the evidence of that moment, and went away before writing anything.
    async fn abandoned_integration_compose(
        &self,
        tenant: usize,
        key: &str,
        started: Duration,
    ) -> anyhow::Result<RunId> {
        let tenant_id = self.tenants[tenant];
        self.at(started + Duration::from_secs(3));
        let fingerprint = app::jobs::run_types::reviews::evidence_fingerprint(&self.state, tenant_id).await?;
        let life = self.state.lifecycle();
        let started_run = life
            .start(NewRun {
                workspace_id: self.principal.workspace_id,
                tenant_id: Some(tenant_id),
                run_type: RunType::EnvironmentReviewCompose.into(),
                initiator: None,
                dedupe_key: Some(key.to_owned()),
                inputs: json!({ "fingerprint": fingerprint, "requested_by": "integration" }),
            })
            .await?;
        let Started::Created(run) = started_run else { anyhow::bail!("the integration's compose was already active") };
        self.at(started);
        life.claim(run.id, "worker-gone", self.state.config.lease).await?.context("the compose was not claimable")?;
        Ok(run.id)
    }

    /// The reconciler sweeps, `ago` before now, exactly as a server's periodic sweep would.
    async fn sweep(&self, ago: Duration) -> anyhow::Result<usize> {
        self.at(ago);
        let report = Reconciler::new(self.state.clone(), "demo-history").sweep().await?;
        anyhow::ensure!(report.swept, "another reconciler held the sweep lease");
        Ok(report.decided.len())
    }

    /// The tenant's newest baseline snapshot.
    async fn latest_snapshot(&self, tenant: usize) -> anyhow::Result<i64> {
        let id = demo::newest_snapshot(&self.state.db, self.tenants[tenant]).await?;
        id.context("the tenant has no baseline snapshot yet")
    }

    /// Publishes the tenant's newest ready review.
    async fn publish_latest(&self, tenant: usize) -> anyhow::Result<()> {
        let id = demo::newest_ready_review(&self.state.db, self.tenants[tenant]).await?;
        let id = id.context("the tenant has no ready review to publish")?;
        app::jobs::run_types::reviews::publish(&self.state.db, &self.clock, self.principal.workspace_id, id).await?;
        Ok(())
    }
}

/// Changes in the customer's cloud between syncs: `changed` items get new settings and a new
/// version, one item is removed and one is added.
pub async fn customer_changes(db: &Db, tenant: TenantId, changed: usize, now: Timestamp) -> anyhow::Result<()> {
    let mut tx = db.begin_write().await?;
    let items = demo::first_provider_items(&mut tx, tenant, i64::try_from(changed + 1).unwrap_or(i64::MAX)).await?;
    let Some((removed, edited)) = items.split_last() else { anyhow::bail!("the tenant has no provider items") };
    for demo::ItemSettings { id, settings } in edited {
        let mut value: serde_json::Value = serde_json::from_str(settings).unwrap_or_else(|_| json!({}));
        if let Some(map) = value.as_object_mut() {
            let enabled = map.get("enabled").and_then(serde_json::Value::as_bool).unwrap_or(false);
            map.insert("enabled".to_owned(), json!(!enabled));
            map.insert("scope".to_owned(), json!("all-users"));
        }
        demo::change_provider_item(&mut tx, *id, &value.to_string(), now).await?;
    }
    demo::remove_provider_item(&mut tx, removed.id).await?;
    let settings = json!({ "enabled": true, "level": 4, "scope": "guests" }).to_string();
    let added = demo::NewProviderItem {
        external_id: "item-added-1",
        kind: "conditional_access_policy",
        display_name: "conditional access policy (added by the customer)",
        settings: &settings,
    };
    demo::ensure_provider_item(&mut tx, tenant, added, now).await?;
    tx.commit().await?;
    Ok(())
}

/// A worker's progress report: the phase it is in and its counts so far.
fn report(phase: Option<&str>, counts: &[(&str, i64)]) -> ProgressUpdate {
    let counts = counts.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
    ProgressUpdate { counts, phase: phase.map(str::to_owned), composite: None }
}

/// The story the demo tells, oldest first. Tenant 0 (Northwind, 20 items) is well kept and
/// drifts; tenant 1 (Fabrikam, 200 items, two unreadable) needs attention; tenant 2 (Adatum,
/// 2,000 items) is large and busy.
async fn seed_history(state: &AppState, principal: Principal, tenants: &[TenantId]) -> anyhow::Result<()> {
    use By::{Operator, Schedule};
    use RunType::*;
    let now = state.clock.now();
    let clock = HistoryClock(Arc::new(AtomicI64::new(now.millis())));
    // The history runs without demo pacing; everything else is the server's own configuration.
    let config = app::runtime::RuntimeConfig { inventory_item_delay: Duration::ZERO, ..(*state.config).clone() };
    let history = state.with_config(config).with_clock(Arc::new(clock.clone()));
    let worker = crate::serve::worker_as(&history, HISTORY_WORKER);
    let h = History { state: history, clock, worker, principal, tenants: tenants.to_vec(), now };
    let hours = |n: u64| Duration::from_secs(n * 3600);
    let minutes = |n: u64| Duration::from_secs(n * 60);
    let (northwind, fabrikam, adatum) = (0, 1, 2);

    // Ten days ago Northwind was onboarded: synced, baselined, reviewed and exported. That
    // pack is past its retention now; the sweep at the end expires it and deletes its file.
    h.at(hours(240));
    h.work(northwind, InventorySync, Schedule, None).await?;
    h.work(northwind, BaselineCapture, Operator, None).await?;
    h.work(northwind, BaselineCompare, Operator, None).await?;
    h.work(northwind, EnvironmentReviewCompose, Operator, None).await?;
    h.publish_latest(northwind).await?;
    h.work(northwind, ReviewPackGenerate, Operator, None).await?;

    // Fabrikam: two items the provider cannot read make its sync and its baseline partial.
    h.at(hours(60));
    h.work(fabrikam, InventorySync, Schedule, None).await?;
    h.work(fabrikam, BaselineCapture, Operator, None).await?;

    // Adatum: a big sync and baseline; then the provider rejects a compare outright.
    h.at(hours(50));
    h.work(adatum, InventorySync, Schedule, None).await?;
    h.at(hours(22));
    h.work(adatum, BaselineCapture, Operator, None).await?;
    h.at(hours(20));
    h.work(adatum, BaselineCompare, Operator, Some(Fault::Fail)).await?;

    // Two days ago Northwind's customer changed settings; the next sync and compare see it,
    // a new review is published over the new evidence and exported.
    h.at(hours(48));
    customer_changes(&h.state.db, tenants[northwind], 3, h.clock.now()).await?;
    h.at(hours(47));
    h.work(northwind, InventorySync, Schedule, None).await?;
    h.work(northwind, BaselineCompare, Operator, None).await?;
    h.work(northwind, EnvironmentReviewCompose, Operator, None).await?;
    h.publish_latest(northwind).await?;
    h.work(northwind, ReviewPackGenerate, Operator, None).await?;

    // Fabrikam drifted too; a restore of its baseline met a provider failing every fourth
    // write.
    h.at(hours(30));
    customer_changes(&h.state.db, tenants[fabrikam], 5, h.clock.now()).await?;
    h.at(hours(26));
    let snapshot = h.latest_snapshot(fabrikam).await?;
    h.work_on(fabrikam, RestoreExecute, Operator, Some(Fault::Partial), Some(snapshot)).await?;

    // An Adatum capture lost its worker while capturing (a capture writes nothing before it
    // saves); it went quiet and the reconciler's sweep closed it as "worker lost".
    h.abandoned(
        adatum,
        BaselineCapture,
        hours(12),
        hours(12) - minutes(1),
        report(Some("capturing_evidence"), &[("total", 2000)]),
    )
    .await?;
    anyhow::ensure!(h.sweep(hours(11)).await? == 1, "the sweep should close the abandoned capture");

    // An Adatum compare ran on and on: its worker kept reporting, but the run passed its time
    // limit, and the sweep closed it for that — not for silence.
    h.ran_past_its_limit(
        adatum,
        BaselineCompare,
        hours(9),
        report(Some("comparing"), &[("total", 2000), ("processed", 1400)]),
    )
    .await?;

    // Adatum's drift is compared again, and an integration asks for a review; its compose
    // loses its worker before writing. Meanwhile the schedule composes a review of the same
    // evidence and it is published; the customer then changes settings, and a review of the
    // new evidence is published over it. The sweep finds the run's review superseded and
    // closes the run blocked, pointing at the newer review.
    h.at(hours(8) + minutes(10));
    h.work(adatum, BaselineCompare, Operator, None).await?;
    h.abandoned_integration_compose(adatum, "itsm-4711", hours(8)).await?;
    h.at(hours(7));
    h.work(adatum, EnvironmentReviewCompose, Schedule, None).await?;
    h.publish_latest(adatum).await?;
    h.at(hours(6) + minutes(40));
    customer_changes(&h.state.db, tenants[adatum], 4, h.clock.now()).await?;
    h.at(hours(6) + minutes(30));
    h.work(adatum, InventorySync, Schedule, None).await?;
    h.work(adatum, BaselineCompare, Operator, None).await?;
    h.at(hours(6));
    h.work(adatum, EnvironmentReviewCompose, Schedule, None).await?;
    h.publish_latest(adatum).await?;
    anyhow::ensure!(
        h.sweep(hours(5) + minutes(50)).await? == 1,
        "the sweep should find the compose's review superseded"
    );

    // Fabrikam has no review yet, so exporting one is blocked.
    h.at(hours(6));
    h.work(fabrikam, ReviewPackGenerate, Operator, None).await?;
    // Then its first review is composed; its export was being written when the server shut
    // down, so the run was cancelled and its pack failed with it: the card offers to generate
    // it again.
    h.at(hours(5));
    h.work(fabrikam, EnvironmentReviewCompose, Operator, None).await?;
    h.at(hours(4));
    h.cancelled_at_shutdown(fabrikam, ReviewPackGenerate, Operator).await?;

    // Adatum's scheduled sync was under way when the server shut down.
    h.at(hours(3));
    h.cancelled_at_shutdown(adatum, InventorySync, Schedule).await?;

    // Northwind's review is composed again over unchanged evidence: ready, not yet published.
    h.at(hours(2));
    h.work(northwind, EnvironmentReviewCompose, Operator, None).await?;

    // Someone asked again at the same moment: a second compose of the same evidence met that
    // review at its write and was proved by it rather than failing on the duplicate.
    h.at(hours(2) - minutes(1));
    h.duplicate_recovered(northwind).await?;

    // A refresh of that review lost its worker after gathering its evidence; the reconciler
    // found the ready review with the same evidence fingerprint and proved it succeeded.
    h.abandoned(northwind, EnvironmentReviewCompose, minutes(90), minutes(89), report(None, &[])).await?;
    anyhow::ensure!(h.sweep(minutes(80)).await? == 1, "the sweep should prove the abandoned compose");

    // Active right now. A Fabrikam capture whose worker vanished 40 minutes ago (likely
    // stale); a Northwind compare running past its expected time whose worker was last heard
    // from 20 seconds ago; and a Fabrikam sync the schedule just queued, which this server's
    // workers pick up (fresh).
    h.abandoned(
        fabrikam,
        BaselineCapture,
        minutes(40),
        minutes(39),
        report(Some("capturing_evidence"), &[("total", 200)]),
    )
    .await?;
    // Two more Fabrikam runs went quiet half an hour ago, each having reported what its kind
    // of progress can say: a review compose with one of its three evidence sources
    // ready and one failed (composite), and a compare whose worker claimed more items
    // processed than were in scope — counts that cannot be true, so the run shows activity,
    // never a made-up percentage.
    let sources = CompositeCounts { total: 3, ready: 1, failed: 1 };
    h.abandoned(
        fabrikam,
        EnvironmentReviewCompose,
        minutes(36),
        minutes(35),
        ProgressUpdate { composite: Some(sources), ..report(None, &[]) },
    )
    .await?;
    // Its worker reported more processed than in scope; the record keeps what it said.
    let impossible = h.abandoned(fabrikam, BaselineCompare, minutes(33), minutes(32), report(None, &[])).await?;
    demo::write_counts_unchecked(&h.state.db, impossible.get(), r#"{"total": 10, "processed": 25}"#)
        .await
        .context("writing the impossible counts")?;
    h.abandoned(
        northwind,
        BaselineCompare,
        minutes(7),
        Duration::from_secs(20),
        report(Some("comparing"), &[("total", 20), ("processed", 12)]),
    )
    .await?;
    h.at(Duration::ZERO);
    h.queue(fabrikam, InventorySync, Schedule, None).await?;

    // Packs past their retention are expired as the server's sweep would.
    app::jobs::run_types::packs::sweep_expired(state).await?;
    Ok(())
}
