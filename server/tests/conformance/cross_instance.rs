//! PostgreSQL only: several instances share one database, so a write on one must reach the
//! live view of another within one poll interval, and a dropped notification connection
//! must end in a full reload.

use super::harness::{TestDb, postgres_url};
use super::new_run;
use app::domain::{RunOutcome, RunState};
use app::jobs::lifecycle::Completion;
use app::runtime::{AppState, RuntimeConfig};
use app::store::{Db, DbOptions};
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dropped_notification_connection_ends_in_a_full_reload() {
    let t = TestDb::postgres().await;
    let b = second_instance(&t).await;
    let listener = tokio::spawn(app::runtime::live::listen(b.live.clone(), postgres_url()));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let run = t.state.lifecycle().start(new_run(&t, Some(t.tenant))).await.expect("start").run().clone();
    eventually("the announced start to reach B", || b.live.tenant_runs(t.tenant).len() == 1).await;
    // A write nobody announces: only a reload can find it.
    sqlx::query("UPDATE operation_runs SET context = '{\"inputs\": {\"silent\": true}}' WHERE id = $1")
        .bind(run.id.get())
        .execute(t.state.db.pool())
        .await
        .expect("silent write");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let silent_seen = |b: &AppState| {
        b.live
            .tenant_runs(t.tenant)
            .first()
            .is_some_and(|r| r.context.inputs().is_some_and(|i| i.contains_key("silent")))
    };
    assert!(!silent_seen(&b), "an unannounced write is not seen before a reload");
    let killed: Vec<i32> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid)::int FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()",
    )
    .bind(format!("LISTEN%{}%", t.state.db.notify_channel()))
    .fetch_all(t.state.db.pool())
    .await
    .expect("terminate the listener");
    assert_eq!(killed.len(), 1, "exactly one listener connection");
    eventually("the reload to pick up the silent write", || silent_seen(&b)).await;
    listener.abort();
    b.db.close().await;
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
