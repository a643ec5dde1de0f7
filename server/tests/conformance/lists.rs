//! Lists and counts on both databases: keyset pages, exact counts under every filter, problem
//! classes that agree with their badges, the bell, and the system plane's lists.

use super::*;

pub(crate) async fn keyset_pages_walk_the_list_without_gaps_or_repeats(t: &TestDb) {
    let life = t.state.lifecycle();
    for i in 0..23 {
        // Several runs share a timestamp so the id tie-break matters.
        if i % 3 == 0 {
            t.clock.advance(Duration::from_secs(1));
        }
        let mut req = new_run(t, Some(t.tenant));
        req.dedupe_key = Some(format!("k{i}"));
        if i % 4 == 0 {
            req.run_type = RunType::RestoreExecute.into();
        }
        life.start(req).await.unwrap();
    }
    let filter = RunFilter::default();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = runs::list_page(&t.state.db, Some(t.ws), &filter, after, 5).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(Cursor { created_at: last.run.created_at, id: last.run.id });
        seen.extend(page.iter().map(|r| (r.run.created_at, r.run.id)));
        assert!(page.iter().all(|r| r.tenant_name.as_deref() == Some("Tenant One")));
    }
    assert_eq!(seen.len(), 23);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first, ties by id");
    assert_eq!(runs::count(&t.state.db, Some(t.ws), &filter).await.unwrap(), 23);
    let restores = RunFilter { run_type: Some("restore.execute".into()), ..RunFilter::default() };
    assert_eq!(runs::count(&t.state.db, Some(t.ws), &restores).await.unwrap(), 6);
    let page = runs::list_page(&t.state.db, Some(t.ws), &restores, None, 50).await.unwrap();
    assert!(page.iter().all(|r| r.run.run_type.is(RunType::RestoreExecute)) && page.len() == 6);
    let completed = RunFilter { status: Some(RunStatus::Completed), ..RunFilter::default() };
    assert_eq!(runs::count(&t.state.db, Some(t.ws), &completed).await.unwrap(), 0);
    let foreign = RunFilter { tenant: Some(t.other_tenant), ..RunFilter::default() };
    assert_eq!(runs::count(&t.state.db, Some(t.ws), &foreign).await.unwrap(), 0);
    assert_eq!(runs::active_for_tenant(&t.state.db, t.tenant).await.unwrap().len(), 23);
}

pub(crate) async fn exact_counts_agree_with_the_runs_under_every_filter(t: &TestDb) {
    let life = t.state.lifecycle();
    let second = server::seed::ensure_tenant(&t.state.db, t.ws, "t2", "Tenant Two", T0).await.unwrap();
    for i in 0..24 {
        let mut req = new_run(t, [Some(t.tenant), Some(second), None][i % 3]);
        req.run_type = [RunType::InventorySync, RunType::RestoreExecute][i % 2].into();
        req.dedupe_key = Some(format!("k{i}"));
        life.start(req).await.unwrap();
    }
    for i in 0..16 {
        let run = life.claim_next("w1", LEASE).await.unwrap().unwrap();
        if i % 2 == 0 {
            let outcome = [RunOutcome::Succeeded, RunOutcome::Failed, RunOutcome::PartiallySucceeded][i % 3];
            life.complete(run.id, Completion::by_worker("w1", outcome)).await.unwrap();
        }
    }
    // A raw write bypassing the service is counted too: the triggers own the counts.
    sqlx::query("DELETE FROM operation_runs WHERE id = (SELECT MIN(id) FROM operation_runs WHERE status = 'queued')")
        .execute(t.state.db.pool())
        .await
        .unwrap();
    let tenants = [None, Some(t.tenant), Some(second), Some(t.other_tenant)];
    let types = [None, Some(RunType::InventorySync), Some(RunType::RestoreExecute), Some(RunType::BaselineCapture)];
    let statuses = [None, Some(RunStatus::Queued), Some(RunStatus::Running), Some(RunStatus::Completed)];
    let outcomes = [None, Some(RunOutcome::Failed), Some(RunOutcome::Succeeded)];
    let classes = [None, Some(ProblemClass::TerminalFollowUp), Some(ProblemClass::None)];
    for tenant in tenants {
        for run_type in types {
            for status in statuses {
                for outcome in outcomes {
                    for terminal_class in classes {
                        let filter = RunFilter {
                            tenant,
                            run_type: run_type.map(|t| t.as_str().to_owned()),
                            status,
                            outcome,
                            terminal_class,
                            ..RunFilter::default()
                        };
                        let mut sql = String::from("SELECT COUNT(*) FROM operation_runs WHERE workspace_id = $1");
                        let mut args: Vec<String> = Vec::new();
                        for (col, value) in [
                            ("tenant_id", tenant.map(|x| x.to_string())),
                            ("run_type", run_type.map(|x| x.as_str().to_owned())),
                            ("status", status.map(|x| x.as_str().to_owned())),
                            ("outcome", outcome.map(|x| x.as_str().to_owned())),
                            ("terminal_class", terminal_class.map(|x| x.as_str().to_owned())),
                        ] {
                            if let Some(v) = value {
                                let cast = if col == "tenant_id" { "CAST(tenant_id AS TEXT)" } else { col };
                                sql.push_str(&format!(" AND {cast} = ${}", args.len() + 2));
                                args.push(v);
                            }
                        }
                        let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(t.ws.get());
                        for a in args {
                            q = q.bind(a);
                        }
                        let expected = q.fetch_one(t.state.db.pool()).await.unwrap();
                        let counted = runs::count(&t.state.db, Some(t.ws), &filter).await.unwrap();
                        assert_eq!(counted, u64::try_from(expected).unwrap(), "{filter:?}");
                    }
                }
            }
        }
    }
}

pub(crate) async fn class_counts_class_filters_and_badges_agree_on_every_class(t: &TestDb) {
    use app::jobs::reconciler::Reconciler;
    use app::services::operations::{PAGE_SIZE, list_runs};
    use app::services::principal::Principal;
    t.state.live.reload().await.unwrap();
    let life = t.state.lifecycle();
    let mut start = distinct_runs(t);
    // Two runs whose worker vanished, closed by the reconciler: reconciled_stale.
    for _ in 0..2 {
        let r = life.start(start(Some(t.tenant))).await.unwrap().run().clone();
        life.claim(r.id, "w-gone", LEASE).await.unwrap().unwrap();
    }
    t.clock.advance(Duration::from_secs(2 * 3600));
    let swept = Reconciler::new(t.state.clone(), "sweeper").sweep().await.unwrap();
    assert_eq!(swept.decided.len(), 2);
    // One whose worker vanished after the sweep: active_stale now.
    let stuck = life.start(start(Some(t.tenant))).await.unwrap().run().clone();
    life.claim(stuck.id, "w-gone", LEASE).await.unwrap().unwrap();
    t.clock.advance(Duration::from_secs(2 * 3600));
    // Finished by their workers: follow-up for failed and partial, none for success — more
    // successes than one page, with two healthy active runs (one workspace-wide) among them.
    let mut expect_none = 0;
    for i in 0..(PAGE_SIZE as usize + 12) {
        let tenant = if i == 30 { None } else { Some(t.tenant) };
        let r = life.start(start(tenant)).await.unwrap().run().clone();
        if i == 20 || i == 30 {
            expect_none += 1;
            continue;
        }
        life.claim(r.id, "w1", LEASE).await.unwrap().unwrap();
        let outcome = match i {
            0 => RunOutcome::Failed,
            1 => RunOutcome::PartiallySucceeded,
            _ => RunOutcome::Succeeded,
        };
        if outcome == RunOutcome::Succeeded {
            expect_none += 1;
        }
        life.complete(r.id, Completion::by_worker("w1", outcome)).await.unwrap();
    }

    // The class the lifecycle stored is the class every surface derives.
    let completed: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, terminal_class FROM operation_runs WHERE status = 'completed'")
            .fetch_all(t.state.db.pool())
            .await
            .unwrap();
    for (id, stored) in completed {
        let run = runs::get(&t.state.db, RunId(id)).await.unwrap().unwrap();
        assert_eq!(run.terminal_class().map(ProblemClass::as_str), Some(stored.as_str()), "run {id}");
    }

    let owner = Principal::owner(t.user, t.ws, "Owner");
    let all = list_runs(&t.state, &owner, &ListQuery::default()).await.unwrap();
    let counts: Vec<(ProblemClass, u64)> = all.class_counts.iter().map(|c| (c.class, c.count)).collect();
    assert_eq!(
        counts,
        [
            (ProblemClass::ActiveStale, 1),
            (ProblemClass::TerminalFollowUp, 2),
            (ProblemClass::ReconciledStale, 2),
            (ProblemClass::None, expect_none),
        ]
    );
    assert_eq!(all.total_count, counts.iter().map(|c| c.1).sum::<u64>(), "the classes split the list");
    // Following each count gives exactly that many runs, every one showing that class.
    for (class, n) in counts {
        let mut seen = Vec::new();
        let mut q = ListQuery { class: Some(class.as_str().to_owned()), ..ListQuery::default() };
        loop {
            let page = list_runs(&t.state, &owner, &q).await.unwrap();
            assert_eq!(page.total_count, n, "{class:?}");
            assert!(page.runs.iter().all(|v| v.problem == class), "{class:?}");
            seen.extend(page.runs.iter().map(|v| (v.created_at, v.id)));
            match page.next {
                Some(next) => q.after = Some(next),
                None => break,
            }
        }
        assert_eq!(seen.len() as u64, n, "{class:?}");
        assert!(seen.windows(2).all(|w| w[0] > w[1]), "{class:?}: newest first, no repeats");
    }
    // The other filters narrow the counts the same way: the workspace-wide run is not a
    // tenant's, and an outcome filter leaves no active run.
    let tenant_only = ListQuery { tenant: Some(t.tenant.to_string()), ..ListQuery::default() };
    let page = list_runs(&t.state, &owner, &tenant_only).await.unwrap();
    assert_eq!(page.class_counts[3].count, expect_none - 1);
    let failed = ListQuery { outcome: Some("failed".into()), ..ListQuery::default() };
    let page = list_runs(&t.state, &owner, &failed).await.unwrap();
    let counts: Vec<u64> = page.class_counts.iter().map(|c| c.count).collect();
    assert_eq!(counts, [0, 1, 2, 0]);
    assert_eq!(page.total_count, 3);
    // A reader entitled to no tenant of ours sees no class count at all.
    let mut outsider = Principal::owner(t.user, t.ws, "Reader");
    outsider.tenants = app::domain::access::TenantScope::Only(vec![t.other_tenant]);
    let page = list_runs(&t.state, &outsider, &ListQuery::default()).await.unwrap();
    assert!(page.class_counts.iter().all(|c| c.count == 0), "{:?}", page.class_counts);
}

/// `status=active` and `since` (the dashboard's drill-through for "active" and "succeeded in
/// the last 24 h") list exactly the runs they count, with class counts that agree.
pub(crate) async fn the_active_and_completed_since_filters_list_exactly_what_they_count(t: &TestDb) {
    use app::services::operations::list_runs;
    use app::services::principal::Principal;
    t.state.live.reload().await.unwrap();
    let life = t.state.lifecycle();
    let mut start = distinct_runs(t);
    let mut finish = async |outcome| {
        let r = life.start(start(Some(t.tenant))).await.unwrap().run().clone();
        life.claim(r.id, "w1", LEASE).await.unwrap().unwrap();
        life.complete(r.id, Completion::by_worker("w1", outcome)).await.unwrap();
        r.id
    };
    // Two successes long ago, then one success and one failure inside the window.
    finish(RunOutcome::Succeeded).await;
    finish(RunOutcome::Succeeded).await;
    t.clock.advance(Duration::from_secs(3 * 3600));
    let since = t.clock.now();
    let recent_ok = finish(RunOutcome::Succeeded).await;
    let recent_failed = finish(RunOutcome::Failed).await;
    // Two active runs: one running, one queued (the queued one workspace-wide).
    let running = life.start(start(Some(t.tenant))).await.unwrap().run().clone();
    life.claim(running.id, "w1", LEASE).await.unwrap().unwrap();
    let queued = life.start(start(None)).await.unwrap().run().clone();

    let owner = Principal::owner(t.user, t.ws, "Owner");
    let ids = |page: &app::api::RunListPage| {
        let mut ids: Vec<i64> = page.runs.iter().map(|v| v.id.get()).collect();
        ids.sort_unstable();
        ids
    };
    let active = ListQuery { status: Some("active".into()), ..ListQuery::default() };
    let page = list_runs(&t.state, &owner, &active).await.unwrap();
    assert_eq!(page.total_count, 2);
    assert_eq!(ids(&page), vec![running.id.get(), queued.id.get()]);
    assert_eq!(page.class_counts.iter().map(|c| c.count).sum::<u64>(), 2);

    let since_ms = Some(since.millis().to_string());
    let window = ListQuery { since: since_ms.clone(), ..ListQuery::default() };
    let page = list_runs(&t.state, &owner, &window).await.unwrap();
    assert_eq!(page.total_count, 2, "completed in the window, whatever the outcome");
    assert_eq!(ids(&page), vec![recent_ok.get(), recent_failed.get()]);
    let counts: Vec<u64> = page.class_counts.iter().map(|c| c.count).collect();
    assert_eq!(counts, [0, 1, 0, 1], "the class counts come from the runs in the window too");

    let succeeded = ListQuery {
        tenant: Some(t.tenant.to_string()),
        outcome: Some("succeeded".into()),
        since: since_ms,
        ..ListQuery::default()
    };
    let page = list_runs(&t.state, &owner, &succeeded).await.unwrap();
    assert_eq!(page.total_count, 1);
    assert_eq!(ids(&page), vec![recent_ok.get()]);
    assert_eq!(page.class_counts.iter().map(|c| c.count).sum::<u64>(), 1);
}

/// A workspace's completion window is counted from the hourly counters plus the runs of its
/// first, partial hour: exact wherever the window starts, however its runs ended, under
/// further filters, and read from the counters (specs/lifecycle-and-storage, "Counting a window").
pub(crate) async fn window_counts_are_exact_wherever_the_window_starts(t: &TestDb) {
    let life = t.state.lifecycle();
    let mut next = distinct_runs(t);
    let began = t.clock.now();
    // Five hours of endings 25 minutes apart: by the worker (three outcomes), a queued run
    // cancelled by a person, and runs left queued that the reconciler closes at the end.
    for k in 0..12_usize {
        let tenant = if k % 3 == 2 { None } else { Some(t.tenant) };
        let mut req = next(tenant);
        req.run_type = [RunType::InventorySync, RunType::RestoreExecute][k % 2].into();
        let id = life.start(req).await.unwrap().run().id;
        if k % 4 == 3 {
            life.request_cancel(id, t.user).await.unwrap();
        } else {
            life.claim(id, "w1", LEASE).await.unwrap().unwrap();
            let outcome = [RunOutcome::Succeeded, RunOutcome::Failed, RunOutcome::PartiallySucceeded][k % 3];
            life.complete(id, Completion::by_worker("w1", outcome)).await.unwrap();
        }
        life.start(next(Some(t.tenant))).await.unwrap();
        t.clock.advance(Duration::from_secs(25 * 60));
    }
    t.clock.advance(Duration::from_secs(86_400));
    t.state.live.reload().await.unwrap();
    let decided = app::jobs::reconciler::Reconciler::new(t.state.clone(), "sweeper").sweep().await.unwrap().decided;
    assert_eq!(decided.len(), 12, "every run left queued is closed by the reconciler");
    let ended = t.clock.now();

    use app::domain::Timestamp;
    let exact = async |since: Timestamp, extra: &str| -> i64 {
        sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM operation_runs WHERE workspace_id = $1 AND status = 'completed' \
             AND completed_at >= $2{extra}"
        ))
        .bind(t.ws.get())
        .bind(since.millis())
        .fetch_one(t.state.db.pool())
        .await
        .unwrap()
    };
    let mut since = Timestamp(began.millis() - 30 * 60_000);
    while since <= ended {
        let window = RunFilter { completed_since: Some(since), ..RunFilter::default() };
        let counted = runs::count(&t.state.db, Some(t.ws), &window).await.unwrap();
        assert_eq!(counted, u64::try_from(exact(since, "").await).unwrap(), "since {since:?}");
        let classes = runs::terminal_class_counts(&t.state.db, Some(t.ws), &window).await.unwrap();
        for class in ProblemClass::ALL {
            let n = classes.iter().find(|(c, _)| *c == class).map_or(0, |(_, n)| *n);
            let rows = exact(since, &format!(" AND terminal_class = '{}'", class.as_str())).await;
            assert_eq!(n, u64::try_from(rows).unwrap(), "{class:?} since {since:?}");
        }
        let failed_restores =
            RunFilter { outcome: Some(RunOutcome::Failed), run_type: Some("restore.execute".into()), ..window.clone() };
        let rows = exact(since, " AND outcome = 'failed' AND run_type = 'restore.execute'").await;
        assert_eq!(runs::count(&t.state.db, Some(t.ws), &failed_restores).await.unwrap(), u64::try_from(rows).unwrap());
        since = Timestamp(since.millis() + 7 * 60_000);
    }

    // The whole hours come from the counters: a counter moved by hand moves the count.
    let whole_hour = (began.millis() / runs::COMPLETION_BUCKET_MS + 2) * runs::COMPLETION_BUCKET_MS;
    sqlx::query("UPDATE run_completions_ws SET n = n + 100 WHERE workspace_id = $1 AND completed_at = $2")
        .bind(t.ws.get())
        .bind(whole_hour)
        .execute(t.state.db.pool())
        .await
        .unwrap();
    let window = RunFilter { completed_since: Some(began), ..RunFilter::default() };
    let counted = runs::count(&t.state.db, Some(t.ws), &window).await.unwrap();
    assert!(counted >= 100 + u64::try_from(exact(began, "").await).unwrap(), "{counted}");
}

pub(crate) async fn the_bell_lists_a_persons_notifications_in_scope_and_marks_them_read(t: &TestDb) {
    use app::services::notifications::{list, mark_all_read, mark_read};
    use app::services::principal::Principal;
    let life = t.state.lifecycle();
    let second = server::seed::ensure_tenant(&t.state.db, t.ws, "t2", "Tenant Two", T0).await.unwrap();
    let mut finished = Vec::new();
    for (i, (tenant, outcome)) in
        [(t.tenant, RunOutcome::Succeeded), (t.tenant, RunOutcome::Failed), (second, RunOutcome::PartiallySucceeded)]
            .into_iter()
            .enumerate()
    {
        let mut req = new_run(t, Some(tenant));
        req.dedupe_key = Some(format!("n{i}"));
        let r = life.start(req).await.unwrap().run().clone();
        life.claim(r.id, "w1", LEASE).await.unwrap().unwrap();
        t.clock.advance(Duration::from_secs(1));
        life.complete(r.id, Completion::by_worker("w1", outcome)).await.unwrap();
        finished.push(r.id);
    }
    // Queued and running runs announce nothing.
    let mut req = new_run(t, Some(t.tenant));
    req.dedupe_key = Some("quiet".into());
    let quiet = life.start(req).await.unwrap().run().clone();
    life.claim(quiet.id, "w1", LEASE).await.unwrap().unwrap();

    let me = Principal::owner(t.user, t.ws, "Op");
    let bell = list(&t.state, &me).await.unwrap();
    let ids: Vec<_> = bell.items.iter().map(|n| n.run.as_ref().unwrap().id).collect();
    assert_eq!(ids, [finished[2], finished[1], finished[0]], "newest first, one per finished run");
    assert_eq!(bell.unread, 3);
    let failed = &bell.items[1];
    let said = app::copy::EN.notice(failed.run.as_ref().unwrap()).unwrap();
    assert_eq!(said.title, "Inventory sync failed", "worded from the run, in the reader's language");
    assert_eq!(failed.title, None, "nothing worded is stored");
    assert_eq!(failed.link, format!("/admin/operations/{}", finished[1]));
    assert_eq!(
        failed.list_link.as_deref(),
        Some(format!("/admin/operations?tenant={}&class=terminal_follow_up", t.tenant).as_str()),
        "the list link keeps the tenant and the class"
    );

    // A reader entitled to the first tenant only does not hear of the second's run.
    let mut narrowed = me.clone();
    narrowed.tenants = app::domain::access::TenantScope::Only(vec![t.tenant]);
    let bell = list(&t.state, &narrowed).await.unwrap();
    assert_eq!((bell.items.len(), bell.unread), (2, 2));
    let theirs = list(&t.state, &me).await.unwrap().items[0].id;
    let refused = mark_read(&t.state, &narrowed, &theirs.to_string()).await;
    assert_eq!(refused.map_err(|e| app::api::ApiError::from(e).status()), Err(404));
    // Someone else marks nothing of ours.
    let other = Principal::owner(app::domain::UserId(t.user.get() + 999), t.ws, "Nobody");
    assert_eq!(
        mark_read(&t.state, &other, &theirs.to_string()).await.map_err(|e| app::api::ApiError::from(e).status()),
        Err(404)
    );
    assert_eq!(
        mark_read(&t.state, &me, "not-a-number").await.map_err(|e| app::api::ApiError::from(e).status()),
        Err(404)
    );

    // A notification written before notifications were worded on read keeps its words.
    sqlx::query(
        "INSERT INTO notifications (user_id, workspace_id, run_id, kind, title, body, link, created_at, dedupe_key) \
         VALUES ($1, $2, NULL, 'run_terminal', 'Old words', 'As written then.', '/admin/operations', $3, 'older')",
    )
    .bind(t.user.get())
    .bind(t.ws.get())
    .bind(T0.millis() - 1)
    .execute(t.state.db.pool())
    .await
    .unwrap();
    let bell = list(&t.state, &me).await.unwrap();
    let older = bell.items.last().expect("the older notification is listed last");
    assert_eq!(
        (older.title.as_deref(), older.body.as_deref(), older.link.as_str(), older.run.is_none()),
        (Some("Old words"), Some("As written then."), "/admin/operations", true)
    );
    mark_read(&t.state, &me, &older.id.to_string()).await.unwrap();

    assert_eq!(mark_read(&t.state, &me, &theirs.to_string()).await.unwrap(), 2);
    assert_eq!(mark_read(&t.state, &me, &theirs.to_string()).await.unwrap(), 2, "marking again changes nothing");
    assert_eq!(mark_all_read(&t.state, &me).await.unwrap(), 0);
    assert!(list(&t.state, &me).await.unwrap().items.iter().all(|n| n.read));
}

pub(crate) async fn the_system_lists_span_every_workspace_for_platform_operators_only(t: &TestDb) {
    use app::services::principal::Principal;
    use app::services::system;
    t.state.live.reload().await.unwrap();
    let life = t.state.lifecycle();
    let mut ended = Vec::new();
    for (ws, tenant, outcome) in [
        (t.ws, t.tenant, RunOutcome::Failed),
        (app::domain::WorkspaceId(2), t.other_tenant, RunOutcome::PartiallySucceeded),
        (t.ws, t.tenant, RunOutcome::Succeeded),
    ] {
        let mut req = new_run(t, Some(tenant));
        req.workspace_id = ws;
        req.dedupe_key = Some(format!("sys{}", ended.len()));
        let r = life.start(req).await.unwrap().run().clone();
        life.claim(r.id, "w1", LEASE).await.unwrap().unwrap();
        t.clock.advance(Duration::from_secs(1));
        life.complete(r.id, Completion::by_worker("w1", outcome)).await.unwrap();
        ended.push(r.id);
    }
    let mut other_ws = new_run(t, Some(t.other_tenant));
    other_ws.workspace_id = app::domain::WorkspaceId(2);
    other_ws.dedupe_key = Some("active".into());
    let active = life.start(other_ws).await.unwrap().run().clone();

    let mut platform = Principal::owner(t.user, t.ws, "Platform");
    platform.platform_operator = true;
    let all = system::runs(&t.state, &platform, &ListQuery::default(), false).await.unwrap();
    let ids: Vec<_> = all.runs.iter().map(|v| v.id).collect();
    assert_eq!(ids, [active.id, ended[2], ended[1], ended[0]], "every workspace, newest first");
    assert_eq!(all.workspaces, [2, t.ws.get(), 2, t.ws.get()]);
    assert_eq!(all.total_count, 4);
    assert!(all.workspace_names.iter().any(|w| w.id == 2) && all.tenants.len() >= 2);
    let counts: Vec<u64> = all.class_counts.iter().map(|c| c.count).collect();
    assert_eq!(counts, [0, 2, 0, 2]);
    let failures = system::runs(&t.state, &platform, &ListQuery::default(), true).await.unwrap();
    let ids: Vec<_> = failures.runs.iter().map(|v| v.id).collect();
    assert_eq!(ids, [ended[1], ended[0]], "only the runs that need follow-up, from both workspaces");
    assert_eq!(failures.total_count, 2);
    // The same run shows the same class on both planes.
    let detail = system::run(&t.state, &platform, &ended[1].to_string()).await.unwrap();
    assert_eq!(detail.view.problem, ProblemClass::TerminalFollowUp);
    assert!(detail.diagnostics.is_some());
    assert_eq!(detail.view.tenant_name.as_deref(), Some("Elsewhere"));

    // Everyone else: not found, whatever their role.
    let owner = Principal::owner(t.user, t.ws, "Owner");
    for follow_up in [false, true] {
        let refused = system::runs(&t.state, &owner, &ListQuery::default(), follow_up).await;
        assert_eq!(refused.map(|_| ()).map_err(|e| app::api::ApiError::from(e).status()), Err(404));
    }
    assert_eq!(
        system::run(&t.state, &owner, &ended[0].to_string())
            .await
            .map(|_| ())
            .map_err(|e| app::api::ApiError::from(e).status()),
        Err(404)
    );
    assert_eq!(
        system::run(&t.state, &platform, "99999").await.map(|_| ()).map_err(|e| app::api::ApiError::from(e).status()),
        Err(404)
    );
}

pub(crate) async fn the_stuck_list_shows_every_workspaces_stale_runs_longest_stuck_first(t: &TestDb) {
    use app::services::principal::Principal;
    t.state.live.reload().await.unwrap();
    let life = t.state.lifecycle();
    // Another workspace's run goes silent first, then one of ours.
    let mut elsewhere = new_run(t, Some(t.other_tenant));
    elsewhere.workspace_id = app::domain::WorkspaceId(2);
    let elsewhere = life.start(elsewhere).await.unwrap().run().clone();
    life.claim_next("w-gone", LEASE).await.unwrap().unwrap();
    t.clock.advance(Duration::from_secs(60));
    let ours = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    life.claim_next("w-gone", LEASE).await.unwrap().unwrap();
    t.clock.advance(Duration::from_secs(2 * 3600));
    // Queued just now: healthy, not on the list.
    let mut fresh = new_run(t, Some(t.tenant));
    fresh.dedupe_key = Some("fresh".into());
    let fresh = life.start(fresh).await.unwrap().run().clone();

    let mut platform = Principal::owner(t.user, t.ws, "Platform");
    platform.platform_operator = true;
    let stuck = app::services::system::stuck(&t.state, &platform).await.unwrap();
    let ids: Vec<_> = stuck.runs.iter().map(|r| r.view.id).collect();
    assert_eq!(ids, [elsewhere.id, ours.id], "both workspaces, the one stuck longest first; {fresh:?} is healthy");
    assert_eq!(stuck.runs[0].workspace_id, 2);
    assert!(!stuck.runs[0].workspace_name.is_empty());
    assert_eq!(stuck.runs[1].view.tenant_name.as_deref(), Some("Tenant One"));
    for r in &stuck.runs {
        assert_eq!(r.view.problem.as_str(), "active_stale", "the same class as on every other surface");
        assert!(r.stuck_since < t.clock.now());
        assert_eq!(r.why, app::domain::reconcile::Abandoned::WorkerSilent);
    }
    let member = Principal::owner(t.user, t.ws, "Owner");
    let err = app::api::ApiError::from(app::services::system::stuck(&t.state, &member).await.unwrap_err());
    assert_eq!(err.status(), 404, "nobody else learns the page exists");
}
