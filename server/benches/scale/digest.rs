//! The tenant dashboard's one poll at scale: building the digest, polls that hold the
//! current version (with and without heartbeats underneath), and many HTTP pollers.

use super::*;

/// The tenant dashboard's one poll: a tenant with [`DIGEST_ACTIVE`] active runs.
#[derive(Default)]
pub(crate) struct DigestFigures {
    /// Active runs in the polled tenant.
    pub(crate) active: usize,
    /// Building the digest once (cold: every query and view).
    pub(crate) build_ms: f64,
    /// A poll holding the current version (the service call, no HTTP), median and p99.
    pub(crate) unchanged_p50_ms: f64,
    pub(crate) unchanged_p99_ms: f64,
    /// The same, with one of the active runs heartbeating before every poll, and how many
    /// digests were built meanwhile (heartbeats alone must rebuild none).
    pub(crate) heartbeating_p50_ms: f64,
    pub(crate) heartbeating_p99_ms: f64,
    pub(crate) heartbeating_builds: u64,
    /// `DIGEST_POLLERS` connections polling over HTTP with the held version.
    pub(crate) pollers: Option<WrkResult>,
}

/// Active runs seeded into the polled tenant of the digest benchmark.
pub(crate) const DIGEST_ACTIVE: usize = 200;

/// Simulated pollers (wrk connections) of the digest benchmark.
pub(crate) const DIGEST_POLLERS: usize = 1_000;

pub(crate) fn print_digest_figures(all: &[Figures], runs: i64) {
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

pub(crate) fn digest_secs() -> u64 {
    std::env::var("OPSHUB_BENCH_DIGEST_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(60)
}

/// The worker holding the digest benchmark's runs.
pub(crate) const BENCH_WORKER: &str = "digest-bench-worker";

/// Seeds [`DIGEST_ACTIVE`] running runs into `tenant`, then times the digest: one cold build,
/// polls holding the version in-process, and [`DIGEST_POLLERS`] HTTP pollers with wrk.
pub(crate) async fn digest_figures(
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
