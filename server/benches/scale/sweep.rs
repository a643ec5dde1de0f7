//! The reconciler over the whole table: finding the abandoned runs, draining a backlog of
//! them in bounded sweeps (one transaction each), and the idle sweep of the steady state.

use super::*;

/// The reconciler over the whole table: 10,000 active runs of which 1,000 are abandoned.
#[derive(Default)]
pub(crate) struct SweepFigures {
    /// Median time to find the abandoned runs (the index scans plus the exact rule).
    pub(crate) select_ms: f64,
    /// Draining all 1,000 in bounded sweeps, one right after another: adapters read their
    /// records, then every decision is a guarded write with its initiator's notification.
    pub(crate) drain_ms: f64,
    pub(crate) decided: usize,
    /// Sweeps the drain took, the longest of them (reading included) and the longest write
    /// transaction.
    pub(crate) sweeps: usize,
    pub(crate) longest_sweep_ms: f64,
    pub(crate) median_write_ms: f64,
    pub(crate) longest_write_ms: f64,
    /// Runs decided per sweep.
    pub(crate) batch: i64,
    /// Median sweep when nothing is abandoned (the steady state, every 30 s).
    pub(crate) idle_ms: f64,
}

/// `OPSHUB_BENCH_ONLY=sweep`: seed, then measure only the reconciler sweep (a quick look).
pub(crate) fn sweep_only() -> bool {
    std::env::var("OPSHUB_BENCH_ONLY").is_ok_and(|v| v == "sweep")
}

pub(crate) async fn sweep_figures(state: &AppState) -> anyhow::Result<SweepFigures> {
    use app::jobs::reconciler::{Reconciler, SWEEP_BATCH};
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
    // Finding them all at once (a batch big enough), to check the scan finds exactly these.
    let finder = Reconciler::new(state.clone(), "bench").with_batch(2_000);
    let mut selects = Vec::new();
    for i in 0..25 {
        let t0 = Instant::now();
        let found = finder.candidates(state.clock.now()).await?;
        if i >= 5 {
            selects.push(t0.elapsed());
        }
        if found.len() as u64 != quiet {
            bail!("the candidate scan found {} runs, expected {quiet}", found.len());
        }
    }
    // The production reconciler: default batch, sweeping again at once while batches are full.
    // `OPSHUB_BENCH_SWEEP_BATCH` tries another batch size than the default.
    let batch = std::env::var("OPSHUB_BENCH_SWEEP_BATCH").ok().and_then(|v| v.parse().ok()).unwrap_or(SWEEP_BATCH);
    let reconciler = Reconciler::new(state.clone(), "bench").with_batch(batch);
    let (_running, stop) = tokio::sync::watch::channel(false);
    let t0 = Instant::now();
    let drained = reconciler.sweep_until_caught_up(&stop).await?;
    let drain = t0.elapsed();
    if drained.decided as u64 != quiet {
        bail!("the drain decided {} runs, expected {quiet}", drained.decided);
    }
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
    let mut drained = drained;
    drained.writes.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Ok(SweepFigures {
        select_ms: ms(selects[selects.len() / 2]),
        drain_ms: ms(drain),
        decided: drained.decided,
        sweeps: drained.sweeps,
        longest_sweep_ms: ms(drained.longest),
        median_write_ms: drained.writes.get(drained.writes.len() / 2).map_or(0.0, |d| ms(*d)),
        longest_write_ms: drained.writes.iter().max().map_or(0.0, |d| ms(*d)),
        batch,
        idle_ms: ms(idle[idle.len() / 2]),
    })
}
