//! Claim throughput: trivial runs drained through the real claim, dispatch and guarded
//! completion by several worker loops at once.

use super::*;

/// A trivial run: claimed, handed to this handler, completed — nothing else.
pub(crate) struct Trivial;

impl app::jobs::worker::Handler for Trivial {
    fn run(
        &self,
        _job: app::jobs::worker::Job,
    ) -> app::jobs::worker::BoxFuture<anyhow::Result<app::jobs::worker::HandlerResult>> {
        Box::pin(async { Ok(app::jobs::worker::HandlerResult::succeeded()) })
    }
}

pub(crate) const CLAIM_RUNS: usize = 2_000;

/// Worker loops the claim throughput is measured with: the default `OPSHUB_WORKERS`, and twice it.
pub(crate) const CLAIM_WORKERS: [usize; 2] = [4, 8];

/// Rounds per worker count; the figure is their median.
pub(crate) const CLAIM_ROUNDS: usize = 5;

/// The goal: trivial runs claimed and completed per second, on either database.
pub(crate) const CLAIM_GOAL: f64 = 500.0;

/// The median claim-and-complete throughput of [`CLAIM_ROUNDS`] rounds for each of
/// [`CLAIM_WORKERS`].
pub(crate) async fn claim_figures(
    state: &AppState,
    principal: &Principal,
    tenant: TenantId,
) -> anyhow::Result<[f64; 2]> {
    let mut figures = [0.0; 2];
    for (i, workers) in CLAIM_WORKERS.into_iter().enumerate() {
        let mut rounds = Vec::new();
        for round in 0..CLAIM_ROUNDS {
            eprintln!("   claim-and-complete ({CLAIM_RUNS} trivial runs, {workers} worker loops, round {})", round + 1);
            rounds.push(claim_throughput(state, principal, tenant, workers, round).await?);
        }
        rounds.sort_by(f64::total_cmp);
        figures[i] = rounds[rounds.len() / 2];
    }
    Ok(figures)
}

/// The claim figures beside their goal.
pub(crate) fn print_claim_figures(all: &[Figures]) {
    println!("\n## Claim and complete (trivial runs; median of {CLAIM_ROUNDS} rounds of {CLAIM_RUNS})\n");
    println!("| database | 4 worker loops | 8 worker loops | goal | holds |");
    println!("|---|---|---|---|---|");
    for f in all {
        let [four, eight] = f.claims_per_sec;
        let holds = if four >= CLAIM_GOAL { "yes" } else { "no" };
        println!("| {} | {four:.0}/s | {eight:.0}/s | ≥ {CLAIM_GOAL:.0}/s at 4 loops | {holds} |", f.backend);
    }
}

/// Queues `CLAIM_RUNS` trivial runs, then times `workers` worker loops draining them through
/// the real claim, dispatch and guarded completion (with its notification).
pub(crate) async fn claim_throughput(
    state: &AppState,
    principal: &Principal,
    tenant: TenantId,
    workers: usize,
    round: usize,
) -> anyhow::Result<f64> {
    for i in 0..CLAIM_RUNS {
        let req = app::jobs::lifecycle::NewRun {
            workspace_id: principal.workspace_id,
            tenant_id: Some(tenant),
            run_type: app::domain::RunType::RestoreExecute.into(),
            initiator: Some(principal.user_id),
            dedupe_key: Some(format!("claim-{workers}-{round}-{i}")),
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
