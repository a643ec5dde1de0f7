//! The database conformance suite: every behaviour of storage and the lifecycle service,
//! written once and run identically against SQLite and PostgreSQL. Tests of HTTP behaviour
//! that no database can change — the security headers, the cross-site refusal, the
//! language of the pages — are listed in `http_once!` and run once, on SQLite (the
//! default store), instead of once per database.
#![expect(clippy::expect_used, clippy::unwrap_used, reason = "tests fail loudly on setup errors")]

mod harness;

use app::api::ListQuery;
use app::domain::{
    PollingPolicy, ProblemClass, ProgressMode, RunId, RunOutcome, RunState, RunStatus, RunType, RunView, SummaryKey,
    TenantId,
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

/// One test module `$module` running each listed test against a fresh database from
/// `TestDb::$database`, within [`TEST_LIMIT`].
macro_rules! on_database {
    ($module:ident, $database:ident, $($name:ident),* $(,)?) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::within_limit(stringify!($name), async {
                        let t = super::TestDb::$database().await;
                        super::$name(&t).await;
                        t.finish().await;
                    })
                    .await;
                }
            )*
        }
    };
}

/// Runs each listed test on SQLite and on PostgreSQL.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        on_database!(sqlite, sqlite, $($name),*);
        on_database!(postgres, postgres, $($name),*);
    };
}

/// Runs each listed test once, on SQLite: HTTP behaviour the database cannot change.
macro_rules! http_once {
    ($($name:ident),* $(,)?) => {
        on_database!(http, sqlite, $($name),*);
    };
}

http_once!(
    every_response_carries_the_security_headers_and_a_request_id,
    pages_and_answers_travel_compressed_and_small_ones_as_they_are,
    a_cross_site_post_is_refused_before_it_does_anything,
    german_pages_show_no_english_operator_text,
);

conformance!(
    whatever_ends_a_run_ends_the_records_it_was_making,
    a_record_finished_by_its_handler_stays_as_it_finished,
    a_worker_stops_its_run_at_the_time_limit_keeping_what_it_finished,
    a_run_past_its_time_limit_is_closed_by_the_sweep_its_page_promised,
    a_handler_whose_run_was_decided_elsewhere_stops,
    healthy_long_runs_never_crowd_an_abandoned_one_out_of_a_sweep,
    a_backlog_drains_in_bounded_sweeps_one_right_after_another,
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
    window_counts_are_exact_wherever_the_window_starts,
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
    concurrent_publishes_leave_one_published_review_per_tenant,
    a_review_pack_is_a_zip_of_three_files_stored_in_the_database_until_it_expires,
    an_archive_larger_than_a_chunk_is_stored_in_pieces_and_read_back_whole,
    a_ready_pack_downloads_whole_from_an_instance_that_did_not_make_it,
    every_meaningful_write_counts_a_revision_and_a_sign_of_life_does_not,
    an_instance_catches_up_by_comparing_marks_and_rereads_only_what_changed,
    expired_history_goes_in_batches_and_leaves_counts_active_runs_and_records_intact,
    a_review_pack_speaks_the_language_its_requester_chose,
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
    an_owner_makes_a_token_whose_secret_is_shown_once_and_stored_only_as_a_hash,
    only_the_owner_manages_tokens_and_bad_requests_are_refused_calmly,
    the_runs_api_answers_each_token_as_its_grants_and_scope_say,
    the_runs_api_refuses_hostile_input_with_problem_documents,
    fifty_identical_starts_through_the_api_queue_one_run,
    api_starts_are_refused_by_grant_scope_and_field,
    a_workspace_registers_its_own_run_types_checked_like_the_built_in_ones,
    a_reported_run_is_written_through_the_lifecycle_and_shown_like_a_built_in_one,
    progress_that_does_not_fit_its_type_is_refused_by_field_and_nothing_is_stored,
    two_workers_racing_for_queued_runs_each_hold_a_different_one,
    overlapping_progress_reports_of_one_run_each_keep_what_the_others_wrote,
    a_reported_run_whose_worker_vanishes_is_closed_as_worker_lost_once,
    a_type_registered_again_judges_its_active_runs_by_the_new_windows,
    a_person_asks_a_reported_run_to_stop_and_its_worker_hears_it,
    every_reporting_endpoint_refuses_hostile_input_calmly_and_stores_nothing,
    every_answer_of_the_runs_api_is_one_its_reference_describes,
    a_runs_end_is_delivered_signed_and_retried_until_the_endpoint_answers,
    a_delivery_nobody_answers_is_given_up_when_its_window_closes,
    subscribing_refuses_what_cannot_be_delivered_and_stores_nothing,
    a_run_still_stuck_after_a_sweep_is_announced_once_to_endpoints_that_take_it,
    webhook_history_goes_with_the_runs_and_a_delivery_still_retried_stays,
    deliverers_racing_send_each_delivery_once,
    a_guesser_is_slowed_ever_more_while_the_owner_signs_in_from_elsewhere,
    two_hundred_parallel_wrong_passwords_are_checked_at_most_ten_times,
    quiet_sign_in_counts_are_pruned_through_their_index,
    grants_set_role_and_tenant_entitlement_and_revoke_removes_them,
    every_endpoint_answers_every_caller_as_the_matrix_says,
    every_endpoint_answers_hostile_input_calmly_and_stores_nothing,
    health_readiness_and_metrics_answer_plainly_and_name_no_tenant,
    a_queued_run_is_cancelled_at_once_and_the_timeline_names_who,
    a_running_run_stops_at_its_next_progress_write_keeping_what_it_finished,
    a_silent_handler_is_stopped_by_the_heartbeat_that_hears_the_request,
    a_cancel_racing_a_completion_and_a_sweep_ends_with_one_terminal_write,
    running_again_starts_one_linked_run_with_the_same_type_scope_and_inputs,
    two_clicks_at_once_start_one_retry,
    a_retry_is_offered_only_where_it_means_something_and_never_to_a_reader,
    running_a_restore_again_asks_for_the_same_confirmation_as_starting_one,
    an_internal_error_shows_the_request_id_that_finds_its_log_lines,
    every_page_of_the_seeded_demo_reads_without_internal_text,
    a_users_language_wins_over_the_browsers_until_they_hand_it_back,
    lists_and_counts_never_include_out_of_scope_runs,
    sessions_rotate_on_sign_in_and_end_on_sign_out,
    sessions_are_stored_hashed_and_end_when_access_changes,
    switching_workspace_changes_what_the_session_sees,
    sqlite_commits_leave_the_checkpoint_to_the_background,
    the_stuck_list_shows_every_workspaces_stale_runs_longest_stuck_first,
    every_live_page_polls_while_it_shows_active_work_and_changes_within_one_poll_of_a_sweep,
    every_system_count_leads_to_a_list_of_exactly_that_many_runs,
    the_pack_card_follows_the_newest_pack_run_and_keeps_a_timer_only_while_it_is_made,
    the_pack_adapter_proves_a_run_that_crashed_after_its_pack_was_made,
);

mod access;
mod accounts;
mod api;
mod cancel;
mod contract;
mod cross_instance;
mod dashboard;
mod lists;
mod live_pages;
mod matrix;
mod ops;
mod plans;
mod reconcile;
mod records;
mod reported;
mod retention;
mod retry;
mod run_types;
mod time_limit;
mod transitions;
mod webhooks;
mod workers;
use access::*;
use accounts::*;
use api::*;
use cancel::*;
use contract::*;
use dashboard::*;
use lists::*;
use live_pages::*;
use matrix::*;
use ops::*;
use reconcile::*;
use records::*;
use reported::*;
use retention::*;
use retry::*;
use run_types::*;
use time_limit::*;
use transitions::*;
use webhooks::*;
use workers::*;

pub(crate) fn new_run(t: &TestDb, tenant: Option<TenantId>) -> NewRun {
    NewRun {
        workspace_id: t.ws,
        tenant_id: tenant,
        run_type: RunType::InventorySync.into(),
        initiator: Some(t.user),
        dedupe_key: None,
        inputs: json!({"reason": "test"}),
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

fn baseline_worker(state: &app::runtime::AppState) -> Worker {
    use app::jobs::run_types::baseline_capture::BaselineCapture;
    use app::jobs::run_types::baseline_compare::BaselineCompare;
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
    req.run_type = run_type.into();
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
        let entry = (p.mode(), app::copy::EN.progress(&p));
        if seen.last() != Some(&entry) {
            seen.push(entry);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    work.await.unwrap().unwrap();
    (runs::get(&t.state.db, run.id).await.unwrap().unwrap(), seen)
}

/// An application state of its own (its own live view and caches) over the test's database
/// and clock, with the default configuration.
fn own_state(t: &TestDb) -> app::runtime::AppState {
    app::runtime::AppState::new(t.state.db.clone(), std::sync::Arc::new(t.clock.clone()), Default::default())
}

/// Waits (polling every 10 ms, for at most 10 s) until run `id` satisfies `want`: for tests
/// that watch a worker running in its own task.
pub(crate) async fn wait_until(t: &TestDb, id: RunId, want: impl Fn(&app::domain::Run) -> bool) -> app::domain::Run {
    let began = std::time::Instant::now();
    loop {
        let run = runs::get(&t.state.db, id).await.unwrap().unwrap();
        if want(&run) {
            return run;
        }
        assert!(began.elapsed() < Duration::from_secs(10), "run {id} never got there: {:?}", run.state);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
