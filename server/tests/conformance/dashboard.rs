//! The tenant dashboard and the live view on both databases: the digest and its drill-through
//! counts, when it is rebuilt, the workspace overview, and the poll answer's cache.

use super::*;

/// The digest a poll carried; panics on "unchanged".
pub(crate) fn changed(poll: app::api::DigestPoll) -> app::api::TenantDigest {
    match poll {
        app::api::DigestPoll::Changed(d) => *d,
        app::api::DigestPoll::Unchanged => panic!("expected a changed digest"),
    }
}

/// The tenant dashboard's one poll: every count equals what its drill-through lists; a page
/// holding the current version is told "unchanged"; a completion and a run going stale with
/// no event at all both change it; outside the caller's scope the tenant does not exist.
pub(crate) async fn the_dashboard_digest_counts_what_its_links_list_and_is_unchanged_until_the_truth_moves(t: &TestDb) {
    use app::api::{Bucket, DigestPoll};
    use app::jobs::reconciler::Reconciler;
    use app::services::digest::tenant_digest;
    use app::services::operations::list_runs;
    use app::services::principal::Principal;
    t.state.live.reload().await.unwrap();
    let life = t.state.lifecycle();
    let mut next = distinct_runs(t);
    let mut start = || next(Some(t.tenant));
    let failed = life.start(start()).await.unwrap().run().clone();
    life.claim(failed.id, "w1", LEASE).await.unwrap().unwrap();
    life.complete(failed.id, Completion::by_worker("w1", RunOutcome::Failed)).await.unwrap();
    let lost = life.start(start()).await.unwrap().run().clone();
    life.claim(lost.id, "w-gone", LEASE).await.unwrap().unwrap();
    t.clock.advance(Duration::from_secs(2 * 3600));
    assert_eq!(Reconciler::new(t.state.clone(), "sweeper").sweep().await.unwrap().decided.len(), 1);
    let ok = life.start(start()).await.unwrap().run().clone();
    life.claim(ok.id, "w1", LEASE).await.unwrap().unwrap();
    life.complete(ok.id, Completion::by_worker("w1", RunOutcome::Succeeded)).await.unwrap();
    let stuck = life.start(start()).await.unwrap().run().clone();
    life.claim(stuck.id, "w-gone", LEASE).await.unwrap().unwrap();
    t.clock.advance(Duration::from_secs(5 * 60));
    let running = life.start(start()).await.unwrap().run().clone();
    life.claim(running.id, "w1", LEASE).await.unwrap().unwrap();

    let owner = Principal::owner(t.user, t.ws, "Owner");
    let tenant = t.tenant.to_string();
    let d = changed(tenant_digest(&t.state, &owner, &tenant, None).await.unwrap());
    let k = d.kpis;
    assert_eq!((k.active, k.stuck, k.follow_up, k.stopped, k.succeeded_recently), (2, 1, 1, 1, 1), "{k:?}");
    assert_eq!(d.active.iter().map(|v| v.id).collect::<Vec<_>>(), vec![stuck.id, running.id], "oldest first");
    assert_eq!(d.follow_up.iter().map(|v| v.id).collect::<Vec<_>>(), vec![lost.id, failed.id], "newest first");
    assert_eq!(d.recent.first().map(|v| v.id), Some(running.id));
    assert!(d.poll_interval_ms.is_some(), "active runs keep the page polling");
    for bucket in Bucket::ALL {
        let page = list_runs(&t.state, &owner, &bucket.query(Some(d.tenant_id), d.since)).await.unwrap();
        assert_eq!(page.total_count, bucket.count(&d.kpis), "{bucket:?}");
        assert_eq!(page.runs.len() as u64, bucket.count(&d.kpis), "{bucket:?}");
    }

    // Holding the current version: unchanged, also after a rebuild past the backstop.
    let v1 = d.version.clone();
    assert_eq!(tenant_digest(&t.state, &owner, &tenant, Some(&v1)).await.unwrap(), DigestPoll::Unchanged);
    // A completion on this instance reaches the digest at once.
    life.complete(running.id, Completion::by_worker("w1", RunOutcome::Succeeded)).await.unwrap();
    let d = changed(tenant_digest(&t.state, &owner, &tenant, Some(&v1)).await.unwrap());
    assert_eq!((d.kpis.active, d.kpis.succeeded_recently), (1, 2));
    let v2 = d.version.clone();
    t.clock.advance(Duration::from_secs(61));
    assert_eq!(tenant_digest(&t.state, &owner, &tenant, Some(&v2)).await.unwrap(), DigestPoll::Unchanged);

    // A healthy run that falls silent changes the digest by time alone, with no event.
    let fresh = life.start(start()).await.unwrap().run().clone();
    life.claim(fresh.id, "w-gone", LEASE).await.unwrap().unwrap();
    let d = changed(tenant_digest(&t.state, &owner, &tenant, Some(&v2)).await.unwrap());
    assert_eq!(d.kpis.stuck, 1);
    let v3 = d.version.clone();
    t.clock.advance(Duration::from_secs(1));
    assert_eq!(tenant_digest(&t.state, &owner, &tenant, Some(&v3)).await.unwrap(), DigestPoll::Unchanged);
    t.clock.advance(Duration::from_secs(3 * 60));
    let d = changed(tenant_digest(&t.state, &owner, &tenant, Some(&v3)).await.unwrap());
    assert_eq!(d.kpis.stuck, 2, "the silent run is stuck now");

    // Outside the caller's entitlement the tenant does not exist.
    let mut outsider = Principal::owner(t.user, t.ws, "Reader");
    outsider.tenants = app::domain::access::TenantScope::Only(vec![t.other_tenant]);
    let err = app::api::ApiError::from(tenant_digest(&t.state, &outsider, &tenant, None).await.unwrap_err());
    assert_eq!(err.status(), 404);
}

/// Heartbeats change no digest — unless a run was judged stuck because its worker had gone
/// quiet: then the heartbeat that proves it alive makes it on track again at once.
pub(crate) async fn a_heartbeat_alone_rebuilds_no_digest_unless_a_worker_had_fallen_silent(t: &TestDb) {
    use app::api::DigestPoll;
    use app::services::digest::tenant_digest;
    use app::services::principal::Principal;
    t.state.live.reload().await.unwrap();
    let life = t.state.lifecycle();
    let run = life.start(distinct_runs(t)(Some(t.tenant))).await.unwrap().run().clone();
    life.claim(run.id, "w1", LEASE).await.unwrap().unwrap();
    let policy = t.state.config.policy(&run.run_type);
    assert!(policy.heartbeat_timeout < policy.stale_after, "the test needs silence to come first");
    let owner = Principal::owner(t.user, t.ws, "Owner");
    let tenant = t.tenant.to_string();
    let d = changed(tenant_digest(&t.state, &owner, &tenant, None).await.unwrap());
    let v1 = d.version.clone();
    let builds = t.state.digests.builds();
    for _ in 0..3 {
        t.clock.advance(Duration::from_secs(1));
        life.heartbeat(run.id, "w1", LEASE).await.unwrap();
        assert_eq!(tenant_digest(&t.state, &owner, &tenant, Some(&v1)).await.unwrap(), DigestPoll::Unchanged);
    }
    assert_eq!(t.state.digests.builds(), builds, "heartbeats alone rebuilt the digest");

    // The worker goes quiet: stuck by time alone (one rebuild, at the moment it turns).
    t.clock.advance(policy.heartbeat_timeout + Duration::from_secs(1));
    let d = changed(tenant_digest(&t.state, &owner, &tenant, Some(&v1)).await.unwrap());
    assert_eq!(d.kpis.stuck, 1);
    let v2 = d.version.clone();
    // Its heartbeat returns: on track again within this poll.
    life.heartbeat(run.id, "w1", LEASE).await.unwrap();
    let d = changed(tenant_digest(&t.state, &owner, &tenant, Some(&v2)).await.unwrap());
    assert_eq!(d.kpis.stuck, 0, "the heartbeat that proves it alive reaches the digest at once");
    // Anything more than a sign of life still moves it at once.
    life.complete(run.id, Completion::by_worker("w1", RunOutcome::Succeeded)).await.unwrap();
    let d3 = changed(tenant_digest(&t.state, &owner, &tenant, Some(&d.version)).await.unwrap());
    assert_eq!(d3.kpis.active, 0);
}

/// Polls that arrive while a changed digest is being built wait for that build and answer
/// from it: a thousand open dashboards cost one build per change, not one each.
pub(crate) async fn polls_arriving_while_a_digest_builds_share_that_build(t: &TestDb) {
    use app::services::digest::tenant_digest;
    use app::services::principal::Principal;
    t.state.live.reload().await.unwrap();
    let owner = Principal::owner(t.user, t.ws, "Owner");
    let tenant = t.tenant.to_string();
    let known = changed(tenant_digest(&t.state, &owner, &tenant, None).await.unwrap()).version;
    t.state.lifecycle().start(distinct_runs(t)(Some(t.tenant))).await.unwrap();
    let builds = t.state.digests.builds();
    let mut polls = tokio::task::JoinSet::new();
    for _ in 0..32 {
        let (state, owner, tenant, known) = (t.state.clone(), owner.clone(), tenant.clone(), known.clone());
        polls.spawn(async move { tenant_digest(&state, &owner, &tenant, Some(&known)).await });
    }
    let mut versions = std::collections::HashSet::new();
    while let Some(poll) = polls.join_next().await {
        let d = changed(poll.unwrap().unwrap());
        assert_eq!(d.kpis.active, 1, "every poll sees the run that started before it");
        versions.insert(d.version);
    }
    assert_eq!(versions.len(), 1);
    assert_eq!(t.state.digests.builds() - builds, 1, "the polls built the same digest more than once");
}

/// The workspace overview: per tenant and in total, every count equals what its drill-through
/// lists; a reader entitled to one tenant sees only that tenant's row and runs; a page holding
/// the current version is told "unchanged".
pub(crate) async fn the_workspace_overview_counts_each_tenant_as_its_links_list_within_the_viewers_scope(t: &TestDb) {
    use app::api::{Bucket, OverviewPoll, WorkspaceOverview};
    use app::services::digest::workspace_overview;
    use app::services::operations::list_runs;
    use app::services::principal::Principal;
    t.state.live.reload().await.unwrap();
    let life = t.state.lifecycle();
    let mut start = distinct_runs(t);
    for (tenant, outcome) in
        [(Some(t.tenant), RunOutcome::Failed), (Some(t.tenant), RunOutcome::Succeeded), (None, RunOutcome::Succeeded)]
    {
        let r = life.start(start(tenant)).await.unwrap().run().clone();
        life.claim(r.id, "w1", LEASE).await.unwrap().unwrap();
        life.complete(r.id, Completion::by_worker("w1", outcome)).await.unwrap();
    }
    let stuck = life.start(start(Some(t.tenant))).await.unwrap().run().clone();
    life.claim(stuck.id, "w-gone", LEASE).await.unwrap().unwrap();
    t.clock.advance(Duration::from_secs(5 * 60));
    life.start(start(Some(t.tenant))).await.unwrap();

    let changed = |poll: OverviewPoll| -> WorkspaceOverview {
        match poll {
            OverviewPoll::Changed(o) => *o,
            OverviewPoll::Unchanged => panic!("expected a changed overview"),
        }
    };
    let owner = Principal::owner(t.user, t.ws, "Owner");
    let o = changed(workspace_overview(&t.state, &owner, None).await.unwrap());
    let k = o.totals;
    assert_eq!((k.active, k.stuck, k.follow_up, k.succeeded_recently), (2, 1, 1, 2), "{k:?}");
    assert_eq!(o.stuck.iter().map(|v| v.id).collect::<Vec<_>>(), vec![stuck.id]);
    assert!(o.poll_interval_ms.is_some());
    let ours = o.tenants.iter().find(|r| r.tenant_id == t.tenant.get()).expect("our tenant has a row");
    assert_eq!(ours.kpis.succeeded_recently, 1, "the workspace-wide success is not the tenant's");
    for bucket in Bucket::ALL {
        let all = list_runs(&t.state, &owner, &bucket.query(None, o.since)).await.unwrap();
        assert_eq!(all.total_count, bucket.count(&o.totals), "total {bucket:?}");
        for row in &o.tenants {
            let page = list_runs(&t.state, &owner, &bucket.query(Some(row.tenant_id), o.since)).await.unwrap();
            assert_eq!(page.total_count, bucket.count(&row.kpis), "{} {bucket:?}", row.name);
        }
    }
    assert_eq!(workspace_overview(&t.state, &owner, Some(&o.version)).await.unwrap(), OverviewPoll::Unchanged);

    let mut reader = Principal::owner(t.user, t.ws, "Reader");
    reader.tenants = app::domain::access::TenantScope::Only(vec![t.other_tenant]);
    let theirs = changed(workspace_overview(&t.state, &reader, None).await.unwrap());
    assert!(theirs.tenants.iter().all(|r| r.tenant_id == t.other_tenant.get()), "{:?}", theirs.tenants);
    assert_eq!(theirs.totals, app::api::TenantKpis::default(), "nothing of ours, nothing workspace-wide");
    assert!(theirs.recent.is_empty() && theirs.stuck.is_empty() && theirs.poll_interval_ms.is_none());
}

pub(crate) async fn the_live_view_follows_every_write_on_this_instance(t: &TestDb) {
    let live = &t.state.live;
    live.reload().await.unwrap();
    let life = t.state.lifecycle();
    let run = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    let seen = live.tenant_runs(t.tenant);
    assert_eq!(seen.iter().map(|r| (r.id, r.state)).collect::<Vec<_>>(), [(run.id, RunState::Queued)]);
    life.claim_next("w1", LEASE).await.unwrap().unwrap();
    assert_eq!(live.tenant_runs(t.tenant)[0].state, RunState::Running);
    let update = ProgressUpdate { counts: vec![("total".into(), 8), ("processed".into(), 3)], ..Default::default() };
    t.clock.advance(Duration::from_secs(7));
    life.record_progress(run.id, "w1", LEASE, &update).await.unwrap();
    let cached = live.tenant_runs(t.tenant)[0].clone();
    assert_eq!(cached.summary.get(SummaryKey::Processed), Some(3));
    assert_eq!(cached.heartbeat_at, Some(t.clock.now()));
    t.clock.advance(Duration::from_secs(5));
    life.heartbeat(run.id, "w1", LEASE).await.unwrap();
    assert_eq!(live.tenant_runs(t.tenant)[0].heartbeat_at, Some(t.clock.now()));
    life.complete(run.id, Completion::by_worker("w1", RunOutcome::Succeeded)).await.unwrap();
    assert!(live.tenant_runs(t.tenant).is_empty(), "a completed run leaves the live view at once");
    // A write that bypasses the service is picked up by a reload.
    let raw = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    sqlx::query("UPDATE operation_runs SET status = 'completed', outcome = 'cancelled' WHERE id = $1")
        .bind(raw.id.get())
        .execute(t.state.db.pool())
        .await
        .unwrap();
    assert_eq!(live.len(), 1);
    live.reload().await.unwrap();
    assert!(live.is_empty());
    assert!(live.tenant(t.tenant).await.unwrap().is_some());
    assert!(live.tenant(TenantId(777_777)).await.unwrap().is_none());
}

pub(crate) async fn the_poll_answer_is_cached_until_the_truth_or_the_second_changes(t: &TestDb) {
    use app::api::TenantActivity;
    use app::services::poll::tenant_active_runs_json;
    let me = app::services::principal::Principal::owner(t.user, t.ws, "Op");
    t.state.live.reload().await.unwrap();
    let tenant = t.tenant.to_string();
    let read = |b: &[u8]| serde_json::from_slice::<TenantActivity>(b).unwrap();

    let empty = tenant_active_runs_json(&t.state, &me, &tenant).await.unwrap();
    assert!(read(&empty).runs.is_empty());
    assert_eq!(read(&empty).poll_interval_ms, None, "nothing active: nothing to poll");

    let life = t.state.lifecycle();
    let run = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    let queued = tenant_active_runs_json(&t.state, &me, &tenant).await.unwrap();
    assert_eq!(read(&queued).runs.iter().map(|v| (v.id, v.state)).collect::<Vec<_>>(), [(run.id, RunState::Queued)]);
    assert_eq!(read(&queued).poll_interval_ms, Some(2_000));
    let again = tenant_active_runs_json(&t.state, &me, &tenant).await.unwrap();
    assert_eq!(again.as_ptr(), queued.as_ptr(), "nothing changed: the cached bytes are served");

    life.claim_next("w1", LEASE).await.unwrap().unwrap();
    let running = tenant_active_runs_json(&t.state, &me, &tenant).await.unwrap();
    assert_eq!(read(&running).runs[0].state, RunState::Running, "a write on this instance shows at the next poll");

    t.clock.advance(Duration::from_secs(61));
    let later = tenant_active_runs_json(&t.state, &me, &tenant).await.unwrap();
    assert_ne!(later.as_ptr(), running.as_ptr());
    assert_eq!(read(&later).runs[0].freshness, Some(app::domain::Freshness::LikelyStale), "time alone moves freshness");

    life.complete(run.id, Completion::by_worker("w1", RunOutcome::Succeeded)).await.unwrap();
    let done = tenant_active_runs_json(&t.state, &me, &tenant).await.unwrap();
    assert!(read(&done).runs.is_empty());

    for outside in [t.other_tenant.to_string(), "424242".to_owned(), "x".to_owned(), String::new()] {
        let err = app::api::ApiError::from(tenant_active_runs_json(&t.state, &me, &outside).await.unwrap_err());
        assert_eq!(err.status(), 404, "{outside:?}");
        assert_eq!(err.message(), "There is no tenant with that id.");
    }
}

/// The revision of run `id` as stored.
async fn revision(t: &TestDb, id: RunId) -> i64 {
    runs::get(&t.state.db, id).await.unwrap().unwrap().revision
}

pub(crate) async fn every_meaningful_write_counts_a_revision_and_a_sign_of_life_does_not(t: &TestDb) {
    let life = t.state.lifecycle();
    let run = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    assert_eq!(revision(t, run.id).await, 0, "queued");
    life.claim_next("w1", LEASE).await.unwrap().unwrap();
    assert_eq!(revision(t, run.id).await, 1, "claimed");
    t.clock.advance(Duration::from_secs(3));
    life.heartbeat(run.id, "w1", LEASE).await.unwrap();
    let mut tx = t.state.db.begin_write().await.unwrap();
    life.hold_in(&mut tx, run.id, "w1", LEASE).await.unwrap();
    tx.commit().await.unwrap();
    let held = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!((held.revision, held.heartbeat_at), (1, Some(t.clock.now())), "signs of life count no revision");
    let update = ProgressUpdate { counts: vec![("total".into(), 4)], ..Default::default() };
    life.record_progress(run.id, "w1", LEASE, &update).await.unwrap();
    assert_eq!(revision(t, run.id).await, 2, "progress");
    life.request_cancel(run.id, t.user).await.unwrap();
    assert_eq!(revision(t, run.id).await, 3, "a stop asked for");
    life.complete(run.id, Completion::by_worker("w1", RunOutcome::Cancelled)).await.unwrap();
    assert_eq!(revision(t, run.id).await, 4, "completed");
    // The reconciler's set-based decision counts too.
    let abandoned = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    t.clock.advance(Duration::from_secs(86_400));
    let report = app::jobs::reconciler::Reconciler::new(t.state.clone(), "r").sweep().await.unwrap();
    assert_eq!(report.decided.iter().map(|d| d.0).collect::<Vec<_>>(), [abandoned.id]);
    assert_eq!(revision(t, abandoned.id).await, 1, "decided by the reconciler");
}

/// What instance `b` shows of the active runs against what the database holds.
async fn view_and_truth(t: &TestDb, b: &app::runtime::AppState) -> (Vec<app::domain::Run>, Vec<app::domain::Run>) {
    let mut seen: Vec<app::domain::Run> = b.live.active_runs(None).iter().map(|r| app::domain::Run::clone(r)).collect();
    let mut truth = runs::all_active(&t.state.db).await.unwrap();
    seen.sort_by_key(|r| r.id);
    truth.sort_by_key(|r| r.id);
    (seen, truth)
}

pub(crate) async fn an_instance_catches_up_by_comparing_marks_and_rereads_only_what_changed(t: &TestDb) {
    // Instance B keeps its own view; instance A (the test's state) writes without telling it.
    let b = own_state(t);
    let life = t.state.lifecycle();
    let mut next = distinct_runs(t);
    let mut started = Vec::new();
    for _ in 0..3 {
        started.push(life.start(next(Some(t.tenant))).await.unwrap().run().id);
    }
    b.live.reload().await.unwrap();
    assert_eq!(b.live.len(), 3);
    let nothing = b.live.catch_up().await.unwrap();
    assert_eq!((nothing.compared, nothing.reread, nothing.heartbeats), (3, 0, 0), "nothing changed: nothing re-read");

    life.claim(started[0], "a", LEASE).await.unwrap().unwrap();
    life.claim(started[1], "a", LEASE).await.unwrap().unwrap();
    let claimed = b.live.catch_up().await.unwrap();
    assert_eq!((claimed.reread, claimed.heartbeats), (2, 0), "the two claimed runs, not the third");

    t.clock.advance(Duration::from_secs(5));
    life.heartbeat(started[0], "a", LEASE).await.unwrap();
    life.heartbeat(started[1], "a", LEASE).await.unwrap();
    let (seen, _) = view_and_truth(t, &b).await;
    assert!(seen.iter().all(|r| r.heartbeat_at != Some(t.clock.now())), "heartbeats are not announced");
    let beats = b.live.catch_up().await.unwrap();
    assert_eq!((beats.reread, beats.heartbeats), (0, 2), "heartbeats are copied over, not re-read");
    let (seen, truth) = view_and_truth(t, &b).await;
    assert_eq!(seen, truth);
    let (shape_before, _) = b.live.versions(t.tenant);

    life.complete(started[0], Completion::by_worker("a", RunOutcome::Succeeded)).await.unwrap();
    let update = ProgressUpdate { counts: vec![("total".into(), 9)], ..Default::default() };
    life.record_progress(started[1], "a", LEASE, &update).await.unwrap();
    let fourth = life.start(next(Some(t.tenant))).await.unwrap().run().id;
    let changes = b.live.catch_up().await.unwrap();
    assert_eq!((changes.compared, changes.reread), (3, 3), "one ended, one progressed, one new");
    let (seen, truth) = view_and_truth(t, &b).await;
    assert_eq!(seen, truth, "nothing missed");
    assert!(seen.iter().any(|r| r.id == fourth) && seen.iter().all(|r| r.id != started[0]));
    assert!(b.live.versions(t.tenant).0 > shape_before, "pages built on the old shape are rebuilt");
    assert_eq!(b.live.catch_up().await.unwrap().reread, 0, "caught up: the next comparison re-reads nothing");
}
