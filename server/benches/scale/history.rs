//! The read and housekeeping paths over a large table (`OPSHUB_BENCH_ONLY=scale`, meant for
//! `OPSHUB_BENCH_RUNS=10000000` on PostgreSQL): the operations list's first page, its class
//! counts, a tenant's poll, the reconciler finding abandoned runs, and retention batches —
//! each the median (and worst) of repeated calls, beside its goal.

use super::*;

/// Calls per figure after the warm-up.
const CALLS: usize = 50;
/// Retention batches timed.
const RETENTION_BATCHES: usize = 20;

/// The figures of the scale scenario, in milliseconds.
#[derive(Default)]
pub(crate) struct ScaleFigures {
    pub(crate) list: [f64; 2],
    pub(crate) counts: [f64; 2],
    pub(crate) poll: [f64; 2],
    pub(crate) find_abandoned: [f64; 2],
    /// One retention batch (find up to `RUN_BATCH` old runs, delete them with their transitions and
    /// counters in one transaction).
    pub(crate) retention_batch: [f64; 2],
    pub(crate) retention_deleted: u64,
    /// The separately started server's highest resident memory under the pollers (MiB), and
    /// what the pollers saw.
    pub(crate) server_rss_mib: f64,
    pub(crate) pollers: WrkResult,
}

/// `OPSHUB_BENCH_ONLY=scale`: seed, then measure only this scenario.
pub(crate) fn scale_only() -> bool {
    std::env::var("OPSHUB_BENCH_ONLY").is_ok_and(|v| v == "scale")
}

/// Median and worst of `times`, in milliseconds.
fn median_and_worst(mut times: Vec<Duration>) -> [f64; 2] {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    [times.get(times.len() / 2).copied().map_or(0.0, ms), times.last().copied().map_or(0.0, ms)]
}

/// Times `CALLS` calls of `f` after five warm-up calls.
async fn timed<F, Fut>(mut f: F) -> anyhow::Result<[f64; 2]>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    for _ in 0..5 {
        f().await?;
    }
    let mut times = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let t0 = Instant::now();
        f().await?;
        times.push(t0.elapsed());
    }
    Ok(median_and_worst(times))
}

pub(crate) async fn scale_figures(
    state: &AppState,
    principal: &Principal,
    tenants: &[TenantId],
    url: &str,
) -> anyhow::Result<ScaleFigures> {
    let tenant = tenants[1];
    let fail = |what: &'static str| move |e: app::services::error::Error| anyhow::anyhow!("{what}: {e}");
    eprintln!("   operations list, first page");
    let list = timed(|| async {
        app::services::operations::list_runs(state, principal, &ListQuery::default()).await.map_err(fail("list"))?;
        Ok(())
    })
    .await?;
    eprintln!("   class counts");
    let counts = timed(|| async {
        let filter = app::store::runs::RunFilter::default();
        app::services::operations::count_classes(state, principal.workspace_id, &filter)
            .await
            .map_err(fail("counts"))?;
        Ok(())
    })
    .await?;
    eprintln!("   a tenant's poll");
    let tenant_text = tenant.get().to_string();
    let poll = timed(|| async {
        app::services::poll::tenant_active_runs_json(state, principal, &tenant_text).await.map_err(fail("poll"))?;
        Ok(())
    })
    .await?;
    eprintln!("   the reconciler finding abandoned runs");
    let reconciler = app::jobs::reconciler::Reconciler::new(state.clone(), "bench");
    let find_abandoned = timed(|| async {
        reconciler.candidates(state.clock.now()).await?;
        Ok(())
    })
    .await?;
    // The seeded history spans 90 days; keeping 60 makes a third of it due.
    eprintln!("   retention batches ({RETENTION_BATCHES} of up to {})", app::jobs::retention::RUN_BATCH);
    let before = state.clock.now().minus(Duration::from_secs(60 * 86_400));
    let mut after = app::store::retention::Cursor::default();
    let mut times = Vec::new();
    let mut deleted = 0;
    for _ in 0..RETENTION_BATCHES {
        let t0 = Instant::now();
        let old = app::store::retention::old_runs(&state.db, before, after, app::jobs::retention::RUN_BATCH).await?;
        deleted += app::store::retention::delete_runs(&state.db, &old.deletable, before).await?;
        times.push(t0.elapsed());
        match old.last {
            Some(last) => after = last,
            None => break,
        }
    }
    eprintln!("   a separately started server under {POLLERS} pollers, {POLL_SECS} s");
    // It signs in as the bench user, as a browser would.
    app::services::accounts::set_password(&state.db, BENCH_EMAIL, BENCH_PASSWORD)
        .await
        .map_err(|e| anyhow::anyhow!("setting the bench password: {e}"))?;
    let (server_rss_mib, pollers) = match served_rss(url, tenants).await {
        Ok(measured) => measured,
        Err(e) => {
            eprintln!("warning: the separately started server could not be measured: {e:#}");
            (f64::NAN, WrkResult::default())
        }
    };
    Ok(ScaleFigures {
        list,
        counts,
        poll,
        find_abandoned,
        retention_batch: median_and_worst(times),
        retention_deleted: deleted,
        server_rss_mib,
        pollers,
    })
}

pub(crate) fn print_scale_figures(all: &[Figures], runs: i64) {
    println!("\n## At scale ({runs} runs, {TENANTS} tenants, {ACTIVE} active; median and worst of {CALLS} calls)\n");
    println!("| database | figure | median | worst | goal | holds |");
    println!("|---|---|---|---|---|---|");
    for f in all {
        let s = &f.scale;
        let rows: [(&str, [f64; 2], f64); 5] = [
            ("operations list, first page", s.list, 10.0),
            ("class counts", s.counts, 5.0),
            ("a tenant's poll", s.poll, 5.0),
            ("reconciler: finding abandoned runs", s.find_abandoned, 50.0),
            ("retention: one batch", s.retention_batch, 50.0),
        ];
        for (what, [median, worst], goal) in rows {
            let holds = if worst < goal {
                "yes"
            } else if median < goal {
                "median only"
            } else {
                "no"
            };
            println!("| {} | {what} | {median:.2} ms | {worst:.2} ms | < {goal:.0} ms | {holds} |", f.backend);
        }
        println!("| {} | retention: runs deleted by those batches | {} | | | |", f.backend, s.retention_deleted);
        let holds = if s.server_rss_mib < 200.0 && s.pollers.errors == 0 { "yes" } else { "no" };
        println!(
            "| {} | `opshub serve` resident memory, {POLLERS} pollers ({:.0} req/s, p99 {:.1} ms, {} errors) | {:.0} MiB (highest) | | < 200 MB, no errors | {holds} |",
            f.backend, s.pollers.rps, s.pollers.p99_ms, s.pollers.errors, s.server_rss_mib
        );
    }
}

/// Pollers the separately started server is measured under.
const POLLERS: usize = 1_000;
/// Seconds of polling before the memory is read.
const POLL_SECS: u64 = 30;

/// The resident memory (MiB, highest sample) of `opshub serve` started as its own process
/// over the bench database at `url`, while [`POLLERS`] connections each poll a random
/// tenant's digest every 2 s ± 1 s for [`POLL_SECS`] (the dashboard's own poll,
/// [`digest_poll_script`]); and what the pollers saw.
pub(crate) async fn served_rss(url: &str, tenants: &[TenantId]) -> anyhow::Result<(f64, WrkResult)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut server = Command::new(env!("CARGO_BIN_EXE_opshub"))
        .arg("serve")
        .env("OPSHUB_DATABASE_URL", url)
        .env("OPSHUB_ADDR", addr.to_string())
        .env("OPSHUB_WORKERS", "0")
        .env("OPSHUB_RECONCILE_SECS", "0")
        .env("OPSHUB_SEED_DEMO", "false")
        .env("OPSHUB_LOG_FILTER", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .context("starting opshub serve")?;
    let result = async {
        let began = Instant::now();
        while reqwest_like_get(&format!("http://{addr}/healthz"), "").is_err() {
            if began.elapsed() > Duration::from_secs(120) {
                bail!("opshub serve did not answer within two minutes");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let cookie = sign_in(addr)?;
        let dir = tempfile::tempdir()?;
        let script = dir.path().join("pollers.lua");
        let unknown: Vec<(TenantId, String)> = tenants.iter().map(|t| (*t, String::new())).collect();
        std::fs::write(&script, digest_poll_script(addr, &cookie, &unknown, Some((1000, 3000))))?;
        let base = format!("http://{addr}/");
        let script = script.display().to_string();
        let polling = tokio::task::spawn_blocking(move || wrk_script(&base, &script, POLLERS, POLL_SECS));
        let pid = server.id().to_string();
        let mut highest: f64 = 0.0;
        while !polling.is_finished() {
            highest = highest.max(rss_of(&pid));
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let polled = polling.await??;
        Ok((highest.max(rss_of(&pid)), polled))
    }
    .await;
    let _ = server.kill();
    let _ = server.wait();
    result
}
