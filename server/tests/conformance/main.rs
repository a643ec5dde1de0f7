//! The database conformance suite: every behaviour of storage and the lifecycle service,
//! written once and run identically against SQLite and PostgreSQL.
#![expect(clippy::expect_used, clippy::unwrap_used, reason = "tests fail loudly on setup errors")]

mod harness;

use app::api::ListQuery;
use app::domain::{
    PollingPolicy, ProblemClass, ProgressMode, RunOutcome, RunState, RunStatus, RunType, RunView, SummaryKey, TenantId,
};
use app::jobs::lifecycle::{Completion, Expect, LifecycleError, NewRun, ProgressUpdate, Started};
use app::jobs::run_types::inventory::InventorySync;
use app::jobs::worker::Worker;
use app::runtime::Clock as _;
use app::store::runs::{self, Cursor, RunFilter};
use harness::{T0, TestDb};
use serde_json::json;
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(60);

/// How long one conformance test may take. The slowest takes well under a minute on two
/// busy cores; one that waits forever fails with its name instead of holding CI until its
/// deadline.
const TEST_LIMIT: Duration = Duration::from_secs(300);

/// Runs one test's body, failing it by name if it outlasts [`TEST_LIMIT`].
async fn within_limit(name: &str, body: impl Future<Output = ()>) {
    if tokio::time::timeout(TEST_LIMIT, body).await.is_err() {
        panic!("{name} did not finish within {} s: something it awaits never answered", TEST_LIMIT.as_secs());
    }
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::within_limit(stringify!($name), async {
                        let t = super::TestDb::sqlite().await;
                        super::$name(&t).await;
                        t.finish().await;
                    })
                    .await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::within_limit(stringify!($name), async {
                        let t = super::TestDb::postgres().await;
                        super::$name(&t).await;
                        t.finish().await;
                    })
                    .await;
                }
            )*
        }
    };
}

conformance!(
    a_run_moves_forward_through_its_legal_transitions,
    illegal_transitions_are_refused_with_typed_errors,
    fifty_concurrent_identical_starts_create_exactly_one_run,
    a_new_run_can_start_once_the_previous_one_completed,
    two_concurrent_completions_have_one_winner_and_one_notification,
    system_runs_complete_without_a_notification,
    unknown_summary_count_keys_are_rejected_and_nothing_is_written,
    unknown_phases_are_rejected,
    a_start_for_an_unknown_or_foreign_tenant_creates_nothing,
    malformed_json_in_the_database_reads_back_without_panic,
    damaged_rows_are_skipped_by_lists_and_reported_by_detail,
    progress_after_the_reconciler_won_reports_a_lost_lease,
    concurrent_claimers_never_take_the_same_run,
    keyset_pages_walk_the_list_without_gaps_or_repeats,
    inventory_sync_upserts_items_with_counted_progress,
    inventory_sync_with_unreadable_items_partially_succeeds,
    the_demo_seed_is_idempotent_and_covers_every_problem_class,
    exact_counts_agree_with_the_runs_under_every_filter,
    class_counts_class_filters_and_badges_agree_on_every_class,
    the_active_and_completed_since_filters_list_exactly_what_they_count,
    the_dashboard_digest_counts_what_its_links_list_and_is_unchanged_until_the_truth_moves,
    a_heartbeat_alone_rebuilds_no_digest_unless_a_worker_had_fallen_silent,
    polls_arriving_while_a_digest_builds_share_that_build,
    the_workspace_overview_counts_each_tenant_as_its_links_list_within_the_viewers_scope,
    the_timeline_names_who_or_what_caused_every_transition,
    the_bell_lists_a_persons_notifications_in_scope_and_marks_them_read,
    the_system_lists_span_every_workspace_for_platform_operators_only,
    the_live_view_follows_every_write_on_this_instance,
    the_poll_answer_is_cached_until_the_truth_or_the_second_changes,
    shutdown_lets_running_work_finish_within_the_grace_period,
    work_still_running_after_the_grace_period_ends_cancelled_with_the_reason,
    injected_provider_faults_shape_the_outcome,
    a_hanging_provider_stops_the_heartbeat_but_keeps_the_lease,
    baseline_capture_moves_through_its_phases_and_saves_a_snapshot,
    baseline_capture_is_blocked_without_items_and_partial_with_unreadable_ones,
    baseline_compare_records_added_removed_and_changed_items,
    starting_operations_refuses_bad_input_calmly_and_creates_nothing,
    restore_puts_a_snapshot_back_onto_the_provider_with_per_item_results,
    restore_with_refused_items_partially_succeeds_and_without_a_baseline_is_blocked,
    composing_a_review_reports_composite_progress_and_writes_a_ready_review,
    composing_again_over_the_same_evidence_refreshes_the_mutable_review,
    a_review_without_evidence_is_composed_partially_and_says_what_is_missing,
    publishing_a_review_supersedes_the_previous_one,
    a_review_pack_is_a_zip_of_three_files_that_expires_with_its_file,
    a_review_pack_without_a_review_is_blocked,
    the_generic_rule_closes_abandoned_runs_once_and_leaves_live_work_alone,
    the_compose_adapter_decides_from_reviews_in_scope_only,
    the_restore_adapter_decides_from_the_runs_own_record,
    a_worker_finishing_and_the_reconciler_deciding_at_once_write_one_terminal_state,
    a_worker_that_reports_in_before_the_decision_keeps_its_run,
    one_sweep_at_a_time_across_instances,
    concurrent_review_starts_end_with_one_mutable_review_and_one_active_compose,
    a_duplicate_fingerprint_is_recovered_from_the_records_not_reported_as_an_error,
    a_sweep_decides_more_runs_than_one_statement_holds_each_exactly_once,
    a_batched_decision_skips_every_run_that_changed_since_it_was_observed,
    every_service_answers_only_inside_the_callers_scope,
    passwords_are_stored_only_as_argon2id_hashes,
    twenty_wrong_passwords_are_throttled_and_the_right_one_works_after_the_window,
    grants_set_role_and_tenant_entitlement_and_revoke_removes_them,
    every_endpoint_answers_every_caller_as_the_matrix_says,
    health_readiness_and_metrics_answer_plainly_and_name_no_tenant,
    a_queued_run_is_cancelled_at_once_and_the_timeline_names_who,
    a_running_run_stops_at_its_next_progress_write_keeping_what_it_finished,
    a_silent_handler_is_stopped_by_the_heartbeat_that_hears_the_request,
    a_cancel_racing_a_completion_and_a_sweep_ends_with_one_terminal_write,
    running_again_starts_one_linked_run_with_the_same_type_scope_and_inputs,
    two_clicks_at_once_start_one_retry,
    a_retry_is_offered_only_where_it_means_something_and_never_to_a_reader,
    every_response_carries_the_security_headers_and_a_request_id,
    an_internal_error_shows_the_request_id_that_finds_its_log_lines,
    every_page_of_the_seeded_demo_reads_without_internal_text,
    german_pages_show_no_english_operator_text,
    a_users_language_wins_over_the_browsers_until_they_hand_it_back,
    lists_and_counts_never_include_out_of_scope_runs,
    sessions_rotate_on_sign_in_and_end_on_sign_out,
    a_cross_site_post_is_refused_before_it_does_anything,
    switching_workspace_changes_what_the_session_sees,
    sqlite_commits_leave_the_checkpoint_to_the_background,
    the_stuck_list_shows_every_workspaces_stale_runs_longest_silent_first,
);

/// A handler that takes `0` of real time and then succeeds.
struct Takes(Duration);

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

async fn run_pool_until_shutdown(t: &TestDb, work: Duration, grace: Duration) -> app::domain::Run {
    let worker = Worker::new(t.state.clone(), "w-shutdown").with_handler(RunType::RestoreExecute, Takes(work));
    let mut req = new_run(t, Some(t.tenant));
    req.run_type = RunType::RestoreExecute;
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

mod access;
mod accounts;
mod cancel;
mod cross_instance;
mod matrix;
mod ops;
mod reconcile;
mod retry;
use access::*;
use accounts::*;
use cancel::*;
use matrix::*;
use ops::*;
use reconcile::*;
use retry::*;

pub(crate) fn new_run(t: &TestDb, tenant: Option<TenantId>) -> NewRun {
    NewRun {
        workspace_id: t.ws,
        tenant_id: tenant,
        run_type: RunType::InventorySync,
        initiator: Some(t.user),
        dedupe_key: None,
        inputs: json!({"reason": "test"}),
    }
}

/// The digest a poll carried; panics on "unchanged".
fn changed(poll: app::api::DigestPoll) -> app::api::TenantDigest {
    match poll {
        app::api::DigestPoll::Changed(d) => *d,
        app::api::DigestPoll::Unchanged => panic!("expected a changed digest"),
    }
}

/// Makes new-run requests that never dedupe against each other (each with its own key), so a
/// test can hold many active runs of one type and tenant.
pub(crate) fn distinct_runs(t: &TestDb) -> impl FnMut(Option<TenantId>) -> NewRun + '_ {
    let mut key = 0;
    move |tenant| {
        key += 1;
        NewRun { dedupe_key: Some(format!("k{key}")), ..new_run(t, tenant) }
    }
}

async fn notifications_for(t: &TestDb, run: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE run_id = $1")
        .bind(run)
        .fetch_one(t.state.db.pool())
        .await
        .unwrap()
}

async fn run_count(t: &TestDb) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM operation_runs").fetch_one(t.state.db.pool()).await.unwrap()
}

async fn a_run_moves_forward_through_its_legal_transitions(t: &TestDb) {
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

async fn illegal_transitions_are_refused_with_typed_errors(t: &TestDb) {
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
        life.complete(app::domain::RunId(999_999), Completion::by_worker("w1", RunOutcome::Failed)).await,
        Err(LifecycleError::NotFound(_))
    ));
    // The schema refuses contradictions even from a careless raw write.
    let bad = sqlx::query("UPDATE operation_runs SET outcome = NULL WHERE id = $1")
        .bind(run.id.get())
        .execute(t.state.db.pool())
        .await;
    assert!(bad.is_err(), "a completed run without an outcome must be refused by the schema");
}

async fn fifty_concurrent_identical_starts_create_exactly_one_run(t: &TestDb) {
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

async fn a_new_run_can_start_once_the_previous_one_completed(t: &TestDb) {
    let life = t.state.lifecycle();
    let first = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    let c =
        Completion { expect: Expect::Status(RunStatus::Queued), ..Completion::by_worker("", RunOutcome::Cancelled) };
    life.complete(first.id, c).await.unwrap();
    let second = life.start(new_run(t, Some(t.tenant))).await.unwrap();
    assert!(matches!(second, Started::Created(_)));
    assert_ne!(second.run().id, first.id);
}

async fn two_concurrent_completions_have_one_winner_and_one_notification(t: &TestDb) {
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

async fn system_runs_complete_without_a_notification(t: &TestDb) {
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

async fn unknown_summary_count_keys_are_rejected_and_nothing_is_written(t: &TestDb) {
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

async fn unknown_phases_are_rejected(t: &TestDb) {
    let life = t.state.lifecycle();
    let mut req = new_run(t, Some(t.tenant));
    req.run_type = RunType::BaselineCapture;
    let run = life.start(req).await.unwrap().run().clone();
    life.claim_next("w1", LEASE).await.unwrap().unwrap();
    let bad = ProgressUpdate { phase: Some("RuntimeException".into()), ..Default::default() };
    assert!(matches!(life.record_progress(run.id, "w1", LEASE, &bad).await, Err(LifecycleError::Invalid(_))));
    let good = ProgressUpdate { phase: Some("saving_snapshot".into()), ..Default::default() };
    life.record_progress(run.id, "w1", LEASE, &good).await.unwrap();
    let stored = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(stored.progress().label(), "Saving snapshot — step 3 of 3");
}

async fn a_start_for_an_unknown_or_foreign_tenant_creates_nothing(t: &TestDb) {
    let life = t.state.lifecycle();
    for tenant in [TenantId(424_242), t.other_tenant] {
        let err = life.start(new_run(t, Some(tenant))).await;
        assert!(matches!(err, Err(LifecycleError::Invalid(_))), "{err:?}");
    }
    let mut long = new_run(t, Some(t.tenant));
    long.dedupe_key = Some("x".repeat(500));
    assert!(matches!(life.start(long).await, Err(LifecycleError::Invalid(_))));
    assert_eq!(run_count(t).await, 0);
}

async fn malformed_json_in_the_database_reads_back_without_panic(t: &TestDb) {
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

async fn damaged_rows_are_skipped_by_lists_and_reported_by_detail(t: &TestDb) {
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

async fn progress_after_the_reconciler_won_reports_a_lost_lease(t: &TestDb) {
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

async fn concurrent_claimers_never_take_the_same_run(t: &TestDb) {
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

async fn keyset_pages_walk_the_list_without_gaps_or_repeats(t: &TestDb) {
    let life = t.state.lifecycle();
    for i in 0..23 {
        // Several runs share a timestamp so the id tie-break matters.
        if i % 3 == 0 {
            t.clock.advance(Duration::from_secs(1));
        }
        let mut req = new_run(t, Some(t.tenant));
        req.dedupe_key = Some(format!("k{i}"));
        if i % 4 == 0 {
            req.run_type = RunType::RestoreExecute;
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
    let restores = RunFilter { run_type: Some(RunType::RestoreExecute), ..RunFilter::default() };
    assert_eq!(runs::count(&t.state.db, Some(t.ws), &restores).await.unwrap(), 6);
    let page = runs::list_page(&t.state.db, Some(t.ws), &restores, None, 50).await.unwrap();
    assert!(page.iter().all(|r| r.run.run_type == RunType::RestoreExecute) && page.len() == 6);
    let completed = RunFilter { status: Some(RunStatus::Completed), ..RunFilter::default() };
    assert_eq!(runs::count(&t.state.db, Some(t.ws), &completed).await.unwrap(), 0);
    let foreign = RunFilter { tenant: Some(t.other_tenant), ..RunFilter::default() };
    assert_eq!(runs::count(&t.state.db, Some(t.ws), &foreign).await.unwrap(), 0);
    assert_eq!(runs::active_for_tenant(&t.state.db, t.tenant).await.unwrap().len(), 23);
}

async fn inventory_sync_upserts_items_with_counted_progress(t: &TestDb) {
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

async fn inventory_sync_with_unreadable_items_partially_succeeds(t: &TestDb) {
    server::seed::ensure_provider_items(&t.state.db, t.tenant, 12, &[3, 7], T0).await.unwrap();
    let worker = Worker::new(t.state.clone(), "w1").with_handler(RunType::InventorySync, InventorySync);
    let run = t.state.lifecycle().start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    worker.run_one().await.unwrap();
    let done = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(done.state, RunState::Completed(RunOutcome::PartiallySucceeded));
    assert_eq!(done.summary.get(SummaryKey::Failed), Some(2));
    assert_eq!(done.summary.get(SummaryKey::Succeeded), Some(10));
    let failure = done.failure.expect("a partial failure says why");
    assert_eq!(failure.message, "2 of 12 items could not be read from the provider.");
    assert_eq!(notifications_for(t, run.id.get()).await, 1);
}

async fn the_demo_seed_is_idempotent_and_covers_every_problem_class(t: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let state = pack_state(t, dir.path());
    let first = server::seed::seed_demo(&state).await.unwrap();
    assert!(first.created);
    let count = run_count(t).await;
    let second = server::seed::seed_demo(&state).await.unwrap();
    assert!(!second.created);
    assert_eq!(run_count(t).await, count, "a second seed adds nothing");
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
    assert_seeded_runs_have_their_records(t, &page, dir.path()).await;
}

/// Every seeded run that finished its own work left the records that work leaves.
async fn assert_seeded_runs_have_their_records(t: &TestDb, page: &[runs::RunWithTenant], dir: &std::path::Path) {
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
        match r.run.run_type {
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
                let (status, file): (String, Option<String>) =
                    sqlx::query_as("SELECT status, file_name FROM review_packs WHERE run_id = $1")
                        .bind(id)
                        .fetch_one(db)
                        .await
                        .unwrap();
                let on_disk = dir.join("packs").join(file.unwrap());
                match status.as_str() {
                    "ready" => {
                        ready_packs += 1;
                        assert!(on_disk.exists(), "{what}: a ready pack has its file");
                    }
                    "expired" => {
                        expired_packs += 1;
                        assert!(!on_disk.exists(), "{what}: an expired pack's file is gone");
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
    let published: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM environment_reviews WHERE status = 'published'")
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(published, 1, "the newer published review superseded the older");
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

async fn exact_counts_agree_with_the_runs_under_every_filter(t: &TestDb) {
    let life = t.state.lifecycle();
    let second = server::seed::ensure_tenant(&t.state.db, t.ws, "t2", "Tenant Two", T0).await.unwrap();
    for i in 0..24 {
        let mut req = new_run(t, [Some(t.tenant), Some(second), None][i % 3]);
        req.run_type = [RunType::InventorySync, RunType::RestoreExecute][i % 2];
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
                        let filter =
                            RunFilter { tenant, run_type, status, outcome, terminal_class, ..RunFilter::default() };
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

async fn class_counts_class_filters_and_badges_agree_on_every_class(t: &TestDb) {
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
        let run = runs::get(&t.state.db, app::domain::RunId(id)).await.unwrap().unwrap();
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
async fn the_active_and_completed_since_filters_list_exactly_what_they_count(t: &TestDb) {
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

/// The tenant dashboard's one poll: every count equals what its drill-through lists; a page
/// holding the current version is told "unchanged"; a completion and a run going stale with
/// no event at all both change it; outside the caller's scope the tenant does not exist.
async fn the_dashboard_digest_counts_what_its_links_list_and_is_unchanged_until_the_truth_moves(t: &TestDb) {
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
    let err = tenant_digest(&t.state, &outsider, &tenant, None).await.unwrap_err();
    assert_eq!(err.status(), 404);
}

/// Heartbeats change no digest — unless a run was judged stuck because its worker had gone
/// quiet: then the heartbeat that proves it alive makes it on track again at once.
async fn a_heartbeat_alone_rebuilds_no_digest_unless_a_worker_had_fallen_silent(t: &TestDb) {
    use app::api::DigestPoll;
    use app::services::digest::tenant_digest;
    use app::services::principal::Principal;
    t.state.live.reload().await.unwrap();
    let life = t.state.lifecycle();
    let run = life.start(distinct_runs(t)(Some(t.tenant))).await.unwrap().run().clone();
    life.claim(run.id, "w1", LEASE).await.unwrap().unwrap();
    let policy = t.state.config.policy(run.run_type);
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
async fn polls_arriving_while_a_digest_builds_share_that_build(t: &TestDb) {
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
async fn the_workspace_overview_counts_each_tenant_as_its_links_list_within_the_viewers_scope(t: &TestDb) {
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

async fn the_timeline_names_who_or_what_caused_every_transition(t: &TestDb) {
    use app::domain::transition::Actor;
    use app::jobs::reconciler::Reconciler;
    use app::services::operations::run_detail;
    use app::services::principal::Principal;
    let life = t.state.lifecycle();
    let owner = Principal::owner(t.user, t.ws, "Owner");
    let texts = |d: &app::api::RunDetail| d.timeline.iter().map(|e| e.text.clone()).collect::<Vec<_>>();

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
            "Ended in failure — by the reconciler, after the run stopped reporting"
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

async fn the_bell_lists_a_persons_notifications_in_scope_and_marks_them_read(t: &TestDb) {
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
    assert_eq!(failed.title, "Inventory sync failed");
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
    assert_eq!(refused.map_err(|e| e.status()), Err(404));
    // Someone else marks nothing of ours.
    let other = Principal::owner(app::domain::UserId(t.user.get() + 999), t.ws, "Nobody");
    assert_eq!(mark_read(&t.state, &other, &theirs.to_string()).await.map_err(|e| e.status()), Err(404));
    assert_eq!(mark_read(&t.state, &me, "not-a-number").await.map_err(|e| e.status()), Err(404));

    assert_eq!(mark_read(&t.state, &me, &theirs.to_string()).await.unwrap(), 2);
    assert_eq!(mark_read(&t.state, &me, &theirs.to_string()).await.unwrap(), 2, "marking again changes nothing");
    assert_eq!(mark_all_read(&t.state, &me).await.unwrap(), 0);
    assert!(list(&t.state, &me).await.unwrap().items.iter().all(|n| n.read));
}

async fn the_system_lists_span_every_workspace_for_platform_operators_only(t: &TestDb) {
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
        assert_eq!(refused.map(|_| ()).map_err(|e| e.status()), Err(404));
    }
    assert_eq!(
        system::run(&t.state, &owner, &ended[0].to_string()).await.map(|_| ()).map_err(|e| e.status()),
        Err(404)
    );
    assert_eq!(system::run(&t.state, &platform, "99999").await.map(|_| ()).map_err(|e| e.status()), Err(404));
}

async fn the_stuck_list_shows_every_workspaces_stale_runs_longest_silent_first(t: &TestDb) {
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
    assert_eq!(ids, [elsewhere.id, ours.id], "both workspaces, the longest silent first; {fresh:?} is healthy");
    assert_eq!(stuck.runs[0].workspace_id, 2);
    assert!(!stuck.runs[0].workspace_name.is_empty());
    assert_eq!(stuck.runs[1].view.tenant_name.as_deref(), Some("Tenant One"));
    for r in &stuck.runs {
        assert_eq!(r.view.problem.as_str(), "active_stale", "the same class as on every other surface");
        assert!(r.silent_since < t.clock.now());
    }
    let member = Principal::owner(t.user, t.ws, "Owner");
    let err = app::services::system::stuck(&t.state, &member).await.unwrap_err();
    assert_eq!(err.status(), 404, "nobody else learns the page exists");
}

async fn sqlite_commits_leave_the_checkpoint_to_the_background(t: &TestDb) {
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

async fn the_live_view_follows_every_write_on_this_instance(t: &TestDb) {
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

async fn the_poll_answer_is_cached_until_the_truth_or_the_second_changes(t: &TestDb) {
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
        let err = tenant_active_runs_json(&t.state, &me, &outside).await.unwrap_err();
        assert_eq!(err.status(), 404, "{outside:?}");
        assert_eq!(err.message(), "There is no tenant with that id.");
    }
}

async fn shutdown_lets_running_work_finish_within_the_grace_period(t: &TestDb) {
    let run = run_pool_until_shutdown(t, Duration::from_millis(300), Duration::from_secs(10)).await;
    assert_eq!(run.state, RunState::Completed(RunOutcome::Succeeded));
    assert!(run.failure.is_none());
}

async fn work_still_running_after_the_grace_period_ends_cancelled_with_the_reason(t: &TestDb) {
    let run = run_pool_until_shutdown(t, Duration::from_secs(600), Duration::from_millis(300)).await;
    assert_eq!(run.state, RunState::Completed(RunOutcome::Cancelled));
    let failure = run.failure.expect("a cancelled run says why");
    assert_eq!(failure.code, "shutdown");
    assert_eq!(failure.message, "Stopped because the server was shutting down.");
    assert_eq!(notifications_for(t, run.id.get()).await, 1);
    assert!(t.state.live.tenant_runs(t.tenant).is_empty());
}

async fn sync_once(t: &TestDb, worker: &Worker) -> app::domain::Run {
    let run = t.state.lifecycle().start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    assert_eq!(worker.run_one().await.unwrap(), Some(run.id));
    runs::get(&t.state.db, run.id).await.unwrap().unwrap()
}

async fn injected_provider_faults_shape_the_outcome(t: &TestDb) {
    use app::jobs::provider::{Fault, set_fault};
    server::seed::ensure_provider_items(&t.state.db, t.tenant, 12, &[], T0).await.unwrap();
    let worker = Worker::new(t.state.clone(), "w1").with_handler(RunType::InventorySync, InventorySync);

    set_fault(&t.state.db, RunType::InventorySync, Some(Fault::Fail), T0).await.unwrap();
    let failed = sync_once(t, &worker).await;
    assert_eq!(failed.state, RunState::Completed(RunOutcome::Failed));
    assert_eq!(failed.failure.as_ref().map(|f| f.message.as_str()), Some("The provider rejected the request."));
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

async fn a_hanging_provider_stops_the_heartbeat_but_keeps_the_lease(t: &TestDb) {
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

fn baseline_worker(state: &app::runtime::AppState) -> Worker {
    use app::jobs::run_types::baselines::{BaselineCapture, BaselineCompare};
    Worker::new(state.clone(), "w-base")
        .with_handler(RunType::BaselineCapture, BaselineCapture)
        .with_handler(RunType::BaselineCompare, BaselineCompare)
        .with_handler(RunType::RestoreExecute, app::jobs::run_types::restore::RestoreExecute)
        .with_handler(RunType::EnvironmentReviewCompose, app::jobs::run_types::reviews::ComposeReview)
        .with_handler(RunType::InventorySync, InventorySync)
}

/// Inventory synced, a baseline captured and compared with one drifted item: full evidence.
async fn full_evidence(t: &TestDb, worker: &Worker) {
    server::seed::ensure_provider_items(&t.state.db, t.tenant, 6, &[], T0).await.unwrap();
    let sync = start_type(t, RunType::InventorySync, json!({})).await;
    worker.run_one().await.unwrap();
    assert_eq!(
        runs::get(&t.state.db, sync.id).await.unwrap().unwrap().state,
        RunState::Completed(RunOutcome::Succeeded)
    );
    capture_snapshot(t, worker).await;
    sqlx::query("UPDATE provider_items SET settings = '{\"enabled\": false}' WHERE tenant_id = $1 AND external_id = 'item-00003'")
        .bind(t.tenant.get())
        .execute(t.state.db.pool())
        .await
        .unwrap();
    start_type(t, RunType::BaselineCompare, json!({})).await;
    worker.run_one().await.unwrap();
}

async fn reviews_of(t: &TestDb) -> Vec<(i64, String, String, i64)> {
    sqlx::query_as(
        "SELECT id, status, fingerprint, compose_run_id FROM environment_reviews WHERE tenant_id = $1 ORDER BY id",
    )
    .bind(t.tenant.get())
    .fetch_all(t.state.db.pool())
    .await
    .unwrap()
}

/// Captures a baseline of the tenant's current provider items; returns the snapshot id.
async fn capture_snapshot(t: &TestDb, worker: &Worker) -> i64 {
    let capture = start_type(t, RunType::BaselineCapture, json!({})).await;
    worker.run_one().await.unwrap();
    sqlx::query_scalar("SELECT id FROM baseline_snapshots WHERE run_id = $1")
        .bind(capture.id.get())
        .fetch_one(t.state.db.pool())
        .await
        .unwrap()
}

async fn start_type(t: &TestDb, run_type: RunType, inputs: serde_json::Value) -> app::domain::Run {
    let mut req = new_run(t, Some(t.tenant));
    req.run_type = run_type;
    req.inputs = inputs;
    t.state.lifecycle().start(req).await.unwrap().run().clone()
}

/// Runs one queued run to completion while sampling its stored progress, returning the
/// distinct progress labels seen, in order. The provider is made slow so each phase lasts.
async fn run_watching_progress(
    t: &TestDb,
    worker: &Worker,
    run: &app::domain::Run,
) -> (app::domain::Run, Vec<(ProgressMode, String)>) {
    let work = {
        let w = worker.clone();
        tokio::spawn(async move { w.run_one().await })
    };
    let mut seen: Vec<(ProgressMode, String)> = Vec::new();
    while !work.is_finished() {
        let now = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
        let p = now.progress();
        let entry = (p.mode(), p.label());
        if seen.last() != Some(&entry) {
            seen.push(entry);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    work.await.unwrap().unwrap();
    (runs::get(&t.state.db, run.id).await.unwrap().unwrap(), seen)
}

async fn baseline_capture_moves_through_its_phases_and_saves_a_snapshot(t: &TestDb) {
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

async fn baseline_capture_is_blocked_without_items_and_partial_with_unreadable_ones(t: &TestDb) {
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
        partial.failure.map(|f| f.message).as_deref(),
        Some("2 of 8 items could not be read and were left out of the baseline.")
    );
}

async fn baseline_compare_records_added_removed_and_changed_items(t: &TestDb) {
    let worker = baseline_worker(&t.state);
    let none = start_type(t, RunType::BaselineCompare, json!({})).await;
    worker.run_one().await.unwrap();
    let none = runs::get(&t.state.db, none.id).await.unwrap().unwrap();
    assert_eq!(none.state, RunState::Completed(RunOutcome::Blocked));
    assert_eq!(
        none.failure.map(|f| f.message).as_deref(),
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

async fn starting_operations_refuses_bad_input_calmly_and_creates_nothing(t: &TestDb) {
    use app::services::operations::{StartOptions, start_operation};
    let me = app::services::principal::Principal::owner(t.user, t.ws, "Op");
    t.state.live.reload().await.unwrap();
    // Another tenant's snapshot, to try to restore here.
    let other_ws_user = server::seed::ensure_user(&t.state.db, "x@other.example", "X", T0).await.unwrap();
    let mut foreign = new_run(t, Some(t.other_tenant));
    foreign.workspace_id = app::domain::WorkspaceId(t.ws.get() + 1);
    foreign.initiator = Some(other_ws_user);
    foreign.run_type = RunType::BaselineCapture;
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

async fn restore_puts_a_snapshot_back_onto_the_provider_with_per_item_results(t: &TestDb) {
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

async fn restore_with_refused_items_partially_succeeds_and_without_a_baseline_is_blocked(t: &TestDb) {
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
    req.run_type = RunType::RestoreExecute;
    req.dedupe_key = Some("second".into());
    req.inputs = json!({ "snapshot_id": snapshot });
    let run = t.state.lifecycle().start(req).await.unwrap().run().clone();
    worker.run_one().await.unwrap();
    let done = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(done.state, RunState::Completed(RunOutcome::PartiallySucceeded));
    assert_eq!(done.summary.get(SummaryKey::Failed), Some(2));
    assert_eq!(
        done.failure.map(|f| f.message).as_deref(),
        Some("2 of 8 items could not be put back; the others match the baseline.")
    );
    let status: String = sqlx::query_scalar("SELECT status FROM restores WHERE run_id = $1")
        .bind(run.id.get())
        .fetch_one(t.state.db.pool())
        .await
        .unwrap();
    assert_eq!(status, "partially_applied");
}

async fn composing_a_review_reports_composite_progress_and_writes_a_ready_review(t: &TestDb) {
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
    assert_eq!(sections[2]["body"], "0 added, 0 removed and 1 changed items since the baseline.");
}

async fn composing_again_over_the_same_evidence_refreshes_the_mutable_review(t: &TestDb) {
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

async fn a_review_without_evidence_is_composed_partially_and_says_what_is_missing(t: &TestDb) {
    let worker = baseline_worker(&t.state);
    let run = start_type(t, RunType::EnvironmentReviewCompose, json!({})).await;
    worker.run_one().await.unwrap();
    let done = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(done.state, RunState::Completed(RunOutcome::PartiallySucceeded));
    assert_eq!(
        done.failure.map(|f| f.message).as_deref(),
        Some("The review was composed without: Inventory, Baseline comparison, Drift findings.")
    );
    assert_eq!(reviews_of(t).await.len(), 1);
}

async fn publishing_a_review_supersedes_the_previous_one(t: &TestDb) {
    use app::jobs::run_types::reviews::{PublishError, publish};
    let worker = baseline_worker(&t.state);
    start_type(t, RunType::EnvironmentReviewCompose, json!({})).await;
    worker.run_one().await.unwrap();
    full_evidence(t, &worker).await;
    start_type(t, RunType::EnvironmentReviewCompose, json!({})).await;
    worker.run_one().await.unwrap();
    let reviews = reviews_of(t).await;
    let (older, newer) = (reviews[0].0, reviews[1].0);
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

fn pack_state(t: &TestDb, dir: &std::path::Path) -> app::runtime::AppState {
    let config = app::runtime::RuntimeConfig { data_dir: dir.to_path_buf(), ..Default::default() };
    app::runtime::AppState::new(t.state.db.clone(), std::sync::Arc::new(t.clock.clone()), config)
}

async fn a_review_pack_is_a_zip_of_three_files_that_expires_with_its_file(t: &TestDb) {
    use app::jobs::run_types::packs::{PackDownload, download, sweep_expired};
    let dir = tempfile::tempdir().unwrap();
    let state = pack_state(t, dir.path());
    let worker =
        baseline_worker(&state).with_handler(RunType::ReviewPackGenerate, app::jobs::run_types::packs::GeneratePack);
    full_evidence(t, &worker).await;
    start_type(t, RunType::EnvironmentReviewCompose, json!({})).await;
    worker.run_one().await.unwrap();
    let run = start_type(t, RunType::ReviewPackGenerate, json!({})).await;
    worker.run_one().await.unwrap();
    let done = runs::get(&t.state.db, run.id).await.unwrap().unwrap();
    assert_eq!(done.state, RunState::Completed(RunOutcome::Succeeded), "{:?}", done.failure);
    assert_eq!((done.summary.get(SummaryKey::Total), done.summary.get(SummaryKey::Processed)), (Some(5), Some(5)));
    let (pack, status, file): (i64, String, String) =
        sqlx::query_as("SELECT id, status, file_name FROM review_packs WHERE run_id = $1")
            .bind(run.id.get())
            .fetch_one(t.state.db.pool())
            .await
            .unwrap();
    assert_eq!(status, "ready");
    let path = dir.path().join("packs").join(&file);
    // A standard unzip opens it and finds the three files.
    let listing = std::process::Command::new("unzip").arg("-Z1").arg(&path).output().unwrap();
    assert!(listing.status.success(), "{}", String::from_utf8_lossy(&listing.stderr));
    assert_eq!(String::from_utf8_lossy(&listing.stdout), "summary.html\nfindings.csv\nreview.json\n");
    let csv = std::process::Command::new("unzip").arg("-p").arg(&path).arg("findings.csv").output().unwrap();
    let csv = String::from_utf8_lossy(&csv.stdout).into_owned();
    assert!(csv.starts_with("item,change,name,changed_settings\r\n"), "{csv}");
    assert!(csv.contains("item-00003,changed,"), "{csv}");

    let me = app::services::principal::Principal::owner(t.user, t.ws, "Op");
    match download(&state, &me, &pack.to_string()).await.unwrap() {
        PackDownload::Ready { bytes, .. } => assert_eq!(bytes, std::fs::read(&path).unwrap()),
        other => panic!("expected the archive, got {other:?}"),
    }
    let stranger =
        app::services::principal::Principal { workspace_id: app::domain::WorkspaceId(t.ws.get() + 1), ..me.clone() };
    assert!(matches!(download(&state, &stranger, &pack.to_string()).await.unwrap(), PackDownload::NotFound));
    assert!(matches!(download(&state, &me, "nope").await.unwrap(), PackDownload::NotFound));

    t.clock.advance(Duration::from_secs(7 * 86_400 - 1));
    assert_eq!(sweep_expired(&state).await.unwrap(), 0, "not before its retention period");
    t.clock.advance(Duration::from_secs(2));
    assert_eq!(sweep_expired(&state).await.unwrap(), 1);
    assert!(!path.exists(), "the expired pack's file is gone");
    assert!(matches!(download(&state, &me, &pack.to_string()).await.unwrap(), PackDownload::Expired));
    assert_eq!(sweep_expired(&state).await.unwrap(), 0, "sweeping again changes nothing");
}

async fn a_review_pack_without_a_review_is_blocked(t: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let state = pack_state(t, dir.path());
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
