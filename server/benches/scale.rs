//! `make bench`: Opshub at scale, on SQLite and PostgreSQL in one run.
//!
//! For each database it seeds 1,000,000 runs (1 % active, spread over 1,000 tenants of one
//! workspace), serves the real router in-process, and drives it with `wrk` (a separate
//! process) at 64 connections: a trivial endpoint (`/healthz`) and the poll path (one
//! tenant's active runs). It also times the first keyset page of the operations list (the
//! service call behind the page: page query, exact total count, tenant names).
//!
//! Environment: `OPSHUB_TEST_POSTGRES_URL` (default the local server), `OPSHUB_BENCH_RUNS`
//! (default 1000000), `OPSHUB_BENCH_SECONDS` (per wrk run, default 10).
#![expect(clippy::print_stdout, clippy::print_stderr, reason = "a benchmark reports on the terminal")]

use anyhow::{Context as _, bail};
use app::api::ListQuery;
use app::domain::problem::terminal_class;
use app::domain::{RunOutcome, TenantId, Timestamp, UserId, WorkspaceId};
use app::runtime::{AppState, RuntimeConfig, SystemClock};
use app::services::principal::Principal;
use app::store::{Db, DbOptions};
use server::seed;
use std::fmt::Write as _;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

const TENANTS: i64 = 1_000;
const BATCH: usize = 500;

#[derive(Default)]
struct WrkResult {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

struct Figures {
    backend: &'static str,
    seed_secs: f64,
    trivial: WrkResult,
    poll: WrkResult,
    poll_runs: usize,
    list_median_ms: f64,
    list_p99_ms: f64,
    claims_per_sec: [f64; 2],
    sweep: SweepFigures,
    surfaces: SurfaceFigures,
    digest: DigestFigures,
    soak: SoakFigures,
}

/// The soak: [`DIGEST_POLLERS`] pollers of the tenant digest and a run's detail
/// while runs start, finish and get reconciled underneath.
#[derive(Default)]
struct SoakFigures {
    polls: WrkResult,
    /// The process's resident memory before and after, in MiB.
    rss_before_mib: f64,
    rss_after_mib: f64,
    /// Resident memory sampled every [`RSS_SAMPLE_SECS`] through the soak (MiB): whether it
    /// levels off or keeps climbing is read from its second half.
    rss_samples: Vec<f64>,
    /// Runs started and completed meanwhile, and runs the reconciler decided.
    started: usize,
    completed: i64,
    reconciled: usize,
    /// Digests built during the soak (after the warm-up): one per change of the tenant at
    /// most, however many pollers ask meanwhile.
    digest_builds: u64,
}

/// The tenant dashboard's one poll: a tenant with [`DIGEST_ACTIVE`] active runs.
#[derive(Default)]
struct DigestFigures {
    /// Active runs in the polled tenant.
    active: usize,
    /// Building the digest once (cold: every query and view).
    build_ms: f64,
    /// A poll holding the current version (the service call, no HTTP), median and p99.
    unchanged_p50_ms: f64,
    unchanged_p99_ms: f64,
    /// The same, with one of the active runs heartbeating before every poll, and how many
    /// digests were built meanwhile (heartbeats alone must rebuild none).
    heartbeating_p50_ms: f64,
    heartbeating_p99_ms: f64,
    heartbeating_builds: u64,
    /// `DIGEST_POLLERS` connections polling over HTTP with the held version.
    pollers: Option<WrkResult>,
}

/// Active runs seeded into the polled tenant of the digest benchmark.
const DIGEST_ACTIVE: usize = 200;
/// Simulated pollers (wrk connections) of the digest benchmark.
const DIGEST_POLLERS: usize = 1_000;

/// The monitoring surfaces over the whole table, as a signed-in browser asks for them.
#[derive(Default)]
struct SurfaceFigures {
    /// `GET /admin/operations` rendered on the server (full HTML), median and p99.
    list_p50_ms: f64,
    list_p99_ms: f64,
    /// The same page filtered to the rarest class (reconciled-stale) and a rare outcome.
    rare_class_p50_ms: f64,
    rare_outcome_p50_ms: f64,
    /// The class counts the list shows, median and p99.
    counts_p50_ms: f64,
    counts_p99_ms: f64,
}

/// The reconciler over the whole table: 10,000 active runs of which 1,000 are abandoned.
#[derive(Default)]
struct SweepFigures {
    /// Median time to find the abandoned runs (the index scans plus the exact rule).
    select_ms: f64,
    /// One sweep deciding all 1,000: adapters read their records, then every decision is a
    /// guarded write with its initiator's notification.
    decide_ms: f64,
    decided: usize,
    /// Median sweep when nothing is abandoned (the steady state, every 30 s).
    idle_ms: f64,
}

impl Figures {
    /// The figures of a partial run (`OPSHUB_BENCH_ONLY`): what was not measured is zero.
    fn only(backend: &'static str, seed_secs: f64) -> Self {
        Figures {
            backend,
            seed_secs,
            trivial: WrkResult::default(),
            poll: WrkResult::default(),
            poll_runs: 0,
            list_median_ms: 0.0,
            list_p99_ms: 0.0,
            claims_per_sec: [0.0; 2],
            sweep: SweepFigures::default(),
            surfaces: SurfaceFigures::default(),
            digest: DigestFigures::default(),
            soak: SoakFigures::default(),
        }
    }
}

/// A trivial run: claimed, handed to this handler, completed — nothing else.
struct Trivial;

impl app::jobs::worker::Handler for Trivial {
    fn run(
        &self,
        _job: app::jobs::worker::Job,
    ) -> app::jobs::worker::BoxFuture<anyhow::Result<app::jobs::worker::HandlerResult>> {
        Box::pin(async { Ok(app::jobs::worker::HandlerResult::succeeded()) })
    }
}

const CLAIM_RUNS: usize = 3_000;
/// Worker loops the claim throughput is measured with: the default `OPSHUB_WORKERS`, and twice it.
const CLAIM_WORKERS: [usize; 2] = [4, 8];

/// Queues `CLAIM_RUNS` trivial runs, then times `workers` worker loops draining them through
/// the real claim, dispatch and guarded completion (with its notification).
async fn claim_throughput(
    state: &AppState,
    principal: &Principal,
    tenant: TenantId,
    workers: usize,
) -> anyhow::Result<f64> {
    for i in 0..CLAIM_RUNS {
        let req = app::jobs::lifecycle::NewRun {
            workspace_id: principal.workspace_id,
            tenant_id: Some(tenant),
            run_type: app::domain::RunType::RestoreExecute,
            initiator: Some(principal.user_id),
            dedupe_key: Some(format!("claim-{workers}-{i}")),
            inputs: serde_json::json!({}),
        };
        state.lifecycle().start(req).await?;
    }
    let worker = app::jobs::worker::Worker::new(state.clone(), "bench")
        .with_handler(app::domain::RunType::RestoreExecute, Trivial);
    let started = Instant::now();
    let mut loops = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let w = worker.clone();
        loops.spawn(async move {
            let mut n = 0_usize;
            while w.run_one().await?.is_some() {
                n += 1;
            }
            anyhow::Ok(n)
        });
    }
    let mut done = 0;
    while let Some(n) = loops.join_next().await {
        done += n??;
    }
    let secs = started.elapsed().as_secs_f64();
    if done != CLAIM_RUNS {
        bail!("claimed {done} of {CLAIM_RUNS} trivial runs");
    }
    Ok(done as f64 / secs)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let runs: i64 = std::env::var("OPSHUB_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let secs: u64 = std::env::var("OPSHUB_BENCH_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    if Command::new("wrk").arg("--version").output().is_err() {
        bail!("wrk is not installed (make bench installs it from Debian)");
    }
    let mut all = Vec::new();
    let dir = tempfile::tempdir()?;
    if measures("sqlite") {
        let sqlite = DbOptions::new(format!("sqlite://{}/bench.db", dir.path().display()));
        all.push(bench("SQLite", sqlite, runs, secs).await?);
    }
    if measures("postgres") {
        let pg_url = std::env::var("OPSHUB_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let schema = format!("bench_{}", std::process::id());
        let admin = Db::connect(&DbOptions { max_connections: 1, ..DbOptions::new(pg_url.clone()) }).await?;
        sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(admin.pool()).await?;
        let pg = DbOptions { pg_schema: Some(schema.clone()), ..DbOptions::new(pg_url) };
        let result = bench("PostgreSQL", pg, runs, secs).await;
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(admin.pool()).await?;
        all.push(result?);
    }

    if digest_only() {
        print_digest_figures(&all, runs);
        return Ok(());
    }
    print_soak_figures(&all, runs);
    if soak_only() {
        return Ok(());
    }
    println!("\n## Monitoring surfaces ({runs} runs; 1 in 500 reconciled-stale)\n");
    println!(
        "| database | list page SSR p50 | p99 | reconciled-stale filter p50 | cancelled restores p50 | class counts p50 | p99 |"
    );
    println!("|---|---|---|---|---|---|---|");
    for f in &all {
        let s = &f.surfaces;
        println!(
            "| {} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.3} ms | {:.3} ms |",
            f.backend,
            s.list_p50_ms,
            s.list_p99_ms,
            s.rare_class_p50_ms,
            s.rare_outcome_p50_ms,
            s.counts_p50_ms,
            s.counts_p99_ms
        );
    }
    if surfaces_only() {
        return Ok(());
    }
    if !sweep_only() {
        print_http_figures(&all, runs, secs);
    }
    println!("\n## Reconciler sweep ({runs} runs, 10,000 active, 1,000 abandoned)\n");
    println!(
        "| database | find the abandoned (median) | idle sweep (median) | sweep deciding them all | per decision |"
    );
    println!("|---|---|---|---|---|");
    for f in &all {
        let s = &f.sweep;
        println!(
            "| {} | {:.2} ms | {:.2} ms | {:.0} ms for {} | {:.2} ms |",
            f.backend,
            s.select_ms,
            s.idle_ms,
            s.decide_ms,
            s.decided,
            s.decide_ms / s.decided.max(1) as f64
        );
    }
    Ok(())
}

/// Whether `database` (`sqlite` or `postgres`) is measured: `OPSHUB_BENCH_DATABASES` names
/// one of them, or both when unset.
fn measures(database: &str) -> bool {
    std::env::var("OPSHUB_BENCH_DATABASES").ok().is_none_or(|v| v.split(',').any(|d| d.trim() == database))
}

/// `OPSHUB_BENCH_ONLY=sweep`: seed, then measure only the reconciler sweep (a quick look).
fn sweep_only() -> bool {
    std::env::var("OPSHUB_BENCH_ONLY").is_ok_and(|v| v == "sweep")
}

/// `OPSHUB_BENCH_ONLY=digest`: seed, then measure only the tenant dashboard's poll.
fn digest_only() -> bool {
    std::env::var("OPSHUB_BENCH_ONLY").is_ok_and(|v| v == "digest")
}

/// `OPSHUB_BENCH_ONLY=soak`: seed, then run only the soak.
fn soak_only() -> bool {
    std::env::var("OPSHUB_BENCH_ONLY").is_ok_and(|v| v == "soak")
}

fn print_soak_figures(all: &[Figures], runs: i64) {
    println!(
        "\n## Soak ({runs} runs; {DIGEST_POLLERS} pollers of the digest and a run detail, every 2 s ± 1 s, for {} s, while runs start, finish and are reconciled)\n",
        soak_secs()
    );
    println!(
        "| database | req/s | p50 | p99 | errors | RSS before | RSS after | growth, second half | started | completed | reconciled | digest builds |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for f in all {
        let s = &f.soak;
        println!(
            "| {} | {:.0} | {:.2} ms | {:.2} ms | {} | {:.0} MiB | {:.0} MiB | {:+.1} MiB | {} | {} | {} | {} |",
            f.backend,
            s.polls.rps,
            s.polls.p50_ms,
            s.polls.p99_ms,
            s.polls.errors,
            s.rss_before_mib,
            s.rss_after_mib,
            second_half_growth(&s.rss_samples),
            s.started,
            s.completed,
            s.reconciled,
            s.digest_builds
        );
    }
    for f in all {
        if f.soak.polls.errors > 0 {
            eprintln!(
                "warning: the {} soak had {} failed requests (it must have none)",
                f.backend, f.soak.polls.errors
            );
        }
        let samples: Vec<String> = f.soak.rss_samples.iter().map(|m| format!("{m:.0}")).collect();
        println!("<!-- {}: RSS every {RSS_SAMPLE_SECS} s (MiB): {} -->", f.backend, samples.join(" "));
    }
}

/// This process's resident memory in MiB (Linux).
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| l.strip_prefix("VmRSS:")?.trim().strip_suffix("kB")?.trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The soak: [`DIGEST_POLLERS`] wrk connections, each an open dashboard alternating between
/// the tenant's digest (holding the version it was given) and an active run's detail, every
/// 2 s ± 1 s, for [`digest_secs`]; underneath, a run starts in the tenant every 100 ms and a
/// worker pool finishes it, and every 2 s 20 runs are abandoned and a sweep decides them.
async fn soak_figures(
    state: &AppState,
    principal: &Principal,
    tenant: TenantId,
    addr: std::net::SocketAddr,
    cookie: &str,
) -> anyhow::Result<SoakFigures> {
    use app::api::DigestPoll;
    use app::domain::RunType;
    let now = state.clock.now();
    // The seeded active runs report in now, so only the runs abandoned below are stale.
    sqlx::query("UPDATE operation_runs SET heartbeat_at = $1, lease_owner = 'soak-holder', lease_expires_at = $2 WHERE status = 'running'")
        .bind(now.millis())
        .bind(now.millis() + 3_600_000)
        .execute(state.db.pool())
        .await?;
    state.live.reload().await?;
    let key = tenant.get().to_string();
    let DigestPoll::Changed(d) =
        app::services::digest::tenant_digest(state, principal, &key, None).await.map_err(|e| anyhow::anyhow!("{e}"))?
    else {
        bail!("a first poll must carry the digest");
    };
    let detail: i64 = sqlx::query_scalar(
        "SELECT id FROM operation_runs WHERE tenant_id = $1 AND status = 'running' ORDER BY id LIMIT 1",
    )
    .bind(tenant.get())
    .fetch_one(state.db.pool())
    .await?;
    let completed_before: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM operation_runs WHERE tenant_id = $1 AND status = 'completed'")
            .bind(tenant.get())
            .fetch_one(state.db.pool())
            .await?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker =
        app::jobs::worker::Worker::new(state.clone(), "soak-worker").with_handler(RunType::InventorySync, Trivial);
    let pool = tokio::spawn(worker.run_pool(4, stopped.clone(), Duration::from_secs(5)));
    let churn = {
        let (state, principal, mut stopped) = (state.clone(), principal.clone(), stopped.clone());
        tokio::spawn(async move {
            let sweeper = app::jobs::reconciler::Reconciler::new(state.clone(), "soak-sweeper");
            let (mut started, mut reconciled) = (0_usize, 0_usize);
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            for k in 0_u64.. {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.changed() => break,
                }
                let req = app::jobs::lifecycle::NewRun {
                    workspace_id: principal.workspace_id,
                    tenant_id: Some(tenant),
                    run_type: RunType::InventorySync,
                    initiator: Some(principal.user_id),
                    dedupe_key: Some(format!("soak-{k}")),
                    inputs: serde_json::json!({}),
                };
                state.lifecycle().start(req).await?;
                state.work_queued.notify_one();
                started += 1;
                if k % 20 == 19 {
                    let ids = abandon(&state, &principal, tenant, k, 20).await?;
                    state.live.refresh(&ids).await?;
                    reconciled += sweeper.sweep().await?.decided.len();
                }
            }
            anyhow::Ok((started, reconciled))
        })
    };
    let poll_every = app::domain::PollingPolicy::default().tiers[0].1;
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("soak.lua");
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n\
             wrk.headers[\"Cookie\"] = \"{cookie}\"\nwrk.headers[\"Origin\"] = \"http://{addr}\"\n\
             local n = 0\n\
             request = function()\n  n = n + 1\n  if n % 2 == 0 then\n\
               return wrk.format(nil, \"/api/poll_tenant_digest\", nil, \"tenant={key}&known={version}\")\n  else\n\
               return wrk.format(nil, \"/api/poll_run\", nil, \"id={detail}\")\n  end\nend\n\
             function delay() return math.random({lo}, {hi}) end\n",
            version = d.version,
            lo = poll_every.as_millis() / 2,
            hi = poll_every.as_millis() * 3 / 2
        ),
    )?;
    let soak = |secs: u64| {
        let url = format!("http://{addr}/");
        let script = script.display().to_string();
        tokio::task::spawn_blocking(move || wrk_script(&url, &script, DIGEST_POLLERS, secs))
    };
    // Memory is compared after a warm-up with the same load, so what the first thousand
    // connections and caches take once is not mistaken for growth.
    eprintln!("   soak: warm-up, {SOAK_WARMUP_SECS} s");
    soak(SOAK_WARMUP_SECS).await??;
    let rss_before_mib = rss_mib();
    let builds_before = state.digests.builds();
    eprintln!("   soak: {DIGEST_POLLERS} pollers for {} s with runs starting, finishing and reconciled", soak_secs());
    let sampler = {
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let mut samples = vec![rss_mib()];
            let mut tick = tokio::time::interval(Duration::from_secs(RSS_SAMPLE_SECS));
            tick.tick().await;
            loop {
                tokio::select! {
                    _ = tick.tick() => samples.push(rss_mib()),
                    _ = stopped.changed() => break,
                }
            }
            samples
        })
    };
    let polls = soak(soak_secs()).await??;
    let _ = stop.send(true);
    let (started, reconciled) = churn.await??;
    pool.await?;
    let rss_samples = sampler.await?;
    let completed_after: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM operation_runs WHERE tenant_id = $1 AND status = 'completed'")
            .bind(tenant.get())
            .fetch_one(state.db.pool())
            .await?;
    Ok(SoakFigures {
        polls,
        rss_before_mib,
        rss_after_mib: rss_mib(),
        rss_samples,
        started,
        completed: completed_after - completed_before,
        reconciled,
        digest_builds: state.digests.builds() - builds_before,
    })
}

/// The soak's warm-up before memory is first read: as long as SQLite's connections take to
/// fill their page and statement caches under this load (about a minute; specs/benchmarks has
/// the long-soak figures), so what fills once is not read as growth.
const SOAK_WARMUP_SECS: u64 = 60;
/// How often the soak reads the process's resident memory.
const RSS_SAMPLE_SECS: u64 = 5;

/// How long the soak runs after its warm-up (`OPSHUB_BENCH_SOAK_SECONDS`, default 60).
fn soak_secs() -> u64 {
    std::env::var("OPSHUB_BENCH_SOAK_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(60)
}

/// How much resident memory grew over the second half of the soak (MiB): near zero when
/// what the first half took was caches filling up to their bounds, not a leak.
fn second_half_growth(samples: &[f64]) -> f64 {
    match samples {
        [] => 0.0,
        [.., last] => last - samples[samples.len() / 2],
    }
}

/// Inserts `n` runs of `tenant` whose worker went quiet two hours ago (the soak's work for
/// the reconciler); their ids.
async fn abandon(
    state: &AppState,
    principal: &Principal,
    tenant: TenantId,
    round: u64,
    n: usize,
) -> anyhow::Result<Vec<app::domain::RunId>> {
    let long_ago = state.clock.now().millis() - 7_200_000;
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO operation_runs (workspace_id, tenant_id, initiator_id, run_type, status, summary_counts, context, \
             created_at, started_at, updated_at, heartbeat_at, attempt, active_key, lease_owner, lease_expires_at) \
             VALUES ($1, $2, $3, 'inventory.sync', 'running', '{}', '{}', $4, $4, $4, $4, 1, $5, 'soak-gone', $4) RETURNING id",
        )
        .bind(principal.workspace_id.get())
        .bind(tenant.get())
        .bind(principal.user_id.get())
        .bind(long_ago)
        .bind(format!("soak-abandoned/{round}/{i}"))
        .fetch_one(state.db.pool())
        .await?;
        ids.push(app::domain::RunId(id));
    }
    Ok(ids)
}

/// `OPSHUB_BENCH_ONLY=surfaces`: seed, then measure only the monitoring surfaces.
fn surfaces_only() -> bool {
    std::env::var("OPSHUB_BENCH_ONLY").is_ok_and(|v| v == "surfaces")
}

fn print_digest_figures(all: &[Figures], runs: i64) {
    let secs = digest_secs();
    println!(
        "\n## Tenant dashboard digest ({runs} runs; {DIGEST_ACTIVE} active in the polled tenant; {DIGEST_POLLERS} pollers every 2 s ± 1 s, wrk -t2 -c{DIGEST_POLLERS} -d{secs}s)\n"
    );
    println!(
        "| database | build | unchanged poll p50 | p99 | while heartbeating p50 | p99 | builds | {DIGEST_POLLERS} pollers req/s | p99 | errors |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for f in all {
        let d = &f.digest;
        let (rps, p99, errors) = d.pollers.as_ref().map_or((0.0, 0.0, 0), |w| (w.rps, w.p99_ms, w.errors));
        println!(
            "| {} | {:.2} ms | {:.1} µs | {:.1} µs | {:.1} µs | {:.1} µs | {} | {:.0} | {:.2} ms | {} |",
            f.backend,
            d.build_ms,
            d.unchanged_p50_ms * 1000.0,
            d.unchanged_p99_ms * 1000.0,
            d.heartbeating_p50_ms * 1000.0,
            d.heartbeating_p99_ms * 1000.0,
            d.heartbeating_builds,
            rps,
            p99,
            errors
        );
        println!("<!-- {}: the polled tenant had {} active runs -->", f.backend, d.active);
    }
}

fn digest_secs() -> u64 {
    std::env::var("OPSHUB_BENCH_DIGEST_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(60)
}

/// The worker holding the digest benchmark's runs.
const BENCH_WORKER: &str = "digest-bench-worker";

/// Seeds [`DIGEST_ACTIVE`] running runs into `tenant`, then times the digest: one cold build,
/// polls holding the version in-process, and [`DIGEST_POLLERS`] HTTP pollers with wrk.
async fn digest_figures(
    state: &AppState,
    principal: &Principal,
    tenant: TenantId,
    addr: std::net::SocketAddr,
    cookie: &str,
) -> anyhow::Result<DigestFigures> {
    use app::api::DigestPoll;
    use app::services::digest::tenant_digest;
    let now = state.clock.now();
    let mut sql = String::from(
        "INSERT INTO operation_runs (workspace_id, tenant_id, initiator_id, run_type, status, summary_counts, context, \
         created_at, started_at, updated_at, heartbeat_at, attempt, active_key, lease_owner, lease_expires_at) VALUES ",
    );
    for k in 0..DIGEST_ACTIVE {
        // Past expected but far from stale, older than every poll tier and with a fresh
        // heartbeat: nothing about them changes for two minutes, so every poll is unchanged.
        let created = now.millis() - 1_000_000 - i64::try_from(k)? * 100;
        let sep = if k == 0 { "" } else { "," };
        let _ = write!(
            sql,
            "{sep}({ws}, {t}, {u}, 'restore.execute', 'running', '{{\"total\": 400, \"processed\": {k}}}', '{{}}', {created}, {created}, {n}, {n}, 1, 'digest-bench/{k}', '{BENCH_WORKER}', {lease})",
            ws = principal.workspace_id.get(),
            t = tenant.get(),
            u = principal.user_id.get(),
            n = now.millis(),
            lease = now.millis() + 3_600_000
        );
    }
    sqlx::query(&sql).execute(state.db.pool()).await?;
    state.live.reload().await?;
    let key = tenant.get().to_string();
    let t0 = Instant::now();
    let DigestPoll::Changed(d) =
        tenant_digest(state, principal, &key, None).await.map_err(|e| anyhow::anyhow!("{e}"))?
    else {
        bail!("a first poll must carry the digest");
    };
    let build_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let active = d.active.len();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM operation_runs WHERE lease_owner = $1 ORDER BY id")
        .bind(BENCH_WORKER)
        .fetch_all(state.db.pool())
        .await?;
    let life = state.lifecycle();
    // 2,000 polls holding the version, each timed alone (sorted); with `heartbeats`, one of
    // the runs reports in before every poll, as workers do.
    let timed_polls = async |heartbeats: bool| -> anyhow::Result<Vec<Duration>> {
        let mut times = Vec::with_capacity(2_000);
        for k in 0..2_000 {
            if heartbeats {
                life.heartbeat(app::domain::RunId(ids[k % ids.len()]), BENCH_WORKER, Duration::from_secs(3600)).await?;
            }
            let t0 = Instant::now();
            let poll =
                tenant_digest(state, principal, &key, Some(&d.version)).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            times.push(t0.elapsed());
            if poll != DigestPoll::Unchanged {
                bail!("the digest changed with nothing but heartbeats (heartbeats: {heartbeats})");
            }
        }
        times.sort();
        Ok(times)
    };
    let times = timed_polls(false).await?;
    let builds = state.digests.builds();
    let beating = timed_polls(true).await?;
    let heartbeating_builds = state.digests.builds() - builds;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    // Each connection is one open dashboard polling as often as the policy ever asks (its
    // youngest tier, jittered ±50 % as dashboards opened at different moments are), not a
    // closed loop hammering the server.
    let poll_every = app::domain::PollingPolicy::default().tiers[0].1;
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("digest.lua");
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.body = \"tenant={key}&known={}\"\n\
             wrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n\
             wrk.headers[\"Cookie\"] = \"{cookie}\"\nwrk.headers[\"Origin\"] = \"http://{addr}\"\n\
             function delay() return math.random({lo}, {hi}) end\n",
            d.version,
            lo = poll_every.as_millis() / 2,
            hi = poll_every.as_millis() * 3 / 2
        ),
    )?;
    eprintln!("   wrk: {DIGEST_POLLERS} pollers of the digest for {} s", digest_secs());
    let pollers = wrk_script(
        &format!("http://{addr}/api/poll_tenant_digest"),
        &script.display().to_string(),
        DIGEST_POLLERS,
        digest_secs(),
    )?;
    Ok(DigestFigures {
        active,
        build_ms,
        unchanged_p50_ms: ms(times[times.len() / 2]),
        unchanged_p99_ms: ms(times[times.len() * 99 / 100]),
        heartbeating_p50_ms: ms(beating[beating.len() / 2]),
        heartbeating_p99_ms: ms(beating[beating.len() * 99 / 100]),
        heartbeating_builds,
        pollers: Some(pollers),
    })
}

/// wrk with a Lua `script` (method, body, headers) at `connections`, reading requests per
/// second, p99 and every failed request (non-2xx answers and socket errors, timeouts
/// included).
fn wrk_script(url: &str, script: &str, connections: usize, secs: u64) -> anyhow::Result<WrkResult> {
    let out = Command::new("wrk")
        .args(["-t2", &format!("-c{connections}"), &format!("-d{secs}s"), "--timeout", "5s", "--latency", "-s", script])
        .arg(url)
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut result = parse_wrk(&text)?;
    result.errors += text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Socket errors:"))
        .map(|v| v.split(',').filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok()).sum())
        .unwrap_or(0);
    Ok(result)
}

fn print_http_figures(all: &[Figures], runs: i64, secs: u64) {
    println!("\n## Results ({runs} runs, 1 % active, {TENANTS} tenants; wrk -t2 -c64 -d{secs}s)\n");
    println!(
        "| database | seed | trivial req/s | trivial p99 | poll req/s | poll p99 | poll / trivial | list page median | list page p99 | claim+complete, 4 loops | 8 loops |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for f in all {
        println!(
            "| {} | {:.0} s | {:.0} | {:.2} ms | {:.0} | {:.2} ms | {:.2}× | {:.2} ms | {:.2} ms | {:.0} runs/s | {:.0} runs/s |",
            f.backend,
            f.seed_secs,
            f.trivial.rps,
            f.trivial.p99_ms,
            f.poll.rps,
            f.poll.p99_ms,
            f.poll.rps / f.trivial.rps,
            f.list_median_ms,
            f.list_p99_ms,
            f.claims_per_sec[0],
            f.claims_per_sec[1]
        );
        if f.trivial.errors + f.poll.errors > 0 {
            eprintln!("warning: {} had {} failed requests", f.backend, f.trivial.errors + f.poll.errors);
        }
        println!("<!-- {}: the polled tenant had {} active runs -->", f.backend, f.poll_runs);
    }
}

async fn bench(backend: &'static str, options: DbOptions, runs: i64, secs: u64) -> anyhow::Result<Figures> {
    eprintln!("== {backend}: seeding {runs} runs");
    let db = Db::connect(&DbOptions { max_connections: 16, ..options }).await?;
    db.migrate().await?;
    let state = AppState::new(db.clone(), Arc::new(SystemClock), RuntimeConfig::default());
    let now = state.clock.now();
    let started = Instant::now();
    let (ws, user, tenants) = seed_runs(&db, runs, now).await?;
    let seed_secs = started.elapsed().as_secs_f64();
    eprintln!("   seeded in {seed_secs:.0} s");
    state.live.reload().await?;
    let principal = Principal::owner(user, ws, "Bench");
    if sweep_only() {
        eprintln!("   reconciler sweep only (OPSHUB_BENCH_ONLY=sweep)");
        let sweep = sweep_figures(&state).await?;
        db.close().await;
        return Ok(Figures { sweep, ..Figures::only(backend, seed_secs) });
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = server::web::router(
        state.clone(),
        server::web::leptos_options("target/site", addr),
        server::web::Ops::default(),
    );
    let serving = tokio::spawn(async move { axum::serve(listener, router).await });
    // The poll path is measured as a signed-in browser calls it: with a session cookie.
    app::services::accounts::set_password(&db, BENCH_EMAIL, BENCH_PASSWORD)
        .await
        .map_err(|e| anyhow::anyhow!("setting the bench password: {e}"))?;
    let cookie = sign_in(addr)?;
    if soak_only() {
        let soak = soak_figures(&state, &principal, tenants[1], addr, &cookie).await?;
        serving.abort();
        db.close().await;
        return Ok(Figures { soak, ..Figures::only(backend, seed_secs) });
    }
    if digest_only() {
        let digest = digest_figures(&state, &principal, tenants[0], addr, &cookie).await?;
        serving.abort();
        db.close().await;
        return Ok(Figures { digest, ..Figures::only(backend, seed_secs) });
    }
    eprintln!("   monitoring surfaces: list page render and class counts");
    let surfaces = surface_figures(&state, &principal, addr, &cookie).await?;
    if surfaces_only() {
        serving.abort();
        db.close().await;
        return Ok(Figures { surfaces, ..Figures::only(backend, seed_secs) });
    }

    let tenant = tenants
        [std::env::var("OPSHUB_BENCH_POLL_TENANT").ok().and_then(|v| v.parse().ok()).unwrap_or(tenants.len() / 2)];
    let poll_url = format!("http://{addr}/api/tenants/{tenant}/active-runs");
    let body = reqwest_like_get(&poll_url, &cookie)?;
    let poll_runs = body.matches("\"run_type\"").count();
    if !body.contains("\"runs\"") {
        bail!("the poll path answered unexpectedly: {}", body.chars().take(300).collect::<String>());
    }
    eprintln!("   wrk: trivial endpoint");
    let trivial = wrk(&format!("http://{addr}/healthz"), None, secs)?;
    eprintln!("   wrk: poll path ({poll_runs} active runs)");
    let poll = wrk(&poll_url, Some(&cookie), secs)?;

    eprintln!("   timing the first list page");
    let mut times = Vec::new();
    for i in 0..220 {
        let t0 = Instant::now();
        let page = app::services::operations::list_runs(&state, &principal, &ListQuery::default())
            .await
            .map_err(|e| anyhow::anyhow!("list failed: {e}"))?;
        if i >= 20 {
            times.push(t0.elapsed());
        }
        if page.runs.len() != 50 || page.total_count != u64::try_from(runs)? {
            bail!("unexpected first page: {} rows, total {}", page.runs.len(), page.total_count);
        }
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut claims_per_sec = [0.0; 2];
    for (i, workers) in CLAIM_WORKERS.into_iter().enumerate() {
        eprintln!("   claim-and-complete throughput ({CLAIM_RUNS} trivial runs, {workers} worker loops)");
        claims_per_sec[i] = claim_throughput(&state, &principal, tenants[0], workers).await?;
    }
    eprintln!("   reconciler sweep (1,000 of the active runs abandoned)");
    let sweep = sweep_figures(&state).await?;
    let soak = soak_figures(&state, &principal, tenants[1], addr, &cookie).await?;
    serving.abort();
    db.close().await;
    Ok(Figures {
        backend,
        seed_secs,
        trivial,
        poll,
        poll_runs,
        list_median_ms: ms(times[times.len() / 2]),
        list_p99_ms: ms(times[times.len() * 99 / 100]),
        claims_per_sec,
        sweep,
        surfaces,
        digest: DigestFigures::default(),
        soak,
    })
}

/// Times `GET /admin/operations` (server-rendered HTML, over a kept-alive connection like a
/// browser's) and the class counts behind it.
async fn surface_figures(
    state: &AppState,
    principal: &Principal,
    addr: std::net::SocketAddr,
    cookie: &str,
) -> anyhow::Result<SurfaceFigures> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut conn = tokio::net::TcpStream::connect(addr).await?;
    let mut get = async |path: &str| -> anyhow::Result<(Duration, String)> {
        let t0 = Instant::now();
        let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/html\r\nCookie: {cookie}\r\n\r\n");
        conn.write_all(req.as_bytes()).await?;
        // Read one response: headers, then a chunked or sized body.
        let mut buf = Vec::new();
        let mut chunk = [0_u8; 65_536];
        loop {
            let n = conn.read(&mut chunk).await?;
            if n == 0 {
                bail!("the server closed the connection");
            }
            buf.extend_from_slice(&chunk[..n]);
            if buf.ends_with(b"0\r\n\r\n") || buf.ends_with(b"</html>") {
                break;
            }
        }
        let text = String::from_utf8_lossy(&buf).into_owned();
        if !text.starts_with("HTTP/1.1 200") {
            bail!("GET {path}: {}", text.lines().next().unwrap_or_default());
        }
        Ok((t0.elapsed(), text))
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut timed = async |path: &str, n: usize| -> anyhow::Result<Vec<f64>> {
        let mut times = Vec::new();
        for i in 0..n + 10 {
            let (took, body) = get(path).await?;
            if !body.contains("data-testid=\"operations-list\"") {
                bail!("GET {path} did not render the list");
            }
            if i >= 10 {
                times.push(ms(took));
            }
        }
        times.sort_by(f64::total_cmp);
        Ok(times)
    };
    let list = timed("/admin/operations", 200).await?;
    let rare_class = timed("/admin/operations?class=reconciled_stale", 50).await?;
    let rare_outcome = timed("/admin/operations?outcome=cancelled&type=restore.execute", 50).await?;
    let mut counts = Vec::new();
    let filter = app::store::runs::RunFilter::default();
    for i in 0..520 {
        let t0 = Instant::now();
        let c = app::services::operations::count_classes(state, principal.workspace_id, &filter)
            .await
            .map_err(|e| anyhow::anyhow!("class counts failed: {e}"))?;
        if i >= 20 {
            counts.push(ms(t0.elapsed()));
        }
        if c.len() != 4 {
            bail!("unexpected class counts: {c:?}");
        }
    }
    counts.sort_by(f64::total_cmp);
    let p = |v: &[f64], q: usize| v[(v.len() * q / 100).min(v.len() - 1)];
    Ok(SurfaceFigures {
        list_p50_ms: p(&list, 50),
        list_p99_ms: p(&list, 99),
        rare_class_p50_ms: p(&rare_class, 50),
        rare_outcome_p50_ms: p(&rare_outcome, 50),
        counts_p50_ms: p(&counts, 50),
        counts_p99_ms: p(&counts, 99),
    })
}

async fn sweep_figures(state: &AppState) -> anyhow::Result<SweepFigures> {
    use app::jobs::reconciler::Reconciler;
    let now = state.clock.now().millis();
    // Every active run heartbeats now; one in ten went quiet an hour ago.
    sqlx::query("UPDATE operation_runs SET heartbeat_at = $1, updated_at = $1 WHERE status = 'running'")
        .bind(now)
        .execute(state.db.pool())
        .await?;
    let quiet = sqlx::query(
        "UPDATE operation_runs SET heartbeat_at = $1, updated_at = $1 WHERE status = 'running' AND (id / 100) % 10 = 0",
    )
    .bind(now - 3_600_000)
    .execute(state.db.pool())
    .await?
    .rows_affected();
    let active: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM operation_runs WHERE status <> 'completed'")
        .fetch_one(state.db.pool())
        .await?;
    eprintln!("   {active} active runs, {quiet} abandoned");
    let reconciler = Reconciler::new(state.clone(), "bench").with_batch(2_000);
    let mut selects = Vec::new();
    for i in 0..25 {
        let t0 = Instant::now();
        let found = reconciler.candidates(state.clock.now()).await?;
        if i >= 5 {
            selects.push(t0.elapsed());
        }
        if found.len() as u64 != quiet {
            bail!("the candidate scan found {} runs, expected {quiet}", found.len());
        }
    }
    let t0 = Instant::now();
    let report = reconciler.sweep().await?;
    let decide = t0.elapsed();
    let mut idle = Vec::new();
    for _ in 0..20 {
        let t0 = Instant::now();
        let r = reconciler.sweep().await?;
        idle.push(t0.elapsed());
        if !r.decided.is_empty() {
            bail!("an idle sweep decided {} runs", r.decided.len());
        }
    }
    selects.sort();
    idle.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Ok(SweepFigures {
        select_ms: ms(selects[selects.len() / 2]),
        decide_ms: ms(decide),
        decided: report.decided.len(),
        idle_ms: ms(idle[idle.len() / 2]),
    })
}

const BENCH_EMAIL: &str = "bench@bench.example";
const BENCH_PASSWORD: &str = "bench-password-1";

/// Signs the bench user in through the real sign-in server function; returns the cookie.
fn sign_in(addr: std::net::SocketAddr) -> anyhow::Result<String> {
    let out = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-D", "-", "-H"])
        .arg(format!("Origin: http://{addr}"))
        .args(["--data-urlencode", &format!("email={BENCH_EMAIL}"), "--data-urlencode"])
        .arg(format!("password={BENCH_PASSWORD}"))
        .arg(format!("http://{addr}/api/sign_in"))
        .output()
        .context("running curl")?;
    let headers = String::from_utf8_lossy(&out.stdout).into_owned();
    headers
        .lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| v.trim().split(';').next().filter(|c| c.starts_with(server::web::SESSION_COOKIE)))
        .map(str::to_owned)
        .with_context(|| format!("signing in gave no session cookie:\n{headers}"))
}

/// One GET with curl (a separate process, like wrk).
fn reqwest_like_get(url: &str, cookie: &str) -> anyhow::Result<String> {
    let out = Command::new("curl")
        .args(["-fsS", "-H", &format!("Cookie: {cookie}"), url])
        .output()
        .context("running curl")?;
    if !out.status.success() {
        bail!("GET {url} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn wrk(url: &str, cookie: Option<&str>, secs: u64) -> anyhow::Result<WrkResult> {
    let header: Vec<String> = cookie.map(|c| vec!["-H".to_owned(), format!("Cookie: {c}")]).unwrap_or_default();
    // Warm up, then measure.
    Command::new("wrk").args(["-t2", "-c64", "-d2s"]).args(&header).arg(url).output()?;
    let out = Command::new("wrk")
        .args(["-t2", "-c64", &format!("-d{secs}s"), "--latency"])
        .args(&header)
        .arg(url)
        .output()?;
    parse_wrk(&String::from_utf8_lossy(&out.stdout))
}

/// Requests per second, p99 and non-2xx answers from wrk's `--latency` report.
fn parse_wrk(text: &str) -> anyhow::Result<WrkResult> {
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .with_context(|| format!("no Requests/sec in wrk output:\n{text}"))?;
    let p99 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(|v| parse_wrk_duration(v.trim()))
        .with_context(|| format!("no 99% latency in wrk output:\n{text}"))??;
    let p50 =
        text.lines().find_map(|l| l.trim().strip_prefix("50%")).map_or(Ok(0.0), |v| parse_wrk_duration(v.trim()))?;
    let errors = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    Ok(WrkResult { rps, p50_ms: p50, p99_ms: p99, errors })
}

fn parse_wrk_duration(v: &str) -> anyhow::Result<f64> {
    let (num, unit) = v.split_at(v.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(v.len()));
    let n: f64 = num.parse().with_context(|| format!("bad wrk duration {v:?}"))?;
    Ok(match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => bail!("bad wrk duration unit {v:?}"),
    })
}

/// One workspace, `TENANTS` tenants, and `runs` runs over the last 90 days; every 100th run
/// is active (running, heartbeating now), the rest completed with a mix of outcomes.
async fn seed_runs(db: &Db, runs: i64, now: Timestamp) -> anyhow::Result<(WorkspaceId, UserId, Vec<TenantId>)> {
    let ws = seed::ensure_workspace(db, "bench", "Bench", now).await?;
    let user = seed::ensure_user(db, BENCH_EMAIL, "Bench", now).await?;
    seed::ensure_membership(db, user, ws, "owner").await?;
    let mut tenants = Vec::new();
    for i in 0..TENANTS {
        tenants.push(seed::ensure_tenant(db, ws, &format!("t{i}"), &format!("Tenant {i}"), now).await?);
    }
    let span_ms = 90 * 86_400_000_i64;
    let step = (span_ms / runs).max(1);
    let types = ["inventory.sync", "baseline.capture", "baseline.compare", "restore.execute"];
    let outcomes = ["succeeded", "succeeded", "succeeded", "partially_succeeded", "failed", "cancelled"];
    let mut i = 0_i64;
    while i < runs {
        let mut tx = db.begin_write().await?;
        for _ in 0..20 {
            if i >= runs {
                break;
            }
            let mut sql = String::from(
                "INSERT INTO operation_runs (workspace_id, tenant_id, initiator_id, run_type, status, outcome, summary_counts, context, \
                 created_at, started_at, completed_at, updated_at, heartbeat_at, attempt, active_key, terminal_class) VALUES ",
            );
            let end = (i + BATCH as i64).min(runs);
            for k in i..end {
                let active = k % 100 == 0;
                // Active runs are spread evenly too: ten per tenant at a million runs.
                let slot = if active { (k / 100) % TENANTS } else { k % TENANTS };
                let tenant = tenants[usize::try_from(slot)?].get();
                let run_type = types[usize::try_from(k % 4)?];
                let created =
                    if active { now.millis() - 30_000 - (k % 50) * 1000 } else { now.millis() - span_ms + k * step };
                let sep = if k == i { "" } else { "," };
                if active {
                    let _ = write!(
                        sql,
                        "{sep}({}, {tenant}, {user}, '{run_type}', 'running', NULL, '{{\"total\": 200, \"processed\": 50}}', '{{}}', {created}, {created}, NULL, {now}, {now}, 1, 'bench-active/{k}', NULL)",
                        ws.get(),
                        user = user.get(),
                        now = now.millis()
                    );
                } else {
                    // One run in 500 was closed by the reconciler: the rare class.
                    let reconciled = k % 500 == 7;
                    let outcome = if reconciled { "failed" } else { outcomes[usize::try_from(k % 6)?] };
                    let context = if reconciled {
                        r#"{"reconciliation":{"by":"reconciler","reason":"worker lost"}}"#
                    } else {
                        "{}"
                    };
                    let class = RunOutcome::parse(outcome).map(|o| terminal_class(o, reconciled).as_str())?;
                    let _ = write!(
                        sql,
                        "{sep}({}, {tenant}, {user}, '{run_type}', 'completed', '{outcome}', '{{\"total\": 20, \"processed\": 20}}', '{context}', {created}, {created}, {}, {}, {created}, 1, 'bench/{k}', '{class}')",
                        ws.get(),
                        created + 60_000,
                        created + 60_000,
                        user = user.get()
                    );
                }
            }
            sqlx::query(&sql).execute(&mut *tx).await?;
            i = end;
        }
        tx.commit().await?;
    }
    sqlx::query("ANALYZE").execute(db.pool()).await?;
    Ok((ws, user, tenants))
}
