//! PostgreSQL only: every statement that reads runs keeps to an index at scale, and every
//! index on `operation_runs` is one some statement's plan uses (specs/lifecycle-and-storage,
//! "Indexes that earn their keep").
//!
//! The plans are the real ones: 200,000 runs are seeded into the test's schema and analysed,
//! the product's own services and jobs read them through a one-connection pool whose session
//! has `auto_explain` report every statement's plan as a notice, and the notices are
//! collected from sqlx's log on this thread alone.

use super::harness::{TestDb, postgres_url};
use app::api::ListQuery;
use app::domain::{ProblemClass, RunType, TenantId};
use app::runtime::{AppState, Clock as _, RuntimeConfig};
use app::services::principal::Principal;
use app::store::{Db, DbOptions};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::SubscriberExt as _;

const RUNS: i64 = 200_000;
const TENANTS: i64 = 50;
const WORKSPACES: i64 = 25;

/// Collects the text of every notice PostgreSQL sends.
#[derive(Clone, Default)]
struct Notices(Arc<Mutex<Vec<String>>>);

struct Message<'a>(&'a mut String);

impl Visit for Message<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            *self.0 = format!("{value:?}");
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Notices {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() == "sqlx::postgres::notice" {
            let mut text = String::new();
            event.record(&mut Message(&mut text));
            self.0.lock().expect("notices").push(text);
        }
    }
}

/// Seeds `RUNS` runs over 90 days and `TENANTS` tenants in `WORKSPACES` workspaces (the
/// test's own holds one share of them, as one customer among many does): 1 % running, 0.1 % queued,
/// the rest finished with a mix of outcomes, one in 500 closed by the reconciler, one in ten
/// with a dedupe key. Returns the test workspace's tenants.
async fn seed(t: &TestDb) -> Vec<TenantId> {
    let db = &t.state.db;
    let now = t.clock.now();
    let mut places = Vec::new();
    let mut ours = Vec::new();
    for w in 0..WORKSPACES {
        let ws = if w == 0 {
            t.ws
        } else {
            server::seed::ensure_workspace(db, &format!("w{w}"), &format!("W {w}"), now).await.expect("workspace")
        };
        for i in 0..TENANTS / WORKSPACES {
            let tenant =
                server::seed::ensure_tenant(db, ws, &format!("p{i}"), &format!("P {i}"), now).await.expect("tenant");
            places.push(format!("({}, {}, {})", places.len(), tenant.get(), ws.get()));
            if w == 0 {
                ours.push(tenant);
            }
        }
    }
    let span = 90 * 86_400_000_i64;
    let sql = format!(
        "INSERT INTO operation_runs (workspace_id, tenant_id, initiator_id, run_type, status, outcome, summary_counts, \
         context, created_at, started_at, completed_at, updated_at, heartbeat_at, attempt, active_key, terminal_class, \
         dedupe_key) \
         SELECT p.ws, p.tenant, {user}, (ARRAY['inventory.sync','baseline.capture','baseline.compare','restore.execute'])[1 + g % 4], \
           s.status, o.outcome, '{{}}', CASE WHEN g % 500 = 7 THEN '{{\"reconciliation\":{{\"by\":\"reconciler\"}}}}' ELSE '{{}}' END, \
           c.created, CASE WHEN s.status = 'queued' THEN NULL ELSE c.created END, \
           CASE WHEN s.status = 'completed' THEN c.created + 60000 END, c.created + 60000, \
           CASE WHEN s.status = 'running' THEN {now} END, 1, 'plan/' || g, \
           CASE WHEN s.status <> 'completed' THEN NULL WHEN g % 500 = 7 THEN 'reconciled_stale' \
                WHEN o.outcome IN ('failed', 'partially_succeeded', 'blocked') THEN 'terminal_follow_up' ELSE 'none' END, \
           CASE WHEN g % 10 = 0 THEN 'key-' || g END \
         FROM generate_series(1, {RUNS}) AS g \
         JOIN (VALUES {places}) AS p (slot, tenant, ws) ON p.slot = g % {TENANTS}, \
         LATERAL (SELECT CASE WHEN g % 100 = 0 THEN 'running' WHEN g % 1000 = 1 THEN 'queued' ELSE 'completed' END AS status) s, \
         LATERAL (SELECT CASE WHEN s.status <> 'completed' THEN NULL WHEN g % 500 = 7 THEN 'failed' \
                  ELSE (ARRAY['succeeded','succeeded','succeeded','partially_succeeded','failed','cancelled','blocked'])[1 + g % 7] END AS outcome) o, \
         LATERAL (SELECT CASE WHEN s.status = 'completed' THEN {now} - {span} + g * ({span} / {RUNS}) ELSE {now} - 30000 - g % 50 * 1000 END AS created) c",
        user = t.user.get(),
        now = now.millis(),
        places = places.join(", "),
    );
    sqlx::query(&sql).execute(db.pool()).await.expect("seed runs");
    sqlx::query("ANALYZE").execute(db.pool()).await.expect("analyze");
    ours
}

/// Every index on `operation_runs`.
async fn indexes(db: &Db) -> BTreeSet<String> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes WHERE tablename = 'operation_runs' AND schemaname = current_schema()",
    )
    .fetch_all(db.pool())
    .await
    .expect("indexes");
    names.into_iter().collect()
}

/// The index names a plan's text uses.
fn used_in(plan: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    plan.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| known.contains(*word))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_statement_that_reads_runs_keeps_to_an_index_and_every_index_is_used() {
    let notices = Notices::default();
    let subscriber = tracing_subscriber::registry().with(notices.clone());
    // With a single dispatcher registered, tracing decides whether a callsite is wanted from
    // whichever thread reaches it first — another test's thread, without this subscriber —
    // and remembers "never". A second (silent) dispatcher makes it ask every dispatcher.
    let _asks_everyone = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    // This thread only: a current-thread runtime polls every query here, so its notices are
    // logged here, and no other test's log is touched.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let (known, plans) = tracing::subscriber::with_default(subscriber, || {
        rt.block_on(async {
            let t = TestDb::postgres().await;
            let tenants = seed(&t).await;
            let schema = t.pg_schema().expect("postgres").to_owned();
            let db = Db::connect(&DbOptions {
                pg_schema: Some(schema),
                max_connections: 1,
                ..DbOptions::new(postgres_url())
            })
            .await
            .expect("one-connection pool");
            for setting in [
                "LOAD 'auto_explain'",
                "SET auto_explain.log_min_duration = 0",
                "SET auto_explain.log_level = notice",
                "SET client_min_messages = notice",
            ] {
                sqlx::raw_sql(setting).execute(db.pool()).await.expect(setting);
            }
            let state = AppState::new(db.clone(), Arc::new(t.clock.clone()), RuntimeConfig::default());
            read_everything(&state, &t, &tenants).await;
            let known = indexes(&db).await;
            db.close().await;
            t.finish().await;
            (known, notices.0.lock().expect("notices").clone())
        })
    });
    let run_plans: Vec<&String> = plans.iter().filter(|p| p.contains("operation_runs")).collect();
    assert!(run_plans.len() > 30, "the services read runs: {} plans", run_plans.len());
    let mut used = BTreeSet::new();
    for plan in &run_plans {
        assert!(!plan.contains("Seq Scan on operation_runs"), "a statement reads every run:\n{plan}");
        used.extend(used_in(plan, &known));
    }
    // A page over a completion window reads completed runs in creation order. Read through
    // an index over every run it would step past the active runs, the newest, checking each
    // one's status: a status check left to a filter is that walk.
    let window_pages: Vec<&&String> = run_plans
        .iter()
        .filter(|p| {
            p.contains("r.completed_at >= $")
                && p.contains("ORDER BY r.created_at DESC")
                && !p.contains("r.tenant_id = $")
        })
        .collect();
    assert!(!window_pages.is_empty(), "the lists were read over a completion window");
    for plan in window_pages {
        // The notice arrives as sqlx logged it, its line breaks escaped.
        let mut lines = plan.split("\\n").flat_map(str::lines);
        let steps_past_active = lines.any(|l| l.trim_start().starts_with("Filter:") && l.contains("status"));
        assert!(!steps_past_active, "a window's page steps past the active runs:\n{plan}");
    }
    // A later page of the whole list starts where the cursor points, as a range of its
    // index, instead of checking every newer run against the cursor.
    let later_pages: Vec<&&String> =
        run_plans.iter().filter(|p| p.contains("WHERE r.workspace_id = $1 AND (r.created_at, r.id) < ($")).collect();
    assert!(!later_pages.is_empty(), "later pages of the whole list were read");
    for plan in later_pages {
        let mut lines = plan.split("\\n").flat_map(str::lines);
        let walks = lines.any(|l| l.trim_start().starts_with("Filter:") && l.contains("created_at"));
        assert!(!walks, "a later page checks every newer run against its cursor:\n{plan}");
    }
    let unused: Vec<&String> = known.difference(&used).collect();
    assert!(unused.is_empty(), "indexes no statement's plan uses (drop them, or read through them): {unused:?}");
}

/// A week before the test's clock, as a list's `since` spells it.
fn week_ago_ms(t: &TestDb) -> String {
    t.clock.now().minus(std::time::Duration::from_secs(7 * 86_400)).millis().to_string()
}

/// Reads runs every way the product does: the lists with each filter and a later page, the
/// counts, the dashboards, the detail, the system pages, the live view, the reconciler, the
/// retention sweep, a start with a dedupe key and a claim.
async fn read_everything(state: &AppState, t: &TestDb, tenants: &[TenantId]) {
    let owner = Principal::owner(t.user, t.ws, "Op");
    let tenant = tenants[1].get().to_string();
    let q = |f: fn(&mut ListQuery)| {
        let mut q = ListQuery::default();
        f(&mut q);
        q
    };
    let mut queries = vec![
        ListQuery::default(),
        q(|q| q.status = Some("active".into())),
        q(|q| q.status = Some("running".into())),
        q(|q| q.status = Some("queued".into())),
        q(|q| q.status = Some("completed".into())),
        q(|q| {
            q.status = Some("completed".into());
            q.outcome = Some("failed".into());
        }),
        q(|q| q.run_type = Some("restore.execute".into())),
    ];
    let week_ago = week_ago_ms(t);
    queries.push(ListQuery { since: Some(week_ago.clone()), ..ListQuery::default() });
    queries.push(ListQuery { since: Some(week_ago), tenant: Some(tenant.clone()), ..ListQuery::default() });
    for class in ProblemClass::ALL {
        let class = class.as_str().to_owned();
        queries.push(ListQuery { class: Some(class.clone()), ..ListQuery::default() });
        queries.push(ListQuery { class: Some(class), tenant: Some(tenant.clone()), ..ListQuery::default() });
    }
    queries.push(ListQuery { tenant: Some(tenant.clone()), ..ListQuery::default() });
    queries.push(ListQuery { tenant: Some(tenant.clone()), status: Some("completed".into()), ..ListQuery::default() });
    for query in &queries {
        let page = app::services::operations::list_runs(state, &owner, query).await.expect("list");
        if let Some(after) = page.next {
            let next = ListQuery { after: Some(after), ..query.clone() };
            app::services::operations::list_runs(state, &owner, &next).await.expect("next page");
        }
    }
    app::services::digest::tenant_digest(state, &owner, &tenant, None).await.expect("digest");
    app::services::digest::workspace_overview(state, &owner, None).await.expect("overview");
    app::services::poll::tenant_active_runs_json(state, &owner, &tenant).await.expect("poll");
    let some_run = app::store::runs::active_for_tenant(&state.db, tenants[1]).await.expect("active");
    let failed = ListQuery { outcome: Some("failed".into()), status: Some("completed".into()), ..ListQuery::default() };
    let failed = app::services::operations::list_runs(state, &owner, &failed).await.expect("failed runs");
    let active = some_run.first().map(|r| r.run.id);
    for id in active.into_iter().chain(failed.runs.first().map(|r| r.id)) {
        app::services::operations::run_detail(state, &owner, &id.get().to_string()).await.expect("detail");
    }
    let platform = Principal { platform_operator: true, ..owner.clone() };
    app::services::system::overview(state, &platform).await.expect("system");
    app::services::system::stuck(state, &platform).await.expect("stuck");
    app::services::system::runs(state, &platform, &ListQuery::default(), false).await.expect("system runs");
    app::services::system::runs(state, &platform, &ListQuery::default(), true).await.expect("failures");
    let window = ListQuery { since: Some(week_ago_ms(t)), ..ListQuery::default() };
    app::services::system::runs(state, &platform, &window, false).await.expect("system window");
    state.live.reload().await.expect("reload");
    state.live.catch_up().await.expect("catch up");
    app::jobs::reconciler::Reconciler::new(state.clone(), "plans").candidates(t.clock.now()).await.expect("candidates");
    let old = app::store::retention::old_runs(
        &state.db,
        t.clock.now().minus(std::time::Duration::from_secs(60 * 86_400)),
        app::store::retention::Cursor::default(),
        500,
    )
    .await
    .expect("old runs");
    assert!(!old.deletable.is_empty());
    let life = state.lifecycle();
    let req = app::jobs::lifecycle::NewRun {
        workspace_id: t.ws,
        tenant_id: Some(tenants[1]),
        run_type: RunType::InventorySync.into(),
        initiator: Some(t.user),
        dedupe_key: Some("key-10".into()),
        inputs: serde_json::json!({}),
    };
    life.start(req.clone()).await.expect("start");
    life.start(req).await.expect("start again");
    life.claim_next("plans", std::time::Duration::from_secs(60)).await.expect("claim");
}
