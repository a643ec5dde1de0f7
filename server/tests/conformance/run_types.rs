//! Each built-in run type on both databases, driven one run at a time: inventory sync, the demo
//! seed, baseline capture and compare, restore, review composition and publishing, review packs.

use super::*;

pub(crate) async fn inventory_sync_upserts_items_with_counted_progress(t: &TestDb) {
    server::seed::ensure_provider_items(&t.state.db, t.tenant, 23, &[], T0).await.unwrap();
    let worker = Worker::new(t.state.clone(), "w1").with_handler(RunType::InventorySync, InventorySync);
    let life = t.state.lifecycle();
    let run = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    assert_eq!(worker.run_one().await.unwrap(), Some(run.id));
    assert_eq!(worker.run_one().await.unwrap(), None, "nothing else is queued");
    let done = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(done.state, RunState::Completed(RunOutcome::Succeeded));
    let got = |k| done.summary.get(k);
    assert_eq!(
        (got(SummaryKey::Total), got(SummaryKey::Processed), got(SummaryKey::Created)),
        (Some(23), Some(23), Some(23))
    );
    let items: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM inventory_items WHERE tenant_id = $1 AND last_sync_run_id = $2")
            .bind(t.tenant.get())
            .bind(run.id.get())
            .fetch_one(t.state.db.pool())
            .await
            .unwrap();
    assert_eq!(items, 23);
    // The provider changes one item; the next sync sees exactly that.
    sqlx::query("UPDATE provider_items SET version = 2, settings = '{\"enabled\": false}' WHERE tenant_id = $1 AND external_id = 'item-00004'")
        .bind(t.tenant.get())
        .execute(t.state.db.pool())
        .await
        .unwrap();
    let second = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    worker.run_one().await.unwrap();
    let done = runs::get(&t.state.db, second.id).await.unwrap().unwrap();
    assert_eq!(done.summary.get(SummaryKey::Updated), Some(1));
    assert_eq!(done.summary.get(SummaryKey::Unchanged), Some(22));
    assert_eq!(done.summary.get(SummaryKey::Created), Some(0));
}

pub(crate) async fn inventory_sync_with_unreadable_items_partially_succeeds(t: &TestDb) {
    server::seed::ensure_provider_items(&t.state.db, t.tenant, 12, &[3, 7], T0).await.unwrap();
    let worker = Worker::new(t.state.clone(), "w1").with_handler(RunType::InventorySync, InventorySync);
    let run = t.state.lifecycle().start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    worker.run_one().await.unwrap();
    let done = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(done.state, RunState::Completed(RunOutcome::PartiallySucceeded));
    assert_eq!(done.summary.get(SummaryKey::Failed), Some(2));
    assert_eq!(done.summary.get(SummaryKey::Succeeded), Some(10));
    let failure = done.failure.expect("a partial failure says why");
    assert_eq!(app::copy::EN.stored_sentence(&failure.message), "2 of 12 items could not be read from the provider.");
    assert_eq!(notifications_for(t, run.id.get()).await, 1);
}

pub(crate) async fn the_demo_seed_is_idempotent_and_covers_every_problem_class(t: &TestDb) {
    let state = own_state(t);
    let first = server::seed::seed_demo(&state).await.unwrap();
    assert!(first.created);
    let count = run_count(t).await;
    // An administrator revokes a demo membership and changes a demo password.
    app::services::accounts::revoke(&state.db, "olu@contoso-msp.example", "contoso-msp").await.unwrap();
    app::services::accounts::set_password(&state.db, "rhea@northwind.example", "a-password-of-her-own").await.unwrap();
    let second = server::seed::seed_demo(&state).await.unwrap();
    assert!(!second.created);
    assert_eq!(run_count(t).await, count, "a second seed adds nothing");
    let olu = app::store::accounts::user_by_email(&state.db, "olu@contoso-msp.example").await.unwrap().unwrap();
    let membership = app::store::people::membership(&state.db, olu, first.workspace).await.unwrap();
    assert!(membership.is_none(), "a revoked membership stays revoked across restarts");
    let rhea = app::store::accounts::credentials(&state.db, "rhea@northwind.example").await.unwrap().unwrap();
    assert!(
        app::services::accounts::verify_password("a-password-of-her-own", rhea.password_hash.as_deref().unwrap_or(""))
            .await,
        "a changed password stays changed"
    );
    let page = runs::list_page(&t.state.db, Some(first.workspace), &RunFilter::default(), None, 100).await.unwrap();
    let now = t.clock.now();
    let classes: std::collections::BTreeSet<_> =
        page.iter().map(|r| r.run.problem_class(&r.run.run_type.default_policy(), now).as_str()).collect();
    for c in ["active_stale", "terminal_follow_up", "reconciled_stale", "none"] {
        assert!(classes.contains(c), "the demo shows {c}");
    }
    let fresh: std::collections::BTreeSet<_> = page
        .iter()
        .filter_map(|r| r.run.freshness(&r.run.run_type.default_policy(), now))
        .map(|f| f.as_str())
        .collect();
    assert_eq!(fresh.into_iter().collect::<Vec<_>>(), ["fresh", "likely_stale", "past_expected"]);
    let mut seen = std::collections::BTreeSet::new();
    for r in &page {
        if let RunState::Completed(o) = r.run.state {
            seen.insert((r.run.run_type.as_str(), o.as_str()));
        }
    }
    for o in RunOutcome::ALL {
        assert!(seen.iter().any(|(_, s)| *s == o.as_str()), "the demo shows a run that {}", o.as_str());
    }
    for ty in RunType::ALL {
        assert!(seen.iter().any(|(t, _)| *t == ty.as_str()), "the demo shows a finished {}", ty.as_str());
    }
    let reasons: std::collections::BTreeSet<String> = page
        .iter()
        .filter_map(|r| r.run.context.as_value()["reconciliation"]["reason"].as_str().map(str::to_owned))
        .collect();
    for reason in ["worker_lost", "past_time_limit", "review_ready", "review_superseded"] {
        assert!(reasons.contains(reason), "the demo shows a run closed for {reason}: {reasons:?}");
    }
    // Litware's lost worker host held more runs than an overlay shows.
    let crowd: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM operation_runs r JOIN workspaces w ON w.id = r.workspace_id \
         WHERE w.slug = 'litware-it' AND r.status <> 'completed'",
    )
    .fetch_one(t.state.db.pool())
    .await
    .unwrap();
    assert!(crowd > i64::try_from(app::domain::view::OVERLAY_MAX).unwrap(), "{crowd} active Litware runs");
    // Fabrikam's latest pack failed with its run (cancelled at shutdown while it was written).
    let latest = app::store::workbench::latest_pack(&t.state.db, first.tenants[1]).await.unwrap();
    assert_eq!(latest.map(|p| p.status), Some("failed".to_owned()), "the demo shows a failed pack card");
    assert_seeded_runs_have_their_records(t, &page).await;
}

/// Every seeded run that finished its own work left the records that work leaves.
pub(crate) async fn assert_seeded_runs_have_their_records(t: &TestDb, page: &[runs::RunWithTenant]) {
    let db = t.state.db.pool();
    let count = |sql: &'static str, id: i64| async move {
        sqlx::query_scalar::<_, i64>(sql).bind(id).fetch_one(db).await.unwrap()
    };
    let (mut ready_packs, mut expired_packs) = (0, 0);
    for r in page {
        let RunState::Completed(outcome) = r.run.state else { continue };
        if r.run.was_reconciled() || !matches!(outcome, RunOutcome::Succeeded | RunOutcome::PartiallySucceeded) {
            continue;
        }
        let id = r.run.id.get();
        let what = format!("run {id} ({})", r.run.run_type.as_str());
        if let Some(processed) = r.run.summary.get(SummaryKey::Processed) {
            let parts: u64 = [SummaryKey::Succeeded, SummaryKey::Failed, SummaryKey::Skipped]
                .into_iter()
                .filter_map(|k| r.run.summary.get(k))
                .sum();
            assert_eq!(parts, processed, "{what}: every processed item succeeded, failed or was skipped once");
        }
        match r.run.run_type.builtin().expect("a built-in run") {
            RunType::InventorySync => {
                let synced =
                    count("SELECT COUNT(*) FROM inventory_items WHERE tenant_id = $1", r.run.tenant_id.unwrap().get());
                assert!(synced.await > 0, "{what} filled the inventory");
                assert!(r.run.summary.get(SummaryKey::Processed).unwrap_or(0) > 0, "{what} counted its items");
            }
            RunType::BaselineCapture => {
                assert_eq!(count("SELECT COUNT(*) FROM baseline_snapshots WHERE run_id = $1", id).await, 1, "{what}");
            }
            RunType::BaselineCompare => {
                let findings = count("SELECT COUNT(*) FROM drift_findings WHERE run_id = $1", id).await;
                let counted: u64 =
                    [SummaryKey::FindingsAdded, SummaryKey::FindingsRemoved, SummaryKey::FindingsChanged]
                        .into_iter()
                        .filter_map(|k| r.run.summary.get(k))
                        .sum();
                assert_eq!(u64::try_from(findings).unwrap(), counted, "{what}: findings agree with its counts");
            }
            RunType::EnvironmentReviewCompose => {
                let reviews = count("SELECT COUNT(*) FROM environment_reviews WHERE compose_run_id = $1", id);
                assert_eq!(reviews.await, 1, "{what}");
            }
            RunType::ReviewPackGenerate => {
                let (pack, status): (i64, String) =
                    sqlx::query_as("SELECT id, status FROM review_packs WHERE run_id = $1")
                        .bind(id)
                        .fetch_one(db)
                        .await
                        .unwrap();
                let stored = count("SELECT COUNT(*) FROM review_pack_chunks WHERE pack_id = $1", pack).await;
                match status.as_str() {
                    "ready" => {
                        ready_packs += 1;
                        assert!(stored > 0, "{what}: a ready pack has its contents");
                    }
                    "expired" => {
                        expired_packs += 1;
                        assert_eq!(stored, 0, "{what}: an expired pack's contents are gone");
                    }
                    other => panic!("{what}: pack is {other}"),
                }
            }
            RunType::RestoreExecute => {
                let results = count(
                    "SELECT COUNT(*) FROM restore_items i JOIN restores r ON r.id = i.restore_id WHERE r.run_id = $1",
                    id,
                );
                assert!(results.await > 0, "{what} recorded a result per item");
            }
        }
    }
    assert_eq!((ready_packs, expired_packs), (1, 1), "one pack to download, one past its retention");
    let published: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT tenant_id, COUNT(*) FROM environment_reviews WHERE status = 'published' GROUP BY tenant_id \
         ORDER BY tenant_id",
    )
    .fetch_all(db)
    .await
    .unwrap();
    assert_eq!(published.len(), 2, "Northwind and Adatum each published reviews: {published:?}");
    assert!(published.iter().all(|(_, n)| *n == 1), "each newer published review superseded the older: {published:?}");
    let changed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM drift_findings WHERE change = 'changed'").fetch_one(db).await.unwrap();
    assert!(changed >= 3, "the customer's changes show up as drift");
    assert!(
        page.iter().any(|r| r.run.summary.get(SummaryKey::Removed) == Some(1)),
        "the item the customer deleted left the inventory at the next sync"
    );
    let stale: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM inventory_items i WHERE NOT EXISTS \
         (SELECT 1 FROM provider_items p WHERE p.tenant_id = i.tenant_id AND p.external_id = i.external_id)",
    )
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(stale, 0, "the inventory holds only items the provider has");
}

pub(crate) async fn baseline_capture_moves_through_its_phases_and_saves_a_snapshot(t: &TestDb) {
    use app::jobs::provider::{Fault, set_fault};
    server::seed::ensure_provider_items(&t.state.db, t.tenant, 10, &[], T0).await.unwrap();
    set_fault(&t.state.db, RunType::BaselineCapture, Some(Fault::Slow), T0).await.unwrap();
    let worker = baseline_worker(&t.state);
    let run = start_type(t, RunType::BaselineCapture, json!({})).await;
    let (done, seen) = run_watching_progress(t, &worker, &run).await;
    assert_eq!(done.state, RunState::Completed(RunOutcome::Succeeded));
    let phased: Vec<&str> = seen.iter().filter(|(m, _)| *m == ProgressMode::Phased).map(|(_, l)| l.as_str()).collect();
    assert_eq!(
        phased,
        ["Checking eligibility — step 1 of 3", "Capturing evidence — step 2 of 3", "Saving snapshot — step 3 of 3"],
        "all seen: {seen:?}"
    );
    assert!(seen.iter().all(|(m, _)| matches!(m, ProgressMode::Activity | ProgressMode::Phased | ProgressMode::None)));
    assert_eq!(done.summary.get(SummaryKey::ItemsCaptured), Some(10));
    let (snapshot, count): (i64, i64) =
        sqlx::query_as("SELECT id, item_count FROM baseline_snapshots WHERE run_id = $1")
            .bind(run.id.get())
            .fetch_one(t.state.db.pool())
            .await
            .unwrap();
    assert_eq!(count, 10);
    let items: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM baseline_snapshot_items WHERE snapshot_id = $1")
        .bind(snapshot)
        .fetch_one(t.state.db.pool())
        .await
        .unwrap();
    assert_eq!(items, 10);
}

pub(crate) async fn baseline_capture_is_blocked_without_items_and_partial_with_unreadable_ones(t: &TestDb) {
    let worker = baseline_worker(&t.state);
    let run = start_type(t, RunType::BaselineCapture, json!({})).await;
    worker.run_one().await.unwrap();
    let blocked = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(blocked.state, RunState::Completed(RunOutcome::Blocked));
    assert_eq!(
        blocked.problem_class(&RunType::BaselineCapture.default_policy(), t.clock.now()),
        ProblemClass::TerminalFollowUp
    );
    server::seed::ensure_provider_items(&t.state.db, t.tenant, 8, &[2, 5], T0).await.unwrap();
    let run = start_type(t, RunType::BaselineCapture, json!({})).await;
    worker.run_one().await.unwrap();
    let partial = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(partial.state, RunState::Completed(RunOutcome::PartiallySucceeded));
    assert_eq!(
        (partial.summary.get(SummaryKey::ItemsCaptured), partial.summary.get(SummaryKey::Skipped)),
        (Some(6), Some(2))
    );
    assert_eq!(
        partial.failure.map(|f| app::copy::EN.stored_sentence(&f.message)).as_deref(),
        Some("2 of 8 items could not be read and were left out of the baseline.")
    );
}

pub(crate) async fn baseline_compare_records_added_removed_and_changed_items(t: &TestDb) {
    let worker = baseline_worker(&t.state);
    let none = start_type(t, RunType::BaselineCompare, json!({})).await;
    worker.run_one().await.unwrap();
    let none = runs::get(&t.state.db, none.id).await.unwrap().unwrap();
    assert_eq!(none.state, RunState::Completed(RunOutcome::Blocked));
    assert_eq!(
        none.failure.map(|f| app::copy::EN.stored_sentence(&f.message)).as_deref(),
        Some("No baseline has been captured for this tenant yet. Capture one first.")
    );

    server::seed::ensure_provider_items(&t.state.db, t.tenant, 6, &[], T0).await.unwrap();
    let capture = start_type(t, RunType::BaselineCapture, json!({})).await;
    worker.run_one().await.unwrap();
    let snapshot: i64 = sqlx::query_scalar("SELECT id FROM baseline_snapshots WHERE run_id = $1")
        .bind(capture.id.get())
        .fetch_one(t.state.db.pool())
        .await
        .unwrap();
    // Drift: one item changes a setting, one disappears, one appears.
    let db = t.state.db.pool();
    sqlx::query("UPDATE provider_items SET settings = '{\"enabled\": true, \"level\": 9, \"scope\": \"group-1\"}', version = 2 WHERE tenant_id = $1 AND external_id = 'item-00001'")
        .bind(t.tenant.get()).execute(db).await.unwrap();
    sqlx::query("DELETE FROM provider_items WHERE tenant_id = $1 AND external_id = 'item-00004'")
        .bind(t.tenant.get())
        .execute(db)
        .await
        .unwrap();
    sqlx::query("INSERT INTO provider_items (tenant_id, external_id, kind, display_name, settings, version, updated_at) VALUES ($1, 'item-new', 'security_baseline', 'New policy', '{}', 1, 0)")
        .bind(t.tenant.get()).execute(db).await.unwrap();

    let compare = start_type(t, RunType::BaselineCompare, json!({ "snapshot_id": snapshot })).await;
    worker.run_one().await.unwrap();
    let done = runs::get(&t.state.db, compare.id).await.unwrap().unwrap();
    assert_eq!(done.state, RunState::Completed(RunOutcome::Succeeded));
    let got = |k| done.summary.get(k);
    assert_eq!(
        (got(SummaryKey::FindingsAdded), got(SummaryKey::FindingsRemoved), got(SummaryKey::FindingsChanged)),
        (Some(1), Some(1), Some(1))
    );
    let findings: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT external_id, change, changed_settings FROM drift_findings WHERE run_id = $1 ORDER BY external_id",
    )
    .bind(compare.id.get())
    .fetch_all(db)
    .await
    .unwrap();
    assert_eq!(findings.len(), 3);
    assert_eq!((findings[0].0.as_str(), findings[0].1.as_str()), ("item-00001", "changed"));
    let diff: serde_json::Value = serde_json::from_str(&findings[0].2).unwrap();
    assert_eq!(diff, json!([{"setting": "level", "before": 1, "after": 9}]));
    assert_eq!((findings[1].0.as_str(), findings[1].1.as_str()), ("item-00004", "removed"));
    assert_eq!((findings[2].0.as_str(), findings[2].1.as_str()), ("item-new", "added"));

    // A snapshot of another tenant is never used, even if named directly.
    let foreign = start_type(t, RunType::BaselineCompare, json!({ "snapshot_id": 987_654 })).await;
    worker.run_one().await.unwrap();
    let foreign = runs::get(&t.state.db, foreign.id).await.unwrap().unwrap();
    assert_eq!(foreign.state, RunState::Completed(RunOutcome::Blocked));
}

pub(crate) async fn starting_operations_refuses_bad_input_calmly_and_creates_nothing(t: &TestDb) {
    use app::api::{ApiError, StartResult};
    use app::services::operations::StartOptions;
    let me = app::services::principal::Principal::owner(t.user, t.ws, "Op");
    // Starting, answered as the API answers it.
    let start_operation = |state, me, tenant, run_type, o| async move {
        app::services::operations::start_operation(state, me, tenant, run_type, o)
            .await
            .map(StartResult::from)
            .map_err(ApiError::from)
    };
    t.state.live.reload().await.unwrap();
    // Another tenant's snapshot, to try to restore here.
    let other_ws_user = server::seed::ensure_user(&t.state.db, "x@other.example", "X", T0).await.unwrap();
    let mut foreign = new_run(t, Some(t.other_tenant));
    foreign.workspace_id = app::domain::WorkspaceId(t.ws.get() + 1);
    foreign.initiator = Some(other_ws_user);
    foreign.run_type = RunType::BaselineCapture.into();
    let foreign_run = t.state.lifecycle().start(foreign).await.unwrap().run().clone();
    let foreign_snapshot: i64 = sqlx::query_scalar(
        "INSERT INTO baseline_snapshots (workspace_id, tenant_id, run_id, item_count, captured_at) VALUES ($1, $2, $3, 0, 0) RETURNING id",
    )
    .bind(t.ws.get() + 1)
    .bind(t.other_tenant.get())
    .bind(foreign_run.id.get())
    .fetch_one(t.state.db.pool())
    .await
    .unwrap();
    let before = run_count(t).await;
    let tenant = t.tenant.to_string();
    let fs = foreign_snapshot.to_string();
    let other_tenant = t.other_tenant.to_string();
    let opts = |snapshot: Option<&'static str>, review: Option<&'static str>, confirm: bool| StartOptions {
        snapshot,
        review,
        confirm,
    };
    let cases: Vec<(&str, &str, StartOptions<'_>, u16)> = vec![
        ("424242", "inventory.sync", opts(None, None, false), 404),
        (&other_tenant, "inventory.sync", opts(None, None, false), 404),
        ("", "inventory.sync", opts(None, None, false), 422),
        ("abc", "baseline.capture", opts(None, None, false), 422),
        (&tenant, "inventory.sink", opts(None, None, false), 422),
        (&tenant, "baseline.compare", opts(Some("31337"), None, false), 404),
        (&tenant, "baseline.compare", opts(Some("x"), None, false), 404),
        (&tenant, "inventory.sync", opts(Some("1"), None, false), 422),
        (&tenant, "restore.execute", opts(None, None, true), 422),
        (&tenant, "restore.execute", StartOptions { snapshot: Some(fs.as_str()), review: None, confirm: true }, 404),
        (&tenant, "review_pack.generate", opts(None, Some("777"), false), 404),
        (&tenant, "inventory.sync", opts(None, Some("1"), false), 422),
    ];
    for (tenant, run_type, o, status) in cases {
        let shown = format!("{tenant:?} {run_type:?} {o:?}");
        let err = start_operation(&t.state, &me, tenant, run_type, o).await.unwrap_err();
        assert_eq!(err.status(), status, "{shown}: {err:?}");
        assert!(!err.message().contains("SQL") && !err.message().contains('_'), "{}", err.message());
    }
    assert_eq!(run_count(t).await, before, "nothing was created");

    let ok = start_operation(&t.state, &me, &tenant, "baseline.capture", StartOptions::default()).await.unwrap();
    assert!(!ok.already_running);
    assert_eq!(ok.message, "Baseline capture queued.");
    let again = start_operation(&t.state, &me, &tenant, "baseline.capture", StartOptions::default()).await.unwrap();
    assert!(again.already_running);
    assert_eq!(again.run_id, ok.run_id);
    // A restore of this tenant's own snapshot still needs explicit confirmation.
    server::seed::ensure_provider_items(&t.state.db, t.tenant, 3, &[], T0).await.unwrap();
    let worker = baseline_worker(&t.state);
    while worker.run_one().await.unwrap().is_some() {}
    let own: i64 = sqlx::query_scalar("SELECT id FROM baseline_snapshots WHERE tenant_id = $1")
        .bind(t.tenant.get())
        .fetch_one(t.state.db.pool())
        .await
        .unwrap();
    let own = own.to_string();
    let unconfirmed = StartOptions { snapshot: Some(own.as_str()), review: None, confirm: false };
    let err = start_operation(&t.state, &me, &tenant, "restore.execute", unconfirmed).await.unwrap_err();
    assert_eq!(
        (err.status(), err.message()),
        (422, "Confirm the restore first: it changes the tenant's configuration back to the baseline.")
    );
    let confirmed = StartOptions { snapshot: Some(own.as_str()), review: None, confirm: true };
    let restore = start_operation(&t.state, &me, &tenant, "restore.execute", confirmed).await.unwrap();
    assert_eq!(restore.message, "Restore queued.");
    let compose =
        start_operation(&t.state, &me, &tenant, "environment.review.compose", StartOptions::default()).await.unwrap();
    assert_eq!(compose.message, "Environment review queued.");
}

pub(crate) async fn restore_puts_a_snapshot_back_onto_the_provider_with_per_item_results(t: &TestDb) {
    server::seed::ensure_provider_items(&t.state.db, t.tenant, 12, &[], T0).await.unwrap();
    let worker = baseline_worker(&t.state);
    let snapshot = capture_snapshot(t, &worker).await;
    let db = t.state.db.pool();
    // Drift since the baseline: one item changed, one deleted, one added.
    sqlx::query("UPDATE provider_items SET settings = '{\"enabled\": false}' WHERE tenant_id = $1 AND external_id = 'item-00002'")
        .bind(t.tenant.get()).execute(db).await.unwrap();
    sqlx::query("DELETE FROM provider_items WHERE tenant_id = $1 AND external_id = 'item-00007'")
        .bind(t.tenant.get())
        .execute(db)
        .await
        .unwrap();
    sqlx::query("INSERT INTO provider_items (tenant_id, external_id, kind, display_name, settings, version, updated_at) VALUES ($1, 'item-extra', 'security_baseline', 'Extra', '{}', 1, 0)")
        .bind(t.tenant.get()).execute(db).await.unwrap();

    let run = start_type(t, RunType::RestoreExecute, json!({ "snapshot_id": snapshot })).await;
    worker.run_one().await.unwrap();
    let done = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(done.state, RunState::Completed(RunOutcome::Succeeded));
    let got = |k| done.summary.get(k);
    assert_eq!(
        (got(SummaryKey::Total), got(SummaryKey::Processed), got(SummaryKey::Succeeded), got(SummaryKey::Skipped)),
        (Some(12), Some(12), Some(2), Some(10)),
        "applied items succeeded; items that already matched were skipped"
    );
    let (status, finished): (String, Option<i64>) =
        sqlx::query_as("SELECT status, finished_at FROM restores WHERE run_id = $1")
            .bind(run.id.get())
            .fetch_one(db)
            .await
            .unwrap();
    assert_eq!(status, "applied");
    assert!(finished.is_some());
    let applied: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.external_id, i.detail FROM restore_items i JOIN restores r ON r.id = i.restore_id \
         WHERE r.run_id = $1 AND i.result = 'applied' ORDER BY i.external_id",
    )
    .bind(run.id.get())
    .fetch_all(db)
    .await
    .unwrap();
    // Stored as typed sentences, worded when read.
    let applied: Vec<(String, String)> = applied
        .into_iter()
        .map(|(id, detail)| (id, app::copy::EN.stored_sentence(&app::domain::StoredSentence::read(&detail))))
        .collect();
    assert_eq!(
        applied,
        [
            ("item-00002".to_owned(), "Settings put back to the baseline.".to_owned()),
            ("item-00007".to_owned(), "Re-created from the baseline.".to_owned())
        ]
    );
    // The provider matches the baseline again; the extra item is left alone.
    let differing: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM baseline_snapshot_items b LEFT JOIN provider_items p \
         ON p.tenant_id = $1 AND p.external_id = b.external_id WHERE b.snapshot_id = $2 AND (p.settings IS NULL OR p.settings <> b.settings)",
    )
    .bind(t.tenant.get())
    .bind(snapshot)
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(differing, 0);
    let extra: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM provider_items WHERE tenant_id = $1 AND external_id = 'item-extra'")
            .bind(t.tenant.get())
            .fetch_one(db)
            .await
            .unwrap();
    assert_eq!(extra, 1);
}

pub(crate) async fn restore_with_refused_items_partially_succeeds_and_without_a_baseline_is_blocked(t: &TestDb) {
    use app::jobs::provider::{Fault, set_fault};
    let worker = baseline_worker(&t.state);
    let blocked = start_type(t, RunType::RestoreExecute, json!({})).await;
    worker.run_one().await.unwrap();
    let blocked = runs::get(&t.state.db, blocked.id).await.unwrap().unwrap();
    assert_eq!(blocked.state, RunState::Completed(RunOutcome::Blocked));

    server::seed::ensure_provider_items(&t.state.db, t.tenant, 8, &[], T0).await.unwrap();
    let snapshot = capture_snapshot(t, &worker).await;
    set_fault(&t.state.db, RunType::RestoreExecute, Some(Fault::Partial), T0).await.unwrap();
    let mut req = new_run(t, Some(t.tenant));
    req.run_type = RunType::RestoreExecute.into();
    req.dedupe_key = Some("second".into());
    req.inputs = json!({ "snapshot_id": snapshot });
    let run = t.state.lifecycle().start(req).await.unwrap().run().clone();
    worker.run_one().await.unwrap();
    let done = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(done.state, RunState::Completed(RunOutcome::PartiallySucceeded));
    assert_eq!(done.summary.get(SummaryKey::Failed), Some(2));
    assert_eq!(
        done.failure.map(|f| app::copy::EN.stored_sentence(&f.message)).as_deref(),
        Some("2 of 8 items could not be put back; the others match the baseline.")
    );
    let status: String = sqlx::query_scalar("SELECT status FROM restores WHERE run_id = $1")
        .bind(run.id.get())
        .fetch_one(t.state.db.pool())
        .await
        .unwrap();
    assert_eq!(status, "partially_applied");
}

pub(crate) async fn composing_a_review_reports_composite_progress_and_writes_a_ready_review(t: &TestDb) {
    use app::jobs::provider::{Fault, set_fault};
    let worker = baseline_worker(&t.state);
    full_evidence(t, &worker).await;
    set_fault(&t.state.db, RunType::EnvironmentReviewCompose, Some(Fault::Slow), T0).await.unwrap();
    let run = start_type(t, RunType::EnvironmentReviewCompose, json!({})).await;
    let (done, seen) = run_watching_progress(t, &worker, &run).await;
    assert_eq!(done.state, RunState::Completed(RunOutcome::Succeeded), "{:?}", done.failure);
    let composite: Vec<&str> =
        seen.iter().filter(|(m, _)| *m == ProgressMode::Composite).map(|(_, l)| l.as_str()).collect();
    assert!(composite.contains(&"2 of 4 evidence sources ready"), "seen: {seen:?}");
    let mut sorted = composite.clone();
    sorted.sort();
    assert_eq!(composite, sorted, "ready sources only ever increase");
    let last = done.context.composite().expect("the final composite is stored");
    assert_eq!((last.total, last.ready, last.failed), (4, 4, 0));
    assert!(seen.iter().all(|(m, _)| *m != ProgressMode::Counted), "a composite run never shows a percentage");
    assert_eq!(done.summary.get(SummaryKey::Sections), Some(5));
    let reviews = reviews_of(t).await;
    assert_eq!(reviews.len(), 1);
    assert_eq!((reviews[0].1.as_str(), reviews[0].3), ("ready", run.id.get()));
    let sections: String = sqlx::query_scalar("SELECT sections FROM environment_reviews WHERE id = $1")
        .bind(reviews[0].0)
        .fetch_one(t.state.db.pool())
        .await
        .unwrap();
    let sections: serde_json::Value = serde_json::from_str(&sections).unwrap();
    let (_, findings) = app::copy::EN.review_section(&app::domain::review::StoredSection::read(&sections[2]));
    assert_eq!(findings, "0 added, 0 removed and 1 changed items since the baseline.");
}

pub(crate) async fn composing_again_over_the_same_evidence_refreshes_the_mutable_review(t: &TestDb) {
    let worker = baseline_worker(&t.state);
    full_evidence(t, &worker).await;
    let first = start_type(t, RunType::EnvironmentReviewCompose, json!({})).await;
    worker.run_one().await.unwrap();
    let second = start_type(t, RunType::EnvironmentReviewCompose, json!({})).await;
    worker.run_one().await.unwrap();
    let reviews = reviews_of(t).await;
    assert_eq!(reviews.len(), 1, "same evidence, same mutable review");
    assert_eq!(reviews[0].3, second.id.get(), "refreshed by the newer compose (not {})", first.id);
    // The index itself refuses a second mutable review for the same fingerprint.
    let dup = sqlx::query(
        "INSERT INTO environment_reviews (workspace_id, tenant_id, fingerprint, status, created_at, updated_at) VALUES ($1, $2, $3, 'composing', 0, 0)",
    )
    .bind(t.ws.get())
    .bind(t.tenant.get())
    .bind(&reviews[0].2)
    .execute(t.state.db.pool())
    .await;
    assert!(dup.is_err(), "one mutable review per tenant and fingerprint");
    // New evidence: a new fingerprint and a second review.
    start_type(t, RunType::BaselineCompare, json!({})).await;
    worker.run_one().await.unwrap();
    start_type(t, RunType::EnvironmentReviewCompose, json!({})).await;
    worker.run_one().await.unwrap();
    let reviews = reviews_of(t).await;
    assert_eq!(reviews.len(), 2);
    assert_ne!(reviews[0].2, reviews[1].2);
}

pub(crate) async fn a_review_without_evidence_is_composed_partially_and_says_what_is_missing(t: &TestDb) {
    let worker = baseline_worker(&t.state);
    let run = start_type(t, RunType::EnvironmentReviewCompose, json!({})).await;
    worker.run_one().await.unwrap();
    let done = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(done.state, RunState::Completed(RunOutcome::PartiallySucceeded));
    assert_eq!(
        done.failure.map(|f| app::copy::EN.stored_sentence(&f.message)).as_deref(),
        Some("The review was composed without: Inventory, Baseline comparison, Drift findings.")
    );
    assert_eq!(reviews_of(t).await.len(), 1);
}

/// Two ready reviews of the tenant, over different evidence: the older and the newer.
async fn two_ready_reviews(t: &TestDb) -> (i64, i64) {
    let worker = baseline_worker(&t.state);
    start_type(t, RunType::EnvironmentReviewCompose, json!({})).await;
    worker.run_one().await.unwrap();
    full_evidence(t, &worker).await;
    start_type(t, RunType::EnvironmentReviewCompose, json!({})).await;
    worker.run_one().await.unwrap();
    let reviews = reviews_of(t).await;
    (reviews[0].0, reviews[1].0)
}

pub(crate) async fn publishing_a_review_supersedes_the_previous_one(t: &TestDb) {
    use app::jobs::run_types::reviews::{PublishError, publish};
    let (older, newer) = two_ready_reviews(t).await;
    let clock = t.clock.clone();
    publish(&t.state.db, &clock, t.ws, older).await.unwrap();
    publish(&t.state.db, &clock, t.ws, newer).await.unwrap();
    let statuses: Vec<String> = reviews_of(t).await.into_iter().map(|r| r.1).collect();
    assert_eq!(statuses, ["superseded", "published"]);
    assert!(
        matches!(publish(&t.state.db, &clock, t.ws, newer).await, Err(PublishError::NotReady(s)) if s == "published")
    );
    assert!(matches!(publish(&t.state.db, &clock, t.ws, 999_999).await, Err(PublishError::NotFound)));
    let other_ws = app::domain::WorkspaceId(t.ws.get() + 1);
    assert!(
        matches!(publish(&t.state.db, &clock, other_ws, newer).await, Err(PublishError::NotFound)),
        "another workspace sees nothing"
    );
}

pub(crate) async fn concurrent_publishes_leave_one_published_review_per_tenant(t: &TestDb) {
    use app::jobs::run_types::reviews::{PublishError, publish};
    let (older, newer) = two_ready_reviews(t).await;
    let clock = t.clock.clone();
    let (a, b) = tokio::join!(publish(&t.state.db, &clock, t.ws, older), publish(&t.state.db, &clock, t.ws, newer));
    // Each publish either won or was told calmly that the other did; never an error.
    for r in [&a, &b] {
        assert!(matches!(r, Ok(()) | Err(PublishError::PublishedMeanwhile)), "{r:?}");
    }
    assert!(a.is_ok() || b.is_ok(), "one of them won");
    let published: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM environment_reviews WHERE tenant_id = $1 AND status = 'published'")
            .bind(t.tenant.get())
            .fetch_one(t.state.db.pool())
            .await
            .unwrap();
    assert_eq!(published, 1, "exactly one published review");
    // The database holds the rule even against a write that skips the service.
    let now = t.clock.now().millis();
    let both =
        sqlx::query("UPDATE environment_reviews SET status = 'published', published_at = $1 WHERE tenant_id = $2")
            .bind(now)
            .bind(t.tenant.get())
            .execute(t.state.db.pool())
            .await;
    assert!(both.is_err_and(|e| app::jobs::run_types::reviews::is_unique_violation(&e)));
}

/// `name` inside the ZIP at `path`, read by a standard unzip.
fn unzipped(path: &std::path::Path, name: &str) -> String {
    let out = std::process::Command::new("unzip").arg("-p").arg(path).arg(name).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Pack `pack`'s archive as `me` downloads it, chunk by chunk, written to a file in `dir`.
async fn downloaded(
    state: &app::runtime::AppState,
    me: &app::services::principal::Principal,
    pack: i64,
    dir: &std::path::Path,
) -> std::path::PathBuf {
    use app::services::tenant::{PackDownload, download_pack};
    let PackDownload::Ready { mut contents, size_bytes, .. } =
        download_pack(state, me, &pack.to_string()).await.unwrap()
    else {
        panic!("pack {pack} is not ready");
    };
    let mut bytes = Vec::new();
    while let Some(chunk) = contents.next_chunk().await.unwrap() {
        bytes.extend(chunk);
    }
    assert_eq!(u64::try_from(bytes.len()).unwrap(), size_bytes, "the whole archive, as long as announced");
    let path = dir.join(format!("pack-{pack}.zip"));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A worker that makes packs, with the evidence composed into a ready review.
async fn ready_to_pack(t: &TestDb) -> (app::runtime::AppState, Worker) {
    let state = own_state(t);
    let worker =
        baseline_worker(&state).with_handler(RunType::ReviewPackGenerate, app::jobs::run_types::packs::GeneratePack);
    full_evidence(t, &worker).await;
    start_type(t, RunType::EnvironmentReviewCompose, json!({})).await;
    worker.run_one().await.unwrap();
    (state, worker)
}

pub(crate) async fn a_review_pack_speaks_the_language_its_requester_chose(t: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let (state, worker) = ready_to_pack(t).await;
    app::store::people::set_locale(&t.state.db, t.user, Some("de")).await.unwrap();
    let run = start_type(t, RunType::ReviewPackGenerate, json!({})).await;
    worker.run_one().await.unwrap();
    let pack: i64 = sqlx::query_scalar("SELECT id FROM review_packs WHERE run_id = $1")
        .bind(run.id.get())
        .fetch_one(t.state.db.pool())
        .await
        .unwrap();
    let me = app::services::principal::Principal::owner(t.user, t.ws, "Op");
    let german = unzipped(&downloaded(&state, &me, pack, dir.path()).await, "summary.html");
    assert!(german.contains("<html lang=\"de\">") && german.contains("Umgebungsprüfung #"), "{german}");
    assert!(german.contains("<h2>Zusammenfassung</h2><p>Alle Nachweisquellen waren verfügbar.</p>"), "{german}");
    assert!(german.contains("0 hinzugekommene, 0 entfernte und 1 geänderte Elemente"), "the findings too: {german}");
}

pub(crate) async fn a_review_pack_is_a_zip_of_three_files_stored_in_the_database_until_it_expires(t: &TestDb) {
    use app::jobs::run_types::packs::sweep_expired;
    use app::services::tenant::{PackDownload, download_pack as download};
    let dir = tempfile::tempdir().unwrap();
    let (state, worker) = ready_to_pack(t).await;
    let run = start_type(t, RunType::ReviewPackGenerate, json!({})).await;
    worker.run_one().await.unwrap();
    let done = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(done.state, RunState::Completed(RunOutcome::Succeeded), "{:?}", done.failure);
    assert_eq!((done.summary.get(SummaryKey::Total), done.summary.get(SummaryKey::Processed)), (Some(5), Some(5)));
    let (pack, status): (i64, String) = sqlx::query_as("SELECT id, status FROM review_packs WHERE run_id = $1")
        .bind(run.id.get())
        .fetch_one(t.state.db.pool())
        .await
        .unwrap();
    assert_eq!(status, "ready");
    let me = app::services::principal::Principal::owner(t.user, t.ws, "Op");
    // Another instance (a state of its own over the same database) serves the download.
    let path = downloaded(&own_state(t), &me, pack, dir.path()).await;
    // A standard unzip opens it and finds the three files.
    let listing = std::process::Command::new("unzip").arg("-Z1").arg(&path).output().unwrap();
    assert!(listing.status.success(), "{}", String::from_utf8_lossy(&listing.stderr));
    assert_eq!(String::from_utf8_lossy(&listing.stdout), "summary.html\nfindings.csv\nreview.json\n");
    let csv = unzipped(&path, "findings.csv");
    assert!(csv.starts_with("item,change,name,changed_settings\r\n"), "{csv}");
    assert!(csv.contains("item-00003,changed,"), "{csv}");
    // The summary words the review's typed sections, in English for someone who chose no
    // language (no browser is asking when the pack is built).
    let english = unzipped(&path, "summary.html");
    assert!(english.contains("<html lang=\"en\">"), "{english}");
    assert!(english.contains("0 added, 0 removed and 1 changed items since the baseline."), "{english}");
    assert!(english.contains("<h2>Summary</h2><p>All evidence sources were available.</p>"), "{english}");

    let stranger =
        app::services::principal::Principal { workspace_id: app::domain::WorkspaceId(t.ws.get() + 1), ..me.clone() };
    assert!(matches!(download(&state, &stranger, &pack.to_string()).await.unwrap(), PackDownload::NotFound));
    assert!(matches!(download(&state, &me, "nope").await.unwrap(), PackDownload::NotFound));

    t.clock.advance(Duration::from_secs(7 * 86_400 - 1));
    assert_eq!(sweep_expired(&state).await.unwrap(), 0, "not before its retention period");
    t.clock.advance(Duration::from_secs(2));
    // A download that began before the pack expired breaks off instead of ending short.
    let PackDownload::Ready { contents: mut begun, .. } = download(&state, &me, &pack.to_string()).await.unwrap()
    else {
        panic!("still ready");
    };
    assert_eq!(sweep_expired(&state).await.unwrap(), 1);
    assert!(begun.next_chunk().await.is_err(), "an expired pack cannot be read to its end");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM review_pack_chunks WHERE pack_id = $1")
        .bind(pack)
        .fetch_one(t.state.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 0, "the expired pack's contents are gone, for every instance");
    assert!(matches!(download(&own_state(t), &me, &pack.to_string()).await.unwrap(), PackDownload::Expired));
    assert_eq!(sweep_expired(&own_state(t)).await.unwrap(), 0, "another instance's sweep finds nothing left");
}

pub(crate) async fn the_pack_card_follows_the_newest_pack_run_and_keeps_a_timer_only_while_it_is_made(t: &TestDb) {
    use app::services::digest::tenant_digest;
    let (state, worker) = ready_to_pack(t).await;
    // The pages' state (its own live view) is the one that starts the pack runs.
    state.live.reload().await.unwrap();
    let start_pack = || async {
        let req = NewRun { run_type: RunType::ReviewPackGenerate.into(), ..new_run(t, Some(t.tenant)) };
        state.lifecycle().start(req).await.unwrap().run().clone()
    };
    let owner = app::services::principal::Principal::owner(t.user, t.ws, "Op");
    let tenant = t.tenant.get().to_string();
    let card = || async { changed(tenant_digest(&state, &owner, &tenant, None).await.unwrap()).pack };
    assert_eq!(card().await, None, "no pack yet: the card says so and keeps no timer");

    // Asked for: the card shows the new pack queued, with its own interval.
    let first = start_pack().await;
    let queued = card().await.unwrap();
    assert_eq!((queued.status.as_str(), queued.id, queued.run_id), ("queued", None, first.id.get()));
    assert_eq!(queued.poll_interval_ms, Some(10_000));
    worker.run_one().await.unwrap();
    let ready = card().await.unwrap();
    assert_eq!((ready.status.as_str(), ready.run_id, ready.poll_interval_ms), ("ready", first.id.get(), None));
    assert!(ready.id.is_some() && ready.size_bytes.is_some());

    // Asked for again: the newer run is the card's truth, not the ready pack before it.
    let second = start_pack().await;
    let again = card().await.unwrap();
    assert_eq!(
        (again.status.as_str(), again.run_id, again.poll_interval_ms),
        ("queued", second.id.get(), Some(10_000))
    );
    let digest = changed(tenant_digest(&state, &owner, &tenant, None).await.unwrap());
    assert!(digest.poll_interval_ms.is_some_and(|ms| ms <= 10_000), "the page polls as often as its card needs");
    worker.run_one().await.unwrap();
    assert_eq!(card().await.map(|c| (c.status, c.run_id)), Some(("ready".to_owned(), second.id.get())));

    // Expired: nothing can change by itself any more.
    t.clock.advance(Duration::from_secs(7 * 86_400 + 1));
    let expired = card().await.unwrap();
    assert_eq!((expired.status.as_str(), expired.poll_interval_ms), ("expired", None));
}

pub(crate) async fn an_archive_larger_than_a_chunk_is_stored_in_pieces_and_read_back_whole(t: &TestDb) {
    use app::store::packs::{CHUNK_BYTES, ready};
    let run = start_type(t, RunType::ReviewPackGenerate, json!({})).await;
    let now = t.clock.now();
    let pack: i64 = sqlx::query_scalar(
        "INSERT INTO review_packs (workspace_id, tenant_id, run_id, status, created_at) \
         VALUES ($1, $2, $3, 'generating', $4) RETURNING id",
    )
    .bind(t.ws.get())
    .bind(t.tenant.get())
    .bind(run.id.get())
    .bind(now.millis())
    .fetch_one(t.state.db.pool())
    .await
    .unwrap();
    // Two whole chunks and a part, every byte value, so a lost or reordered piece shows.
    let archive: Vec<u8> = (0..2 * CHUNK_BYTES + 1234).map(|i| u8::try_from(i % 251).unwrap()).collect();
    let mut tx = t.state.db.begin_write().await.unwrap();
    ready(&mut tx, pack, "big.zip", &archive, now, now.plus(Duration::from_secs(60))).await.unwrap();
    tx.commit().await.unwrap();
    let pieces: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM review_pack_chunks WHERE pack_id = $1")
        .bind(pack)
        .fetch_one(t.state.db.pool())
        .await
        .unwrap();
    assert_eq!(pieces, 3);
    let dir = tempfile::tempdir().unwrap();
    let me = app::services::principal::Principal::owner(t.user, t.ws, "Op");
    assert_eq!(std::fs::read(downloaded(&own_state(t), &me, pack, dir.path()).await).unwrap(), archive);
    // A pack no longer being generated (its run ended without it) is neither marked nor stored.
    let mut tx = t.state.db.begin_write().await.unwrap();
    ready(&mut tx, pack, "again.zip", b"other", now, now).await.unwrap();
    tx.commit().await.unwrap();
    let name: String = sqlx::query_scalar("SELECT file_name FROM review_packs WHERE id = $1")
        .bind(pack)
        .fetch_one(t.state.db.pool())
        .await
        .unwrap();
    assert_eq!(name, "big.zip");
}

pub(crate) async fn a_review_pack_without_a_review_is_blocked(t: &TestDb) {
    let state = own_state(t);
    let worker = Worker::new(state.clone(), "w-pack")
        .with_handler(RunType::ReviewPackGenerate, app::jobs::run_types::packs::GeneratePack);
    let run = start_type(t, RunType::ReviewPackGenerate, json!({})).await;
    worker.run_one().await.unwrap();
    let done = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(done.state, RunState::Completed(RunOutcome::Blocked));
    let packs: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM review_packs").fetch_one(t.state.db.pool()).await.unwrap();
    assert_eq!(packs, 0);
}
