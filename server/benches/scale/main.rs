//! `make bench`: Opshub at scale, on SQLite and PostgreSQL in one run.
//!
//! For each database it seeds 1,000,000 runs (1 % active, spread over 1,000 tenants of one
//! workspace), serves the real router in-process, and drives it with `wrk` (a separate
//! process) at 64 connections: a trivial endpoint (`/healthz`) and the poll path (one
//! tenant's active runs). It also times the first keyset page of the operations list (the
//! service call behind the page: page query, exact total count, tenant names).
//!
//! Each scenario is a module: [`http`] (the router under `wrk`), [`claims`] (claim
//! throughput), [`soak`] (pollers while work happens, with memory), [`digest`] (the
//! dashboard's poll), [`surfaces`] (the list page and its counts) [`reports`] (progress reported through the runs API) and [`sweep`] (the
//! reconciler); this file seeds the table once per database and runs them in turn.
//!
//! Environment: `OPSHUB_TEST_POSTGRES_URL` (default the local server), `OPSHUB_BENCH_RUNS`
//! (default 1000000), `OPSHUB_BENCH_SECONDS` (per wrk run, default 10),
//! `OPSHUB_BENCH_DATABASES` (`sqlite`, `postgres` or both) and `OPSHUB_BENCH_ONLY` (one
//! scenario: `scale`, `claims`, `sweep`, `digest`, `soak`, `surfaces`, `reports` or `http`).
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

mod claims;
mod digest;
mod history;
mod http;
mod reports;
mod soak;
mod surfaces;
mod sweep;
use claims::*;
use digest::*;
use history::*;
use http::*;
use reports::*;
use soak::*;
use surfaces::*;
use sweep::*;

/// Tenants the seeded runs are spread over.
const TENANTS: i64 = 1_000;
/// Active runs among the seeded ones (ten per tenant), whatever the table's size.
const ACTIVE: i64 = 10_000;
/// Rows per seeding insert.
const BATCH: usize = 500;

struct Figures {
    backend: &'static str,
    seed_secs: f64,
    /// A bare axum hello-world in the same process: the denominator of every ratio.
    hello: WrkResult,
    trivial: WrkResult,
    poll: WrkResult,
    poll_runs: usize,
    /// The dashboard's digest poll over every tenant while runs move underneath.
    spread: SpreadFigures,
    /// A separately started `opshub serve` under 1,000 pollers: its highest resident
    /// memory (MiB) and what the pollers saw.
    served_rss_mib: f64,
    served: WrkResult,
    /// The operations list (service call) by shape: label, median, p99.
    lists: Vec<ListFigure>,
    claims_per_sec: [f64; 2],
    sweep: SweepFigures,
    surfaces: SurfaceFigures,
    digest: DigestFigures,
    soak: SoakFigures,
    scale: ScaleFigures,
    /// Progress reported through the runs API.
    reports: WrkResult,
}

impl Figures {
    /// The figures of a partial run (`OPSHUB_BENCH_ONLY`): what was not measured is zero.
    fn only(backend: &'static str, seed_secs: f64) -> Self {
        Figures {
            backend,
            seed_secs,
            hello: WrkResult::default(),
            trivial: WrkResult::default(),
            poll: WrkResult::default(),
            poll_runs: 0,
            spread: SpreadFigures::default(),
            served_rss_mib: 0.0,
            served: WrkResult::default(),
            lists: Vec::new(),
            claims_per_sec: [0.0; 2],
            sweep: SweepFigures::default(),
            surfaces: SurfaceFigures::default(),
            digest: DigestFigures::default(),
            soak: SoakFigures::default(),
            scale: ScaleFigures::default(),
            reports: WrkResult::default(),
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let runs: i64 = std::env::var("OPSHUB_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let secs: u64 = std::env::var("OPSHUB_BENCH_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    // The production subscriber at the production filter, so every span and line a request
    // makes is paid for; written nowhere, since this terminal carries the figures.
    let filter =
        server::config::Config::from_layers(&server::config::Layers::gather(&[], &Default::default())?)?.log_filter;
    server::logs::init_writing_to(server::config::LogFormat::Text, &filter, std::io::sink);
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
        // A database of its own (not a schema), so a separately started server can open it.
        let name = format!("opshub_bench_{}", std::process::id());
        let admin = Db::connect(&DbOptions { max_connections: 1, ..DbOptions::new(pg_url.clone()) }).await?;
        sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(admin.pool()).await?;
        let base = pg_url.rsplit_once('/').map_or(pg_url.as_str(), |(base, _)| base);
        let result = bench("PostgreSQL", DbOptions::new(format!("{base}/{name}")), runs, secs).await;
        sqlx::raw_sql(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(admin.pool()).await?;
        all.push(result?);
    }

    if digest_only() {
        print_digest_figures(&all, runs);
        return Ok(());
    }
    if reports_only() {
        print_report_figures(&all, secs);
        return Ok(());
    }
    if scale_only() {
        print_scale_figures(&all, runs);
        return Ok(());
    }
    if http_only() {
        print_http_figures(&all, runs, secs);
        print_list_figures(&all, runs);
        return Ok(());
    }
    print_claim_figures(&all);
    if claims_only() {
        return Ok(());
    }
    print_soak_figures(&all, runs);
    if soak_only() {
        return Ok(());
    }
    if sweep_only() {
        print_sweep_figures(&all, runs);
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
    print_http_figures(&all, runs, secs);
    print_list_figures(&all, runs);
    print_report_figures(&all, secs);
    print_sweep_figures(&all, runs);
    Ok(())
}

fn print_sweep_figures(all: &[Figures], runs: i64) {
    println!("\n## Reconciler sweep ({runs} runs, 10,000 active, 1,000 abandoned)\n");
    println!(
        "| database | find the abandoned (median) | idle sweep (median) | drain 1,000 (goal < 5 s) | batch | sweeps | write transaction median | longest (goal < 50 ms) | longest sweep, reading included | per decision |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for f in all {
        let s = &f.sweep;
        println!(
            "| {} | {:.2} ms | {:.2} ms | {:.0} ms for {} {} | {} | {} | {:.1} ms | {:.1} ms {} | {:.1} ms | {:.2} ms |",
            f.backend,
            s.select_ms,
            s.idle_ms,
            s.drain_ms,
            s.decided,
            holds(s.drain_ms < 5_000.0),
            s.batch,
            s.sweeps,
            s.median_write_ms,
            s.longest_write_ms,
            holds(s.longest_write_ms < 50.0),
            s.longest_sweep_ms,
            s.drain_ms / s.decided.max(1) as f64
        );
    }
}

/// A figure's verdict beside its goal.
fn holds(met: bool) -> &'static str {
    if met { "(holds)" } else { "(**misses**)" }
}

/// Whether `database` (`sqlite` or `postgres`) is measured: `OPSHUB_BENCH_DATABASES` names
/// one of them, or both when unset.
fn measures(database: &str) -> bool {
    std::env::var("OPSHUB_BENCH_DATABASES").ok().is_none_or(|v| v.split(',').any(|d| d.trim() == database))
}

/// `OPSHUB_BENCH_ONLY=digest`: seed, then measure only the tenant dashboard's poll.
fn digest_only() -> bool {
    std::env::var("OPSHUB_BENCH_ONLY").is_ok_and(|v| v == "digest")
}

/// `OPSHUB_BENCH_ONLY=http`: seed, then measure only the router under wrk (hello-world,
/// trivial endpoint, poll path) and the operations list's shapes.
fn http_only() -> bool {
    std::env::var("OPSHUB_BENCH_ONLY").is_ok_and(|v| v == "http")
}

/// `OPSHUB_BENCH_ONLY=claims`: seed, then measure only claim-and-complete throughput.
fn claims_only() -> bool {
    std::env::var("OPSHUB_BENCH_ONLY").is_ok_and(|v| v == "claims")
}

/// `OPSHUB_BENCH_ONLY=soak`: seed, then run only the soak.
fn soak_only() -> bool {
    std::env::var("OPSHUB_BENCH_ONLY").is_ok_and(|v| v == "soak")
}

async fn bench(backend: &'static str, options: DbOptions, runs: i64, secs: u64) -> anyhow::Result<Figures> {
    eprintln!("== {backend}: seeding {runs} runs");
    let url = options.url.clone();
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
    if scale_only() {
        let scale = scale_figures(&state, &principal, &tenants, &url).await?;
        db.close().await;
        return Ok(Figures { scale, ..Figures::only(backend, seed_secs) });
    }
    if claims_only() {
        let claims_per_sec = claim_figures(&state, &principal, tenants[0]).await?;
        db.close().await;
        return Ok(Figures { claims_per_sec, ..Figures::only(backend, seed_secs) });
    }
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
    if reports_only() {
        eprintln!("   wrk: progress reported through the runs API");
        let reports = report_figures(&state, &principal, tenants[2], addr, secs).await?;
        serving.abort();
        db.close().await;
        return Ok(Figures { reports, ..Figures::only(backend, seed_secs) });
    }
    let surfaces = if http_only() {
        SurfaceFigures::default()
    } else {
        eprintln!("   monitoring surfaces: list page render and class counts");
        surface_figures(&state, &principal, addr, &cookie).await?
    };
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
    eprintln!("   wrk: a bare axum hello-world, then the trivial endpoint");
    let hello = hello_world_figures(secs).await?;
    let trivial = wrk(&format!("http://{addr}/healthz"), None, secs)?;
    eprintln!("   wrk: poll path ({poll_runs} active runs)");
    let poll = wrk(&poll_url, Some(&cookie), secs)?;
    eprintln!("   wrk: progress reported through the runs API");
    let reports = report_figures(&state, &principal, tenants[2], addr, secs).await?;
    // Before the spread poll, whose runs would change the seeded totals.
    eprintln!("   timing the operations list: first page, deep pages, one tenant, the last week");
    // Tenant 1, not 0: the seed gives every hundredth tenant active runs only.
    let lists = list_figures(&state, &principal, tenants[1], runs).await?;
    eprintln!("   wrk: the dashboard's digest poll over {} tenants while runs move", tenants.len());
    let spread = digest_spread_figures(&state, &principal, &tenants, addr, &cookie, secs).await?;
    eprintln!("   a separately started opshub serve under 1,000 pollers");
    let (served_rss_mib, served) = served_rss(&url, &tenants).await.unwrap_or_else(|e| {
        eprintln!("warning: the separately started server could not be measured: {e:#}");
        (0.0, WrkResult { errors: 1, ..WrkResult::default() })
    });

    if http_only() {
        serving.abort();
        db.close().await;
        return Ok(Figures {
            hello,
            trivial,
            poll,
            poll_runs,
            spread,
            served_rss_mib,
            served,
            lists,
            reports,
            ..Figures::only(backend, seed_secs)
        });
    }
    let claims_per_sec = claim_figures(&state, &principal, tenants[0]).await?;
    eprintln!("   reconciler sweep (1,000 of the active runs abandoned)");
    let sweep = sweep_figures(&state).await?;
    let soak = soak_figures(&state, &principal, tenants[1], addr, &cookie).await?;
    serving.abort();
    db.close().await;
    Ok(Figures {
        backend,
        seed_secs,
        hello,
        trivial,
        poll,
        poll_runs,
        spread,
        served_rss_mib,
        served,
        lists,
        claims_per_sec,
        sweep,
        surfaces,
        digest: DigestFigures::default(),
        soak,
        scale: ScaleFigures::default(),
        reports,
    })
}

/// One workspace, `TENANTS` tenants, and `runs` runs over the last 90 days; `ACTIVE` of them
/// are active (running, heartbeating now), the rest completed with a mix of outcomes.
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
    let every = (runs / ACTIVE).max(1);
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
                let active = k % every == 0;
                // Active runs are spread evenly too: ten per tenant.
                let slot = if active { (k / every) % TENANTS } else { k % TENANTS };
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
