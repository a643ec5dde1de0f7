//! The lifecycle's transitions on both databases: legal moves only, one winner under races,
//! validated counts and phases, damaged rows read calmly, claims that never collide, and the
//! timeline that names who caused each change.

use super::*;

pub(crate) async fn a_run_moves_forward_through_its_legal_transitions(t: &TestDb) {
    let life = t.state.lifecycle();
    let Started::Created(run) = life.start(new_run(t, Some(t.tenant))).await.unwrap() else {
        panic!("expected a new run")
    };
    assert_eq!(run.state, RunState::Queued);
    assert_eq!(run.created_at, T0);
    assert_eq!(run.context.inputs().and_then(|i| i.get("reason")).and_then(|v| v.as_str()), Some("test"));

    t.clock.advance(Duration::from_secs(3));
    let claimed = life.claim_next("w1", LEASE).await.unwrap().expect("claimable");
    assert_eq!(claimed.id, run.id);
    assert_eq!(claimed.state, RunState::Running);
    assert_eq!(claimed.started_at, Some(T0.plus(Duration::from_secs(3))));
    assert_eq!(claimed.attempt, 1);
    assert_eq!(claimed.lease_owner.as_deref(), Some("w1"));

    t.clock.advance(Duration::from_secs(2));
    let update = ProgressUpdate { counts: vec![("total".into(), 10), ("processed".into(), 4)], ..Default::default() };
    life.record_progress(run.id, "w1", LEASE, &update).await.unwrap();
    let mid = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(mid.heartbeat_at, Some(T0.plus(Duration::from_secs(5))));
    assert_eq!(mid.progress().mode(), ProgressMode::Counted);
    assert_eq!(mid.summary.get(SummaryKey::Processed), Some(4));

    t.clock.advance(Duration::from_secs(1));
    life.heartbeat(run.id, "w1", LEASE).await.unwrap();
    let done = life.complete(run.id, Completion::by_worker("w1", RunOutcome::Succeeded)).await.unwrap();
    assert_eq!(done.state, RunState::Completed(RunOutcome::Succeeded));
    assert_eq!(done.completed_at, Some(T0.plus(Duration::from_secs(6))));
    assert_eq!(done.lease_owner, None);
    assert_eq!(done.summary.get(SummaryKey::Total), Some(10), "completion keeps recorded counts");
    assert_eq!(notifications_for(t, run.id.get()).await, 1);
}

pub(crate) async fn illegal_transitions_are_refused_with_typed_errors(t: &TestDb) {
    let life = t.state.lifecycle();
    let run = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    // A queued run has no lease: heartbeats and progress are refused.
    assert!(matches!(life.heartbeat(run.id, "w1", LEASE).await, Err(LifecycleError::LeaseLost(_))));
    // Expecting `running` of a queued run is an illegal transition.
    let c = Completion { expect: Expect::Status(RunStatus::Running), ..Completion::by_worker("x", RunOutcome::Failed) };
    assert!(matches!(
        life.complete(run.id, c).await,
        Err(LifecycleError::IllegalTransition { from: RunStatus::Queued, .. })
    ));
    // Another worker cannot complete a run it does not hold.
    life.claim_next("w1", LEASE).await.unwrap().unwrap();
    let stolen = life.complete(run.id, Completion::by_worker("w2", RunOutcome::Succeeded)).await;
    assert!(matches!(stolen, Err(LifecycleError::LeaseLost(_))));
    life.complete(run.id, Completion::by_worker("w1", RunOutcome::Failed)).await.unwrap();
    // Completed is final: nothing moves it again, and nothing changes.
    let again =
        Completion { expect: Expect::Status(RunStatus::Running), ..Completion::by_worker("w1", RunOutcome::Succeeded) };
    assert!(matches!(
        life.complete(run.id, again).await,
        Err(LifecycleError::AlreadyCompleted { outcome: RunOutcome::Failed, .. })
    ));
    assert!(life.claim_next("w1", LEASE).await.unwrap().is_none(), "a completed run is never claimed");
    let stored = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(stored.state, RunState::Completed(RunOutcome::Failed));
    assert!(matches!(
        life.complete(RunId(999_999), Completion::by_worker("w1", RunOutcome::Failed)).await,
        Err(LifecycleError::NotFound(_))
    ));
    // The schema refuses contradictions even from a careless raw write.
    let bad = sqlx::query("UPDATE operation_runs SET outcome = NULL WHERE id = $1")
        .bind(run.id.get())
        .execute(t.state.db.pool())
        .await;
    assert!(bad.is_err(), "a completed run without an outcome must be refused by the schema");
}

pub(crate) async fn fifty_concurrent_identical_starts_create_exactly_one_run(t: &TestDb) {
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let life = t.state.lifecycle();
        let req = new_run(t, Some(t.tenant));
        tasks.push(tokio::spawn(async move { life.start(req).await }));
    }
    let mut created = 0;
    let mut ids = std::collections::BTreeSet::new();
    for task in tasks {
        let started = task.await.unwrap().unwrap();
        if matches!(started, Started::Created(_)) {
            created += 1;
        }
        ids.insert(started.run().id);
    }
    assert_eq!(created, 1);
    assert_eq!(ids.len(), 1, "every caller got the same run");
    assert_eq!(run_count(t).await, 1);
    // A different dedupe key is a different run.
    let mut other = new_run(t, Some(t.tenant));
    other.dedupe_key = Some("second".into());
    assert!(matches!(t.state.lifecycle().start(other).await.unwrap(), Started::Created(_)));
}

pub(crate) async fn a_new_run_can_start_once_the_previous_one_completed(t: &TestDb) {
    let life = t.state.lifecycle();
    let first = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    let c =
        Completion { expect: Expect::Status(RunStatus::Queued), ..Completion::by_worker("", RunOutcome::Cancelled) };
    life.complete(first.id, c).await.unwrap();
    let second = life.start(new_run(t, Some(t.tenant))).await.unwrap();
    assert!(matches!(second, Started::Created(_)));
    assert_ne!(second.run().id, first.id);
}

pub(crate) async fn two_concurrent_completions_have_one_winner_and_one_notification(t: &TestDb) {
    for round in 0..5 {
        let life = t.state.lifecycle();
        let mut req = new_run(t, Some(t.tenant));
        req.dedupe_key = Some(format!("round-{round}"));
        let run = life.start(req).await.unwrap().run().clone();
        life.claim_next("w1", LEASE).await.unwrap().unwrap();
        let worker = {
            let life = life.clone();
            tokio::spawn(async move { life.complete(run.id, Completion::by_worker("w1", RunOutcome::Succeeded)).await })
        };
        let reconciler = {
            let life = life.clone();
            tokio::spawn(async move {
                let mut c = Completion {
                    expect: Expect::Status(RunStatus::Running),
                    ..Completion::by_worker("", RunOutcome::Failed)
                };
                c.reconciliation = Some(json!({"by": "reconciler", "reason": "worker lost"}));
                life.complete(
                    run.id,
                    c.with_failure(
                        "worker_lost",
                        &app::domain::Sentence::Reconciled(app::domain::reconcile::Reason::WorkerLost),
                        None,
                    ),
                )
                .await
            })
        };
        let results = [worker.await.unwrap(), reconciler.await.unwrap()];
        let winners = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(winners, 1, "round {round}: exactly one completion wins");
        let loser = results.iter().find(|r| r.is_err()).unwrap();
        assert!(matches!(loser, Err(LifecycleError::AlreadyCompleted { .. })), "round {round}: {loser:?}");
        assert_eq!(notifications_for(t, run.id.get()).await, 1, "round {round}");
        let stored = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
        let winner = results.iter().find_map(|r| r.as_ref().ok()).unwrap();
        assert_eq!(stored.state, winner.state, "the stored state is the winner's");
        assert_eq!(stored.was_reconciled(), winner.was_reconciled());
    }
}

pub(crate) async fn system_runs_complete_without_a_notification(t: &TestDb) {
    let life = t.state.lifecycle();
    let mut req = new_run(t, Some(t.tenant));
    req.initiator = None;
    let run = life.start(req).await.unwrap().run().clone();
    life.claim_next("w1", LEASE).await.unwrap().unwrap();
    life.complete(run.id, Completion::by_worker("w1", RunOutcome::Succeeded)).await.unwrap();
    assert_eq!(notifications_for(t, run.id.get()).await, 0);
    let all: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications").fetch_one(t.state.db.pool()).await.unwrap();
    assert_eq!(all, 0, "no notification for queued or running runs either");
}

pub(crate) async fn unknown_summary_count_keys_are_rejected_and_nothing_is_written(t: &TestDb) {
    let life = t.state.lifecycle();
    let run = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    life.claim_next("w1", LEASE).await.unwrap().unwrap();
    life.record_progress(
        run.id,
        "w1",
        LEASE,
        &ProgressUpdate { counts: vec![("total".into(), 5)], ..Default::default() },
    )
    .await
    .unwrap();
    for bad in [("bananas", 1), ("findings_added", 1), ("processed", -2)] {
        let update =
            ProgressUpdate { counts: vec![("processed".into(), 3), (bad.0.into(), bad.1)], ..Default::default() };
        let err = life.record_progress(run.id, "w1", LEASE, &update).await;
        assert!(matches!(err, Err(LifecycleError::InvalidCounts(_))), "{bad:?}: {err:?}");
    }
    let stored = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(stored.summary.get(SummaryKey::Processed), None, "a refused write changes nothing");
    assert_eq!(stored.summary.get(SummaryKey::Total), Some(5));
    let bad_final =
        Completion { counts: vec![("bananas".into(), 1)], ..Completion::by_worker("w1", RunOutcome::Succeeded) };
    assert!(matches!(life.complete(run.id, bad_final).await, Err(LifecycleError::InvalidCounts(_))));
    let stored = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(stored.state, RunState::Running, "a refused completion rolls back entirely");
    assert_eq!(notifications_for(t, run.id.get()).await, 0);
}

pub(crate) async fn unknown_phases_are_rejected(t: &TestDb) {
    let life = t.state.lifecycle();
    let mut req = new_run(t, Some(t.tenant));
    req.run_type = RunType::BaselineCapture.into();
    let run = life.start(req).await.unwrap().run().clone();
    life.claim_next("w1", LEASE).await.unwrap().unwrap();
    let bad = ProgressUpdate { phase: Some("RuntimeException".into()), ..Default::default() };
    assert!(matches!(
        life.record_progress(run.id, "w1", LEASE, &bad).await,
        Err(LifecycleError::BadProgress(app::jobs::lifecycle::ProgressFault::UnknownPhase))
    ));
    let good = ProgressUpdate { phase: Some("saving_snapshot".into()), ..Default::default() };
    life.record_progress(run.id, "w1", LEASE, &good).await.unwrap();
    let stored = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(app::copy::EN.progress(&stored.progress()), "Saving snapshot — step 3 of 3");
}

pub(crate) async fn a_start_for_an_unknown_or_foreign_tenant_creates_nothing(t: &TestDb) {
    let life = t.state.lifecycle();
    for tenant in [TenantId(424_242), t.other_tenant] {
        let err = life.start(new_run(t, Some(tenant))).await;
        assert!(matches!(err, Err(LifecycleError::TenantNotInWorkspace)), "{err:?}");
    }
    let mut long = new_run(t, Some(t.tenant));
    long.dedupe_key = Some("x".repeat(500));
    assert!(matches!(life.start(long).await, Err(LifecycleError::Invalid(_))));
    assert_eq!(run_count(t).await, 0);
}

pub(crate) async fn malformed_json_in_the_database_reads_back_without_panic(t: &TestDb) {
    let life = t.state.lifecycle();
    let run = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    life.claim_next("w1", LEASE).await.unwrap().unwrap();
    let cases = [
        ("{not json", "[1, 2"),
        ("null", "\"text\""),
        ("[]", "{\"phase\": 7, \"composite\": \"x\", \"reconciliation\": []}"),
        ("{\"total\": \"many\", \"processed\": -1}", "{\"inputs\": null}"),
        ("", ""),
    ];
    for (summary, context) in cases {
        sqlx::query("UPDATE operation_runs SET summary_counts = $1, context = $2 WHERE id = $3")
            .bind(summary)
            .bind(context)
            .bind(run.id.get())
            .execute(t.state.db.pool())
            .await
            .unwrap();
        let found = runs::get_in_workspace(&t.state.db, t.ws, run.id).await.unwrap().expect("still readable");
        let view = RunView::derive(
            &found.run,
            found.tenant_name,
            &RunType::InventorySync.default_policy(),
            &PollingPolicy::default(),
            t.clock.now(),
        );
        assert_eq!(view.progress_mode(), ProgressMode::Activity, "{summary} / {context}");
        assert!(view.counts.is_empty() || summary.starts_with('{'));
        // Progress writes repair the document rather than failing on it.
        let update = ProgressUpdate { counts: vec![("processed".into(), 1)], ..Default::default() };
        life.record_progress(run.id, "w1", LEASE, &update).await.unwrap();
    }
}

pub(crate) async fn damaged_rows_are_skipped_by_lists_and_reported_by_detail(t: &TestDb) {
    let life = t.state.lifecycle();
    let good = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    let mut req = new_run(t, Some(t.tenant));
    req.dedupe_key = Some("bad".into());
    let bad = life.start(req).await.unwrap().run().clone();
    sqlx::query("UPDATE operation_runs SET run_type = 'legacy.thing' WHERE id = $1")
        .bind(bad.id.get())
        .execute(t.state.db.pool())
        .await
        .unwrap();
    let page = runs::list_page(&t.state.db, Some(t.ws), &RunFilter::default(), None, 50).await.unwrap();
    assert_eq!(page.iter().map(|r| r.run.id).collect::<Vec<_>>(), [good.id]);
    assert!(matches!(runs::get_in_workspace(&t.state.db, t.ws, bad.id).await, Err(runs::RunQueryError::Damaged(_))));
}

pub(crate) async fn progress_after_the_reconciler_won_reports_a_lost_lease(t: &TestDb) {
    let life = t.state.lifecycle();
    let run = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    life.claim_next("w1", LEASE).await.unwrap().unwrap();
    let c = Completion { expect: Expect::Status(RunStatus::Running), ..Completion::by_worker("", RunOutcome::Failed) };
    life.complete(run.id, c).await.unwrap();
    let update = ProgressUpdate { counts: vec![("processed".into(), 1)], ..Default::default() };
    assert!(matches!(life.record_progress(run.id, "w1", LEASE, &update).await, Err(LifecycleError::LeaseLost(_))));
    assert!(matches!(life.heartbeat(run.id, "w1", LEASE).await, Err(LifecycleError::LeaseLost(_))));
    let late = life.complete(run.id, Completion::by_worker("w1", RunOutcome::Succeeded)).await;
    assert!(matches!(late, Err(LifecycleError::AlreadyCompleted { outcome: RunOutcome::Failed, .. })));
}

pub(crate) async fn concurrent_claimers_never_take_the_same_run(t: &TestDb) {
    let life = t.state.lifecycle();
    for i in 0..30 {
        let mut req = new_run(t, Some(t.tenant));
        req.dedupe_key = Some(format!("k{i}"));
        life.start(req).await.unwrap();
    }
    let mut tasks = Vec::new();
    for w in 0..6 {
        let life = life.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(run) = life.claim_next(&format!("w{w}"), LEASE).await.unwrap() {
                mine.push(run.id);
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let unique: std::collections::BTreeSet<_> = all.iter().copied().collect();
    assert_eq!(all.len(), 30);
    assert_eq!(unique.len(), 30, "no run was claimed twice");
    let attempts: i64 =
        sqlx::query_scalar("SELECT MAX(attempt) FROM operation_runs").fetch_one(t.state.db.pool()).await.unwrap();
    assert_eq!(attempts, 1);
}

pub(crate) async fn the_timeline_names_who_or_what_caused_every_transition(t: &TestDb) {
    use app::domain::transition::Actor;
    use app::jobs::reconciler::Reconciler;
    use app::services::operations::run_detail;
    use app::services::principal::Principal;
    let life = t.state.lifecycle();
    let owner = Principal::owner(t.user, t.ws, "Owner");
    let texts = |d: &app::api::RunDetail| d.timeline.iter().map(|e| e.sentence(&app::copy::EN)).collect::<Vec<_>>();

    // Started by a person, claimed and finished by a worker.
    let run = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    life.claim(run.id, "opshub-a", LEASE).await.unwrap().unwrap();
    t.clock.advance(Duration::from_secs(5));
    life.complete(run.id, Completion::by_worker("opshub-a", RunOutcome::Succeeded)).await.unwrap();
    // The loser of a race writes nothing, in the log either.
    let lost = life.complete(run.id, Completion::by_worker("opshub-a", RunOutcome::Failed)).await;
    assert!(matches!(lost, Err(LifecycleError::AlreadyCompleted { .. })), "{lost:?}");
    let d = run_detail(&t.state, &owner, &run.id.to_string()).await.unwrap();
    assert_eq!(texts(&d), ["Queued by Op", "Started by worker opshub-a", "Ended successfully — by worker opshub-a"]);
    let statuses: Vec<_> = d.timeline.iter().map(|e| e.to).collect();
    assert_eq!(statuses, [RunStatus::Queued, RunStatus::Running, RunStatus::Completed]);
    assert!(d.timeline.windows(2).all(|w| w[0].at <= w[1].at));
    assert!(d.diagnostics.is_none(), "diagnostics are for platform operators only");

    // Abandoned, then closed by the reconciler; scheduled work is the system's.
    let mut scheduled = new_run(t, Some(t.tenant));
    scheduled.initiator = None;
    let abandoned = life.start(scheduled).await.unwrap().run().clone();
    life.claim(abandoned.id, "opshub-gone", LEASE).await.unwrap().unwrap();
    t.clock.advance(Duration::from_secs(2 * 3600));
    let stuck = run_detail(&t.state, &owner, &abandoned.id.to_string()).await.unwrap();
    let promise = stuck.closes_by.expect("a stuck run says when it will be closed");
    assert!(promise > stuck.view.observed_at, "{promise:?}");
    assert_eq!(Reconciler::new(t.state.clone(), "sweeper").sweep().await.unwrap().decided.len(), 1);
    let mut platform = owner.clone();
    platform.platform_operator = true;
    let d = run_detail(&t.state, &platform, &abandoned.id.to_string()).await.unwrap();
    assert_eq!(
        texts(&d),
        [
            "Queued by the system (scheduled)",
            "Started by worker opshub-gone",
            "Ended in failure — by the reconciler, after the run went stale"
        ]
    );
    assert!(d.closes_by.is_none(), "a closed run promises nothing");
    let g = d.diagnostics.expect("a platform operator sees diagnostics");
    assert!(g.context_json.contains("reconciliation"), "{}", g.context_json);
    let stored: Option<String> = sqlx::query_scalar("SELECT completed_by FROM operation_runs WHERE id = $1")
        .bind(abandoned.id.get())
        .fetch_one(t.state.db.pool())
        .await
        .unwrap();
    assert_eq!(stored.as_deref(), Some("reconciler"));

    // Cancelled at shutdown; a cause this version does not know reads calmly.
    let run = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    life.claim(run.id, "opshub-b", LEASE).await.unwrap().unwrap();
    let mut c = Completion::by_worker("opshub-b", RunOutcome::Cancelled);
    c.by = Actor::Shutdown("opshub-b".into());
    life.complete(run.id, c).await.unwrap();
    sqlx::query("UPDATE run_transitions SET actor = 'robot:7' WHERE run_id = $1 AND to_status = 'running'")
        .bind(run.id.get())
        .execute(t.state.db.pool())
        .await
        .unwrap();
    let d = run_detail(&t.state, &owner, &run.id.to_string()).await.unwrap();
    assert_eq!(
        texts(&d),
        ["Queued by Op", "Started by an unrecorded cause", "Ended cancelled — by the shutdown of opshub-b"]
    );
}

pub(crate) async fn sqlite_commits_leave_the_checkpoint_to_the_background(t: &TestDb) {
    let db = &t.state.db;
    if t.is_postgres() {
        assert_eq!(db.checkpoint().await.unwrap(), None, "PostgreSQL has no SQLite checkpoint");
        return;
    }
    // A commit checkpoints by itself only past the backstop, far above SQLite's 1,000 pages.
    let backstop: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint").fetch_one(db.pool()).await.unwrap();
    assert_eq!(backstop, 16_384);
    let life = t.state.lifecycle();
    for i in 0..20 {
        let mut req = new_run(t, Some(t.tenant));
        req.dedupe_key = Some(format!("checkpoint-{i}"));
        life.start(req).await.unwrap();
    }
    // The background checkpointer may be copying at the same moment; a passive checkpoint
    // then reports busy and the next one finishes.
    let mut done = None;
    for _ in 0..50 {
        let c = db.checkpoint().await.unwrap().expect("SQLite reports its checkpoint");
        if c.busy == 0 {
            done = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let done = done.expect("a passive checkpoint finishes when nobody is writing");
    assert!(done.log > 0, "the runs just written are in the log");
    assert_eq!(done.checkpointed, done.log, "the whole log is copied into the database file");
}
