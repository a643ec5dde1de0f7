//! [`RunView`]: everything a surface needs to present one run, derived once on the server
//! from the record and the current time. Pages render it; they never recompute a rule.

use super::badge::Badge;
use super::freshness::Freshness;
use super::ids::{RunId, TenantId};
use super::polling::PollingPolicy;
use super::problem::ProblemClass;
use super::progress::{Progress, ProgressMode};
use super::reconcile::{Reason, RecordKind};
use super::run::Run;
use super::run_type::{LifecyclePolicy, RunType};
use super::status::{RunOutcome, RunState, RunStatus};
use super::time::Timestamp;
use serde::{Deserialize, Serialize};

/// The business record a decided run points at, in its tenant (the run detail links to it
/// on the tenant's workbench).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedRecord {
    /// Its kind.
    pub kind: RecordKind,
    /// Its id.
    pub id: i64,
    /// Its tenant.
    pub tenant: TenantId,
}

/// A run as every surface presents it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunView {
    /// Which run this is.
    pub id: RunId,
    /// The run type.
    pub run_type: RunType,
    /// The tenant, if any.
    pub tenant_id: Option<TenantId>,
    /// The tenant's display name, if any.
    pub tenant_name: Option<String>,
    /// Status and outcome.
    pub state: RunState,
    /// Derived freshness (active runs only).
    pub freshness: Option<Freshness>,
    /// Derived problem class.
    pub problem: ProblemClass,
    /// Derived progress.
    pub progress: Progress,
    /// The poll interval for this run's detail, `None` when it must not be polled.
    pub poll_interval_ms: Option<u64>,
    /// When it was queued.
    pub created_at: Timestamp,
    /// When it started.
    pub started_at: Option<Timestamp>,
    /// When it completed.
    pub completed_at: Option<Timestamp>,
    /// Last sign of life.
    pub heartbeat_at: Option<Timestamp>,
    /// Recorded counts as `(label, value)` in display order.
    pub counts: Vec<(String, u64)>,
    /// Operator-safe failure sentence, if it failed.
    pub failure_message: Option<String>,
    /// Whether the reconciler decided this run.
    pub reconciled: bool,
    /// The business record the reconciler related this run to.
    pub related: Option<RelatedRecord>,
    /// How the reconciler decided, in a sentence, when it did.
    pub decided_how: Option<String>,
    /// The decision-zone sentence: what is going on and what to do next.
    pub guidance: String,
    /// The server's clock when this view was derived (for relative times).
    pub observed_at: Timestamp,
}

impl RunView {
    /// Derives the view of `run` at `now`.
    pub fn derive(
        run: &Run,
        tenant_name: Option<String>,
        policy: &LifecyclePolicy,
        polling: &PollingPolicy,
        now: Timestamp,
    ) -> Self {
        let freshness = run.freshness(policy, now);
        let problem = run.problem_class(policy, now);
        let note = run.context.reconciliation();
        let reconciled = note.is_some();
        let poll = polling.run_interval(Some(run.state), now.since(run.created_at));
        let failure_message = run.failure.as_ref().map(|f| f.message.clone());
        // Worded from the decision's reason code in the reader's language; the sentence stored
        // with it only for a code this version does not know.
        let summary = note.as_ref().and_then(|n| {
            let worded = |r| crate::copy::text().reason(r, n.in_job);
            n.reason.as_deref().and_then(Reason::from_code).map(worded).or(n.summary.as_deref())
        });
        let guidance = match summary {
            Some(summary) => reconciled_guidance(run.state, summary),
            None => guidance(run.state, freshness, problem, reconciled, failure_message.as_deref()),
        };
        let t = &crate::copy::text().decision;
        let decided_how = note.as_ref().map(|n| {
            match n.by.as_deref() {
                _ if n.in_job => t.decided_in_job,
                Some(by) if by.starts_with("adapter:") => t.decided_from_records,
                _ => t.decided_worker_gone,
            }
            .to_owned()
        });
        let related = note.as_ref().and_then(|n| n.related.as_ref()).and_then(|(kind, id)| {
            Some(RelatedRecord { kind: RecordKind::parse(kind)?, id: *id, tenant: run.tenant_id? })
        });
        Self {
            id: run.id,
            run_type: run.run_type,
            tenant_id: run.tenant_id,
            tenant_name,
            state: run.state,
            freshness,
            problem,
            progress: run.progress(),
            poll_interval_ms: poll.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            created_at: run.created_at,
            started_at: run.started_at,
            completed_at: run.completed_at,
            heartbeat_at: run.heartbeat_at,
            counts: run
                .summary
                .iter()
                .map(|(k, v)| ((crate::copy::text().runs.summary_key)(k).to_owned(), v))
                .collect(),
            failure_message,
            reconciled,
            related,
            decided_how,
            guidance,
            observed_at: now,
        }
    }

    /// queued / running / completed.
    pub fn status(&self) -> RunStatus {
        self.state.status()
    }

    /// The outcome, when completed.
    pub fn outcome(&self) -> Option<RunOutcome> {
        self.state.outcome()
    }

    /// The progress mode.
    pub fn progress_mode(&self) -> ProgressMode {
        self.progress.mode()
    }

    /// The badges to show, in order: status, outcome or freshness, problem (unless none).
    pub fn badges(&self) -> Vec<Badge> {
        let mut out = vec![Badge::status(self.status())];
        if let Some(o) = self.outcome() {
            out.push(Badge::outcome(o));
        }
        if let Some(f) = self.freshness {
            out.push(Badge::freshness(f));
        }
        if self.problem != ProblemClass::None {
            out.push(Badge::problem(self.problem));
        }
        out
    }

    /// The decision zone's first answer: is it still active? Status and freshness in plain
    /// words.
    pub fn active_answer(&self) -> String {
        let t = &crate::copy::text().decision;
        match (self.state, self.freshness) {
            (_, Some(Freshness::LikelyStale)) => t.active_stale.to_owned(),
            (RunState::Queued, Some(Freshness::PastExpected)) => t.active_queued_late.to_owned(),
            (RunState::Queued, _) => t.active_queued.to_owned(),
            (RunState::Running, Some(Freshness::PastExpected)) => t.active_running_late.to_owned(),
            (RunState::Running, _) => t.active_running.to_owned(),
            (RunState::Completed(o), _) => (t.active_ended)(o),
        }
    }

    /// The decision zone's second answer: was it reconciled?
    pub fn reconciled_answer(&self) -> String {
        let t = &crate::copy::text().decision;
        match (&self.decided_how, self.state.is_active()) {
            (Some(how), _) => (t.reconciled_yes)(how),
            (None, true) => t.reconciled_not_yet.to_owned(),
            (None, false) => t.reconciled_no.to_owned(),
        }
    }

    /// The names of the `data-*` hooks of specs/product-contract §13, in the order [`Self::hooks`] gives them.
    pub const HOOK_NAMES: [&'static str; 8] = [
        "data-run-id",
        "data-run-type",
        "data-run-tenant",
        "data-run-status",
        "data-run-outcome",
        "data-run-freshness",
        "data-problem-class",
        "data-progress-mode",
    ];

    /// The `data-*` hooks of specs/product-contract §13 as `(name, value)` pairs.
    pub fn hooks(&self) -> [(&'static str, String); 8] {
        let [id, run_type, tenant, status, outcome, freshness, problem, mode] = Self::HOOK_NAMES;
        [
            (id, self.id.to_string()),
            (run_type, self.run_type.as_str().to_owned()),
            (tenant, self.tenant_id.map(|t| t.to_string()).unwrap_or_default()),
            (status, self.status().as_str().to_owned()),
            (outcome, self.outcome().map(|o| o.as_str().to_owned()).unwrap_or_default()),
            (freshness, self.freshness.map(|f| f.as_str().to_owned()).unwrap_or_default()),
            (problem, self.problem.as_str().to_owned()),
            (mode, self.progress_mode().as_str().to_owned()),
        ]
    }
}

/// The decision zone's promise for a run stuck right now: when the system will close it.
pub fn closing_sentence(closes_by: Timestamp, now: Timestamp) -> String {
    (crate::copy::text().decision.closes_within)(&crate::copy::text().duration(closes_by.since(now)))
}

/// The decision-zone sentence for a run the reconciler decided: what it found (the
/// record's own sentence), then what to do.
fn reconciled_guidance(state: RunState, summary: &str) -> String {
    let t = &crate::copy::text().decision;
    let next = match state {
        RunState::Completed(RunOutcome::Succeeded) => t.then_nothing,
        RunState::Completed(RunOutcome::PartiallySucceeded) => t.then_review_failed_items,
        RunState::Completed(RunOutcome::Blocked) => t.then_use_newer,
        _ => return summary.to_owned(),
    };
    format!("{summary} {next}")
}

/// The decision-zone sentence for a run: calm for healthy work, specific when a person is
/// needed. The situations are decided here; their words live in the copy catalog.
pub fn guidance(
    state: RunState,
    freshness: Option<Freshness>,
    problem: ProblemClass,
    reconciled: bool,
    failure: Option<&str>,
) -> String {
    let t = &crate::copy::text().decision;
    let reason = failure.map(|f| format!(" {f}")).unwrap_or_default();
    match (state, freshness, problem) {
        (_, _, ProblemClass::ActiveStale) => t.next_stale.to_owned(),
        (RunState::Queued, Some(Freshness::PastExpected), _) => t.next_queued_late.to_owned(),
        (RunState::Running, Some(Freshness::PastExpected), _) => t.next_running_late.to_owned(),
        (RunState::Queued, _, _) => t.next_queued.to_owned(),
        (RunState::Running, _, _) => t.next_running.to_owned(),
        (RunState::Completed(_), _, ProblemClass::ReconciledStale) => (t.next_stopped)(&reason),
        (RunState::Completed(RunOutcome::Succeeded), _, _) if reconciled => t.next_confirmed.to_owned(),
        (RunState::Completed(RunOutcome::Succeeded), _, _) => t.next_succeeded.to_owned(),
        (RunState::Completed(RunOutcome::PartiallySucceeded), _, _) => (t.next_partial)(&reason),
        (RunState::Completed(RunOutcome::Failed), _, _) => (t.next_failed)(&reason),
        (RunState::Completed(RunOutcome::Blocked), _, _) => (t.next_blocked)(&reason),
        (RunState::Completed(RunOutcome::Cancelled), _, _) => (t.next_cancelled)(&reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::context::RunContext;
    use crate::domain::ids::WorkspaceId;
    use crate::domain::summary::SummaryCounts;
    use serde_json::json;
    use std::time::Duration;

    fn run(state: RunState) -> Run {
        let t0 = Timestamp(1_000_000);
        Run {
            id: RunId(9),
            workspace_id: WorkspaceId(1),
            tenant_id: Some(TenantId(3)),
            run_type: RunType::InventorySync,
            initiator: None,
            state,
            summary: SummaryCounts::from_json_lenient(r#"{"total": 20, "processed": 5}"#),
            context: RunContext::empty(),
            failure: None,
            created_at: t0,
            started_at: (state != RunState::Queued).then_some(t0),
            completed_at: None,
            updated_at: t0,
            heartbeat_at: Some(t0),
            lease_owner: None,
            lease_expires_at: None,
            attempt: 1,
            dedupe_key: None,
            cancel_requested: None,
        }
    }

    fn view(r: &Run, after: Duration) -> RunView {
        let now = r.created_at.plus(after);
        RunView::derive(r, None, &r.run_type.default_policy(), &PollingPolicy::default(), now)
    }

    #[test]
    fn an_active_view_carries_every_hook_and_a_poll_interval() {
        let v = view(&run(RunState::Running), Duration::from_secs(10));
        let hooks = v.hooks();
        assert_eq!(hooks[0], ("data-run-id", "9".into()));
        assert_eq!(hooks[2], ("data-run-tenant", "3".into()));
        assert_eq!(hooks[3], ("data-run-status", "running".into()));
        assert_eq!(hooks[4], ("data-run-outcome", String::new()));
        assert_eq!(hooks[5], ("data-run-freshness", "fresh".into()));
        assert_eq!(hooks[6], ("data-problem-class", "none".into()));
        assert_eq!(hooks[7], ("data-progress-mode", "counted".into()));
        assert_eq!(v.poll_interval_ms, Some(2_000));
    }

    #[test]
    fn the_decision_zone_answers_in_plain_words_for_every_situation() {
        let fresh = view(&run(RunState::Running), Duration::from_secs(10));
        assert_eq!(fresh.active_answer(), "Yes — working, and reporting progress.");
        assert_eq!(fresh.reconciled_answer(), "Not so far.");
        let stale = view(&run(RunState::Running), Duration::from_secs(3 * 3600));
        assert!(stale.active_answer().starts_with("Yes, but it has most likely stopped"));
        let done = view(&run(RunState::Completed(RunOutcome::PartiallySucceeded)), Duration::from_secs(10));
        assert_eq!(done.active_answer(), "No — it ended: partially succeeded.");
        assert_eq!(done.reconciled_answer(), "No — it ended on its own.");
        let mut r = run(RunState::Completed(RunOutcome::Failed));
        r.context =
            RunContext::from_value(json!({"reconciliation": {"at": 5, "by": "reconciler", "reason": "worker lost"}}));
        let closed = view(&r, Duration::from_secs(10));
        assert!(closed.reconciled_answer().starts_with("Yes. Decided by the system"), "{}", closed.reconciled_answer());
    }

    #[test]
    fn a_reconciled_runs_sentence_is_worded_from_its_reason_code_not_the_stored_text() {
        let mut r = run(RunState::Completed(RunOutcome::Succeeded));
        r.context = RunContext::from_value(json!({"reconciliation": {
            "at": 5, "by": "adapter:environment.review.compose", "reason": "review_ready", "summary": "Stored long ago."
        }}));
        let v = view(&r, Duration::from_secs(10));
        assert_eq!(v.guidance, format!("{} {}", crate::copy::EN.reason(Reason::ReviewReady, false), "Nothing to do."));
        r.context = RunContext::from_value(json!({"reconciliation": {
            "at": 5, "by": "reconciler", "reason": "a_code_from_a_newer_version", "summary": "Stored long ago."
        }}));
        assert_eq!(view(&r, Duration::from_secs(10)).guidance, "Stored long ago. Nothing to do.");
    }

    #[test]
    fn a_run_that_decided_itself_from_the_records_says_so_and_not_that_it_stopped_reporting() {
        let mut r = run(RunState::Completed(RunOutcome::Succeeded));
        r.context = RunContext::from_value(json!({"reconciliation": {
            "at": 5, "by": "adapter:environment.review.compose", "reason": "review_ready", "in_job": true,
            "related": {"kind": "environment_review", "id": 7}
        }}));
        let v = view(&r, Duration::from_secs(10));
        assert_eq!(v.guidance, format!("{} {}", crate::copy::EN.reason(Reason::ReviewReady, true), "Nothing to do."));
        assert!(!v.guidance.contains("stopped reporting"), "{}", v.guidance);
        assert_eq!(v.decided_how.as_deref(), Some(crate::copy::EN.decision.decided_in_job));
        assert!(v.related.is_some());
        assert_eq!(v.problem, ProblemClass::None);
    }

    #[test]
    fn a_terminal_view_has_no_freshness_no_progress_and_no_poll() {
        let v = view(&run(RunState::Completed(RunOutcome::Failed)), Duration::from_secs(10));
        assert_eq!(v.freshness, None);
        assert_eq!(v.progress_mode(), ProgressMode::None);
        assert_eq!(v.poll_interval_ms, None);
        assert_eq!(v.problem, ProblemClass::TerminalFollowUp);
        let ids: Vec<_> = v.badges().iter().map(Badge::test_id).collect();
        assert_eq!(ids, ["badge-status-completed", "badge-outcome-failed", "badge-problem-terminal_follow_up"]);
    }

    #[test]
    fn a_run_whose_worker_vanished_is_shown_stuck_everywhere() {
        let v = view(&run(RunState::Running), Duration::from_secs(61));
        assert_eq!(v.freshness, Some(Freshness::LikelyStale));
        assert_eq!(v.problem, ProblemClass::ActiveStale);
        assert!(v.active_answer().contains("most likely stopped"));
        assert_eq!(v.guidance, "This run will not finish by itself.");
    }

    #[test]
    fn a_reconciled_failure_is_reconciled_stale_and_says_so() {
        let mut r = run(RunState::Completed(RunOutcome::Failed));
        r.context =
            RunContext::from_value(json!({"reconciliation": {"at": 5, "by": "reconciler", "reason": "worker lost"}}));
        let v = view(&r, Duration::from_secs(900));
        assert_eq!(v.problem, ProblemClass::ReconciledStale);
        assert!(v.guidance.starts_with("The system stopped this run"));
    }

    #[test]
    fn guidance_never_leaks_internal_spellings() {
        for state in [RunState::Queued, RunState::Running]
            .into_iter()
            .chain(RunOutcome::ALL.into_iter().map(RunState::Completed))
        {
            for f in [None, Some(Freshness::Fresh), Some(Freshness::PastExpected), Some(Freshness::LikelyStale)] {
                for p in ProblemClass::ALL {
                    for rec in [false, true] {
                        let g = guidance(state, f, p, rec, None);
                        assert!(!g.is_empty() && !g.contains('_'), "{g}");
                    }
                }
            }
        }
    }
}
