//! PostgreSQL only: several instances share one database, so a write on one must reach the
//! live view of another within one poll interval, a dropped notification connection must
//! end in a catch-up that misses nothing, and a heartbeat must stay an in-place update that
//! is announced to no one.

use super::harness::{TestDb, postgres_url};
use super::new_run;
use app::domain::{RunOutcome, RunState};
use app::jobs::lifecycle::Completion;
use app::runtime::{AppState, RuntimeConfig};
use app::store::{Db, DbOptions};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A second instance on the same schema: its own pool, clock and live view.
async fn second_instance(t: &TestDb) -> AppState {
    let schema = t.pg_schema().expect("a PostgreSQL test database");
    let db = Db::connect(&DbOptions { pg_schema: Some(schema.to_owned()), ..DbOptions::new(postgres_url()) })
        .await
        .expect("second pool");
    AppState::new(db, Arc::new(t.clock.clone()), RuntimeConfig::default())
}

/// Waits up to five seconds (well inside the shortest poll interval's tolerance for a test
/// machine under load) for `cond`.
async fn eventually(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(5), "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_on_another_instance_reaches_the_live_view() {
    let t = TestDb::postgres().await;
    let b = second_instance(&t).await;
    let listener = tokio::spawn(app::runtime::live::listen(b.live.clone(), postgres_url()));
    // The listener reloads once it is listening; wait for that before writing.
    let life_a = t.state.lifecycle();
    let warmup = life_a.start(new_run(&t, Some(t.other_tenant))).await;
    assert!(warmup.is_err(), "a foreign tenant cannot be started; nothing was written");
    tokio::time::sleep(Duration::from_millis(300)).await;

    let started = Instant::now();
    let run = life_a.start(new_run(&t, Some(t.tenant))).await.expect("start").run().clone();
    eventually("the start to reach instance B", || b.live.tenant_runs(t.tenant).iter().any(|r| r.id == run.id)).await;
    life_a.claim_next("a", Duration::from_secs(60)).await.expect("claim").expect("claimed");
    eventually("the claim to reach instance B", || {
        b.live.tenant_runs(t.tenant).first().is_some_and(|r| r.state == RunState::Running)
    })
    .await;
    life_a.complete(run.id, Completion::by_worker("a", RunOutcome::Succeeded)).await.expect("complete");
    eventually("the completion to reach instance B", || b.live.tenant_runs(t.tenant).is_empty()).await;
    assert!(started.elapsed() < Duration::from_secs(2), "propagation took {:?}", started.elapsed());
    listener.abort();
    b.db.close().await;
    t.finish().await;
}

/// The backends listening for this test's run changes.
async fn listeners(t: &TestDb) -> Vec<i32> {
    sqlx::query_scalar("SELECT pid FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()")
        .bind(format!("LISTEN%{}%", t.state.db.notify_channel()))
        .fetch_all(t.state.db.pool())
        .await
        .expect("listeners")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dropped_notification_connection_is_followed_by_a_catch_up_that_misses_no_change() {
    use app::jobs::lifecycle::ProgressUpdate;
    let t = TestDb::postgres().await;
    let b = second_instance(&t).await;
    let life = t.state.lifecycle();
    let mut next = super::distinct_runs(&t);
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(life.start(next(Some(t.tenant))).await.expect("start").run().id);
    }
    for id in &ids[..3] {
        life.claim(*id, "a", Duration::from_secs(60)).await.expect("claim").expect("claimed");
    }
    b.live.reload().await.expect("reload");
    let listener = tokio::spawn(app::runtime::live::listen(b.live.clone(), postgres_url()));
    eventually_async("B to listen", || async { listeners(&t).await.len() == 1 }).await;

    let pids = listeners(&t).await;
    assert_eq!(pids.len(), 1, "exactly one listener connection");
    let killed: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(pids[0])
        .fetch_one(t.state.db.pool())
        .await
        .expect("terminate the listener");
    assert!(killed);
    eventually_async("the listener to be gone", || async { listeners(&t).await.is_empty() }).await;
    // Changes of every kind while nobody listens: their announcements are lost.
    life.complete(ids[0], Completion::by_worker("a", RunOutcome::Succeeded)).await.expect("complete");
    let update = ProgressUpdate { counts: vec![("total".into(), 7), ("processed".into(), 2)], ..Default::default() };
    life.record_progress(ids[1], "a", Duration::from_secs(60), &update).await.expect("progress");
    t.clock.advance(Duration::from_secs(4));
    life.heartbeat(ids[2], "a", Duration::from_secs(60)).await.expect("heartbeat");
    life.claim(ids[3], "a", Duration::from_secs(60)).await.expect("claim").expect("claimed");
    let fifth = life.start(next(Some(t.tenant))).await.expect("start").run().id;
    assert!(listeners(&t).await.is_empty(), "every change was written while B was not listening");

    let truth = || async {
        let mut runs = app::store::runs::all_active(&t.state.db).await.expect("active");
        runs.sort_by_key(|r| r.id);
        runs
    };
    let view = || {
        let mut runs: Vec<app::domain::Run> =
            b.live.active_runs(None).iter().map(|r| app::domain::Run::clone(r)).collect();
        runs.sort_by_key(|r| r.id);
        runs
    };
    let start = Instant::now();
    while view() != truth().await {
        assert!(start.elapsed() < Duration::from_secs(10), "B never caught up: {:?}", view());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seen = view();
    assert!(seen.iter().all(|r| r.id != ids[0]) && seen.iter().any(|r| r.id == fifth));
    assert_eq!(listeners(&t).await.len(), 1, "B listens again");
    drop(next);
    listener.abort();
    b.db.close().await;
    t.finish().await;
}

/// This transaction's updates of `operation_runs` so far: all of them, and those made in
/// place (HOT).
async fn updates(conn: &mut sqlx::AnyConnection) -> (i64, i64) {
    sqlx::query_as(
        "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables \
         WHERE relname = 'operation_runs' AND schemaname = current_schema()",
    )
    .fetch_optional(conn)
    .await
    .expect("stats")
    .unwrap_or((0, 0))
}

/// Waits up to five seconds for the asynchronous `cond`.
async fn eventually_async<F: Future<Output = bool>>(what: &str, cond: impl Fn() -> F) {
    let start = Instant::now();
    while !cond().await {
        assert!(start.elapsed() < Duration::from_secs(5), "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_heartbeat_is_an_in_place_update_that_no_instance_is_told_of() {
    let t = TestDb::postgres().await;
    let life = t.state.lifecycle();
    let run = life.start(new_run(&t, Some(t.tenant))).await.expect("start").run().clone();
    life.claim(run.id, "a", Duration::from_secs(60)).await.expect("claim").expect("claimed");
    let mut heard = sqlx::postgres::PgListener::connect(&postgres_url()).await.expect("listener");
    heard.listen(&t.state.db.notify_channel()).await.expect("listen");

    // In one transaction, PostgreSQL's own counters say whether an update stayed in place.
    let mut tx = t.state.db.begin_write().await.expect("begin");
    let before = updates(&mut tx).await;
    for _ in 0..5 {
        t.clock.advance(Duration::from_secs(1));
        life.hold_in(&mut tx, run.id, "a", Duration::from_secs(60)).await.expect("held");
    }
    let after = updates(&mut tx).await;
    tx.commit().await.expect("commit");
    assert_eq!((after.0 - before.0, after.1 - before.1), (5, 5), "five updates, all in place (HOT)");

    t.clock.advance(Duration::from_secs(1));
    life.heartbeat(run.id, "a", Duration::from_secs(60)).await.expect("heartbeat");
    let quiet = tokio::time::timeout(Duration::from_millis(500), heard.recv()).await;
    assert!(quiet.is_err(), "a heartbeat is announced to no one: {quiet:?}");
    let update = app::jobs::lifecycle::ProgressUpdate { counts: vec![("total".into(), 3)], ..Default::default() };
    life.record_progress(run.id, "a", Duration::from_secs(60), &update).await.expect("progress");
    let told = tokio::time::timeout(Duration::from_secs(5), heard.recv()).await.expect("progress is announced");
    assert_eq!(told.expect("notification").payload(), run.id.get().to_string());
    t.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sweep_of_thousands_of_runs_reaches_another_instance_in_a_few_notifications() {
    let t = TestDb::postgres().await;
    // 1,600 ids do not fit one notification payload, so this crosses the split.
    let ids = super::reconcile::insert_abandoned(&t, 1_600, app::domain::RunType::InventorySync).await;
    let b = second_instance(&t).await;
    let listener = tokio::spawn(app::runtime::live::listen(b.live.clone(), postgres_url()));
    eventually("instance B to load the abandoned runs", || b.live.tenant_runs(t.tenant).len() == ids.len()).await;
    let report =
        app::jobs::reconciler::Reconciler::new(t.state.clone(), "a").with_batch(2_000).sweep().await.expect("sweep");
    assert_eq!(report.decided.len(), ids.len());
    eventually("every decision to reach instance B", || b.live.tenant_runs(t.tenant).is_empty()).await;
    listener.abort();
    b.db.close().await;
    t.finish().await;
}
