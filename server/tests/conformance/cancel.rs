//! Cancelling a run through the lifecycle: a queued run ends at once; a running
//! run stops at its worker's next progress write or heartbeat and keeps what it finished;
//! a cancel racing a worker's completion and a reconciler sweep leaves exactly one terminal
//! write and one notification; the timeline names the person who cancelled.

use super::harness::TestDb;
use super::{new_run, notifications_for, wait_until};
use app::domain::transition::Actor;
use app::domain::{RunId, RunOutcome, RunState, RunStatus, RunType, Sentence, SummaryKey};
use app::jobs::lifecycle::{CancelAnswer, Completion, LifecycleError};
use app::jobs::reconciler::Reconciler;
use app::jobs::worker::{BoxFuture, Handler, HandlerResult, Job, Worker};
use app::store::runs;
use std::sync::Arc;
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(60);

async fn completed_writes(t: &TestDb, id: RunId) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM run_transitions WHERE run_id = $1 AND to_status = 'completed'")
        .bind(id.get())
        .fetch_one(t.state.db.pool())
        .await
        .unwrap()
}

async fn last_actor(t: &TestDb, id: RunId) -> Actor {
    runs::transitions(&t.state.db, id).await.unwrap().last().map(|tr| tr.actor.clone()).unwrap_or(Actor::Unknown)
}

pub(crate) async fn a_queued_run_is_cancelled_at_once_and_the_timeline_names_who(t: &TestDb) {
    let life = t.state.lifecycle();
    let run = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    let answer = life.request_cancel(run.id, t.user).await.unwrap();
    let CancelAnswer::Cancelled(done) = answer else { panic!("a queued run ends at once: {answer:?}") };
    assert_eq!(done.state, RunState::Completed(RunOutcome::Cancelled));
    assert_eq!(done.failure.as_ref().map(|f| f.code.as_str()), Some("cancelled"));
    let stored = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    let message = stored.failure.as_ref().map(|f| app::copy::EN.stored_sentence(&f.message)).unwrap_or_default();
    assert_eq!(message, app::copy::EN.sentence(&Sentence::CancelledOnRequest));
    assert_eq!(last_actor(t, run.id).await, Actor::Person(t.user));
    assert_eq!((completed_writes(t, run.id).await, notifications_for(t, run.id.get()).await), (1, 1));
    // Nobody can claim it any more, and asking again says it already ended.
    assert!(life.claim(run.id, "w", LEASE).await.unwrap().is_none());
    let again = life.request_cancel(run.id, t.user).await;
    assert!(matches!(again, Err(LifecycleError::AlreadyCompleted { outcome: RunOutcome::Cancelled, .. })), "{again:?}");
}

/// Reports three items, then waits for the test, then reports the rest one by one.
struct Stepwise(Arc<tokio::sync::Notify>);

impl Handler for Stepwise {
    fn run(&self, job: Job) -> BoxFuture<anyhow::Result<HandlerResult>> {
        let gate = self.0.clone();
        Box::pin(async move {
            job.counts(&[("total", 10), ("processed", 3), ("succeeded", 3)]).await?;
            gate.notified().await;
            for done in 4..=10 {
                job.counts(&[("processed", done), ("succeeded", done)]).await?;
            }
            Ok(HandlerResult::succeeded())
        })
    }
}

pub(crate) async fn a_running_run_stops_at_its_next_progress_write_keeping_what_it_finished(t: &TestDb) {
    let gate = Arc::new(tokio::sync::Notify::new());
    let worker = Worker::new(t.state.clone(), "w1").with_handler(RunType::InventorySync, Stepwise(gate.clone()));
    let run = t.state.lifecycle().start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    let working = tokio::spawn(async move { worker.run_one().await });
    wait_until(t, run.id, |r| r.summary.get(SummaryKey::Processed) == Some(3)).await;

    let answer = t.state.lifecycle().request_cancel(run.id, t.user).await.unwrap();
    assert_eq!(answer, CancelAnswer::Requested);
    let asked = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(asked.cancel_requested.map(|r| r.by), Some(Some(t.user)), "the request is recorded with who asked");
    assert_eq!(asked.state, RunState::Running, "running until the worker hears it");
    // Its detail says so, and still offers the action (disabled in the page) to its owner.
    let owner = app::services::principal::Principal::owner(t.user, t.ws, "Op");
    let detail = app::services::operations::run_detail(&t.state, &owner, &run.id.to_string()).await.unwrap();
    assert_eq!((detail.can_cancel, detail.cancel_requested_at.is_some()), (true, true));
    assert_eq!(t.state.lifecycle().request_cancel(run.id, t.user).await.unwrap(), CancelAnswer::Requested);

    gate.notify_one();
    assert_eq!(working.await.unwrap().unwrap(), Some(run.id));
    let done = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(done.state, RunState::Completed(RunOutcome::Cancelled));
    // The progress write that heard the request was kept; nothing after it was done.
    assert_eq!(done.summary.get(SummaryKey::Processed), Some(4));
    assert_eq!(done.summary.get(SummaryKey::Total), Some(10));
    assert_eq!(last_actor(t, run.id).await, Actor::Person(t.user));
    assert_eq!((completed_writes(t, run.id).await, notifications_for(t, run.id.get()).await), (1, 1));
}

/// Never reports progress; only the worker's heartbeat can hear a request.
struct Silent;

impl Handler for Silent {
    fn run(&self, _job: Job) -> BoxFuture<anyhow::Result<HandlerResult>> {
        Box::pin(async move {
            std::future::pending::<()>().await;
            Ok(HandlerResult::succeeded())
        })
    }
}

pub(crate) async fn a_silent_handler_is_stopped_by_the_heartbeat_that_hears_the_request(t: &TestDb) {
    let mut config = (*t.state.config).clone();
    config.heartbeat_every = Duration::from_millis(20);
    let state = t.state.with_config(config);
    let worker = Worker::new(state.clone(), "w-silent").with_handler(RunType::InventorySync, Silent);
    let run = state.lifecycle().start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    let working = tokio::spawn(async move { worker.run_one().await });
    wait_until(t, run.id, |r| r.state == RunState::Running).await;
    assert_eq!(state.lifecycle().request_cancel(run.id, t.user).await.unwrap(), CancelAnswer::Requested);
    let finished = tokio::time::timeout(Duration::from_secs(10), working).await.expect("the heartbeat stops it");
    assert_eq!(finished.unwrap().unwrap(), Some(run.id));
    let done = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(done.state, RunState::Completed(RunOutcome::Cancelled));
    assert_eq!(last_actor(t, run.id).await, Actor::Person(t.user));
}

/// A small deterministic generator, so a failing round can be replayed from its seed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

pub(crate) async fn a_cancel_racing_a_completion_and_a_sweep_ends_with_one_terminal_write(t: &TestDb) {
    let rounds = if t.is_postgres() { 1000 } else { 200 };
    let sweeper = Reconciler::new(t.state.clone(), "sweeper");
    let mut rng = Lcg(0x0b5_4ab);
    let mut won = std::collections::BTreeMap::<&str, usize>::new();
    for round in 0..rounds {
        let life = t.state.lifecycle();
        let mut req = new_run(t, Some(t.tenant));
        req.dedupe_key = Some(format!("cancel-race-{round}"));
        let r = life.start(req).await.unwrap().run().clone();
        // Most rounds race over a running run whose worker went quiet (so the sweep may
        // decide it); some over a run still queued.
        let queued = rng.next(4) == 0;
        if !queued {
            life.claim(r.id, "w", LEASE).await.unwrap().unwrap();
            t.clock.advance(
                t.state.config.builtin_policy(RunType::InventorySync).heartbeat_timeout + Duration::from_secs(1),
            );
        }
        let delays: Vec<u64> = (0..3).map(|_| rng.next(3)).collect();
        let user = t.user;
        let cancel = {
            let (life, d) = (life.clone(), delays[0]);
            tokio::spawn(async move {
                for _ in 0..d {
                    tokio::task::yield_now().await;
                }
                match life.request_cancel(r.id, user).await {
                    Ok(CancelAnswer::Cancelled(_)) => true,
                    // The worker hears the request at its heartbeat and ends the run.
                    Ok(CancelAnswer::Requested) => match life.heartbeat(r.id, "w", LEASE).await {
                        Err(LifecycleError::CancelRequested { by, .. }) => {
                            let mut c = Completion::by_worker("w", RunOutcome::Cancelled);
                            c.by = by.map_or(Actor::Unknown, Actor::Person);
                            life.complete(r.id, c).await.is_ok()
                        }
                        _ => false,
                    },
                    Err(_) => false,
                }
            })
        };
        let finish = {
            let (life, d) = (life.clone(), delays[1]);
            tokio::spawn(async move {
                for _ in 0..d {
                    tokio::task::yield_now().await;
                }
                if queued && life.claim(r.id, "w", LEASE).await.ok().flatten().is_none() {
                    return false;
                }
                life.complete(r.id, Completion::by_worker("w", RunOutcome::Succeeded)).await.is_ok()
            })
        };
        let sweep = {
            let (sweeper, d) = (sweeper.clone(), delays[2]);
            tokio::spawn(async move {
                for _ in 0..d {
                    tokio::task::yield_now().await;
                }
                sweeper.sweep().await.map(|s| s.decided.iter().any(|(id, _, _)| *id == r.id))
            })
        };
        let (c, f, s) = (cancel.await.unwrap(), finish.await.unwrap(), sweep.await.unwrap().unwrap());
        let stored = runs::get(&t.state.db, r.id).await.unwrap().unwrap();
        // A queued run nobody ended may stay queued only if the sweep and the cancel both
        // lost to a claim that then lost to... nothing: every path above ends it.
        assert_eq!(stored.state.status(), RunStatus::Completed, "round {round}: ended ({c}, {f}, {s})");
        assert_eq!(u8::from(c) + u8::from(f) + u8::from(s), 1, "round {round}: exactly one writer won");
        assert_eq!(completed_writes(t, r.id).await, 1, "round {round}: one terminal write");
        assert_eq!(notifications_for(t, r.id.get()).await, 1, "round {round}: one notification");
        if c {
            assert_eq!(stored.state, RunState::Completed(RunOutcome::Cancelled), "round {round}");
            assert_eq!(last_actor(t, r.id).await, Actor::Person(t.user), "round {round}");
        }
        *won.entry(if c {
            "cancel"
        } else if f {
            "worker"
        } else {
            "sweep"
        })
        .or_default() += 1;
    }
    // The race is real: over the rounds, more than one party won.
    assert!(won.len() >= 2, "{won:?}");
}
