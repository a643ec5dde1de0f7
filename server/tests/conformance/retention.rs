//! History retention: expired terminal runs go with their transitions, in bounded batches,
//! leaving counters exact, active and business-named runs alone, and notifications that say
//! calmly their run is gone.

use super::*;
use app::jobs::retention::Retention;
use app::services::principal::Principal;

const DAY: Duration = Duration::from_secs(86_400);

/// A state keeping runs `history` days and notifications `notes` days (0: for ever).
fn keeping(t: &TestDb, history: u64, notes: u64) -> app::runtime::AppState {
    let days = |n: u64| (n > 0).then(|| DAY * u32::try_from(n).unwrap());
    let config = app::runtime::RuntimeConfig {
        history_retention: days(history),
        notification_retention: days(notes),
        ..Default::default()
    };
    app::runtime::AppState::new(t.state.db.clone(), std::sync::Arc::new(t.clock.clone()), config)
}

/// Starts, claims and ends a run with `outcome` now; its id.
async fn finished(t: &TestDb, next: &mut impl FnMut(Option<TenantId>) -> NewRun, outcome: RunOutcome) -> RunId {
    let life = t.state.lifecycle();
    let id = life.start(next(Some(t.tenant))).await.unwrap().run().id;
    life.claim(id, "w", LEASE).await.unwrap().unwrap();
    life.complete(id, Completion::by_worker("w", outcome)).await.unwrap();
    id
}

/// Whether the counters agree with the rows, per status, outcome and class.
async fn counters_match_rows(t: &TestDb) {
    let db = t.state.db.pool();
    let counted: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT status, outcome, terminal_class, CAST(SUM(n) AS BIGINT) FROM run_counts \
         GROUP BY status, outcome, terminal_class HAVING SUM(n) <> 0 ORDER BY 1, 2, 3",
    )
    .fetch_all(db)
    .await
    .unwrap();
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT status, COALESCE(outcome, ''), COALESCE(terminal_class, ''), COUNT(*) FROM operation_runs \
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    )
    .fetch_all(db)
    .await
    .unwrap();
    assert_eq!(counted, rows, "every counter equals the rows it counts");
    let by_hour: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
        "SELECT completed_at, run_type, outcome, terminal_class, CAST(SUM(n) AS BIGINT) FROM run_completions_ws \
         GROUP BY 1, 2, 3, 4 HAVING SUM(n) <> 0 ORDER BY 1, 2, 3, 4",
    )
    .fetch_all(db)
    .await
    .unwrap();
    let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
        "SELECT completed_at - completed_at % 3600000, run_type, COALESCE(outcome, ''), COALESCE(terminal_class, ''), \
         COUNT(*) FROM operation_runs WHERE status = 'completed' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
    )
    .fetch_all(db)
    .await
    .unwrap();
    assert_eq!(by_hour, rows, "every hour's completion counter equals the runs it counts");
}

async fn exists(t: &TestDb, id: RunId) -> bool {
    runs::get(&t.state.db, id).await.unwrap().is_some()
}

async fn transitions_of(t: &TestDb, ids: &[RunId]) -> i64 {
    let mut n = 0;
    for id in ids {
        n += sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM run_transitions WHERE run_id = $1")
            .bind(id.get())
            .fetch_one(t.state.db.pool())
            .await
            .unwrap();
    }
    n
}

pub(crate) async fn expired_history_goes_in_batches_and_leaves_counts_active_runs_and_records_intact(t: &TestDb) {
    let mut next = distinct_runs(t);
    // A hundred days ago: five finished runs, one that never started, one a record names.
    let mut old = Vec::new();
    for outcome in [RunOutcome::Succeeded, RunOutcome::Failed, RunOutcome::Cancelled, RunOutcome::Succeeded] {
        old.push(finished(t, &mut next, outcome).await);
    }
    let named = finished(t, &mut next, RunOutcome::Succeeded).await;
    sqlx::query(
        "INSERT INTO review_packs (workspace_id, tenant_id, run_id, status, created_at) VALUES ($1, $2, $3, 'expired', $4)",
    )
    .bind(t.ws.get())
    .bind(t.tenant.get())
    .bind(named.get())
    .bind(t.clock.now().millis())
    .execute(t.state.db.pool())
    .await
    .unwrap();
    let still_queued = t.state.lifecycle().start(next(Some(t.tenant))).await.unwrap().run().id;
    assert!(transitions_of(t, &old).await > 0);
    t.clock.advance(DAY * 100);
    let recent = finished(t, &mut next, RunOutcome::Succeeded).await;
    counters_match_rows(t).await;

    // Nothing is deleted while everything is kept for ever.
    let forever = Retention::new(keeping(t, 0, 0), "a").sweep().await.unwrap();
    assert_eq!((forever.swept, forever.runs, forever.notifications), (false, 0, 0));
    // Another instance holding the lease: this one does nothing.
    let busy = Retention::new(keeping(t, 90, 180), "b");
    assert!(
        app::store::sweeps::take_lease(&t.state.db, "retention", "c", t.clock.now().plus(DAY), t.clock.now())
            .await
            .unwrap()
    );
    assert!(!busy.sweep().await.unwrap().swept, "one sweep at a time");
    app::store::sweeps::release_lease(&t.state.db, "retention", "c").await.unwrap();

    let report = Retention::new(keeping(t, 90, 180), "a").with_batch(2).sweep().await.unwrap();
    assert!(report.swept);
    assert_eq!(report.runs, 4, "the four old finished runs no record names");
    assert!(report.batches >= 4, "looked at two runs per batch: {report:?}");
    for id in &old {
        assert!(!exists(t, *id).await, "run {id} is past its keeping");
    }
    assert_eq!(transitions_of(t, &old).await, 0, "their transitions went with them");
    assert!(exists(t, named).await, "a run a business record names is kept");
    assert!(exists(t, still_queued).await, "an active run is never deleted, however old");
    assert!(exists(t, recent).await, "a recent run is kept");
    counters_match_rows(t).await;
    let me = Principal::owner(t.user, t.ws, "Op");
    let list = app::services::operations::list_runs(&t.state, &me, &ListQuery::default()).await.unwrap();
    assert_eq!((list.total_count, list.runs.len()), (3, 3), "the list and its total agree");

    // Their notifications stay, kept longer, and say calmly that the run is gone.
    let notes = app::services::notifications::list(&t.state, &me).await.unwrap();
    let gone: Vec<_> = notes.items.iter().filter(|n| n.run.is_none()).collect();
    assert_eq!(gone.len(), 4, "{:?}", notes.items);
    assert!(gone.iter().all(|n| n.title.is_none() && n.link == "/admin/notifications"), "{gone:?}");
    let again = Retention::new(keeping(t, 90, 180), "a").sweep().await.unwrap();
    assert_eq!((again.runs, again.notifications), (0, 0), "a second sweep finds nothing");

    // Past their own keeping, notifications go too; the recent one stays.
    t.clock.advance(DAY * 81);
    let later = Retention::new(keeping(t, 0, 180), "a").sweep().await.unwrap();
    assert_eq!(later.notifications, 5, "the old runs' and the named run's notifications");
    let left = app::services::notifications::list(&t.state, &me).await.unwrap();
    assert_eq!(left.items.iter().filter_map(|n| n.run.as_ref().map(|r| r.id)).collect::<Vec<_>>(), [recent]);
    assert_eq!(left.items.len(), 1);
}

pub(crate) async fn webhook_history_goes_with_the_runs_and_a_delivery_still_retried_stays(t: &TestDb) {
    let me = Principal::owner(t.user, t.ws, "Op");
    let hook = app::services::webhooks::NewEndpoint {
        url: "https://hooks.example.com/in".into(),
        events: "run.finished".into(),
    };
    app::services::webhooks::create(&t.state, &me, &hook).await.unwrap();
    let mut next = distinct_runs(t);
    let settled = finished(t, &mut next, RunOutcome::Succeeded).await;
    let retried = finished(t, &mut next, RunOutcome::Failed).await;
    let db = t.state.db.pool();
    let count = |sql: &'static str| async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(db).await.unwrap() };
    // The first was delivered after one failed attempt; the second is still being retried.
    sqlx::query("UPDATE webhook_deliveries SET state = 'delivered' WHERE event_id = $1")
        .bind(format!("evt_{settled}_end"))
        .execute(db)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, attempted_at, status, error, duration_ms) \
         SELECT id, 1, 500, 'answered', 3 FROM webhook_deliveries",
    )
    .execute(db)
    .await
    .unwrap();
    assert_eq!(count("SELECT COUNT(*) FROM webhook_attempts").await, 2);
    t.clock.advance(DAY * 100);

    let report = Retention::new(keeping(t, 90, 180), "a").sweep().await.unwrap();
    assert_eq!(report.webhook_events, 1, "{report:?}");
    let left: Vec<String> = sqlx::query_scalar("SELECT id FROM webhook_events").fetch_all(db).await.unwrap();
    assert_eq!(left, [format!("evt_{retried}_end")], "a delivery still retried keeps its event");
    assert_eq!(count("SELECT COUNT(*) FROM webhook_deliveries").await, 1);
    assert_eq!(count("SELECT COUNT(*) FROM webhook_attempts").await, 1, "the settled delivery's attempts went too");
    assert_eq!(count("SELECT COUNT(*) FROM webhook_endpoints").await, 1, "the endpoint stays");

    // Once given up, it goes at the next sweep; kept for ever, nothing would.
    sqlx::query("UPDATE webhook_deliveries SET state = 'failed'").execute(db).await.unwrap();
    assert_eq!(Retention::new(keeping(t, 0, 180), "a").sweep().await.unwrap().webhook_events, 0);
    assert_eq!(Retention::new(keeping(t, 90, 180), "a").sweep().await.unwrap().webhook_events, 1);
    assert_eq!(
        count("SELECT COUNT(*) FROM webhook_events").await + count("SELECT COUNT(*) FROM webhook_attempts").await,
        0
    );
}
