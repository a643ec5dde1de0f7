//! The worker runtime on both databases: graceful shutdown with its grace period, and the demo
//! provider's injected faults (fail, partial, slow, hang).

use super::*;

/// A handler that takes `0` of real time and then succeeds.
pub(crate) struct Takes(Duration);

impl app::jobs::worker::Handler for Takes {
    fn run(
        &self,
        _job: app::jobs::worker::Job,
    ) -> app::jobs::worker::BoxFuture<anyhow::Result<app::jobs::worker::HandlerResult>> {
        let d = self.0;
        Box::pin(async move {
            tokio::time::sleep(d).await;
            Ok(app::jobs::worker::HandlerResult::succeeded())
        })
    }
}

pub(crate) async fn run_pool_until_shutdown(t: &TestDb, work: Duration, grace: Duration) -> app::domain::Run {
    let worker = Worker::new(t.state.clone(), "w-shutdown").with_handler(RunType::RestoreExecute, Takes(work));
    let mut req = new_run(t, Some(t.tenant));
    req.run_type = RunType::RestoreExecute.into();
    let run = t.state.lifecycle().start(req).await.unwrap().run().clone();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let pool = tokio::spawn(worker.run_pool(2, stopped, grace));
    let began = std::time::Instant::now();
    while runs::get(&t.state.db, run.id).await.unwrap().unwrap().state == RunState::Queued {
        assert!(began.elapsed() < Duration::from_secs(5), "the pool never claimed the run");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(true).unwrap();
    tokio::time::timeout(grace + Duration::from_secs(5), pool).await.expect("the pool stops").unwrap();
    runs::get(&t.state.db, run.id).await.unwrap().unwrap()
}

pub(crate) async fn shutdown_lets_running_work_finish_within_the_grace_period(t: &TestDb) {
    let run = run_pool_until_shutdown(t, Duration::from_millis(300), Duration::from_secs(10)).await;
    assert_eq!(run.state, RunState::Completed(RunOutcome::Succeeded));
    assert!(run.failure.is_none());
}

pub(crate) async fn work_still_running_after_the_grace_period_ends_cancelled_with_the_reason(t: &TestDb) {
    let run = run_pool_until_shutdown(t, Duration::from_secs(600), Duration::from_millis(300)).await;
    assert_eq!(run.state, RunState::Completed(RunOutcome::Cancelled));
    let failure = run.failure.expect("a cancelled run says why");
    assert_eq!(failure.code, "shutdown");
    assert_eq!(app::copy::EN.stored_sentence(&failure.message), "Stopped because the server was shutting down.");
    assert_eq!(notifications_for(t, run.id.get()).await, 1);
    assert!(t.state.live.tenant_runs(t.tenant).is_empty());
}

pub(crate) async fn sync_once(t: &TestDb, worker: &Worker) -> app::domain::Run {
    let run = t.state.lifecycle().start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    assert_eq!(worker.run_one().await.unwrap(), Some(run.id));
    runs::get(&t.state.db, run.id).await.unwrap().unwrap()
}

pub(crate) async fn injected_provider_faults_shape_the_outcome(t: &TestDb) {
    use app::jobs::provider::{Fault, set_fault};
    server::seed::ensure_provider_items(&t.state.db, t.tenant, 12, &[], T0).await.unwrap();
    let worker = Worker::new(t.state.clone(), "w1").with_handler(RunType::InventorySync, InventorySync);

    set_fault(&t.state.db, RunType::InventorySync, Some(Fault::Fail), T0).await.unwrap();
    let failed = sync_once(t, &worker).await;
    assert_eq!(failed.state, RunState::Completed(RunOutcome::Failed));
    assert_eq!(
        failed.failure.as_ref().map(|f| app::copy::EN.stored_sentence(&f.message)).as_deref(),
        Some("The provider rejected the request.")
    );
    let items: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM inventory_items").fetch_one(t.state.db.pool()).await.unwrap();
    assert_eq!(items, 0, "a rejected request writes nothing");

    set_fault(&t.state.db, RunType::InventorySync, Some(Fault::Partial), T0).await.unwrap();
    let partial = sync_once(t, &worker).await;
    assert_eq!(partial.state, RunState::Completed(RunOutcome::PartiallySucceeded));
    assert_eq!(
        (partial.summary.get(SummaryKey::Failed), partial.summary.get(SummaryKey::Succeeded)),
        (Some(3), Some(9))
    );

    set_fault(&t.state.db, RunType::InventorySync, Some(Fault::Slow), T0).await.unwrap();
    let slow = sync_once(t, &worker).await;
    assert_eq!(slow.state, RunState::Completed(RunOutcome::Succeeded), "slow is still correct");

    // A fault for another type leaves this one alone; clearing restores normal service.
    set_fault(&t.state.db, RunType::InventorySync, None, T0).await.unwrap();
    set_fault(&t.state.db, RunType::RestoreExecute, Some(Fault::Fail), T0).await.unwrap();
    let normal = sync_once(t, &worker).await;
    assert_eq!(normal.state, RunState::Completed(RunOutcome::Succeeded));
    assert_eq!(normal.summary.get(SummaryKey::Processed), Some(12));
}

pub(crate) async fn a_hanging_provider_stops_the_heartbeat_but_keeps_the_lease(t: &TestDb) {
    use app::jobs::provider::{Fault, set_fault};
    server::seed::ensure_provider_items(&t.state.db, t.tenant, 12, &[], T0).await.unwrap();
    set_fault(&t.state.db, RunType::InventorySync, Some(Fault::Hang), T0).await.unwrap();
    let config = app::runtime::RuntimeConfig { heartbeat_every: Duration::from_millis(20), ..Default::default() };
    let state = app::runtime::AppState::new(t.state.db.clone(), std::sync::Arc::new(t.clock.clone()), config);
    let worker = Worker::new(state.clone(), "w-hang").with_handler(RunType::InventorySync, InventorySync);
    let run = state.lifecycle().start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let pool = tokio::spawn(worker.run_pool(1, stopped, Duration::from_millis(300)));
    let began = std::time::Instant::now();
    while runs::get(&t.state.db, run.id).await.unwrap().unwrap().state != RunState::Running {
        assert!(began.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let hung = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    // Time moves on; a live worker would stamp each heartbeat with the new time.
    for _ in 0..5 {
        t.clock.advance(Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    let later = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(later.state, RunState::Running);
    assert_eq!(later.heartbeat_at, hung.heartbeat_at, "no heartbeat while hung");
    assert_eq!(later.lease_owner.as_deref(), Some("w-hang"), "the lease is kept");
    let policy = RunType::InventorySync.default_policy();
    assert_eq!(later.freshness(&policy, t.clock.now()), Some(app::domain::Freshness::LikelyStale));
    stop.send(true).unwrap();
    pool.await.unwrap();
    let ended = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(ended.state, RunState::Completed(RunOutcome::Cancelled), "shutdown still decides a hung run");
}
