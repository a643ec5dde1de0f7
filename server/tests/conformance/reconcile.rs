//! The reconciler on both databases: generic decisions, the compose and restore adapters over
//! real records, exactly-once under races, one sweep at a time, idempotent review starts,
//! duplicate-fingerprint recovery — and no operator-visible text that leaks storage details.

use super::harness::{T0, TestDb};
use super::{new_run, notifications_for, start_type};
use app::domain::{RunId, RunOutcome, RunState, RunStatus, RunType, RunView, SummaryKey};
use app::jobs::lifecycle::{Completion, ProgressUpdate};
use app::jobs::reconciler::Reconciler;
use app::jobs::worker::Worker;
use app::runtime::Clock as _;
use app::services::operations::{StartOptions, start_operation};
use app::services::principal::Principal;
use app::store::runs;
use serde_json::json;
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(60);

fn reconciler(t: &TestDb) -> Reconciler {
    Reconciler::new(t.state.clone(), "sweeper")
}

fn me(t: &TestDb) -> Principal {
    Principal::owner(t.user, t.ws, "Op")
}

async fn run(t: &TestDb, id: RunId) -> app::domain::Run {
    runs::get(&t.state.db, id).await.unwrap().unwrap()
}

/// Every operator-visible sentence of the workspace's runs — failure messages, decision-zone
/// guidance, notifications (worded from their runs) — in every language, free of storage and
/// crash vocabulary.
async fn assert_calm(t: &TestDb) {
    let page = runs::list_page(&t.state.db, Some(t.ws), &runs::RunFilter::default(), None, 500).await.unwrap();
    let mut texts: Vec<String> = Vec::new();
    for r in &page {
        let policy = t.state.config.policy(&r.run.run_type);
        let v = RunView::derive(&r.run, None, &policy, &t.state.config.polling, t.clock.now());
        for c in app::copy::Locale::ALL.map(app::copy::Locale::catalog) {
            texts.extend(v.failure_message.as_ref().map(|f| c.stored_sentence(f)));
            texts.push(c.guidance(&v));
            texts.extend(c.notice(&v).into_iter().flat_map(|n| [n.title, n.body]));
        }
    }
    assert!(!texts.is_empty());
    for text in texts {
        let lower = text.to_lowercase();
        for bad in [
            "sqlstate",
            "duplicate key",
            "constraint",
            "environment_reviews",
            "ux_",
            "panicked",
            "unwrap",
            "error returned from database",
        ] {
            assert!(!lower.contains(bad), "operator text leaks {bad:?}: {text}");
        }
    }
}

/// A run claimed by a worker that then went quiet, and the clock moved past its heartbeat
/// timeout.
async fn abandoned_running(t: &TestDb, run_type: RunType, inputs: serde_json::Value, dedupe: &str) -> app::domain::Run {
    let mut req = new_run(t, Some(t.tenant));
    req.run_type = run_type.into();
    req.inputs = inputs;
    req.dedupe_key = Some(dedupe.to_owned());
    let r = t.state.lifecycle().start(req).await.unwrap().run().clone();
    t.state.lifecycle().claim(r.id, "gone", LEASE).await.unwrap().unwrap();
    r
}

fn past_heartbeat(t: &TestDb, run_type: RunType) {
    t.clock.advance(t.state.config.builtin_policy(run_type).heartbeat_timeout + Duration::from_secs(1));
}

pub(crate) async fn the_generic_rule_closes_abandoned_runs_once_and_leaves_live_work_alone(t: &TestDb) {
    let life = t.state.lifecycle();
    let p = t.state.config.builtin_policy(RunType::InventorySync);
    // Queued and never claimed.
    let never = life.start(new_run(t, Some(t.tenant))).await.unwrap().run().clone();
    // Running, worker gone.
    let lost = abandoned_running(t, RunType::BaselineCapture, json!({}), "lost").await;
    // Running, worker alive and heartbeating, within its time limit.
    let mut req = new_run(t, Some(t.tenant));
    req.run_type = RunType::BaselineCompare.into();
    let alive = life.start(req).await.unwrap().run().clone();
    life.claim(alive.id, "alive", LEASE).await.unwrap().unwrap();

    // Past expected, not yet abandoned: nothing is decided.
    t.clock.advance(p.expected_queue_wait + Duration::from_secs(1));
    life.heartbeat(alive.id, "alive", LEASE).await.unwrap();
    let report = reconciler(t).sweep().await.unwrap();
    assert!(report.swept && report.decided.is_empty(), "{report:?}");

    t.clock.advance(p.stale_after);
    life.heartbeat(alive.id, "alive", LEASE).await.unwrap();
    let report = reconciler(t).sweep().await.unwrap();
    let mut decided: Vec<(i64, &str, RunOutcome)> = report.decided.iter().map(|(i, r, o)| (i.get(), *r, *o)).collect();
    decided.sort_by_key(|d| d.0);
    assert_eq!(
        decided,
        [(never.id.get(), "never_started", RunOutcome::Failed), (lost.id.get(), "worker_lost", RunOutcome::Failed)]
    );
    assert_eq!(run(t, alive.id).await.state, RunState::Running, "a heartbeating worker keeps its run");

    let closed = run(t, lost.id).await;
    let rec = closed.context.as_value()["reconciliation"].clone();
    assert_eq!(rec["by"], "reconciler");
    assert_eq!(rec["reason"], "worker_lost");
    assert_eq!(rec["previous_status"], "running");
    assert_eq!(rec["decision"], "failed");
    assert_eq!(rec["evidence"]["tenant_id"], t.tenant.get());
    assert_eq!(closed.failure.as_ref().map(|f| f.code.as_str()), Some("worker_lost"));
    assert_eq!(
        closed.problem_class(&t.state.config.policy(&closed.run_type), t.clock.now()).as_str(),
        "reconciled_stale"
    );
    assert_eq!(run(t, never.id).await.context.as_value()["reconciliation"]["previous_status"], "queued");

    // Sweeping again changes nothing, and each run notified exactly once.
    let before = closed.context.to_json();
    t.clock.advance(Duration::from_secs(300));
    life.heartbeat(alive.id, "alive", LEASE).await.unwrap();
    assert!(reconciler(t).sweep().await.unwrap().decided.is_empty());
    assert_eq!(run(t, lost.id).await.context.to_json(), before);
    assert_eq!(notifications_for(t, lost.id.get()).await, 1);
    assert_eq!(notifications_for(t, never.id.get()).await, 1);
    assert_calm(t).await;
}

/// Inserts a review row as the compose job or a person would have left it.
async fn review(t: &TestDb, tenant: app::domain::TenantId, fp: &str, status: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO environment_reviews (workspace_id, tenant_id, fingerprint, status, sections, evidence, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, '[]', '{}', $5, $5) RETURNING id",
    )
    .bind(if tenant == t.other_tenant { t.ws.get() + 1 } else { t.ws.get() })
    .bind(tenant.get())
    .bind(fp)
    .bind(status)
    .bind(T0.millis())
    .fetch_one(t.state.db.pool())
    .await
    .unwrap()
}

pub(crate) async fn the_compose_adapter_decides_from_reviews_in_scope_only(t: &TestDb) {
    // Out-of-scope truth: same fingerprint in another workspace's tenant.
    review(t, t.other_tenant, "fp-a", "ready").await;
    let foreign = abandoned_running(t, RunType::EnvironmentReviewCompose, json!({"fingerprint": "fp-a"}), "a").await;
    // In scope and ready.
    let ready = review(t, t.tenant, "fp-b", "ready").await;
    let proven = abandoned_running(t, RunType::EnvironmentReviewCompose, json!({"fingerprint": "fp-b"}), "b").await;
    // Superseded by a newer published review of other evidence.
    review(t, t.tenant, "fp-c", "superseded").await;
    let newer = review(t, t.tenant, "fp-new", "published").await;
    let blocked = abandoned_running(t, RunType::EnvironmentReviewCompose, json!({"fingerprint": "fp-c"}), "c").await;
    // No fingerprint recorded: nothing can be proven.
    let unknown = abandoned_running(t, RunType::EnvironmentReviewCompose, json!({}), "d").await;
    past_heartbeat(t, RunType::EnvironmentReviewCompose);
    let report = reconciler(t).sweep().await.unwrap();
    assert_eq!(report.decided.len(), 4, "{report:?}");

    let r = run(t, foreign.id).await;
    assert_eq!(
        (r.state, r.failure.map(|f| f.code)),
        (RunState::Completed(RunOutcome::Failed), Some("worker_lost".into()))
    );
    let r = run(t, proven.id).await;
    assert_eq!(r.state, RunState::Completed(RunOutcome::Succeeded));
    let rec = &r.context.as_value()["reconciliation"];
    assert_eq!(
        (rec["by"].as_str(), rec["reason"].as_str()),
        (Some("adapter:environment.review.compose"), Some("review_ready"))
    );
    assert_eq!(rec["related"], json!({"kind": "environment_review", "id": ready}));
    assert_eq!(rec["evidence"]["fingerprint"], "fp-b");
    assert_eq!(rec["evidence"]["chosen"], ready);
    assert_eq!(r.problem_class(&t.state.config.policy(&r.run_type), t.clock.now()).as_str(), "none");
    let view = RunView::derive(&r, None, &t.state.config.policy(&r.run_type), &t.state.config.polling, t.clock.now());
    let guidance = app::copy::EN.guidance(&view);
    assert!(
        guidance.starts_with("The system closed this run: the review it was building already exists."),
        "{guidance}"
    );
    let related = app::domain::view::RelatedRecord {
        kind: app::domain::reconcile::RecordKind::Review,
        id: ready,
        tenant: t.tenant,
    };
    assert_eq!(view.related, Some(related), "the detail links it on the tenant's workbench (ui::run_detail)");
    let r = run(t, blocked.id).await;
    assert_eq!(r.state, RunState::Completed(RunOutcome::Blocked));
    assert_eq!(r.context.as_value()["reconciliation"]["related"]["id"], newer);
    assert_eq!(r.failure.map(|f| f.code), Some("review_superseded".into()));
    assert_eq!(run(t, unknown.id).await.failure.map(|f| f.code), Some("worker_lost".into()));

    // The database holds at most one published review per tenant.
    let second = sqlx::query(
        "INSERT INTO environment_reviews (workspace_id, tenant_id, fingerprint, status, sections, evidence, created_at, updated_at) \
         VALUES ($1, $2, 'fp-e', 'published', '[]', '{}', $3, $3)",
    )
    .bind(t.ws.get())
    .bind(t.tenant.get())
    .bind(T0.millis())
    .execute(t.state.db.pool())
    .await;
    assert!(second.is_err_and(|e| app::jobs::run_types::reviews::is_unique_violation(&e)));
    // A superseded review with no published successor (records damaged by hand): ambiguous,
    // never success.
    review(t, t.tenant, "fp-e", "superseded").await;
    sqlx::query("UPDATE environment_reviews SET status = 'superseded' WHERE status = 'published'")
        .execute(t.state.db.pool())
        .await
        .unwrap();
    let ambiguous = abandoned_running(t, RunType::EnvironmentReviewCompose, json!({"fingerprint": "fp-e"}), "e").await;
    past_heartbeat(t, RunType::EnvironmentReviewCompose);
    reconciler(t).sweep().await.unwrap();
    let r = run(t, ambiguous.id).await;
    assert_eq!(
        (r.state, r.failure.map(|f| f.code)),
        (RunState::Completed(RunOutcome::Failed), Some("reviews_ambiguous".into()))
    );
    assert_eq!(r.context.as_value()["reconciliation"]["decision"], "needs_attention");
    assert_calm(t).await;
}

pub(crate) async fn the_restore_adapter_decides_from_the_runs_own_record(t: &TestDb) {
    server::seed::ensure_provider_items(&t.state.db, t.tenant, 4, &[], T0).await.unwrap();
    let worker = super::baseline_worker(&t.state);
    let snapshot = super::capture_snapshot(t, &worker).await;
    let mut records = Vec::new();
    for (i, status) in ["applied", "partially_applied", "failed", "applying"].into_iter().enumerate() {
        let r = abandoned_running(t, RunType::RestoreExecute, json!({"snapshot_id": snapshot}), status).await;
        let record: i64 = sqlx::query_scalar(
            "INSERT INTO restores (workspace_id, tenant_id, run_id, snapshot_id, status, started_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(t.ws.get())
        .bind(t.tenant.get())
        .bind(r.id.get())
        .bind(snapshot)
        .bind(status)
        .bind(T0.millis())
        .fetch_one(t.state.db.pool())
        .await
        .unwrap();
        for (n, result) in ["applied", "unchanged", "failed", "applied"].into_iter().enumerate() {
            let result = if status == "applied" && result == "failed" { "unchanged" } else { result };
            sqlx::query("INSERT INTO restore_items (restore_id, external_id, result) VALUES ($1, $2, $3)")
                .bind(record)
                .bind(format!("item-{i}-{n}"))
                .bind(result)
                .execute(t.state.db.pool())
                .await
                .unwrap();
        }
        records.push((r, record));
    }
    past_heartbeat(t, RunType::RestoreExecute);
    reconciler(t).sweep().await.unwrap();
    let want = [
        (RunOutcome::Succeeded, "restore_applied"),
        (RunOutcome::PartiallySucceeded, "restore_partial"),
        (RunOutcome::Failed, "restore_failed"),
        (RunOutcome::Failed, "worker_lost"),
    ];
    for ((r, record), (outcome, reason)) in records.iter().zip(want) {
        let done = run(t, r.id).await;
        assert_eq!(done.state, RunState::Completed(outcome), "{reason}");
        let rec = &done.context.as_value()["reconciliation"];
        assert_eq!(rec["reason"], reason);
        if reason != "worker_lost" {
            assert_eq!(rec["related"], json!({"kind": "restore", "id": record}));
            assert_eq!(done.summary.get(SummaryKey::Processed), Some(4), "{reason}: counts from the record");
        }
    }
    // The record the lost worker left applying ended with its run, as failed: it never
    // completed. The others are as their runs left them.
    let bench = app::services::tenant::workbench(&t.state, &me(t), &t.tenant.get().to_string()).await.unwrap();
    let shown: Vec<(i64, String)> = bench.restores.iter().map(|r| (r.id, r.status.clone())).collect();
    for ((_, record), status) in records.iter().zip(["applied", "partially_applied", "failed", "failed"]) {
        assert!(shown.contains(&(*record, status.to_owned())), "{record} {status}: {shown:?}");
    }
    let partial = run(t, records[1].0.id).await;
    assert_eq!(
        (partial.summary.get(SummaryKey::Succeeded), partial.summary.get(SummaryKey::Failed)),
        (Some(2), Some(1))
    );
    assert_calm(t).await;
}

pub(crate) async fn the_pack_adapter_proves_a_run_that_crashed_after_its_pack_was_made(t: &TestDb) {
    t.state.live.reload().await.unwrap();
    // One pack run crashed after its pack was made; another while its pack was being made.
    let mut runs = Vec::new();
    for status in ["ready", "generating"] {
        let r = abandoned_running(t, RunType::ReviewPackGenerate, json!({}), status).await;
        let pack: i64 = sqlx::query_scalar(
            "INSERT INTO review_packs (workspace_id, tenant_id, run_id, status, file_name, size_bytes, created_at, \
             ready_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(t.ws.get())
        .bind(t.tenant.get())
        .bind(r.id.get())
        .bind(status)
        .bind((status == "ready").then(|| format!("pack-{}.zip", r.id)))
        .bind((status == "ready").then_some(2048_i64))
        .bind(T0.millis())
        .bind((status == "ready").then_some(T0.millis()))
        .bind((status == "ready").then_some(T0.millis() + 7 * 86_400_000))
        .fetch_one(t.state.db.pool())
        .await
        .unwrap();
        runs.push((r, pack));
    }
    past_heartbeat(t, RunType::ReviewPackGenerate);
    let report = reconciler(t).sweep().await.unwrap();
    let decided: Vec<(RunId, &str)> = report.decided.iter().map(|d| (d.0, d.1)).collect();
    assert_eq!(decided, [(runs[0].0.id, "pack_ready"), (runs[1].0.id, "worker_lost")]);

    // The made pack proves its run: the run detail and the pack card tell the same truth.
    let detail = app::services::operations::run_detail(&t.state, &me(t), &runs[0].0.id.to_string()).await.unwrap();
    assert_eq!(detail.view.state, RunState::Completed(RunOutcome::Succeeded));
    assert_eq!(detail.view.problem, app::domain::ProblemClass::None);
    let related = detail.view.related.expect("the pack is linked");
    assert_eq!((related.kind.as_str(), related.id), ("review_pack", runs[0].1));
    let done = run(t, runs[0].0.id).await;
    assert_eq!(done.context.as_value()["reconciliation"]["related"], json!({"kind": "review_pack", "id": runs[0].1}));
    // The other ended failed, and its pack with it: nothing is left being generated.
    let bench = app::services::tenant::workbench(&t.state, &me(t), &t.tenant.get().to_string()).await.unwrap();
    let packs: Vec<(i64, String)> = bench.packs.iter().map(|p| (p.id, p.status.clone())).collect();
    assert!(
        packs.contains(&(runs[0].1, "ready".to_owned())) && packs.contains(&(runs[1].1, "failed".to_owned())),
        "{packs:?}"
    );
    let digest = super::changed(
        app::services::digest::tenant_digest(&t.state, &me(t), &t.tenant.get().to_string(), None).await.unwrap(),
    );
    let card = digest.pack.expect("a card");
    assert_eq!((card.run_id, card.status.as_str()), (runs[1].0.id.get(), "failed"), "the newest pack, as it ended");
    assert_calm(t).await;
}

pub(crate) async fn a_worker_finishing_and_the_reconciler_deciding_at_once_write_one_terminal_state(t: &TestDb) {
    let rounds = if t.is_postgres() { 1000 } else { 200 };
    let sweeper = reconciler(t);
    let (mut worker_won, mut reconciler_won) = (0, 0);
    for round in 0..rounds {
        let life = t.state.lifecycle();
        let mut req = new_run(t, Some(t.tenant));
        req.dedupe_key = Some(format!("race-{round}"));
        let r = life.start(req).await.unwrap().run().clone();
        life.claim(r.id, "w", LEASE).await.unwrap().unwrap();
        past_heartbeat(t, RunType::InventorySync);
        let worker = {
            let life = life.clone();
            tokio::spawn(async move { life.complete(r.id, Completion::by_worker("w", RunOutcome::Succeeded)).await })
        };
        let sweep = {
            let sweeper = sweeper.clone();
            tokio::spawn(async move { sweeper.sweep().await })
        };
        let (w, s) = (worker.await.unwrap(), sweep.await.unwrap().unwrap());
        let by_worker = w.is_ok();
        let by_sweep = s.decided.iter().any(|(id, _, _)| *id == r.id);
        assert!(by_worker ^ by_sweep, "round {round}: exactly one writer wins ({w:?}, {s:?})");
        if by_worker {
            worker_won += 1;
        } else {
            reconciler_won += 1;
        }
        let stored = run(t, r.id).await;
        assert_eq!(stored.was_reconciled(), by_sweep, "round {round}");
        assert_eq!(notifications_for(t, r.id.get()).await, 1, "round {round}: one notification");
    }
    assert_eq!(worker_won + reconciler_won, rounds);
    // The bell agrees: one unread notification per run, each about a different run, worded
    // by how the run ended.
    let initiator = Principal::owner(t.user, t.ws, "Op");
    let bell = app::services::notifications::list(&t.state, &initiator).await.unwrap();
    assert_eq!(bell.unread, u64::try_from(rounds).unwrap());
    let ids: std::collections::BTreeSet<_> = bell.items.iter().filter_map(|n| n.run.as_ref().map(|v| v.id)).collect();
    assert_eq!(ids.len(), bell.items.len(), "no run is announced twice");
    for n in &bell.items {
        let v = n.run.as_ref().unwrap();
        let title = app::copy::EN.notice(v).expect("an ended run").title;
        let stopped = title.ends_with("was stopped by the system");
        assert_eq!(stopped, v.problem == app::domain::ProblemClass::ReconciledStale, "{title}");
    }
}

pub(crate) async fn a_worker_that_reports_in_before_the_decision_keeps_its_run(t: &TestDb) {
    let r = abandoned_running(t, RunType::InventorySync, json!({}), "x").await;
    past_heartbeat(t, RunType::InventorySync);
    let observed = reconciler(t).candidates(t.clock.now()).await.unwrap();
    assert!(observed.iter().any(|c| c.id == r.id));
    // The worker comes back between the sweep's read and its write.
    t.clock.advance(Duration::from_millis(5));
    t.state.lifecycle().record_progress(r.id, "gone", LEASE, &ProgressUpdate::default()).await.unwrap();
    let stale_view = observed.into_iter().find(|c| c.id == r.id).unwrap();
    let mut c = Completion::by_worker("reconciler", RunOutcome::Failed);
    c.expect =
        app::jobs::lifecycle::Expect::Unchanged { status: RunStatus::Running, updated_at: stale_view.updated_at };
    let refused = t.state.lifecycle().complete(r.id, c).await;
    assert!(matches!(refused, Err(app::jobs::lifecycle::LifecycleError::Changed(_))), "{refused:?}");
    assert_eq!(run(t, r.id).await.state, RunState::Running);
}

pub(crate) async fn one_sweep_at_a_time_across_instances(t: &TestDb) {
    let a = Reconciler::new(t.state.clone(), "instance-a");
    let b = Reconciler::new(t.state.clone(), "instance-b");
    assert!(a.take_lease().await.unwrap());
    assert!(!b.take_lease().await.unwrap(), "b waits while a sweeps");
    assert!(!b.sweep().await.unwrap().swept);
    assert!(a.take_lease().await.unwrap(), "the holder may renew");
    a.release_lease().await.unwrap();
    assert!(b.take_lease().await.unwrap(), "released: b may sweep");
    // A holder that died: its lease runs out.
    t.clock.advance(Duration::from_secs(61));
    assert!(a.take_lease().await.unwrap(), "an expired lease is taken over");
}

pub(crate) async fn concurrent_review_starts_end_with_one_mutable_review_and_one_active_compose(t: &TestDb) {
    let me = me(t);
    let tenant = t.tenant.get().to_string();
    let starts = (0..20).map(|_| {
        let (state, me, tenant) = (t.state.clone(), me.clone(), tenant.clone());
        tokio::spawn(async move {
            start_operation(&state, &me, &tenant, "environment.review.compose", StartOptions::default()).await
        })
    });
    let mut ids = std::collections::BTreeSet::new();
    let mut created = 0;
    for s in starts {
        let r = s.await.unwrap().unwrap();
        created += usize::from(!r.already_running());
        ids.insert(r.run_id);
    }
    assert_eq!((created, ids.len()), (1, 1), "one run, every other start is told it is already running");
    let worker = Worker::new(t.state.clone(), "w")
        .with_handler(RunType::EnvironmentReviewCompose, app::jobs::run_types::reviews::ComposeReview);
    worker.run_one().await.unwrap();
    // Refreshing: a new run, the same mutable review.
    let again =
        start_operation(&t.state, &me, &tenant, "environment.review.compose", StartOptions::default()).await.unwrap();
    assert!(!again.already_running());
    worker.run_one().await.unwrap();
    let reviews: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT id, status, compose_run_id FROM environment_reviews WHERE tenant_id = $1")
            .bind(t.tenant.get())
            .fetch_all(t.state.db.pool())
            .await
            .unwrap();
    assert_eq!(reviews.len(), 1, "{reviews:?}");
    assert_eq!(reviews[0].2, again.run_id.get(), "the refresh wrote into the same review");
    let started = run(t, again.run_id).await;
    let fp = started.context.inputs().and_then(|i| i.get("fingerprint")).and_then(|f| f.as_str()).map(str::to_owned);
    let stored: String = sqlx::query_scalar("SELECT fingerprint FROM environment_reviews WHERE id = $1")
        .bind(reviews[0].0)
        .fetch_one(t.state.db.pool())
        .await
        .unwrap();
    assert_eq!(fp, Some(stored), "the start recorded the evidence fingerprint the review was built on");
}

pub(crate) async fn a_duplicate_fingerprint_is_recovered_from_the_records_not_reported_as_an_error(t: &TestDb) {
    use app::jobs::run_types::reviews::{is_unique_violation, recover_duplicate};
    super::full_evidence(t, &super::baseline_worker(&t.state)).await;
    // The database really refuses a second mutable review of the same evidence…
    let first = review(t, t.tenant, "fp-dup", "ready").await;
    let second = sqlx::query(
        "INSERT INTO environment_reviews (workspace_id, tenant_id, fingerprint, status, sections, evidence, created_at, updated_at) \
         VALUES ($1, $2, 'fp-dup', 'composing', '[]', '{}', 0, 0)",
    )
    .bind(t.ws.get())
    .bind(t.tenant.get())
    .execute(t.state.db.pool())
    .await;
    let err = second.expect_err("the unique partial index refuses it");
    assert!(is_unique_violation(&err), "recognised on this database: {err}");

    // …and a compose meeting it ends by what the records prove.
    let compose = start_type(t, RunType::EnvironmentReviewCompose, json!({})).await;
    t.state
        .lifecycle()
        .complete(
            compose.id,
            Completion {
                expect: app::jobs::lifecycle::Expect::Status(RunStatus::Queued),
                ..Completion::by_worker("", RunOutcome::Cancelled)
            },
        )
        .await
        .unwrap();
    let ended = recover_duplicate(&t.state, &compose, "fp-dup").await.unwrap();
    assert_eq!((ended.outcome, ended.failure.is_none()), (RunOutcome::Succeeded, true));
    // The success says what proved it: the adapter's record, relating the review it found.
    let decision = ended.decision.expect("a recovered success records its proof");
    assert_eq!(decision["by"], json!("adapter:environment.review.compose"), "{decision}");
    assert_eq!(decision["related"], json!({ "kind": "environment_review", "id": first }), "{decision}");
    assert_eq!(decision["in_job"], json!(true), "decided by the run itself, not by a sweep: {decision}");

    review(t, t.tenant, "fp-old", "superseded").await;
    let newer = review(t, t.tenant, "fp-newer", "published").await;
    let ended = recover_duplicate(&t.state, &compose, "fp-old").await.unwrap();
    assert_eq!(ended.outcome, RunOutcome::Blocked);
    let (code, message, _) = ended.failure.unwrap();
    assert_eq!(code, "review_superseded");
    let message = app::copy::EN.sentence(&message);
    assert!(message.contains("newer review"), "{message} (successor {newer})");

    review(t, t.tenant, "fp-busy", "composing").await;
    let ended = recover_duplicate(&t.state, &compose, "fp-busy").await.unwrap();
    assert_eq!(ended.outcome, RunOutcome::Failed);
    let (code, message, _) = ended.failure.unwrap();
    assert_eq!(code, "compose_conflict");
    let message = app::copy::EN.sentence(&message);
    for bad in ["duplicate key", "constraint", "environment_reviews", "SQLSTATE"] {
        assert!(!message.contains(bad), "{message}");
    }

    // Racing composes of one tenant's evidence (separate dedupe keys) all end deterministically
    // with one mutable review.
    let fp = app::jobs::run_types::reviews::evidence_fingerprint(&t.state, t.tenant).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..4 {
        let mut req = new_run(t, Some(t.tenant));
        req.run_type = RunType::EnvironmentReviewCompose.into();
        req.dedupe_key = Some(format!("racer-{i}"));
        req.inputs = json!({ "fingerprint": fp });
        ids.push(t.state.lifecycle().start(req).await.unwrap().run().id);
    }
    let workers: Vec<_> = (0..4)
        .map(|i| {
            let w = Worker::new(t.state.clone(), format!("racer-{i}"))
                .with_handler(RunType::EnvironmentReviewCompose, app::jobs::run_types::reviews::ComposeReview);
            tokio::spawn(async move { w.run_one().await })
        })
        .collect();
    for w in workers {
        w.await.unwrap().unwrap();
    }
    for id in ids {
        assert_eq!(run(t, id).await.state, RunState::Completed(RunOutcome::Succeeded), "run {id}");
    }
    let mutable: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM environment_reviews WHERE tenant_id = $1 AND fingerprint = $2 AND status IN ('composing', 'ready')",
    )
    .bind(t.tenant.get())
    .bind(&fp)
    .fetch_one(t.state.db.pool())
    .await
    .unwrap();
    assert_eq!(mutable, 1);
    assert_calm(t).await;
}

/// Inserts `n` runs of `run_type` that a worker named `gone` claimed an hour before the test
/// clock and then abandoned, in bulk (the lifecycle path would take minutes at this count).
pub(crate) async fn insert_abandoned(t: &TestDb, n: usize, run_type: RunType) -> Vec<RunId> {
    let quiet = t.clock.now().millis() - 3_600_000;
    let mut ids = Vec::with_capacity(n);
    let mut tx = t.state.db.begin_write().await.unwrap();
    for i in 0..n {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO operation_runs (workspace_id, tenant_id, run_type, initiator_id, status, summary_counts, context, \
             created_at, started_at, updated_at, heartbeat_at, lease_owner, lease_expires_at, attempt, active_key, dedupe_key) \
             VALUES ($1, $2, $3, $4, 'running', '{}', '{}', $5, $5, $5, $5, 'gone', $5, 1, $6, $7) RETURNING id",
        )
        .bind(t.ws.get())
        .bind(t.tenant.get())
        .bind(run_type.as_str())
        .bind(t.user.get())
        .bind(quiet)
        .bind(format!("bulk/{}/{i}", run_type.as_str()))
        .bind(format!("bulk-{i}"))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        ids.push(RunId(id));
    }
    tx.commit().await.unwrap();
    t.state.live.reload().await.unwrap();
    ids
}

pub(crate) async fn a_sweep_decides_more_runs_than_one_statement_holds_each_exactly_once(t: &TestDb) {
    let ids = insert_abandoned(t, 1_100, RunType::InventorySync).await;
    assert_eq!(t.state.live.tenant_runs(t.tenant).len(), 1_100);
    let report = Reconciler::new(t.state.clone(), "sweeper").with_batch(2_000).sweep().await.unwrap();
    assert_eq!((report.examined, report.decided.len(), report.lost_races), (1_100, 1_100, 0));
    assert!(
        report.decided.iter().all(|(_, reason, outcome)| *reason == "worker_lost" && *outcome == RunOutcome::Failed)
    );
    let notified: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT run_id) FROM notifications WHERE kind = 'run_terminal'")
            .fetch_one(t.state.db.pool())
            .await
            .unwrap();
    let notes: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notifications").fetch_one(t.state.db.pool()).await.unwrap();
    assert_eq!((notified, notes), (1_100, 1_100), "one notification per decided run");
    for id in [ids[0], ids[499], ids[500], ids[1_099]] {
        let r = run(t, id).await;
        assert_eq!(r.state, RunState::Completed(RunOutcome::Failed));
        assert_eq!(r.context.as_value()["reconciliation"]["reason"], "worker_lost");
        assert_eq!(r.lease_owner, None);
    }
    assert!(t.state.live.tenant_runs(t.tenant).is_empty(), "decided runs leave the live view");
    // The exact counts the lists read moved with the batch, per tenant and per workspace.
    for (table, status, outcome) in
        [("run_counts", "completed", "failed"), ("run_counts", "running", ""), ("run_counts_ws", "completed", "failed")]
    {
        let counted: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT CAST(SUM(n) AS BIGINT) FROM {table} WHERE status = $1 AND outcome = $2 AND workspace_id = $3"
        ))
        .bind(status)
        .bind(outcome)
        .bind(t.ws.get())
        .fetch_one(t.state.db.pool())
        .await
        .unwrap();
        let real: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM operation_runs WHERE status = $1 AND COALESCE(outcome, '') = $2 AND workspace_id = $3",
        )
        .bind(status)
        .bind(outcome)
        .bind(t.ws.get())
        .fetch_one(t.state.db.pool())
        .await
        .unwrap();
        assert_eq!(counted.unwrap_or(0), real, "{table} {status}/{outcome}");
    }
    assert!(reconciler(t).sweep().await.unwrap().decided.is_empty(), "a second sweep finds nothing");
    assert_calm(t).await;
}

pub(crate) async fn a_batched_decision_skips_every_run_that_changed_since_it_was_observed(t: &TestDb) {
    let ids = insert_abandoned(t, 600, RunType::BaselineCapture).await;
    let observed = reconciler(t).with_batch(1_000).candidates(t.clock.now()).await.unwrap();
    assert_eq!(observed.len(), 600);
    t.clock.advance(Duration::from_millis(5));
    // After the observation: one worker reports in, one finishes its own run.
    let life = t.state.lifecycle();
    life.heartbeat(ids[10], "gone", LEASE).await.unwrap();
    life.complete(ids[550], Completion::by_worker("gone", RunOutcome::Succeeded)).await.unwrap();
    let batch = observed
        .into_iter()
        .map(|r| {
            let mut c = Completion::by_worker("reconciler", RunOutcome::Failed).with_failure(
                "worker_lost",
                &app::domain::Sentence::Reconciled(app::domain::reconcile::Reason::WorkerLost),
                None,
            );
            c.expect = app::jobs::lifecycle::Expect::Unchanged { status: r.state.status(), updated_at: r.updated_at };
            (r, c)
        })
        .collect();
    let written = life.complete_observed(batch).await.unwrap();
    assert_eq!(written.len(), 598);
    assert!(written.iter().all(|r| r.id != ids[10] && r.id != ids[550]));
    assert_eq!(run(t, ids[10]).await.state, RunState::Running, "the worker that reported in keeps its run");
    assert_eq!(run(t, ids[550]).await.state, RunState::Completed(RunOutcome::Succeeded), "the worker's outcome stands");
    assert_eq!(notifications_for(t, ids[550].get()).await, 1);
    assert_eq!(notifications_for(t, ids[10].get()).await, 0);
    assert_eq!(notifications_for(t, ids[11].get()).await, 1);
    // A batched completion must say what it observed.
    let stray = run(t, ids[10]).await;
    let refused = life.complete_observed(vec![(stray, Completion::by_worker("x", RunOutcome::Failed))]).await;
    assert!(matches!(refused, Err(app::jobs::lifecycle::LifecycleError::Invalid(_))), "{refused:?}");
}
