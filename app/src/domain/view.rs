//! [`RunView`]: everything a surface needs to present one run, derived once on the server
//! from the record and the current time. Pages render it; they never recompute a rule.

use super::badge::Badge;
use super::freshness::Freshness;
use super::ids::{RunId, TenantId};
use super::kind::TypeName;
use super::polling::PollingPolicy;
use super::problem::ProblemClass;
use super::progress::{Progress, ProgressMode};
use super::reconcile::{Reason, RecordKind};
use super::run::Run;
use super::run_type::LifecyclePolicy;
use super::sentence::StoredSentence;
use super::status::{RunOutcome, RunState, RunStatus};
use super::summary::SummaryKey;
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

/// How the reconciler came to its decision about a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecidedHow {
    /// The run decided itself, from records it met when it came to write its result.
    InJob,
    /// A run type's adapter, from the business records the run's work left.
    FromRecords,
    /// The generic rule: no worker was working on it any more.
    WorkerGone,
    /// The generic rule: no worker picked it up in time.
    NeverStarted,
    /// The generic rule: it ran past its time limit, its worker still reporting.
    PastTimeLimit,
}

/// What the reconciler recorded when it decided a run: the facts the decision zone reports
/// (what it found, how it decided) are derived from these where they are shown.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Finding {
    /// The decision's reason, when this version knows its code.
    pub reason: Option<Reason>,
    /// Whether the run decided it itself.
    pub in_job: bool,
    /// Whether a run type's adapter decided it from business records.
    pub by_adapter: bool,
    /// The sentence stored with a decision whose code this version does not know.
    pub stored: Option<String>,
}

/// The decision zone's next step for a run: the situation, worded by the copy catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Stuck: it will not finish by itself.
    Stale,
    /// Waiting longer than usual.
    QueuedLate,
    /// Working longer than usual.
    RunningLate,
    /// Waiting for a worker.
    Queued,
    /// Working and reporting progress: nothing to do.
    Running,
    /// The system stopped it (with the failure sentence).
    Stopped,
    /// Succeeded, confirmed by the system.
    Confirmed,
    /// Succeeded on its own: nothing to do.
    Succeeded,
    /// Partially succeeded (with the failure sentence).
    Partial,
    /// Failed (with the failure sentence).
    Failed,
    /// Blocked (with the failure sentence).
    Blocked,
    /// Cancelled (with the failure sentence).
    Cancelled,
    /// After a decision: nothing to do.
    ThenNothing,
    /// After a decision: review the items that failed.
    ThenReviewFailedItems,
    /// After a decision: use the newer record.
    ThenUseNewer,
}

/// The decision-zone sentence for a run, as situations: what the reconciler found (when it
/// decided the run and this version can say what), then what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guidance {
    /// What the reconciler found, first.
    pub found: Option<Finding>,
    /// What to do next, when the finding does not say it all.
    pub next: Option<Next>,
}

/// The decision zone's first answer — is it still active? — as a situation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActiveAnswer {
    /// Active, but most likely stopped.
    Stale,
    /// Waiting longer than usual.
    QueuedLate,
    /// Waiting for a worker.
    Queued,
    /// Working longer than usual.
    RunningLate,
    /// Working and reporting progress.
    Running,
    /// It ended with this outcome.
    Ended(RunOutcome),
}

/// The decision zone's second answer — was it reconciled? — as a situation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReconciledAnswer {
    /// Yes, decided this way.
    Yes(DecidedHow),
    /// Not so far (still active).
    NotYet,
    /// No, it ended on its own.
    No,
}

/// A run as every surface presents it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunView {
    /// Which run this is.
    pub id: RunId,
    /// The run type, as surfaces name it.
    pub run_type: TypeName,
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
    /// Recorded counts in display order; none when they contradict each other.
    pub counts: Vec<(SummaryKey, u64)>,
    /// The operator-safe failure sentence as stored, if it failed.
    pub failure_message: Option<StoredSentence>,
    /// Whether the reconciler decided this run.
    pub reconciled: bool,
    /// The business record the reconciler related this run to.
    pub related: Option<RelatedRecord>,
    /// What the reconciler recorded, when it decided this run.
    pub finding: Option<Finding>,
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
        let finding = note.as_ref().map(|n| {
            let reason = n.reason.as_deref().and_then(Reason::from_code);
            Finding {
                reason,
                in_job: n.in_job,
                by_adapter: n.by.as_deref().is_some_and(|by| by.starts_with("adapter:")),
                // Only for a code this version does not know: a known one is worded afresh.
                stored: if reason.is_none() { n.summary.clone() } else { None },
            }
        });
        let related = note.as_ref().and_then(|n| n.related.as_ref()).and_then(|(kind, id)| {
            Some(RelatedRecord { kind: RecordKind::parse(kind)?, id: *id, tenant: run.tenant_id? })
        });
        Self {
            id: run.id,
            run_type: run.run_type.name(),
            tenant_id: run.tenant_id,
            tenant_name,
            state: run.state,
            freshness,
            problem,
            progress: run.progress(),
            poll_interval_ms: poll.map(super::polling::millis),
            created_at: run.created_at,
            started_at: run.started_at,
            completed_at: run.completed_at,
            heartbeat_at: run.heartbeat_at,
            // Counts that contradict each other are not shown as numbers anywhere, like the
            // progress bar that shows activity for them.
            counts: if run.summary.contradict() { Vec::new() } else { run.summary.iter().collect() },
            failure_message: run.failure.as_ref().map(|f| f.message.clone()),
            reconciled,
            related,
            finding,
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

    /// How the reconciler decided, when it did.
    pub fn decided_how(&self) -> Option<DecidedHow> {
        self.finding.as_ref().map(|f| match f {
            _ if f.in_job => DecidedHow::InJob,
            _ if f.by_adapter => DecidedHow::FromRecords,
            _ => match f.reason {
                Some(Reason::NeverStarted) => DecidedHow::NeverStarted,
                Some(Reason::PastTimeLimit) => DecidedHow::PastTimeLimit,
                _ => DecidedHow::WorkerGone,
            },
        })
    }

    /// The decision zone's next step: what the reconciler found (when it decided the run and
    /// this version can say what), then what to do.
    pub fn guidance(&self) -> Guidance {
        match self.finding.as_ref().filter(|f| f.reason.is_some() || f.stored.is_some()) {
            Some(found) => Guidance { found: Some(found.clone()), next: then_after_decision(self.state) },
            None => Guidance {
                found: None,
                next: Some(next_step(self.state, self.freshness, self.problem, self.reconciled)),
            },
        }
    }

    /// The decision zone's first answer: is it still active? Status and freshness.
    pub fn active_answer(&self) -> ActiveAnswer {
        match (self.state, self.freshness) {
            (_, Some(Freshness::LikelyStale)) => ActiveAnswer::Stale,
            (RunState::Queued, Some(Freshness::PastExpected)) => ActiveAnswer::QueuedLate,
            (RunState::Queued, _) => ActiveAnswer::Queued,
            (RunState::Running, Some(Freshness::PastExpected)) => ActiveAnswer::RunningLate,
            (RunState::Running, _) => ActiveAnswer::Running,
            (RunState::Completed(o), _) => ActiveAnswer::Ended(o),
        }
    }

    /// The decision zone's second answer: was it reconciled?
    pub fn reconciled_answer(&self) -> ReconciledAnswer {
        match (self.decided_how(), self.state.is_active()) {
            (Some(how), _) => ReconciledAnswer::Yes(how),
            (None, true) => ReconciledAnswer::NotYet,
            (None, false) => ReconciledAnswer::No,
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

/// What to do after the reconciler decided a run that ended in `state`; `None` when the
/// finding says it all.
fn then_after_decision(state: RunState) -> Option<Next> {
    match state {
        RunState::Completed(RunOutcome::Succeeded) => Some(Next::ThenNothing),
        RunState::Completed(RunOutcome::PartiallySucceeded) => Some(Next::ThenReviewFailedItems),
        RunState::Completed(RunOutcome::Blocked) => Some(Next::ThenUseNewer),
        _ => None,
    }
}

/// The next step for a run the reconciler did not decide: calm for healthy work, specific
/// when a person is needed.
pub fn next_step(state: RunState, freshness: Option<Freshness>, problem: ProblemClass, reconciled: bool) -> Next {
    match (state, freshness, problem) {
        (_, _, ProblemClass::ActiveStale) => Next::Stale,
        (RunState::Queued, Some(Freshness::PastExpected), _) => Next::QueuedLate,
        (RunState::Running, Some(Freshness::PastExpected), _) => Next::RunningLate,
        (RunState::Queued, _, _) => Next::Queued,
        (RunState::Running, _, _) => Next::Running,
        (RunState::Completed(_), _, ProblemClass::ReconciledStale) => Next::Stopped,
        (RunState::Completed(RunOutcome::Succeeded), _, _) if reconciled => Next::Confirmed,
        (RunState::Completed(RunOutcome::Succeeded), _, _) => Next::Succeeded,
        (RunState::Completed(RunOutcome::PartiallySucceeded), _, _) => Next::Partial,
        (RunState::Completed(RunOutcome::Failed), _, _) => Next::Failed,
        (RunState::Completed(RunOutcome::Blocked), _, _) => Next::Blocked,
        (RunState::Completed(RunOutcome::Cancelled), _, _) => Next::Cancelled,
    }
}

/// How many active runs a progress overlay shows at most; the rest are one link away.
pub const OVERLAY_MAX: usize = 8;

/// The active runs a progress overlay shows, in its order — the stuck ones first (they need a
/// person), then the newest — at most [`OVERLAY_MAX`] of them, and how many more there are.
/// `active` comes oldest first, as every answer lists active runs.
pub fn overlay(active: &[RunView]) -> (Vec<RunView>, usize) {
    let stuck = |v: &&RunView| v.problem == ProblemClass::ActiveStale;
    let shown = active.iter().rev().filter(stuck).chain(active.iter().rev().filter(|v| !stuck(v)));
    (shown.take(OVERLAY_MAX).cloned().collect(), active.len().saturating_sub(OVERLAY_MAX))
}

/// A run and its view for tests of the view and of its words (`copy::decision`).
#[cfg(test)]
pub(crate) mod sample {
    use super::*;
    use crate::domain::context::RunContext;
    use crate::domain::ids::WorkspaceId;
    use crate::domain::run_type::RunType;
    use crate::domain::summary::SummaryCounts;
    use std::time::Duration;

    /// An inventory sync of tenant 3 in `state`, queued at a fixed instant, 5 of 20 processed.
    pub(crate) fn run(state: RunState) -> Run {
        let t0 = Timestamp(1_000_000);
        Run {
            id: RunId(9),
            workspace_id: WorkspaceId(1),
            tenant_id: Some(TenantId(3)),
            run_type: RunType::InventorySync.into(),
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
            revision: 0,
        }
    }

    /// The view of `r`, `after` its queueing.
    pub(crate) fn view(r: &Run, after: Duration) -> RunView {
        let now = r.created_at.plus(after);
        RunView::derive(r, None, &r.run_type.default_policy(), &PollingPolicy::default(), now)
    }
}

#[cfg(test)]
mod tests {
    use super::sample::{run, view};
    use super::*;
    use crate::domain::context::RunContext;
    use crate::domain::summary::SummaryCounts;
    use serde_json::json;
    use std::time::Duration;

    #[test]
    fn a_crowded_overlay_shows_the_stuck_runs_first_then_the_newest_and_counts_the_rest() {
        let at = |id: i64, secs: i64, stuck: bool| {
            let mut v = view(&run(RunState::Running), Duration::from_secs(1));
            v.id = RunId(id);
            v.created_at = Timestamp(secs * 1000);
            if stuck {
                v.problem = ProblemClass::ActiveStale;
            }
            v
        };
        // Oldest first, as answers list active runs: two stuck ones among twelve healthy ones.
        let mut active: Vec<RunView> = (1..=12).map(|i| at(i, i, false)).collect();
        active.insert(0, at(20, 0, true));
        active.insert(5, at(21, 5, true));
        let (shown, more) = overlay(&active);
        let ids: Vec<i64> = shown.iter().map(|v| v.id.get()).collect();
        assert_eq!(ids, [21, 20, 12, 11, 10, 9, 8, 7], "stuck first (newest of them first), then the newest");
        assert_eq!(more, 6, "every run is counted: 8 shown and 6 more make 14");
        let (few, none) = overlay(&active[..3]);
        assert_eq!((few.len(), none), (3, 0), "a calm overlay shows everything");
        assert_eq!(overlay(&[]), (Vec::new(), 0));
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
    fn the_decision_zone_answers_each_question_with_the_situation_that_holds() {
        let fresh = view(&run(RunState::Running), Duration::from_secs(10));
        assert_eq!(fresh.active_answer(), ActiveAnswer::Running);
        assert_eq!(fresh.reconciled_answer(), ReconciledAnswer::NotYet);
        assert_eq!(fresh.guidance(), Guidance { found: None, next: Some(Next::Running) });
        let stale = view(&run(RunState::Running), Duration::from_secs(3 * 3600));
        assert_eq!(stale.active_answer(), ActiveAnswer::Stale);
        let done = view(&run(RunState::Completed(RunOutcome::PartiallySucceeded)), Duration::from_secs(10));
        assert_eq!(done.active_answer(), ActiveAnswer::Ended(RunOutcome::PartiallySucceeded));
        assert_eq!(done.reconciled_answer(), ReconciledAnswer::No);
        let mut r = run(RunState::Completed(RunOutcome::Failed));
        r.context =
            RunContext::from_value(json!({"reconciliation": {"at": 5, "by": "reconciler", "reason": "worker lost"}}));
        let closed = view(&r, Duration::from_secs(10));
        assert_eq!(closed.reconciled_answer(), ReconciledAnswer::Yes(DecidedHow::WorkerGone));
    }

    #[test]
    fn a_run_closed_by_the_generic_rule_says_which_of_its_rules_closed_it() {
        for (reason, how) in [
            ("worker_lost", DecidedHow::WorkerGone),
            ("never_started", DecidedHow::NeverStarted),
            ("past_time_limit", DecidedHow::PastTimeLimit),
            ("a code this version does not know", DecidedHow::WorkerGone),
        ] {
            let mut r = run(RunState::Completed(RunOutcome::Failed));
            r.context =
                RunContext::from_value(json!({"reconciliation": {"at": 5, "by": "reconciler", "reason": reason}}));
            assert_eq!(view(&r, Duration::from_secs(10)).decided_how(), Some(how), "{reason}");
        }
    }

    #[test]
    fn a_decision_is_reported_by_its_reason_code_and_the_stored_sentence_only_for_an_unknown_code() {
        let mut r = run(RunState::Completed(RunOutcome::Succeeded));
        r.context = RunContext::from_value(json!({"reconciliation": {
            "at": 5, "by": "adapter:environment.review.compose", "reason": "review_ready", "summary": "Stored long ago."
        }}));
        let found = |v: RunView| v.guidance().found.expect("decided");
        let known = found(view(&r, Duration::from_secs(10)));
        assert_eq!((known.reason, known.stored), (Some(Reason::ReviewReady), None));
        r.context = RunContext::from_value(json!({"reconciliation": {
            "at": 5, "by": "reconciler", "reason": "a_code_from_a_newer_version", "summary": "Stored long ago."
        }}));
        let v = view(&r, Duration::from_secs(10));
        assert_eq!(v.guidance().next, Some(Next::ThenNothing));
        assert_eq!(found(v).stored.as_deref(), Some("Stored long ago."));
    }

    #[test]
    fn a_run_that_decided_itself_from_the_records_says_so() {
        let mut r = run(RunState::Completed(RunOutcome::Succeeded));
        r.context = RunContext::from_value(json!({"reconciliation": {
            "at": 5, "by": "adapter:environment.review.compose", "reason": "review_ready", "in_job": true,
            "related": {"kind": "environment_review", "id": 7}
        }}));
        let v = view(&r, Duration::from_secs(10));
        assert_eq!(v.guidance().found.map(|f| f.in_job), Some(true));
        assert_eq!(v.decided_how(), Some(DecidedHow::InJob));
        assert!(v.related.is_some());
        assert_eq!(v.problem, ProblemClass::None);
    }

    #[test]
    fn counts_that_cannot_be_true_are_shown_nowhere_as_numbers() {
        let mut r = run(RunState::Running);
        r.summary = SummaryCounts::from_json_lenient(r#"{"total": 10, "processed": 25}"#);
        let v = view(&r, Duration::from_secs(10));
        assert_eq!((v.progress_mode(), v.counts.len()), (ProgressMode::Activity, 0));
        r.summary = SummaryCounts::from_json_lenient(r#"{"total": 10, "processed": 4, "succeeded": 3, "failed": 2}"#);
        let v = view(&r, Duration::from_secs(10));
        assert_eq!((v.progress_mode(), v.counts.len()), (ProgressMode::Activity, 0), "more outcomes than processed");
        r.summary = SummaryCounts::from_json_lenient(r#"{"total": 10, "processed": 4, "succeeded": 3, "failed": 1}"#);
        let v = view(&r, Duration::from_secs(10));
        assert_eq!((v.progress_mode(), v.counts.len()), (ProgressMode::Counted, 4));
        r.state = RunState::Completed(RunOutcome::Failed);
        r.summary = SummaryCounts::from_json_lenient(r#"{"total": 10, "processed": 25}"#);
        assert!(view(&r, Duration::from_secs(10)).counts.is_empty(), "after it ended too");
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
        assert_eq!(v.active_answer(), ActiveAnswer::Stale);
        assert_eq!(v.guidance().next, Some(Next::Stale));
    }

    #[test]
    fn a_reconciled_failure_is_reconciled_stale_and_says_so() {
        let mut r = run(RunState::Completed(RunOutcome::Failed));
        r.context =
            RunContext::from_value(json!({"reconciliation": {"at": 5, "by": "reconciler", "reason": "worker lost"}}));
        let v = view(&r, Duration::from_secs(900));
        assert_eq!(v.problem, ProblemClass::ReconciledStale);
        assert_eq!(v.guidance().next, Some(Next::Stopped));
    }
}
