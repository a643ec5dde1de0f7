//! The demo data set and the directory helpers it is built from. Seeding is idempotent: it
//! runs once per database (recorded in `app_meta`) and every insert tolerates existing rows,
//! so `make run` can call it on every start.
//!
//! History runs are created through the real lifecycle service, with a clock set into the
//! past, so their records look exactly like runs the workers produced.

use anyhow::Context as _;
use app::domain::{RunOutcome, RunStatus, RunType, TenantId, Timestamp, UserId, WorkspaceId};
use app::server::lifecycle::{Completion, Expect, Lifecycle, NewRun, ProgressUpdate};
use app::server::{AppState, Clock as _, Db, ManualClock};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// The demo operator's email; the fixed demo principal until sign-in lands.
pub const DEMO_EMAIL: &str = "operator@contoso-msp.example";
const SEED_KEY: &str = "demo_seed";
const SEED_VERSION: &str = "1";

/// Creates the workspace `slug` if missing and returns its id.
pub async fn ensure_workspace(db: &Db, slug: &str, name: &str, now: Timestamp) -> anyhow::Result<WorkspaceId> {
    sqlx::query("INSERT INTO workspaces (slug, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (slug) DO NOTHING")
        .bind(slug)
        .bind(name)
        .bind(now.millis())
        .execute(db.pool())
        .await?;
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM workspaces WHERE slug = $1").bind(slug).fetch_one(db.pool()).await?;
    Ok(WorkspaceId(id))
}

/// Creates the tenant `slug` in `ws` if missing and returns its id.
pub async fn ensure_tenant(
    db: &Db,
    ws: WorkspaceId,
    slug: &str,
    name: &str,
    now: Timestamp,
) -> anyhow::Result<TenantId> {
    sqlx::query(
        "INSERT INTO tenants (workspace_id, slug, name, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (workspace_id, slug) DO NOTHING",
    )
    .bind(ws.get())
    .bind(slug)
    .bind(name)
    .bind(now.millis())
    .execute(db.pool())
    .await?;
    let id: i64 = sqlx::query_scalar("SELECT id FROM tenants WHERE workspace_id = $1 AND slug = $2")
        .bind(ws.get())
        .bind(slug)
        .fetch_one(db.pool())
        .await?;
    Ok(TenantId(id))
}

/// Creates the user `email` if missing and returns their id.
pub async fn ensure_user(db: &Db, email: &str, name: &str, now: Timestamp) -> anyhow::Result<UserId> {
    sqlx::query(
        "INSERT INTO users (email, display_name, created_at) VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING",
    )
    .bind(email)
    .bind(name)
    .bind(now.millis())
    .execute(db.pool())
    .await?;
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(db.pool()).await?;
    Ok(UserId(id))
}

/// Gives `user` the `role` in `ws` for all tenants, if they have no membership there yet.
pub async fn ensure_membership(db: &Db, user: UserId, ws: WorkspaceId, role: &str) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO memberships (user_id, workspace_id, role, all_tenants) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (user_id, workspace_id) DO NOTHING",
    )
    .bind(user.get())
    .bind(ws.get())
    .bind(role)
    .execute(db.pool())
    .await?;
    Ok(())
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
        sqlx::query(
            "INSERT INTO provider_items (tenant_id, external_id, kind, display_name, settings, version, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6) ON CONFLICT (tenant_id, external_id) DO NOTHING",
        )
        .bind(tenant.get())
        .bind(format!("item-{i:05}"))
        .bind(kind)
        .bind(format!("{} {}", kind.replace('_', " "), i + 1))
        .bind(settings)
        .bind(now.millis())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What the demo seed created (or found).
#[derive(Debug, Clone)]
pub struct Demo {
    /// The demo workspace.
    pub workspace: WorkspaceId,
    /// The demo operator.
    pub operator: UserId,
    /// The tenants, smallest first.
    pub tenants: Vec<TenantId>,
    /// Whether this call created the history (false when it already existed).
    pub created: bool,
}

/// Seeds the demo once: a workspace with three tenants, provider items, an operator, and a
/// history of runs in every state the product can show.
pub async fn seed_demo(state: &AppState) -> anyhow::Result<Demo> {
    let db = &state.db;
    let now = state.clock.now();
    let ws = ensure_workspace(db, "contoso-msp", "Contoso Managed Services", now).await?;
    let operator = ensure_user(db, DEMO_EMAIL, "Dana Operator", now).await?;
    ensure_membership(db, operator, ws, "owner").await?;
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
    let done: Option<String> = sqlx::query_scalar("SELECT value FROM app_meta WHERE key = $1")
        .bind(SEED_KEY)
        .fetch_optional(db.pool())
        .await?;
    if done.is_some() {
        return Ok(Demo { workspace: ws, operator, tenants, created: false });
    }
    seed_history(db, ws, operator, &tenants, now).await.context("seeding the demo run history")?;
    sqlx::query("INSERT INTO app_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(SEED_KEY)
        .bind(SEED_VERSION)
        .execute(db.pool())
        .await?;
    Ok(Demo { workspace: ws, operator, tenants, created: true })
}

/// One historical run: queued at `ago`, claimed `start_after` later, then ended (or not).
struct Past {
    tenant: usize,
    run_type: RunType,
    ago: Duration,
    runtime: Duration,
    end: Option<(RunOutcome, Option<(&'static str, &'static str)>)>,
    counts: &'static [(&'static str, i64)],
    phase: Option<&'static str>,
    reconciled: Option<&'static str>,
    system: bool,
}

async fn seed_history(
    db: &Db,
    ws: WorkspaceId,
    operator: UserId,
    tenants: &[TenantId],
    now: Timestamp,
) -> anyhow::Result<()> {
    use RunOutcome::*;
    const H: u64 = 3600;
    let min = |m: u64| Duration::from_secs(m * 60);
    let hours = |h: u64| Duration::from_secs(h * H);
    let full: &[(&str, i64)] = &[("total", 20), ("processed", 20), ("succeeded", 20), ("unchanged", 20)];
    let history = [
        Past {
            tenant: 0,
            run_type: RunType::InventorySync,
            ago: hours(50),
            runtime: min(1),
            end: Some((Succeeded, None)),
            counts: full,
            phase: None,
            reconciled: None,
            system: true,
        },
        Past {
            tenant: 0,
            run_type: RunType::BaselineCapture,
            ago: hours(30),
            runtime: min(3),
            end: Some((Succeeded, None)),
            counts: &[("items_captured", 20)],
            phase: None,
            reconciled: None,
            system: false,
        },
        Past {
            tenant: 1,
            run_type: RunType::InventorySync,
            ago: hours(26),
            runtime: min(2),
            end: Some((
                PartiallySucceeded,
                Some(("items_unreadable", "2 of 200 items could not be read from the provider.")),
            )),
            counts: &[("total", 200), ("processed", 200), ("succeeded", 198), ("failed", 2)],
            phase: None,
            reconciled: None,
            system: false,
        },
        Past {
            tenant: 2,
            run_type: RunType::BaselineCompare,
            ago: hours(20),
            runtime: min(4),
            end: Some((Failed, Some(("provider_timeout", "The provider did not answer in time.")))),
            counts: &[],
            phase: None,
            reconciled: None,
            system: false,
        },
        Past {
            tenant: 1,
            run_type: RunType::RestoreExecute,
            ago: hours(12),
            runtime: min(45),
            end: Some((Failed, Some(("worker_lost", "The worker stopped responding and the run was closed.")))),
            counts: &[("total", 40), ("processed", 12)],
            phase: None,
            reconciled: Some("worker lost"),
            system: false,
        },
        Past {
            tenant: 2,
            run_type: RunType::EnvironmentReviewCompose,
            ago: hours(8),
            runtime: min(40),
            end: Some((Succeeded, None)),
            counts: &[("sections", 4)],
            phase: None,
            reconciled: Some("review found ready with the same evidence fingerprint"),
            system: false,
        },
        Past {
            tenant: 0,
            run_type: RunType::ReviewPackGenerate,
            ago: hours(6),
            runtime: min(1),
            end: Some((
                Blocked,
                Some(("review_not_published", "The review must be published before a pack can be generated.")),
            )),
            counts: &[],
            phase: None,
            reconciled: None,
            system: false,
        },
        Past {
            tenant: 2,
            run_type: RunType::InventorySync,
            ago: hours(3),
            runtime: min(4),
            end: Some((Cancelled, Some(("shutdown", "Stopped because the server was shutting down.")))),
            counts: &[("total", 2000), ("processed", 1030)],
            phase: None,
            reconciled: None,
            system: true,
        },
        Past {
            tenant: 1,
            run_type: RunType::BaselineCapture,
            ago: min(40),
            runtime: Duration::ZERO,
            end: None,
            counts: &[],
            phase: Some("capturing_evidence"),
            reconciled: None,
            system: false,
        },
    ];
    for p in history {
        let clock = ManualClock::at(now.minus(p.ago));
        let life = Lifecycle::new(db.clone(), Arc::new(clock.clone()));
        let started = life
            .start(NewRun {
                workspace_id: ws,
                tenant_id: Some(tenants[p.tenant]),
                run_type: p.run_type,
                initiator: (!p.system).then_some(operator),
                dedupe_key: None,
                inputs: json!({ "source": "demo history" }),
            })
            .await?;
        let id = started.run().id;
        clock.advance(Duration::from_secs(4));
        let owner = "demo-history";
        let lease = Duration::from_secs(60);
        life.claim_next(owner, lease).await?.context("the history run was not claimable")?;
        let counts = p.counts.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
        let phase = p.phase.map(str::to_owned);
        life.record_progress(id, owner, lease, &ProgressUpdate { counts, phase, composite: None }).await?;
        let Some((outcome, failure)) = p.end else { continue };
        clock.advance(p.runtime);
        let mut c = Completion::by_worker(owner, outcome);
        if let Some(rec) = p.reconciled {
            c.expect = Expect::Status(RunStatus::Running);
            c.reconciliation = Some(json!({
                "at": clock.now().millis(), "by": "reconciler", "reason": rec, "previous_status": "running"
            }));
        }
        if let Some((code, msg)) = failure {
            c = c.with_failure(code, msg, None);
        }
        life.complete(id, c).await?;
    }
    Ok(())
}
