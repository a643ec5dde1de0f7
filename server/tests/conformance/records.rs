//! Records end with their run (specs/run-types): whatever ends a run — its handler's result,
//! a cancel, a shutdown past the grace period, the reconciler's generic rule or an adapter —
//! the pack or restore it was still making reaches its own terminal state (failed: it did not
//! complete) in the same transaction, so no card keeps saying "being generated" (and polling) for a run that ended.

use super::harness::{T0, TestDb};
use super::new_run;
use app::domain::transition::Actor;
use app::domain::{RunId, RunOutcome, RunType, Sentence};
use app::jobs::lifecycle::Completion;
use app::jobs::reconciler::Reconciler;
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(60);

/// How a run ends.
#[derive(Debug, Clone, Copy)]
enum Ending {
    /// Its handler answered a failure.
    HandlerFailed,
    /// A person cancelled it and its worker stopped.
    Cancelled,
    /// Its instance shut down past the grace period.
    Shutdown,
    /// Its worker vanished and the reconciler's sweep closed it (a crash).
    Swept,
}

const ENDINGS: [Ending; 4] = [Ending::HandlerFailed, Ending::Cancelled, Ending::Shutdown, Ending::Swept];

/// A running run of `run_type`, claimed by `w1`.
async fn running(t: &TestDb, run_type: RunType, key: &str) -> RunId {
    let mut req = new_run(t, Some(t.tenant));
    req.run_type = run_type.into();
    req.dedupe_key = Some(key.to_owned());
    let run = t.state.lifecycle().start(req).await.unwrap().run().clone();
    t.state.lifecycle().claim(run.id, "w1", LEASE).await.unwrap().unwrap();
    run.id
}

/// A pack `run` is generating (of a fresh ready review).
async fn generating_pack(t: &TestDb, run: RunId) -> i64 {
    let review: i64 = sqlx::query_scalar(
        "INSERT INTO environment_reviews (workspace_id, tenant_id, fingerprint, status, sections, evidence, created_at, updated_at) \
         VALUES ($1, $2, $3, 'ready', '[]', '{}', $4, $4) RETURNING id",
    )
    .bind(t.ws.get())
    .bind(t.tenant.get())
    .bind(format!("fp-{run}"))
    .bind(T0.millis())
    .fetch_one(t.state.db.pool())
    .await
    .unwrap();
    sqlx::query_scalar(
        "INSERT INTO review_packs (workspace_id, tenant_id, review_id, run_id, status, created_at) \
         VALUES ($1, $2, $3, $4, 'generating', $5) RETURNING id",
    )
    .bind(t.ws.get())
    .bind(t.tenant.get())
    .bind(review)
    .bind(run.get())
    .bind(T0.millis())
    .fetch_one(t.state.db.pool())
    .await
    .unwrap()
}

/// A restore `run` is applying, with `applied` items already put back.
async fn applying_restore(t: &TestDb, run: RunId, applied: usize) -> i64 {
    let snapshot: i64 = sqlx::query_scalar(
        "INSERT INTO baseline_snapshots (workspace_id, tenant_id, run_id, item_count, captured_at) \
         VALUES ($1, $2, $3, 0, 0) RETURNING id",
    )
    .bind(t.ws.get())
    .bind(t.tenant.get())
    .bind(run.get())
    .fetch_one(t.state.db.pool())
    .await
    .unwrap();
    let record: i64 = sqlx::query_scalar(
        "INSERT INTO restores (workspace_id, tenant_id, run_id, snapshot_id, status, started_at) \
         VALUES ($1, $2, $3, $4, 'applying', $5) RETURNING id",
    )
    .bind(t.ws.get())
    .bind(t.tenant.get())
    .bind(run.get())
    .bind(snapshot)
    .bind(T0.millis())
    .fetch_one(t.state.db.pool())
    .await
    .unwrap();
    for n in 0..applied {
        sqlx::query("INSERT INTO restore_items (restore_id, external_id, result) VALUES ($1, $2, 'applied')")
            .bind(record)
            .bind(format!("item-{n}"))
            .execute(t.state.db.pool())
            .await
            .unwrap();
    }
    record
}

/// Ends `runs` (all claimed by `w1`) the way `ending` does.
async fn end(t: &TestDb, ending: Ending, runs: &[RunId]) {
    let life = t.state.lifecycle();
    for id in runs {
        match ending {
            Ending::HandlerFailed => {
                let c = Completion::by_worker("w1", RunOutcome::Failed).with_failure(
                    "provider_rejected",
                    &Sentence::ProviderRejected,
                    None,
                );
                life.complete(*id, c).await.unwrap();
            }
            Ending::Cancelled => {
                life.request_cancel(*id, t.user).await.unwrap();
                let mut c = Completion::by_worker("w1", RunOutcome::Cancelled).with_failure(
                    "cancelled",
                    &Sentence::CancelledOnRequest,
                    None,
                );
                c.by = Actor::Person(t.user);
                life.complete(*id, c).await.unwrap();
            }
            Ending::Shutdown => {
                let mut c = Completion::by_worker("w1", RunOutcome::Cancelled).with_failure(
                    "shutdown",
                    &Sentence::Shutdown,
                    None,
                );
                c.by = Actor::Shutdown("w1".to_owned());
                life.complete(*id, c).await.unwrap();
            }
            Ending::Swept => {}
        }
    }
    if matches!(ending, Ending::Swept) {
        t.clock.advance(Duration::from_secs(3600));
        let report = Reconciler::new(t.state.clone(), "sweeper").sweep().await.unwrap();
        assert_eq!(report.decided.len(), runs.len(), "{report:?}");
    }
}

async fn status(t: &TestDb, table: &str, id: i64) -> String {
    sqlx::query_scalar(&format!("SELECT status FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_one(t.state.db.pool())
        .await
        .unwrap()
}

pub(crate) async fn whatever_ends_a_run_ends_the_records_it_was_making(t: &TestDb) {
    for ending in ENDINGS {
        let key = format!("{ending:?}");
        let pack_run = running(t, RunType::ReviewPackGenerate, &key).await;
        let pack = generating_pack(t, pack_run).await;
        let untouched_run = running(t, RunType::RestoreExecute, &format!("{key}-none")).await;
        let untouched = applying_restore(t, untouched_run, 0).await;
        let partial_run = running(t, RunType::RestoreExecute, &format!("{key}-some")).await;
        let partial = applying_restore(t, partial_run, 2).await;

        end(t, ending, &[pack_run, untouched_run, partial_run]).await;

        assert_eq!(status(t, "review_packs", pack).await, "failed", "{ending:?}: the pack");
        assert_eq!(status(t, "restores", untouched).await, "failed", "{ending:?}: a restore that changed nothing");
        // Interrupted is not finished: only a restore that ran to its end is (partially)
        // applied, which is what the reconciler proves a run's success from.
        assert_eq!(status(t, "restores", partial).await, "failed", "{ending:?}: a restore that put items back");
        let applied: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM restore_items WHERE restore_id = $1 AND result = 'applied'")
                .bind(partial)
                .fetch_one(t.state.db.pool())
                .await
                .unwrap();
        assert_eq!(applied, 2, "{ending:?}: its items still say what was put back");
    }
    // Nothing anywhere is still being made for a run that ended.
    let open: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM review_packs p JOIN operation_runs r ON r.id = p.run_id \
                 WHERE r.status = 'completed' AND p.status IN ('queued', 'generating')) \
              + (SELECT COUNT(*) FROM restores x JOIN operation_runs r ON r.id = x.run_id \
                 WHERE r.status = 'completed' AND x.status = 'applying')",
    )
    .fetch_one(t.state.db.pool())
    .await
    .unwrap();
    assert_eq!(open, 0);
}

pub(crate) async fn a_record_finished_by_its_handler_stays_as_it_finished(t: &TestDb) {
    let run = running(t, RunType::RestoreExecute, "done").await;
    let record = applying_restore(t, run, 3).await;
    sqlx::query("UPDATE restores SET status = 'applied' WHERE id = $1")
        .bind(record)
        .execute(t.state.db.pool())
        .await
        .unwrap();
    // Even a sweep that fails the run later (the handler crashed after its last write) leaves
    // the record's own ending alone: the adapter proves the run from it instead.
    end(t, Ending::Swept, &[run]).await;
    assert_eq!(status(t, "restores", record).await, "applied");
    let done = app::store::runs::get(&t.state.db, run).await.unwrap().unwrap();
    assert_eq!(done.state, app::domain::RunState::Completed(RunOutcome::Succeeded));
}
