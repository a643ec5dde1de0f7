//! Every surface that shows active runs is live while it does (specs/operations-surfaces):
//! the operations list, the system overview, the stuck runs and the system lists each name
//! their poll interval while a run they show is active and none once nothing is, answer
//! "unchanged" to the version a page holds, and change within one poll when the reconciler
//! closes a run. The system overview's counts each lead to a list of exactly that many runs.

use super::harness::TestDb;
use super::{distinct_runs, new_run};
use app::api::{ListQuery, Live, Poll};
use app::domain::{ProblemClass, RunOutcome, RunStatus, WorkspaceId};
use app::jobs::lifecycle::Completion;
use app::jobs::reconciler::Reconciler;
use app::services::operations::list_runs;
use app::services::poll::unless_known;
use app::services::principal::Principal;
use app::services::system;
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(60);

fn platform(t: &TestDb) -> Principal {
    let mut p = Principal::owner(t.user, t.ws, "Platform");
    p.platform_operator = true;
    p
}

/// Whether a page holding `held` gets the answer `now` as news.
fn changed<T: Live>(t: &TestDb, held: &T, now: T) -> bool {
    matches!(unless_known(&t.state, "test", now, Some(held.version())), Poll::Changed(_))
}

pub(crate) async fn every_live_page_polls_while_it_shows_active_work_and_changes_within_one_poll_of_a_sweep(
    t: &TestDb,
) {
    t.state.live.reload().await.unwrap();
    let life = t.state.lifecycle();
    let owner = Principal::owner(t.user, t.ws, "Owner");
    let platform = platform(t);
    let all = ListQuery::default();

    // A run that ended: nothing any page shows can change by itself, so none keeps a timer.
    let done = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    life.claim(done.id, "w1", LEASE).await.unwrap().unwrap();
    life.complete(done.id, Completion::by_worker("w1", RunOutcome::Succeeded)).await.unwrap();
    let quiet = list_runs(&t.state, &owner, &all).await.unwrap();
    assert_eq!(quiet.poll_interval_ms, None, "a list of finished runs is silent");
    assert_eq!(system::overview(&t.state, &platform).await.unwrap().poll_interval_ms, None);
    assert_eq!(system::stuck(&t.state, &platform).await.unwrap().poll_interval_ms, None);

    // A run starts and its worker goes silent.
    let mut runs = distinct_runs(t);
    let run = life.start(runs(Some(t.tenant))).await.unwrap().run().clone();
    life.claim(run.id, "w-gone", LEASE).await.unwrap().unwrap();
    t.clock.advance(Duration::from_secs(1));
    let list = list_runs(&t.state, &owner, &all).await.unwrap();
    assert_eq!(list.poll_interval_ms, Some(2_000), "as often as its youngest active run needs");
    assert!(changed(t, &quiet, list.clone()), "the new run is news");
    assert!(
        !changed(t, &list, list_runs(&t.state, &owner, &all).await.unwrap()),
        "asked again with nothing new, the answer is 'unchanged'"
    );
    let sys_list = system::runs(&t.state, &platform, &all, false).await.unwrap();
    assert_eq!(sys_list.poll_interval_ms, Some(2_000));
    let overview = system::overview(&t.state, &platform).await.unwrap();
    assert_eq!(overview.poll_interval_ms, Some(2_000));
    assert!(!changed(t, &overview, system::overview(&t.state, &platform).await.unwrap()));
    // Another instance answering the next poll tells the same truth: still "unchanged".
    let mut config = (*t.state.config).clone();
    config.instance_id = "another-instance".into();
    let other = t.state.with_config(config);
    assert!(!changed(t, &overview, system::overview(&other, &platform).await.unwrap()));

    // Hours later it is stuck: every page shows it so, and keeps polling.
    t.clock.advance(Duration::from_secs(3 * 3600));
    let stale_list = list_runs(&t.state, &owner, &all).await.unwrap();
    assert!(changed(t, &list, stale_list.clone()), "turning stuck is news");
    assert_eq!(stale_list.runs[0].problem, ProblemClass::ActiveStale);
    assert_eq!(stale_list.poll_interval_ms, Some(30_000));
    let stuck = system::stuck(&t.state, &platform).await.unwrap();
    assert_eq!(stuck.runs.len(), 1);
    assert_eq!(stuck.poll_interval_ms, Some(30_000));
    let stale_overview = system::overview(&t.state, &platform).await.unwrap();
    let ours = stale_overview.workspaces.iter().find(|w| w.id == t.ws.get()).cloned().unwrap();
    assert_eq!((ours.active, ours.likely_stale), (1, 1));
    let stale_sys = system::runs(&t.state, &platform, &all, false).await.unwrap();

    // The sweep closes it: the next poll of every open page brings the change, and then
    // nothing is left to poll for.
    let report = Reconciler::new(t.state.clone(), "sweeper").sweep().await.unwrap();
    assert_eq!(report.decided.iter().map(|d| d.0).collect::<Vec<_>>(), [run.id], "{report:?}");
    let closed_list = list_runs(&t.state, &owner, &all).await.unwrap();
    assert!(changed(t, &stale_list, closed_list.clone()));
    let row = closed_list.runs.iter().find(|v| v.id == run.id).unwrap();
    assert_eq!((row.state.status(), row.problem), (RunStatus::Completed, ProblemClass::ReconciledStale));
    assert_eq!(closed_list.poll_interval_ms, None);
    let closed_sys = system::runs(&t.state, &platform, &all, false).await.unwrap();
    assert!(changed(t, &stale_sys, closed_sys.clone()));
    assert_eq!(closed_sys.poll_interval_ms, None);
    let no_longer_stuck = system::stuck(&t.state, &platform).await.unwrap();
    assert!(changed(t, &stuck, no_longer_stuck.clone()));
    assert!(no_longer_stuck.runs.is_empty());
    assert_eq!(no_longer_stuck.poll_interval_ms, None);
    let closed_overview = system::overview(&t.state, &platform).await.unwrap();
    assert!(changed(t, &stale_overview, closed_overview.clone()));
    assert_eq!(closed_overview.poll_interval_ms, None);
}

pub(crate) async fn every_system_count_leads_to_a_list_of_exactly_that_many_runs(t: &TestDb) {
    t.state.live.reload().await.unwrap();
    let life = t.state.lifecycle();
    let mut runs = distinct_runs(t);
    // Ours: two failed, one succeeded, one active and healthy, one active and stuck.
    // Elsewhere: one failed and one active.
    for (ws, tenant, outcome) in [
        (t.ws, t.tenant, Some(RunOutcome::Failed)),
        (t.ws, t.tenant, Some(RunOutcome::Failed)),
        (t.ws, t.tenant, Some(RunOutcome::Succeeded)),
        (WorkspaceId(2), t.other_tenant, Some(RunOutcome::Failed)),
        (t.ws, t.tenant, None),
        (WorkspaceId(2), t.other_tenant, None),
    ] {
        let mut req = runs(Some(tenant));
        req.workspace_id = ws;
        let r = life.start(req).await.unwrap().run().clone();
        life.claim(r.id, "w1", LEASE).await.unwrap().unwrap();
        if let Some(outcome) = outcome {
            life.complete(r.id, Completion::by_worker("w1", outcome)).await.unwrap();
        }
    }
    t.clock.advance(Duration::from_secs(3 * 3600));
    let fresh = life.start(runs(None)).await.unwrap().run().clone();
    life.claim(fresh.id, "w2", LEASE).await.unwrap().unwrap();

    let platform = platform(t);
    let overview = system::overview(&t.state, &platform).await.unwrap();
    let ours = overview.workspaces.iter().find(|w| w.id == t.ws.get()).cloned().unwrap();
    assert_eq!((ours.active, ours.likely_stale, ours.failed, ours.runs), (2, 1, 2, 5));
    for w in &overview.workspaces {
        for (count_for, n, q) in w.run_counts() {
            let list = system::runs(&t.state, &platform, &q, false).await.unwrap();
            assert_eq!(list.total_count, n, "workspace {} {count_for}: the count and its list agree", w.id);
            assert!(list.workspaces.iter().all(|id| *id == w.id), "{count_for}: only that workspace's runs");
        }
    }
    let bad = ListQuery { workspace: Some("first".into()), ..ListQuery::default() };
    let err = system::runs(&t.state, &platform, &bad, false).await.unwrap_err();
    let err = app::api::ApiError::from(err);
    assert_eq!(err.status(), 422, "a workspace filter that is not an id is refused calmly");
    assert_eq!(err.message(), app::copy::EN.errors.bad_workspace_filter);
}
