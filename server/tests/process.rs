//! The real `opshub` binary under signals: SIGTERM within and past the grace period, SIGKILL
//! and restart, and two processes sharing one PostgreSQL.
#![expect(clippy::expect_used, clippy::unwrap_used, reason = "tests fail loudly on setup errors")]

use app::domain::{RunOutcome, RunState, RunType, TenantId, Timestamp};
use app::jobs::lifecycle::NewRun;
use app::runtime::{AppState, RuntimeConfig, SystemClock};
use app::store::runs;
use app::store::{Db, DbOptions};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NORTHWIND: TenantId = TenantId(1); // 20 demo items
const ADATUM: TenantId = TenantId(3); // 600 demo items

struct Server {
    child: Child,
    log: PathBuf,
}

impl Server {
    fn start(url: &str, dir: &Path, name: &str, env: &[(&str, &str)]) -> Self {
        let log = dir.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_opshub"));
        // Run in the test's own directory, so nothing the server might write lands elsewhere.
        cmd.arg("serve")
            .current_dir(dir)
            .env("OPSHUB_DATABASE_URL", url)
            .env("OPSHUB_ADDR", "127.0.0.1:0")
            .env("OPSHUB_INSTANCE_ID", name)
            .env("OPSHUB_HEARTBEAT_SECS", "1")
            .env("OPSHUB_SEED_DEMO", "true")
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info,sqlx=warn")
            .stdout(Stdio::from(file.try_clone().unwrap()))
            .stderr(Stdio::from(file));
        // An empty value takes the variable away, so the binary's own default applies.
        for (k, v) in env {
            if v.is_empty() {
                cmd.env_remove(k);
            } else {
                cmd.env(k, v);
            }
        }
        let server = Self { child: cmd.spawn().expect("start opshub"), log };
        server.wait_for_log("Opshub is running at", Duration::from_secs(30));
        server
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_for_log(&self, text: &str, limit: Duration) {
        let began = Instant::now();
        while !self.log().contains(text) {
            assert!(began.elapsed() < limit, "no {text:?} in the log:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill").args([sig, &self.child.id().to_string()]).status().unwrap().success();
        assert!(ok, "kill {sig} failed");
    }

    /// Waits for the process to exit; returns its exit code.
    fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let began = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(began.elapsed() < limit, "opshub did not exit within {limit:?}:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A database of its own on the test PostgreSQL (`OPSHUB_TEST_POSTGRES_URL`), for tests that
/// run whole processes against it.
struct ThrowawayPostgres {
    admin: Db,
    /// The server's URL as configured (naming its maintenance database).
    base: String,
    name: String,
}

impl ThrowawayPostgres {
    async fn create(prefix: &str) -> Self {
        let base = std::env::var("OPSHUB_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = format!("{prefix}_{}", std::process::id());
        let admin = Db::connect(&DbOptions { max_connections: 1, ..DbOptions::new(base.clone()) })
            .await
            .expect("PostgreSQL is required");
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(admin.pool()).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(admin.pool()).await.unwrap();
        Self { admin, base, name }
    }

    /// The new database's URL.
    fn url(&self) -> String {
        format!("{}/{}", self.base.rsplit_once('/').map_or(self.base.as_str(), |(head, _)| head), self.name)
    }

    async fn drop_it(self) {
        sqlx::query(&format!("DROP DATABASE {} WITH (FORCE)", self.name)).execute(self.admin.pool()).await.unwrap();
    }
}

async fn state_for(url: &str) -> AppState {
    let db = Db::connect(&DbOptions::new(url)).await.unwrap();
    AppState::new(db, Arc::new(SystemClock), RuntimeConfig::default())
}

async fn start_sync(state: &AppState, tenant: TenantId) -> app::domain::Run {
    let workspace = app::domain::WorkspaceId(1);
    let req = NewRun {
        workspace_id: workspace,
        tenant_id: Some(tenant),
        run_type: RunType::InventorySync.into(),
        initiator: None,
        dedupe_key: None,
        inputs: json!({}),
    };
    state.lifecycle().start(req).await.unwrap().run().clone()
}

async fn wait_for_state(
    state: &AppState,
    run: &app::domain::Run,
    want: impl Fn(RunState) -> bool,
    limit: Duration,
) -> app::domain::Run {
    let began = Instant::now();
    loop {
        let now = runs::get(&state.db, run.id).await.unwrap().unwrap();
        if want(now.state) {
            return now;
        }
        assert!(began.elapsed() < limit, "run {} stayed {:?}", run.id, now.state);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_within_the_grace_period_lets_the_run_finish() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/o.db", dir.path().display());
    let mut server =
        Server::start(&url, dir.path(), "a", &[("OPSHUB_DEMO_PACING_MS", "100"), ("OPSHUB_SHUTDOWN_GRACE_SECS", "30")]);
    let state = state_for(&url).await;
    let run = start_sync(&state, NORTHWIND).await;
    wait_for_state(&state, &run, |s| s == RunState::Running, Duration::from_secs(10)).await;
    server.signal("-TERM");
    assert_eq!(server.wait_exit(Duration::from_secs(30)), Some(0));
    let done = runs::get(&state.db, run.id).await.unwrap().unwrap();
    assert_eq!(done.state, RunState::Completed(RunOutcome::Succeeded), "{}", server.log());
    assert_eq!(done.summary.get(app::domain::SummaryKey::Processed), Some(20));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_past_the_grace_period_cancels_the_run_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/o.db", dir.path().display());
    let mut server =
        Server::start(&url, dir.path(), "a", &[("OPSHUB_DEMO_PACING_MS", "100"), ("OPSHUB_SHUTDOWN_GRACE_SECS", "1")]);
    let state = state_for(&url).await;
    let run = start_sync(&state, ADATUM).await;
    wait_for_state(&state, &run, |s| s == RunState::Running, Duration::from_secs(10)).await;
    let signalled = Instant::now();
    server.signal("-TERM");
    assert_eq!(server.wait_exit(Duration::from_secs(15)), Some(0));
    assert!(signalled.elapsed() < Duration::from_secs(10), "shutdown took {:?}", signalled.elapsed());
    let done = runs::get(&state.db, run.id).await.unwrap().unwrap();
    assert_eq!(done.state, RunState::Completed(RunOutcome::Cancelled), "{}", server.log());
    assert_eq!(
        done.failure.map(|f| app::copy::EN.stored_sentence(&f.message)).as_deref(),
        Some("Stopped because the server was shutting down.")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_leaves_a_run_whose_heartbeat_stops_and_nothing_else_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/o.db", dir.path().display());
    let mut first = Server::start(&url, dir.path(), "first", &[("OPSHUB_DEMO_PACING_MS", "100")]);
    let state = state_for(&url).await;
    let history = || async {
        sqlx::query_as::<_, (i64, String)>("SELECT id, outcome FROM operation_runs WHERE status = 'completed'")
            .fetch_all(state.db.pool())
            .await
            .unwrap()
    };
    let run = start_sync(&state, ADATUM).await;
    wait_for_state(&state, &run, |s| s == RunState::Running, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = history().await;
    first.signal("-KILL");
    first.wait_exit(Duration::from_secs(10));
    let at_kill = runs::get(&state.db, run.id).await.unwrap().unwrap();
    assert_eq!(at_kill.state, RunState::Running);
    let last_sign = at_kill.heartbeat_at.expect("it had heartbeated");

    let _second = Server::start(&url, dir.path(), "second", &[("OPSHUB_DEMO_PACING_MS", "0")]);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let later = runs::get(&state.db, run.id).await.unwrap().unwrap();
    assert_eq!(later.state, RunState::Running, "nobody else claims a running run");
    assert_eq!(later.heartbeat_at, Some(last_sign), "its heartbeat stopped, so its age grows");
    let policy = RunType::InventorySync.default_policy();
    let stale_at = Timestamp(last_sign.millis()).plus(policy.heartbeat_timeout + Duration::from_millis(1));
    assert_eq!(later.freshness(&policy, stale_at), Some(app::domain::Freshness::LikelyStale));
    assert!(state.clock.now() > last_sign);

    // Nothing else is damaged: the file is sound, history is intact, new work runs.
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(state.db.pool()).await.unwrap();
    assert_eq!(check, "ok");
    // Every run that had ended before the kill is still there, ended the same way (the new
    // process may since have finished or reconciled the demo's own live runs).
    let after = history().await;
    for ended in &before {
        assert!(after.contains(ended), "run {} changed or vanished after the kill", ended.0);
    }
    let fresh = start_sync(&state, NORTHWIND).await;
    let done = wait_for_state(&state, &fresh, |s| !s.is_active(), Duration::from_secs(20)).await;
    assert_eq!(done.state, RunState::Completed(RunOutcome::Succeeded));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_run_every_run_exactly_once() {
    const RUNS: usize = 300;
    let pg = ThrowawayPostgres::create("opshub_twoproc").await;
    let url = pg.url();

    let state = state_for(&url).await;
    state.db.migrate().await.unwrap();
    let now = state.clock.now();
    let ws = server::seed::ensure_workspace(&state.db, "two", "Two", now).await.unwrap();
    let user = server::seed::ensure_user(&state.db, "two@two.example", "Two", now).await.unwrap();
    server::seed::ensure_membership(&state.db, user, ws, "owner").await.unwrap();
    let mut ids = Vec::new();
    for i in 0..RUNS {
        let t = server::seed::ensure_tenant(&state.db, ws, &format!("t{i}"), &format!("T{i}"), now).await.unwrap();
        server::seed::ensure_provider_items(&state.db, t, 3, &[], now).await.unwrap();
        let req = NewRun {
            workspace_id: ws,
            tenant_id: Some(t),
            run_type: RunType::InventorySync.into(),
            initiator: Some(user),
            dedupe_key: None,
            inputs: json!({}),
        };
        ids.push(state.lifecycle().start(req).await.unwrap().run().id);
    }
    // Runs whose worker died two hours ago: both processes' reconcilers sweep at start, and
    // each of these must be decided exactly once between them.
    const ABANDONED: usize = 100;
    let past = app::runtime::ManualClock::at(now.minus(Duration::from_secs(7200)));
    let old_life = app::jobs::lifecycle::Lifecycle::new(state.db.clone(), Arc::new(past));
    let dead_tenant = server::seed::ensure_tenant(&state.db, ws, "dead", "Dead", now).await.unwrap();
    let mut abandoned = Vec::new();
    for i in 0..ABANDONED {
        let req = NewRun {
            workspace_id: ws,
            tenant_id: Some(dead_tenant),
            run_type: RunType::InventorySync.into(),
            initiator: Some(user),
            dedupe_key: Some(format!("dead-{i}")),
            inputs: json!({}),
        };
        let run = old_life.start(req).await.unwrap().run().clone();
        old_life.claim(run.id, "dead-worker", Duration::from_secs(60)).await.unwrap().unwrap();
        abandoned.push(run.id.get());
    }
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("OPSHUB_SEED_DEMO", "false"),
        ("OPSHUB_DEMO_PACING_MS", "0"),
        ("OPSHUB_WORKERS", "4"),
        ("OPSHUB_RECONCILE_SECS", "1"),
    ];
    let mut a = Server::start(&url, dir.path(), "a", &env);
    let mut b = Server::start(&url, dir.path(), "b", &env);
    let began = Instant::now();
    loop {
        let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM operation_runs WHERE status = 'completed'")
            .fetch_one(state.db.pool())
            .await
            .unwrap();
        if done == i64::try_from(RUNS + ABANDONED).unwrap() {
            break;
        }
        assert!(began.elapsed() < Duration::from_secs(120), "only {done} of {RUNS} completed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rows: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT id, outcome, attempt FROM operation_runs WHERE tenant_id <> $1 ORDER BY id")
            .bind(dead_tenant.get())
            .fetch_all(state.db.pool())
            .await
            .unwrap();
    assert_eq!(rows.len(), RUNS);
    for (id, outcome, attempt) in &rows {
        assert_eq!(outcome, "succeeded", "run {id}");
        assert_eq!(*attempt, 1, "run {id} was claimed {attempt} times");
    }
    let notes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications").fetch_one(state.db.pool()).await.unwrap();
    assert_eq!(notes, i64::try_from(RUNS + ABANDONED).unwrap(), "one terminal notification per run");
    let decided: Vec<(i64, String, Option<String>)> =
        sqlx::query_as("SELECT id, outcome, failure_code FROM operation_runs WHERE tenant_id = $1 ORDER BY id")
            .bind(dead_tenant.get())
            .fetch_all(state.db.pool())
            .await
            .unwrap();
    assert_eq!(decided.len(), ABANDONED);
    for (id, outcome, code) in &decided {
        assert!(abandoned.contains(id));
        assert_eq!((outcome.as_str(), code.as_deref()), ("failed", Some("worker_lost")), "run {id}");
    }
    let reconciled = |s: &Server| s.log().matches("run reconciled").count();
    assert_eq!(reconciled(&a) + reconciled(&b), ABANDONED, "every abandoned run was decided once, by one process");
    let claimed = |s: &Server| s.log().matches("run claimed").count();
    let (by_a, by_b) = (claimed(&a), claimed(&b));
    assert_eq!(by_a + by_b, RUNS, "every claim is logged once");
    assert!(by_a > 0 && by_b > 0, "both processes worked: {by_a} and {by_b}");

    a.signal("-TERM");
    b.signal("-TERM");
    a.wait_exit(Duration::from_secs(30));
    b.wait_exit(Duration::from_secs(30));
    state.db.close().await;
    pg.drop_it().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fault_cli_injects_a_crash_that_takes_the_process_down_mid_run() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/o.db", dir.path().display());
    let cli = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_opshub"))
            .args(args)
            .current_dir(dir.path())
            .env("OPSHUB_DATABASE_URL", &url)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    // Bad input is refused calmly and changes nothing.
    let bad = cli(&["fault", "inventory.sync", "explode"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("\"explode\" is not a fault"));
    let bad = cli(&["fault", "inventory.sink", "fail"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a run type"));
    let set = cli(&["fault", "inventory.sync", "crash"]);
    assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));
    let list = cli(&["fault", "list"]);
    assert_eq!(String::from_utf8_lossy(&list.stdout), "inventory.sync\tcrash\n");

    let mut server = Server::start(&url, dir.path(), "a", &[("OPSHUB_DEMO_PACING_MS", "100")]);
    let state = state_for(&url).await;
    let run = start_sync(&state, NORTHWIND).await;
    let code = server.wait_exit(Duration::from_secs(20));
    assert_ne!(code, Some(0), "the process crashed");
    let left = runs::get(&state.db, run.id).await.unwrap().unwrap();
    assert_eq!(left.state, RunState::Running, "a crash leaves the run to go stale, not decided");
    assert!(server.log().contains("injected fault: crashing the process"));

    let off = cli(&["fault", "inventory.sync", "off"]);
    assert!(off.status.success());
    assert_eq!(String::from_utf8_lossy(&cli(&["fault", "list"]).stdout), "no faults injected\n");
}

/// Reconciliation end to end with the real binary: 100+ runs of every type; one process
/// crashes right after a compose wrote its review, the next right after a restore finished,
/// a third is killed with SIGKILL while syncs and captures hang; a fourth, with no faults,
/// must leave every run terminal, each decided once, with finished work proven from its
/// records.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crashed_and_killed_processes_leave_every_run_decided_once_from_business_truth() {
    use app::jobs::provider::{Fault, set_fault};
    use app::runtime::Clock as _;
    use app::services::operations::{StartOptions, start_operation};
    use app::services::principal::Principal;

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/o.db", dir.path().display());
    let state = state_for(&url).await;
    state.db.migrate().await.unwrap();
    let now = state.clock.now();
    let ws = server::seed::ensure_workspace(&state.db, "f", "Faults", now).await.unwrap();
    let user = server::seed::ensure_user(&state.db, "f@f.example", "F", now).await.unwrap();
    server::seed::ensure_membership(&state.db, user, ws, "owner").await.unwrap();
    let me = Principal::owner(user, ws, "F");

    // Group A: review composes and restores (each with a baseline to restore); group B: the
    // other four types. Creation interleaves them so every process meets both.
    let prep = server::serve::worker_as(&state, "prep");
    let mut group_a = Vec::new();
    for i in 0..10 {
        let t = server::seed::ensure_tenant(&state.db, ws, &format!("a{i}"), &format!("A{i}"), now).await.unwrap();
        server::seed::ensure_provider_items(&state.db, t, 5, &[], now).await.unwrap();
        let tenant = t.to_string();
        let capture = start_operation(&state, &me, &tenant, "baseline.capture", StartOptions::default()).await.unwrap();
        assert!(prep.run_queued(capture.run_id).await.unwrap());
        let snapshot: i64 = sqlx::query_scalar("SELECT id FROM baseline_snapshots WHERE run_id = $1")
            .bind(capture.run_id.get())
            .fetch_one(state.db.pool())
            .await
            .unwrap();
        sqlx::query("UPDATE provider_items SET settings = '{\"enabled\": false}' WHERE tenant_id = $1")
            .bind(t.get())
            .execute(state.db.pool())
            .await
            .unwrap();
        group_a.push((t, snapshot));
    }
    let mut group_b = Vec::new();
    for i in 0..20 {
        let t = server::seed::ensure_tenant(&state.db, ws, &format!("b{i}"), &format!("B{i}"), now).await.unwrap();
        server::seed::ensure_provider_items(&state.db, t, 5, &[], now).await.unwrap();
        group_b.push(t);
    }
    let mut ids = Vec::new();
    let start = |tenant: TenantId, ty: &str, snapshot: Option<String>| {
        let (state, me) = (state.clone(), me.clone());
        let ty = ty.to_owned();
        async move {
            let o = StartOptions { snapshot: snapshot.as_deref(), review: None, confirm: true };
            let r = start_operation(&state, &me, &tenant.to_string(), &ty, o).await.unwrap();
            assert!(!r.already_running());
            r.run_id
        }
    };
    for (i, b) in group_b.iter().copied().enumerate() {
        ids.push(start(b, "inventory.sync", None).await);
        if let Some((a, snapshot)) = group_a.get(i) {
            ids.push(start(*a, "environment.review.compose", None).await);
            ids.push(start(*a, "restore.execute", Some(snapshot.to_string())).await);
        }
        ids.push(start(b, "baseline.capture", None).await);
        ids.push(start(b, "baseline.compare", None).await);
        ids.push(start(b, "review_pack.generate", None).await);
    }
    assert!(ids.len() >= 100, "{} runs", ids.len());

    let env = [
        ("OPSHUB_SEED_DEMO", "false"),
        ("OPSHUB_DEMO_PACING_MS", "0"),
        ("OPSHUB_WORKERS", "4"),
        ("OPSHUB_RECONCILE_SECS", "1"),
        ("OPSHUB_LIFECYCLE", "*=60,4,120,3"),
    ];
    let faults = |list: &[(RunType, Fault)]| {
        let db = state.db.clone();
        let list = list.to_vec();
        async move {
            for t in RunType::ALL {
                let f = list.iter().find(|(x, _)| *x == t).map(|(_, f)| *f);
                set_fault(&db, t, f, SystemClock.now()).await.unwrap();
            }
        }
    };
    // 1: a compose writes its review, then the process aborts.
    faults(&[(RunType::EnvironmentReviewCompose, Fault::Crash), (RunType::InventorySync, Fault::Hang)]).await;
    let mut first = Server::start(&url, dir.path(), "first", &env);
    assert_ne!(first.wait_exit(Duration::from_secs(60)), Some(0), "the compose crash took the process down");
    // 2: a restore finishes, then the process aborts.
    faults(&[(RunType::RestoreExecute, Fault::Crash), (RunType::BaselineCapture, Fault::Hang)]).await;
    let mut second = Server::start(&url, dir.path(), "second", &env);
    assert_ne!(second.wait_exit(Duration::from_secs(60)), Some(0), "the restore crash took the process down");
    // 3: syncs and captures hang; the process is killed outright.
    faults(&[(RunType::InventorySync, Fault::Hang), (RunType::BaselineCapture, Fault::Hang)]).await;
    let mut third = Server::start(&url, dir.path(), "third", &env);
    tokio::time::sleep(Duration::from_secs(3)).await;
    third.signal("-KILL");
    third.wait_exit(Duration::from_secs(10));
    // 4: no faults. Every run must end, within the stale window plus a sweep of the last
    // worker's death for the abandoned ones.
    faults(&[]).await;
    let fourth = Server::start(&url, dir.path(), "fourth", &env);
    let began = Instant::now();
    loop {
        let active: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM operation_runs WHERE status <> 'completed'")
            .fetch_one(state.db.pool())
            .await
            .unwrap();
        if active == 0 {
            break;
        }
        assert!(began.elapsed() < Duration::from_secs(90), "{active} runs still active:\n{}", fourth.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let mut adapter_successes = 0;
    let mut reconciled = 0;
    for id in &ids {
        let r = runs::get(&state.db, *id).await.unwrap().unwrap();
        assert!(!r.state.is_active(), "run {id}");
        let notes = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM notifications WHERE run_id = $1")
            .bind(id.get())
            .fetch_one(state.db.pool())
            .await
            .unwrap();
        assert_eq!(notes, 1, "run {id}: exactly one terminal notification");
        let rec = r.context.as_value().get("reconciliation").cloned();
        if let Some(rec) = &rec {
            reconciled += 1;
            for key in ["at", "by", "reason", "previous_status", "decision", "evidence"] {
                assert!(rec.get(key).is_some_and(|v| !v.is_null()), "run {id}: reconciliation lacks {key}: {rec}");
            }
        }
        // Finished work is proven from its records, never thrown away as "worker lost".
        let fp = r.context.inputs().and_then(|i| i.get("fingerprint")).and_then(|f| f.as_str()).map(str::to_owned);
        let wrote_review: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM environment_reviews WHERE compose_run_id = $1 AND fingerprint = $2 AND status = 'ready'",
        )
        .bind(id.get())
        .bind(fp.unwrap_or_default())
        .fetch_one(state.db.pool())
        .await
        .unwrap();
        let restored: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM restores WHERE run_id = $1 AND status IN ('applied', 'partially_applied')",
        )
        .bind(id.get())
        .fetch_one(state.db.pool())
        .await
        .unwrap();
        if wrote_review + restored > 0 {
            assert!(
                matches!(r.state, RunState::Completed(RunOutcome::Succeeded | RunOutcome::PartiallySucceeded)),
                "run {id} ({}) finished its work but ended {:?}",
                r.run_type.as_str(),
                r.state
            );
            if rec.as_ref().and_then(|x| x["by"].as_str()).is_some_and(|by| by.starts_with("adapter:")) {
                adapter_successes += 1;
            }
        }
    }
    assert!(reconciled >= 3, "runs left by dead processes were reconciled ({reconciled})");
    let by_type = |ty: &str| {
        let ids: Vec<i64> = ids.iter().map(|i| i.get()).collect();
        let state = state.clone();
        let ty = ty.to_owned();
        async move {
            let rows: Vec<(i64, String)> =
                sqlx::query_as("SELECT id, context FROM operation_runs WHERE run_type = $1 AND outcome = 'succeeded'")
                    .bind(ty)
                    .fetch_all(state.db.pool())
                    .await
                    .unwrap();
            rows.into_iter().filter(|(id, c)| ids.contains(id) && c.contains("\"by\":\"adapter:")).count()
        }
    };
    assert!(by_type("environment.review.compose").await >= 1, "a crashed compose was proven by its review");
    assert!(by_type("restore.execute").await >= 1, "a crashed restore was proven by its record");
    assert!(adapter_successes >= 2);
    drop(fourth);
}

/// `opshub` run to completion with `args` and `env`: exit code, stdout, stderr.
fn opshub(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_opshub"));
    cmd.args(args).current_dir(dir.path()).env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.code(), text(out.stdout), text(out.stderr))
}

#[test]
fn a_configuration_that_cannot_be_used_stops_start_up_with_one_line_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("opshub.toml");
    std::fs::write(&file, "workers = 2\nport = 8080\n").unwrap();
    let file = file.to_string_lossy().into_owned();
    for (args, env, key) in [
        (vec!["serve"], vec![("OPSHUB_ADDR", "127.0.0.1:abc")], "addr"),
        (vec!["serve", "--reconcile-secs", "-5"], vec![], "reconcile_secs"),
        (vec!["serve"], vec![("OPSHUB_WORKRES", "3")], "OPSHUB_WORKRES"),
        (vec!["serve", "--config", file.as_str()], vec![], "port"),
        (vec!["migrate", "--log-format=xml"], vec![], "log_format"),
        // The demo's published passwords on an address others can reach.
        (vec!["serve"], vec![("OPSHUB_SEED_DEMO", "true"), ("OPSHUB_ADDR", "0.0.0.0:0")], "seed_demo"),
        // Heartbeats too rare for a run type's heartbeat timeout would make live work look lost.
        (vec!["serve"], vec![("OPSHUB_HEARTBEAT_SECS", "45")], "heartbeat_secs"),
        (vec!["serve"], vec![("OPSHUB_PUBLIC_ORIGINS", "ops.example.com")], "public_origins"),
    ] {
        let (code, stdout, stderr) = opshub(&args, &env);
        assert_eq!(code, Some(2), "{args:?} {env:?}: {stderr}");
        assert!(stdout.is_empty(), "nothing started: {stdout}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(stderr.starts_with("opshub: configuration: ") && stderr.contains(key), "{stderr}");
    }
}

#[test]
fn every_command_explains_itself_and_a_command_line_it_cannot_read_is_refused_in_one_line() {
    for args in [&["--help"][..], &["help"], &["fault", "--help"], &["user", "grant", "--help"], &["reconcile", "-h"]] {
        let (code, stdout, stderr) = opshub(args, &[]);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(stdout.contains("Usage: opshub"), "{args:?}: {stdout}");
    }
    for (args, says) in [
        (&["frob"][..], "unrecognized subcommand 'frob'"),
        (&["serve", "--workres", "3"], "a similar argument exists: '--workers'"),
        (&["reconcile"], "--once"),
        (&["user", "grant", "a@b.example", "ws", "king"], "\"king\" is not a role"),
    ] {
        let (code, stdout, stderr) = opshub(args, &[]);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "nothing ran: {stdout}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(stderr.starts_with("opshub: ") && stderr.contains(says), "{args:?}: {stderr}");
    }
}

#[test]
fn opshub_config_prints_every_key_with_its_source_and_never_a_secret() {
    let (code, stdout, stderr) = opshub(
        &["config", "--workers", "3"],
        &[
            ("OPSHUB_DATABASE_URL", "postgres://ops:hunter2@db.internal/opshub"),
            ("OPSHUB_METRICS_TOKEN", "s3cret-metrics-token-value"),
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stdout.contains("hunter2") && !stdout.contains("s3cret-metrics-token-value"), "{stdout}");
    assert!(stdout.contains("postgres://ops:***@db.internal/opshub"), "{stdout}");
    assert!(stdout.contains("metrics_token = \"<set, hidden>\""), "{stdout}");
    assert!(stdout.contains("# flag --workers") && stdout.contains("# environment OPSHUB_DATABASE_URL"), "{stdout}");
    for key in server::config::KEYS {
        assert!(stdout.lines().any(|l| l.starts_with(&format!("{} = ", key.name))), "{} missing", key.name);
    }
}

/// A TCP forwarder standing between the server and PostgreSQL, so a test can take the
/// database away (closing every connection) and give it back on the same port.
struct Cable {
    port: u16,
    upstream: String,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Cable {
    async fn plug(port: u16, upstream: &str) -> Self {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.bind(std::net::SocketAddr::from(([127, 0, 0, 1], port))).unwrap();
        let listener = socket.listen(64).unwrap();
        let port = listener.local_addr().unwrap().port();
        let to = upstream.to_owned();
        let task = tokio::spawn(async move {
            // Dropping the set (when this task is aborted) cuts every forwarded connection.
            let mut conns = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let to = to.clone();
                conns.spawn(async move {
                    if let Ok(mut out) = tokio::net::TcpStream::connect(to).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
            }
        });
        Self { port, upstream: upstream.to_owned(), task: Some(task) }
    }

    async fn unplug(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    async fn replug(&mut self) {
        *self = Self::plug(self.port, &self.upstream).await;
    }
}

/// `method path` with `body`, sent to `addr` under the `Host` name `host` with `headers`
/// (each line ending in CRLF): status, response headers (lower case), body.
fn exchange(addr: &str, host: &str, method: &str, path: &str, headers: &str, body: &str) -> (u16, String, String) {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\n{headers}Connection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text.as_str(), ""));
    (status, head.to_ascii_lowercase(), body.to_owned())
}

/// `method path` on `addr` with `headers`: status, response headers, body.
fn http(addr: &str, method: &str, path: &str, headers: &str) -> (u16, String, String) {
    exchange(addr, addr, method, path, headers, "")
}

/// `method path` on `addr` with `headers` and `body`: status, response headers, body.
fn http_body(addr: &str, method: &str, path: &str, headers: &str, body: &str) -> (u16, String, String) {
    exchange(addr, addr, method, path, headers, body)
}

/// `method path` sent to `addr` under the `Host` name `host`: status and body.
fn http_as(addr: &str, host: &str, method: &str, path: &str, headers: &str) -> (u16, String) {
    let (status, _, body) = exchange(addr, host, method, path, headers, "");
    (status, body)
}

/// `GET path` on `addr`: status and body.
fn http_get(addr: &str, path: &str) -> (u16, String) {
    let (status, _, body) = http(addr, "GET", path, "");
    (status, body)
}

/// The address a started server printed.
fn address_of(server: &Server) -> String {
    server
        .log()
        .split("Opshub is running at http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .expect("the address")
        .to_owned()
}

#[test]
fn every_log_line_of_a_request_names_the_request_id_the_response_carries() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/o.db", dir.path().display());
    let env = [("OPSHUB_SEED_DEMO", "false"), ("OPSHUB_LOG_FORMAT", "json"), ("RUST_LOG", "info,server=debug")];
    let server = Server::start(&url, dir.path(), "logs", &env);
    let addr = address_of(&server);
    // A state-changing request from another site: the middleware logs its refusal.
    let (status, head, _) = http(&addr, "POST", "/api/start_operation", "Origin: https://evil.example\r\n");
    assert_eq!(status, 403);
    let id = head.lines().find_map(|l| l.strip_prefix("x-request-id: ")).expect("a request id").trim().to_owned();
    let needle = format!("\"request_id\":\"{id}\"");
    let began = Instant::now();
    let lines = loop {
        let log = server.log();
        let lines: Vec<String> = log.lines().filter(|l| l.contains(&needle)).map(str::to_owned).collect();
        if lines.len() >= 2 || began.elapsed() > Duration::from_secs(5) {
            break lines;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(lines.iter().any(|l| l.contains("refused a state-changing request")), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("\"message\":\"answered\"") && l.contains("\"status\":403")), "{lines:?}");
    for line in &lines {
        let v: serde_json::Value = serde_json::from_str(line).expect("each line is one JSON object");
        assert!(v["timestamp"].is_string() && v["level"].is_string(), "{line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_database_away_and_back_without_a_restart() {
    let pg = ThrowawayPostgres::create("opshub_ready").await;
    // postgres://user@host:port/db → host:port
    let base = &pg.base;
    let upstream = base.rsplit_once('@').map_or("127.0.0.1:5432", |(_, rest)| rest.split('/').next().unwrap_or(rest));
    let user = base.strip_prefix("postgres://").and_then(|r| r.split_once('@')).map_or("postgres", |(u, _)| u);
    let mut cable = Cable::plug(0, upstream).await;
    let url = format!("postgres://{user}@127.0.0.1:{}/{}", cable.port, pg.name);
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&url, dir.path(), "ready", &[("OPSHUB_SEED_DEMO", "false"), ("OPSHUB_WORKERS", "1")]);
    let addr = address_of(&server);
    let ready = |want: u16, limit: Duration| {
        let began = Instant::now();
        loop {
            let (status, body) = http_get(&addr, "/readyz");
            if status == want {
                return body;
            }
            assert!(began.elapsed() < limit, "/readyz stayed {status}: {body}\n{}", server.log());
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    let body = tokio::task::block_in_place(|| ready(200, Duration::from_secs(10)));
    assert!(body.contains(r#""workers":"running""#) && body.contains(r#""reconciler":"running""#), "{body}");

    cable.unplug().await;
    let body = tokio::task::block_in_place(|| ready(503, Duration::from_secs(15)));
    assert!(body.contains(r#""database":"unreachable""#) && body.contains("the database did not answer"), "{body}");
    assert_eq!(http_get(&addr, "/healthz").0, 200, "the process itself is alive");

    cable.replug().await;
    let body = tokio::task::block_in_place(|| ready(200, Duration::from_secs(30)));
    assert!(body.contains(r#""status":"ready""#), "{body}");
    drop(server);
    cable.unplug().await;
    pg.drop_it().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_start_seeds_no_demo_and_answers_only_under_its_own_names() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/o.db", dir.path().display());
    // Neither the demo setting nor an instance name given: the binary's defaults.
    let defaults = [("OPSHUB_SEED_DEMO", ""), ("OPSHUB_INSTANCE_ID", "")];
    let a = Server::start(&url, dir.path(), "plain-a", &defaults);
    let b = Server::start(&url, dir.path(), "plain-b", &defaults);
    assert!(!a.log().contains("Demo sign-ins"), "{}", a.log());
    let state = state_for(&url).await;
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(state.db.pool()).await.unwrap();
    assert_eq!(users, 0, "no demo accounts unless asked");
    // Two instances on one database never share a name.
    let name = |s: &Server| {
        let log = s.log();
        log.split("instance=").nth(1).and_then(|r| r.split_whitespace().next()).map(str::to_owned).expect("a name")
    };
    assert!(name(&a).starts_with("opshub-") && name(&a) != name(&b), "{} {}", name(&a), name(&b));

    let addr = address_of(&a);
    let port = addr.rsplit(':').next().unwrap().to_owned();
    assert_eq!(http_as(&addr, &addr, "GET", "/login", "").0, 200);
    assert_eq!(http_as(&addr, &format!("localhost:{port}"), "GET", "/login", "").0, 200);
    // A DNS-rebinding page: its own name pointed at 127.0.0.1.
    let rebound = format!("rebound.example:{port}");
    let (status, body) = http_as(&addr, &rebound, "GET", "/login", "");
    assert_eq!((status, body.trim()), (400, "There is nothing at this address."));
    let sign_in = "Origin: http://rebound.example\r\nContent-Type: application/x-www-form-urlencoded\r\n";
    assert_eq!(http_as(&addr, &rebound, "POST", "/api/sign_in", sign_in).0, 400, "refused before any handler");
    // A request for our name that comes from the rebinding page's origin is refused too.
    let from_rebound = format!("Origin: http://{rebound}\r\n");
    assert_eq!(http_as(&addr, &addr, "POST", "/api/sign_out", &from_rebound).0, 403);
    // Probes address a server by its IP and whatever name they like.
    assert_eq!(http_as(&addr, "10.1.2.3:8080", "GET", "/healthz", "").0, 200);
    drop((a, b));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_log_line_carries_a_hostile_value_unbounded() {
    const MARK: &str = "HOSTILEMARK";
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/o.db", dir.path().display());
    let server = Server::start(&url, dir.path(), "hostile", &[("RUST_LOG", "debug,sqlx=warn,hyper=info,h2=info")]);
    let addr = address_of(&server);
    let origin = format!("Origin: http://{addr}\r\n");
    // The demo owner's session, so every endpoint gets past sign-in to its own parsing.
    let form = "Content-Type: application/x-www-form-urlencoded\r\n";
    let body = "email=operator%40contoso-msp.example&password=demo-owner-password";
    let (status, head, _) = http_body(&addr, "POST", "/api/sign_in", &format!("{origin}{form}"), body);
    assert!(status < 400, "signed in: {status}");
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let auth = format!("{origin}Cookie: {cookie}\r\n");
    let big = MARK.repeat(300);
    // The registry the authorization matrix walks: pages, server functions, plain routes.
    let mut routes: Vec<String> =
        leptos_axum::generate_route_list(app::App).iter().map(|r| r.path().to_owned()).collect();
    routes.extend(leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_owned()));
    routes.extend(server::web::PLAIN_ROUTES.iter().map(|r| (*r).to_owned()));
    let fields = [
        "id",
        "tenant",
        "review",
        "workspace",
        "language",
        "email",
        "password",
        "next",
        "known",
        "run_type",
        "snapshot",
    ];
    let form_body: String = fields.iter().map(|f| format!("{f}={big}")).collect::<Vec<_>>().join("&");
    let json_body =
        serde_json::json!({ "query": { "status": big, "tenant": big, "after": big }, "known": big }).to_string();
    for route in &routes {
        let path: String = route
            .split('/')
            .map(|s| if s.starts_with('{') || s.starts_with(':') { big.as_str() } else { s })
            .collect::<Vec<_>>()
            .join("/");
        if route.starts_with("/api/") && !server::web::PLAIN_ROUTES.contains(&route.as_str()) {
            for (kind, body) in [(form, form_body.as_str()), ("Content-Type: application/json\r\n", json_body.as_str())]
            {
                let (status, _, _) = http_body(&addr, "POST", route, &format!("{auth}{kind}"), body);
                assert!((200..500).contains(&status), "POST {route}: {status}");
            }
        } else {
            let (status, _, _) = http(&addr, "GET", &format!("{path}?status={big}&next={big}"), &auth);
            assert!((200..500).contains(&status), "GET {route}: {status}");
        }
    }
    // Headers the app reads.
    for header in [format!("Accept-Language: {big}\r\n"), format!("X-Request-Id: {big}\r\n")] {
        let (status, _, _) = http(&addr, "GET", "/admin/operations", &format!("{auth}{header}"));
        assert!((200..500).contains(&status), "{header:.40}: {status}");
    }
    std::thread::sleep(Duration::from_millis(300));
    let log = server.log();
    assert!(log.lines().count() > routes.len(), "debug logging was on:\n{log:.2000}");
    let unbounded: Vec<&str> = log.lines().filter(|l| l.contains(&MARK.repeat(20))).collect();
    assert!(unbounded.is_empty(), "log lines carry a hostile value unbounded: {:.600}", unbounded.join("\n"));
}

#[test]
fn a_first_start_ends_with_the_demo_sign_ins_and_the_address_not_a_screen_of_seeding() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/first.db", dir.path().display());
    let server = Server::start(&url, dir.path(), "first", &[]);
    let log = server.log();
    // Everything the seed did comes before its one line; the instance's own workers may
    // start working (and say so) before the address is printed.
    let seeding = |l: &&str| l.contains("run created") || l.contains("run claimed") || l.contains("run completed");
    let during: Vec<&str> = log.lines().take_while(|l| !l.contains("demo data seeded")).collect();
    assert!(
        log.contains("demo data seeded") && !during.iter().any(seeding),
        "no seeding lines at the info level:\n{log}"
    );
    let before: Vec<&str> = log.lines().take_while(|l| !l.contains("Opshub is running at")).collect();
    assert!(before.iter().any(|l| l.contains("Demo sign-ins")), "{log}");
    assert!(before.len() <= 15, "a short start:\n{log}");
    drop(server);

    // Asked for debug lines, the seed's own lines are there.
    let url = format!("sqlite://{}/debug.db", dir.path().display());
    let verbose = Server::start(&url, dir.path(), "verbose", &[("RUST_LOG", "debug,sqlx=warn,hyper=info,h2=info")]);
    assert!(verbose.log().lines().any(|l| seeding(&l)), "{:.2000}", verbose.log());
}

#[test]
fn a_start_others_can_reach_warns_once_per_weak_setting() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/o.db", dir.path().display());
    let env = [("OPSHUB_SEED_DEMO", "false"), ("OPSHUB_ADDR", "0.0.0.0:0")];
    let server = Server::start(&url, dir.path(), "reachable", &env);
    let log = server.log();
    let weak: Vec<&str> = log.lines().filter(|l| l.contains("weak setting")).collect();
    assert_eq!(weak.len(), 3, "{log}");
    for key in ["secure_cookies", "metrics_token", "public_origins"] {
        assert_eq!(weak.iter().filter(|l| l.contains(key)).count(), 1, "{key}: {weak:?}");
    }
    // The same start on loopback is a developer's machine: nothing to warn about.
    let local = Server::start(&url, dir.path(), "local", &[("OPSHUB_SEED_DEMO", "false")]);
    assert!(!local.log().contains("weak setting"), "{}", local.log());
}

#[test]
fn a_token_made_on_the_command_line_reads_runs_over_http_until_it_is_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/o.db", dir.path().display());
    let server = Server::start(&url, dir.path(), "tokens", &[]);
    let addr = address_of(&server);
    let env = [("OPSHUB_DATABASE_URL", url.as_str()), ("RUST_LOG", "warn")];
    let owner = "operator@contoso-msp.example";
    let (code, stdout, stderr) =
        opshub(&["token", "create", "contoso-msp", "process test", "--as", owner, "--grants", "read_runs"], &env);
    assert_eq!(code, Some(0), "{stderr}");
    let secret = stdout.lines().find(|l| l.starts_with("opshub_")).expect("the secret, printed once").to_owned();
    let bearer = format!("Authorization: Bearer {secret}\r\n");
    let (status, head, body) = http(&addr, "GET", "/api/v1/runs?status=completed", &bearer);
    assert_eq!(status, 200, "{body}");
    assert!(head.contains("content-type: application/json"), "{head}");
    let page: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert!(page["runs"].as_array().is_some_and(|r| !r.is_empty()), "the demo's finished runs: {body}");

    // Somebody who is not the owner cannot make one; the list never shows a secret.
    let (code, _, stderr) = opshub(
        &["token", "create", "contoso-msp", "x", "--as", "olu@contoso-msp.example", "--grants", "read_runs"],
        &env,
    );
    assert_eq!((code, stderr.trim()), (Some(1), "opshub: Only the workspace owner can manage API tokens."));
    let (code, stdout, _) = opshub(&["token", "list", "contoso-msp", "--as", owner], &env);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("process test") && stdout.contains("active") && !stdout.contains(&secret), "{stdout}");
    let id = stdout.lines().find(|l| l.contains("process test")).and_then(|l| l.split('\t').next()).expect("an id");

    let (code, _, stderr) = opshub(&["token", "revoke", "contoso-msp", id, "--as", owner], &env);
    assert_eq!(code, Some(0), "{stderr}");
    // The command line is another process: the server trusts a token it found working for
    // the authentication cache's time, and no longer (specs/runs-api, "Tokens").
    let deadline = Instant::now() + app::services::auth::AUTH_CACHE_TTL + Duration::from_secs(3);
    let (status, head, body) = loop {
        let answer = http(&addr, "GET", "/api/v1/runs", &bearer);
        if answer.0 != 200 || Instant::now() > deadline {
            break answer;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(status, 401, "{body}");
    assert!(head.contains("content-type: application/problem+json") && head.contains("www-authenticate: bearer"));
    assert!(!server.log().contains(&secret[7..]), "no log line carries the secret");
    drop(server);
}

/// The requests a receiver got: each one's lowercased head and its body.
type Requests = Arc<std::sync::Mutex<Vec<(String, String)>>>;

/// A webhook receiver on a loopback port, in its own thread: it answers 500 to the first
/// `failures` requests and 204 to every later one, keeping each request's head and body.
fn webhook_receiver(failures: usize) -> (String, Requests) {
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen: Requests = Arc::default();
    let kept = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line.to_ascii_lowercase());
            }
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|n| n.trim().parse::<usize>().ok())
                .unwrap_or(0);
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let n = {
                let mut k = kept.lock().unwrap();
                k.push((head, String::from_utf8_lossy(&body).into_owned()));
                k.len()
            };
            let status = if n <= failures { "500 Internal Server Error" } else { "204 No Content" };
            let _ = write!(stream, "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    (url, seen)
}

/// The value of header `name` in a lowercased request head.
fn head_value(head: &str, name: &str) -> String {
    head.lines().find_map(|l| l.strip_prefix(&format!("{name}:"))).map(|v| v.trim().to_owned()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_receiver_that_fails_twice_gets_the_event_on_the_third_try_signed() {
    use hmac::{Hmac, Mac as _};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/o.db", dir.path().display());
    let (hook, seen) = webhook_receiver(2);
    let server = Server::start(
        &url,
        dir.path(),
        "hooks",
        &[("OPSHUB_WEBHOOK_FIRST_RETRY_MS", "200"), ("OPSHUB_WEBHOOK_PLAIN_LOOPBACK", "true")],
    );
    let state = state_for(&url).await;
    // Subscribed on the command line, as the workspace owner.
    let env = [("OPSHUB_DATABASE_URL", url.as_str()), ("OPSHUB_WEBHOOK_PLAIN_LOOPBACK", "true"), ("RUST_LOG", "warn")];
    let owner = "operator@contoso-msp.example";
    let (code, stdout, stderr) =
        opshub(&["webhook", "create", "contoso-msp", &hook, "--as", owner, "--events", "run.finished"], &env);
    assert_eq!(code, Some(0), "{stderr}");
    let secret = stdout.lines().find(|l| l.starts_with("whsec_")).expect("the secret, printed once").to_owned();
    // Plain http to anywhere but this machine is refused, in one calm line.
    let (code, _, stderr) = opshub(
        &["webhook", "create", "contoso-msp", "http://hooks.example.com/in", "--as", owner, "--events", "run.finished"],
        &env,
    );
    assert_eq!(
        (code, stderr.trim().starts_with("opshub: An endpoint is an https:// address")),
        (Some(1), true),
        "{stderr}"
    );

    // The server's own worker runs the sync and its own deliverer sends the run's end.
    let run = start_sync(&state, NORTHWIND).await;
    wait_for_state(&state, &run, |s| s == RunState::Completed(RunOutcome::Succeeded), Duration::from_secs(60)).await;
    let began = Instant::now();
    while seen.lock().unwrap().len() < 3 {
        assert!(began.elapsed() < Duration::from_secs(30), "deliveries so far: {:?}\n{}", seen.lock(), server.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Delivered on the third try, nothing is sent again.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "{seen:?}");
    let id = format!("evt_{}_end", run.id);
    for (head, body) in &seen {
        assert_eq!(head_value(head, "opshub-event-id"), id, "one event id on every try");
        assert_eq!(head_value(head, "opshub-event-type"), "run.finished");
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{}.{body}", head_value(head, "opshub-timestamp")).as_bytes());
        let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(head_value(head, "opshub-signature"), format!("v1={expected}"), "a valid signature");
        let event: serde_json::Value = serde_json::from_str(body).expect("JSON");
        assert_eq!((event["id"].as_str(), event["run"]["id"].as_i64()), (Some(id.as_str()), Some(run.id.get())));
    }
    let (code, stdout, stderr) = opshub(&["webhook", "list", "contoso-msp", "--as", owner], &env);
    assert_eq!(code, Some(0), "{stderr}");
    let delivery = stdout.lines().find(|l| l.starts_with("delivery ")).expect("a delivery in the log");
    assert!(delivery.contains(&id) && delivery.contains("delivered\t3 attempts\t204"), "{stdout}");
    assert!(!stdout.contains(&secret), "the list never shows the secret");
    assert!(server.log().contains("webhook delivered"), "{}", server.log());
    assert!(!server.log().contains(&secret[6..]), "no log line carries the secret");
    drop(server);
}
