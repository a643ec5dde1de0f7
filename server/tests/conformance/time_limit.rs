//! Stale-after is a hard time limit (specs/reconciliation): a run past it is shown likely
//! stale everywhere, its page promises when the system closes it, and that promise comes
//! true — its worker stops it (keeping what it finished), or, if the worker does not, the
//! sweep the page named closes it with its own reason. A handler whose run was decided
//! elsewhere stops. The sweep finds abandoned runs however many healthy long runs are older.

use super::harness::TestDb;
use super::{new_run, wait_until};
use app::domain::reconcile::Reason;
use app::domain::{Freshness, ProblemClass, RunId, RunOutcome, RunState, RunType, SummaryKey};
use app::jobs::reconciler::Reconciler;
use app::jobs::worker::{BoxFuture, Handler, HandlerResult, Job, Worker};
use app::runtime::Clock as _;
use app::services::operations::run_detail;
use app::services::principal::Principal;
use app::store::runs;
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(60);

/// Reports three of ten items, then works on without reporting again.
struct ThreeThenQuiet;

impl Handler for ThreeThenQuiet {
    fn run(&self, job: Job) -> BoxFuture<anyhow::Result<HandlerResult>> {
        Box::pin(async move {
            job.counts(&[("total", 10), ("processed", 3), ("succeeded", 3)]).await?;
            std::future::pending::<()>().await;
            Ok(HandlerResult::succeeded())
        })
    }
}

/// A state whose workers beat every 20 ms, so a test waits milliseconds for what a beat does.
fn quick_beats(t: &TestDb) -> app::runtime::AppState {
    let mut config = (*t.state.config).clone();
    config.heartbeat_every = Duration::from_millis(20);
    t.state.with_config(config)
}

pub(crate) async fn a_worker_stops_its_run_at_the_time_limit_keeping_what_it_finished(t: &TestDb) {
    let state = quick_beats(t);
    let worker = Worker::new(state.clone(), "w-busy").with_handler(RunType::InventorySync, ThreeThenQuiet);
    let run = state.lifecycle().start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    let working = tokio::spawn(async move { worker.run_one().await });
    wait_until(t, run.id, |r| r.summary.get(SummaryKey::Processed) == Some(3)).await;

    // Still within the limit (the worker keeps beating): nothing happens.
    let limit = state.config.builtin_policy(RunType::InventorySync).stale_after;
    t.clock.advance(limit);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(runs::get(&t.state.db, run.id).await.unwrap().unwrap().state, RunState::Running);

    t.clock.advance(Duration::from_secs(1));
    let finished = tokio::time::timeout(Duration::from_secs(10), working).await.expect("the next beat stops it");
    assert_eq!(finished.unwrap().unwrap(), Some(run.id));
    let done = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(done.state, RunState::Completed(RunOutcome::Failed));
    assert_eq!(done.failure.as_ref().map(|f| f.code.as_str()), Some("past_time_limit"));
    let said = done.failure.as_ref().map(|f| app::copy::EN.stored_sentence(&f.message)).unwrap_or_default();
    assert_eq!(said, app::copy::EN.reason(Reason::PastTimeLimit, false));
    assert!(said.contains("time limit") && !said.contains("stopped reporting"), "{said}");
    assert_eq!(
        (done.summary.get(SummaryKey::Processed), done.summary.get(SummaryKey::Total)),
        (Some(3), Some(10)),
        "what it finished is kept"
    );
}

pub(crate) async fn a_run_past_its_time_limit_is_closed_by_the_sweep_its_page_promised(t: &TestDb) {
    let life = t.state.lifecycle();
    let policy = t.state.config.builtin_policy(RunType::InventorySync);
    let owner = Principal::owner(t.user, t.ws, "Op");
    let run = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    life.claim(run.id, "slow-worker", LEASE).await.unwrap().unwrap();
    // A worker that keeps reporting but never finishes (and never checks its limit).
    let step = policy.heartbeat_timeout / 2;
    let mut ran = Duration::ZERO;
    while ran <= policy.stale_after {
        t.clock.advance(step);
        ran += step;
        life.heartbeat(run.id, "slow-worker", LEASE).await.unwrap();
        let detail = run_detail(&t.state, &owner, &run.id.to_string()).await.unwrap();
        let stale = detail.view.freshness == Some(Freshness::LikelyStale);
        assert_eq!(stale, ran > policy.stale_after, "likely stale exactly past the limit ({ran:?})");
        assert_eq!(detail.closes_by.is_some(), stale, "a promise exactly when it is stuck ({ran:?})");
    }
    let detail = run_detail(&t.state, &owner, &run.id.to_string()).await.unwrap();
    assert_eq!(detail.view.problem, ProblemClass::ActiveStale);
    let promised = detail.closes_by.expect("the page promises when the system closes it");

    // The worker is still reporting when the promised sweep comes.
    t.clock.advance(Duration::from_millis(u64::try_from(promised.millis() - t.clock.now().millis()).unwrap()));
    life.heartbeat(run.id, "slow-worker", LEASE).await.unwrap();
    let report = Reconciler::new(t.state.clone(), "sweeper").sweep().await.unwrap();
    assert_eq!(report.decided, [(run.id, "past_time_limit", RunOutcome::Failed)]);
    let closed = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(closed.failure.as_ref().map(|f| f.code.as_str()), Some("past_time_limit"));
    assert_eq!(closed.problem_class(&policy, t.clock.now()), ProblemClass::ReconciledStale);
    let page = run_detail(&t.state, &owner, &run.id.to_string()).await.unwrap();
    let guidance = app::copy::EN.guidance(&page.view);
    assert!(guidance.contains("time limit") && !guidance.contains("stopped reporting"), "{guidance}");
    assert!(page.closes_by.is_none(), "a closed run promises nothing");
    // The worker hears it at its next beat.
    let late = life.heartbeat(run.id, "slow-worker", LEASE).await;
    assert!(late.is_err(), "{late:?}");
}

pub(crate) async fn a_handler_whose_run_was_decided_elsewhere_stops(t: &TestDb) {
    let state = quick_beats(t);
    let worker = Worker::new(state.clone(), "w-kept").with_handler(RunType::InventorySync, ThreeThenQuiet);
    let run = state.lifecycle().start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    let working = tokio::spawn(async move { worker.run_one().await });
    wait_until(t, run.id, |r| r.summary.get(SummaryKey::Processed) == Some(3)).await;
    // Another party takes the run (as a sweep or a shutdown would, by its own guarded write).
    sqlx::query("UPDATE operation_runs SET lease_owner = 'someone-else' WHERE id = $1")
        .bind(run.id.get())
        .execute(t.state.db.pool())
        .await
        .unwrap();
    let finished = tokio::time::timeout(Duration::from_secs(10), working).await.expect("the next beat stops it");
    assert_eq!(finished.unwrap().unwrap(), Some(run.id), "the worker moves on");
    let still = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(
        (still.state, still.lease_owner.as_deref()),
        (RunState::Running, Some("someone-else")),
        "and writes nothing over the new holder"
    );
}

pub(crate) async fn healthy_long_runs_never_crowd_an_abandoned_one_out_of_a_sweep(t: &TestDb) {
    let life = t.state.lifecycle();
    // Restores may wait forty minutes; a sync is stuck after ten.
    let long = t.state.config.builtin_policy(RunType::RestoreExecute).stale_after;
    let short = t.state.config.builtin_policy(RunType::InventorySync).stale_after;
    assert!(long > short * 2);
    // Three batches' worth of restores queued long ago, each well within its own window...
    let mut healthy = Vec::new();
    for i in 0..6 {
        let mut req = new_run(t, Some(t.tenant));
        req.run_type = RunType::RestoreExecute.into();
        req.dedupe_key = Some(format!("restore-{i}"));
        healthy.push(life.start(req).await.unwrap().run().id);
        t.clock.advance(Duration::from_secs(1));
    }
    // ...then one sync that nobody picks up.
    let stuck = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().id;
    t.clock.advance(short + Duration::from_secs(1));

    let sweeper = Reconciler::new(t.state.clone(), "sweeper").with_batch(2);
    let found: Vec<RunId> = sweeper.candidates(t.clock.now()).await.unwrap().iter().map(|r| r.id).collect();
    assert_eq!(found, [stuck], "only the abandoned run, though {} older runs came first", healthy.len());
    let report = sweeper.sweep().await.unwrap();
    assert_eq!(report.decided, [(stuck, "never_started", RunOutcome::Failed)]);
    for id in &healthy {
        assert_eq!(runs::get(&t.state.db, *id).await.unwrap().unwrap().state, RunState::Queued);
    }

    // With more abandoned runs than a batch holds, the oldest go first.
    t.clock.advance(long);
    let decided: Vec<RunId> = sweeper.sweep().await.unwrap().decided.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(decided, healthy[..2]);
    let decided: Vec<RunId> = sweeper.sweep().await.unwrap().decided.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(decided, healthy[2..4]);
}

pub(crate) async fn a_backlog_drains_in_bounded_sweeps_one_right_after_another(t: &TestDb) {
    let life = t.state.lifecycle();
    let mut stuck = Vec::new();
    for i in 0..5 {
        let mut req = new_run(t, Some(t.tenant));
        req.dedupe_key = Some(format!("backlog-{i}"));
        stuck.push(life.start(req).await.unwrap().run().id);
        t.clock.advance(Duration::from_secs(1));
    }
    t.clock.advance(t.state.config.builtin_policy(RunType::InventorySync).stale_after + Duration::from_secs(1));
    let sweeper = Reconciler::new(t.state.clone(), "sweeper").with_batch(2);

    // One sweep decides one batch, oldest first, and says more may be waiting.
    let first = sweeper.sweep().await.unwrap();
    assert_eq!(first.decided.iter().map(|(id, _, _)| *id).collect::<Vec<_>>(), stuck[..2]);
    assert!(first.full, "a batch that came back full says so");

    // Catching up sweeps again at once while batches come back full, each its own batch.
    let (_keep, stop) = tokio::sync::watch::channel(false);
    let caught_up = sweeper.sweep_until_caught_up(&stop).await.unwrap();
    assert_eq!((caught_up.sweeps, caught_up.decided), (2, 3), "2 then 1, the last not full");
    for id in &stuck {
        let run = runs::get(&t.state.db, *id).await.unwrap().unwrap();
        assert_eq!(run.state, RunState::Completed(RunOutcome::Failed), "{id:?}");
    }
    let again = sweeper.sweep_until_caught_up(&stop).await.unwrap();
    assert_eq!((again.sweeps, again.decided), (1, 0), "nothing left: one idle sweep");
}
