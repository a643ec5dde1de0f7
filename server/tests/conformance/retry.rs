//! "Run again": a run that needs follow-up starts a new run of the same type, scope
//! and inputs, linked both ways; a second request — at once or later — returns the same run;
//! nothing is offered where a retry means nothing; a reader may not.

use super::harness::TestDb;
use super::new_run;
use app::api::{ApiError, StartResult};
use app::domain::access::{Role, TenantScope};
use app::domain::{Run, RunId, RunOutcome, RunType, Sentence};
use app::jobs::lifecycle::{Completion, Expect, NewRun};
use app::services::operations::run_detail;
use app::services::principal::Principal;
use app::store::runs;
use serde_json::json;
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(60);

/// "Run again", answered as the API answers it.
async fn retry_run(state: &app::runtime::AppState, p: &Principal, id: &str) -> Result<StartResult, ApiError> {
    confirmed_retry(state, p, id, false).await
}

/// "Run again" with the person's confirmation (`confirm`), answered as the API answers it.
async fn confirmed_retry(
    state: &app::runtime::AppState,
    p: &Principal,
    id: &str,
    confirm: bool,
) -> Result<StartResult, ApiError> {
    app::services::operations::retry_run(state, p, id, confirm).await.map(StartResult::from).map_err(ApiError::from)
}

/// A run of the test tenant that ended `outcome` by its worker.
async fn ended(t: &TestDb, key: &str, outcome: RunOutcome) -> Run {
    let life = t.state.lifecycle();
    let mut req = new_run(t, Some(t.tenant));
    req.dedupe_key = Some(key.to_owned());
    req.inputs = json!({ "reason": "test", "scope": "all" });
    let run = life.start(req).await.unwrap().run().clone();
    life.claim(run.id, "w", LEASE).await.unwrap().unwrap();
    let mut c = Completion::by_worker("w", outcome);
    if outcome != RunOutcome::Succeeded {
        c = c.with_failure("provider_rejected", &Sentence::ProviderRejected, None);
    }
    life.complete(run.id, c).await.unwrap()
}

pub(crate) async fn running_again_starts_one_linked_run_with_the_same_type_scope_and_inputs(t: &TestDb) {
    let owner = Principal::owner(t.user, t.ws, "Op");
    let failed = ended(t, "to-retry", RunOutcome::Failed).await;
    let before = run_detail(&t.state, &owner, &failed.id.to_string()).await.unwrap();
    assert!(before.can_retry && before.retried_by.is_none());

    let first = retry_run(&t.state, &owner, &failed.id.to_string()).await.unwrap();
    assert!(!first.already_running);
    let retry = runs::get(&t.state.db, RunId(first.run_id)).await.unwrap().unwrap();
    assert_eq!(
        (&retry.run_type, retry.tenant_id, retry.workspace_id),
        (&failed.run_type, failed.tenant_id, failed.workspace_id)
    );
    assert_eq!(retry.initiator, Some(t.user));
    let inputs = retry.context.inputs().cloned().unwrap_or_default();
    assert_eq!((inputs.get("reason"), inputs.get("scope")), (Some(&json!("test")), Some(&json!("all"))));
    assert_eq!(retry.retry_of(), Some(failed.id));

    // Linked both ways, and offered no more.
    let original = run_detail(&t.state, &owner, &failed.id.to_string()).await.unwrap();
    assert_eq!((original.retried_by, original.can_retry), (Some(first.run_id), false));
    let second = run_detail(&t.state, &owner, &first.run_id.to_string()).await.unwrap();
    assert_eq!(second.retry_of, Some(failed.id.get()));

    // A second click — now, and after the retry itself has ended — returns the same run.
    let again = retry_run(&t.state, &owner, &failed.id.to_string()).await.unwrap();
    assert_eq!((again.run_id, again.already_running), (first.run_id, true));
    let life = t.state.lifecycle();
    let c = Completion {
        expect: Expect::Status(app::domain::RunStatus::Queued),
        ..Completion::by_worker("", RunOutcome::Failed)
    };
    life.complete(retry.id, c).await.unwrap();
    let later = retry_run(&t.state, &owner, &failed.id.to_string()).await.unwrap();
    assert_eq!(later.run_id, first.run_id);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM operation_runs WHERE dedupe_key = $1")
        .bind(Run::retry_key(failed.id))
        .fetch_one(t.state.db.pool())
        .await
        .unwrap();
    assert_eq!(count, 1);
}

pub(crate) async fn two_clicks_at_once_start_one_retry(t: &TestDb) {
    let owner = Principal::owner(t.user, t.ws, "Op");
    for round in 0..20 {
        let failed = ended(t, &format!("twice-{round}"), RunOutcome::PartiallySucceeded).await;
        let id = failed.id.to_string();
        let (a, b) = tokio::join!(retry_run(&t.state, &owner, &id), retry_run(&t.state, &owner, &id));
        assert_eq!(a.unwrap().run_id, b.unwrap().run_id, "round {round}");
    }
}

pub(crate) async fn a_retry_is_offered_only_where_it_means_something_and_never_to_a_reader(t: &TestDb) {
    let owner = Principal::owner(t.user, t.ws, "Op");
    let done = ended(t, "fine", RunOutcome::Succeeded).await;
    let cancelled = ended(t, "stopped", RunOutcome::Cancelled).await;
    for run in [&done, &cancelled] {
        let detail = run_detail(&t.state, &owner, &run.id.to_string()).await.unwrap();
        assert!(!detail.can_retry, "{:?}", run.state);
        let refused = retry_run(&t.state, &owner, &run.id.to_string()).await;
        assert!(matches!(refused, Err(ApiError::Conflict(_))), "{refused:?}");
    }
    // (A reconciled success offers nothing either: `domain::run` tests the rule.)
    // A reader sees the failure and may not run it again; another tenant's reader finds nothing.
    let failed = ended(t, "for-reader", RunOutcome::Failed).await;
    let reader = Principal::new(t.user, t.ws, "Reader", Role::Reader, TenantScope::All);
    assert!(!run_detail(&t.state, &reader, &failed.id.to_string()).await.unwrap().can_retry);
    let refused = retry_run(&t.state, &reader, &failed.id.to_string()).await;
    assert!(matches!(refused, Err(ApiError::Forbidden(_))), "{refused:?}");
    let elsewhere = Principal::new(t.user, t.ws, "Reader", Role::Operator, TenantScope::Only(vec![t.other_tenant]));
    let hidden = retry_run(&t.state, &elsewhere, &failed.id.to_string()).await;
    assert!(matches!(hidden, Err(ApiError::NotFound(_))), "{hidden:?}");
}

pub(crate) async fn running_a_restore_again_asks_for_the_same_confirmation_as_starting_one(t: &TestDb) {
    let owner = Principal::owner(t.user, t.ws, "Op");
    let life = t.state.lifecycle();
    let capture =
        life.start(NewRun { run_type: RunType::BaselineCapture.into(), ..new_run(t, Some(t.tenant)) }).await.unwrap();
    let snapshot: i64 = sqlx::query_scalar(
        "INSERT INTO baseline_snapshots (workspace_id, tenant_id, run_id, item_count, captured_at) \
         VALUES ($1, $2, $3, 0, 0) RETURNING id",
    )
    .bind(t.ws.get())
    .bind(t.tenant.get())
    .bind(capture.run().id.get())
    .fetch_one(t.state.db.pool())
    .await
    .unwrap();
    let mut req = new_run(t, Some(t.tenant));
    req.run_type = RunType::RestoreExecute.into();
    req.inputs = json!({ "snapshot_id": snapshot });
    let restore = life.start(req).await.unwrap().run().clone();
    life.claim(restore.id, "w", LEASE).await.unwrap().unwrap();
    let failed = Completion::by_worker("w", RunOutcome::Failed).with_failure(
        "provider_rejected",
        &Sentence::ProviderRejected,
        None,
    );
    let restore = life.complete(restore.id, failed).await.unwrap();
    let id = restore.id.to_string();

    let unconfirmed = confirmed_retry(&t.state, &owner, &id, false).await.map(|_| ()).unwrap_err();
    assert_eq!(
        (unconfirmed.status(), unconfirmed.message()),
        (422, "Confirm the restore first: it changes the tenant's configuration back to the baseline.")
    );
    let key = Run::retry_key(restore.id);
    assert_eq!(runs::by_dedupe_key(&t.state.db, t.ws, &key).await.unwrap(), None, "nothing was started");

    let again = confirmed_retry(&t.state, &owner, &id, true).await.unwrap();
    assert!(!again.already_running);
    let retry = runs::get(&t.state.db, RunId(again.run_id)).await.unwrap().unwrap();
    assert_eq!((retry.run_type.clone(), retry.retry_of()), (RunType::RestoreExecute.into(), Some(restore.id)));
    let inputs = retry.context.inputs().cloned().unwrap_or_default();
    assert_eq!(inputs.get("snapshot_id"), Some(&json!(snapshot)), "the same baseline is put back");
}
