//! The soak: many pollers of the tenant digest and a run's detail while runs start, finish
//! and get reconciled underneath, with the process's resident memory sampled throughout.

use super::*;

/// The soak: [`DIGEST_POLLERS`] pollers of the tenant digest and a run's detail
/// while runs start, finish and get reconciled underneath.
#[derive(Default)]
pub(crate) struct SoakFigures {
    pub(crate) polls: WrkResult,
    /// The process's resident memory before and after, in MiB.
    pub(crate) rss_before_mib: f64,
    pub(crate) rss_after_mib: f64,
    /// Resident memory sampled every [`RSS_SAMPLE_SECS`] through the soak (MiB): whether it
    /// levels off or keeps climbing is read from its second half.
    pub(crate) rss_samples: Vec<f64>,
    /// Runs started and completed meanwhile, and runs the reconciler decided.
    pub(crate) started: usize,
    pub(crate) completed: i64,
    pub(crate) reconciled: usize,
    /// Digests built during the soak (after the warm-up): one per change of the tenant at
    /// most, however many pollers ask meanwhile.
    pub(crate) digest_builds: u64,
}

pub(crate) fn print_soak_figures(all: &[Figures], runs: i64) {
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
pub(crate) fn rss_mib() -> f64 {
    rss_of("self")
}

/// The resident memory in MiB of the process `/proc/{pid}` names (`self` for this one; Linux).
pub(crate) fn rss_of(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
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
pub(crate) async fn soak_figures(
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
                    run_type: RunType::InventorySync.into(),
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
pub(crate) const SOAK_WARMUP_SECS: u64 = 60;

/// How often the soak reads the process's resident memory.
pub(crate) const RSS_SAMPLE_SECS: u64 = 5;

/// How long the soak runs after its warm-up (`OPSHUB_BENCH_SOAK_SECONDS`, default 60).
pub(crate) fn soak_secs() -> u64 {
    std::env::var("OPSHUB_BENCH_SOAK_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(60)
}

/// How much resident memory grew over the second half of the soak (MiB): near zero when
/// what the first half took was caches filling up to their bounds, not a leak.
pub(crate) fn second_half_growth(samples: &[f64]) -> f64 {
    match samples {
        [] => 0.0,
        [.., last] => last - samples[samples.len() / 2],
    }
}

/// Inserts `n` runs of `tenant` whose worker went quiet two hours ago (the soak's work for
/// the reconciler); their ids.
pub(crate) async fn abandon(
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
