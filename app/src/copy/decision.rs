//! The catalog's words for what a run's view decided: the decision zone's three answers
//! (is it still active, was it reconciled, what next), the promise of when a stuck run is
//! closed, and the terminal notification. [`RunView`] holds each as a situation; these say
//! it in the catalog's language, so the same view reads right for every reader (and a cache
//! of views holds one copy, not one per language).

use super::Catalog;
use crate::domain::view::{ActiveAnswer, DecidedHow, Guidance, Next, ReconciledAnswer};
use crate::domain::{ProblemClass, RunOutcome, RunView, StoredSentence, Timestamp};

/// A notification's title and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeText {
    /// One line.
    pub title: String,
    /// One or two calm sentences.
    pub body: String,
}

impl Catalog {
    /// The decision zone's first answer: is it still active?
    pub fn active_answer(&self, a: ActiveAnswer) -> String {
        let t = &self.decision;
        match a {
            ActiveAnswer::Stale => t.active_stale.to_owned(),
            ActiveAnswer::QueuedLate => t.active_queued_late.to_owned(),
            ActiveAnswer::Queued => t.active_queued.to_owned(),
            ActiveAnswer::RunningLate => t.active_running_late.to_owned(),
            ActiveAnswer::Running => t.active_running.to_owned(),
            ActiveAnswer::Ended(o) => (t.active_ended)(o),
        }
    }

    /// The decision zone's second answer: was it reconciled, and how?
    pub fn reconciled_answer(&self, a: ReconciledAnswer) -> String {
        let t = &self.decision;
        match a {
            ReconciledAnswer::Yes(how) => (t.reconciled_yes)(self.decided_how(how)),
            ReconciledAnswer::NotYet => t.reconciled_not_yet.to_owned(),
            ReconciledAnswer::No => t.reconciled_no.to_owned(),
        }
    }

    /// How the system decided a run, in a sentence.
    pub fn decided_how(&self, how: DecidedHow) -> &'static str {
        let t = &self.decision;
        match how {
            DecidedHow::InJob => t.decided_in_job,
            DecidedHow::FromRecords => t.decided_from_records,
            DecidedHow::WorkerGone => t.decided_worker_gone,
            DecidedHow::NeverStarted => t.decided_never_started,
            DecidedHow::PastTimeLimit => t.decided_past_time_limit,
        }
    }

    /// The decision zone's third answer for `v`: what the system found, then what to do.
    pub fn guidance(&self, v: &RunView) -> String {
        self.guidance_of(&v.guidance(), v.failure_message.as_ref())
    }

    /// [`Self::guidance`] from its parts: the situations and the run's failure sentence.
    pub fn guidance_of(&self, g: &Guidance, failure: Option<&StoredSentence>) -> String {
        let found = g.found.as_ref().and_then(|f| match f.reason {
            Some(r) => Some(self.reason(r, f.in_job).to_owned()),
            None => f.stored.clone(),
        });
        let next = g.next.map(|n| self.next(n, failure));
        match (found, next) {
            (Some(found), Some(next)) => format!("{found} {next}"),
            (Some(one), None) | (None, Some(one)) => one,
            (None, None) => String::new(),
        }
    }

    /// One next step; the steps that report a failure end with its sentence.
    fn next(&self, n: Next, failure: Option<&StoredSentence>) -> String {
        let t = &self.decision;
        let reason = failure.map(|f| format!(" {}", self.stored_sentence(f))).unwrap_or_default();
        match n {
            Next::Stale => t.next_stale.to_owned(),
            Next::QueuedLate => t.next_queued_late.to_owned(),
            Next::RunningLate => t.next_running_late.to_owned(),
            Next::Queued => t.next_queued.to_owned(),
            Next::Running => t.next_running.to_owned(),
            Next::Stopped => (t.next_stopped)(&reason),
            Next::Confirmed => t.next_confirmed.to_owned(),
            Next::Succeeded => t.next_succeeded.to_owned(),
            Next::Partial => (t.next_partial)(&reason),
            Next::Failed => (t.next_failed)(&reason),
            Next::Blocked => (t.next_blocked)(&reason),
            Next::Cancelled => (t.next_cancelled)(&reason),
            Next::ThenNothing => t.then_nothing.to_owned(),
            Next::ThenReviewFailedItems => t.then_review_failed_items.to_owned(),
            Next::ThenUseNewer => t.then_use_newer.to_owned(),
        }
    }

    /// The decision zone's promise for a run stuck right now: when the system will close it.
    pub fn closes_within(&self, closes_by: Timestamp, now: Timestamp) -> String {
        (self.decision.closes_within)(&self.duration(closes_by.since(now)))
    }

    /// The terminal notification of an ended run, worded by its problem class (specs/
    /// product-contract §10); `None` while the run is active.
    pub fn notice(&self, v: &RunView) -> Option<NoticeText> {
        let outcome = v.outcome()?;
        let t = &self.notices;
        let what = self.type_name(&v.run_type);
        let reason = v.failure_message.as_ref().map(|f| format!(" {}", self.stored_sentence(f)));
        let reason = reason.unwrap_or_default();
        let (title, body) = match (v.problem, outcome) {
            (ProblemClass::ReconciledStale, _) => {
                ((t.title_stopped)(what), (t.body_stopped)((t.outcome_words)(outcome), &reason))
            }
            (_, RunOutcome::Succeeded) => ((t.title_finished)(what), t.body_finished.to_owned()),
            (_, RunOutcome::PartiallySucceeded) => ((t.title_partial)(what), (t.body_partial)(&reason)),
            (_, RunOutcome::Failed) => ((t.title_failed)(what), (t.body_failed)(&reason)),
            (_, RunOutcome::Blocked) => ((t.title_blocked)(what), (t.body_blocked)(&reason)),
            (_, RunOutcome::Cancelled) => ((t.title_cancelled)(what), (t.body_cancelled)(&reason)),
        };
        Some(NoticeText { title, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::copy::{EN, Locale};
    use crate::domain::reconcile::Reason;
    use crate::domain::view::next_step;
    use crate::domain::view::sample::{run, view};
    use crate::domain::{Freshness, Run, RunContext, RunState, RunType, Sentence};
    use serde_json::json;
    use std::time::Duration;

    fn failed_with(r: &mut Run, s: &Sentence) {
        r.failure =
            Some(crate::domain::run::Failure { code: "x".into(), message: StoredSentence::from(s), detail: None });
    }

    #[test]
    fn the_decision_zone_answers_in_plain_words_for_every_situation() {
        let fresh = view(&run(RunState::Running), Duration::from_secs(10));
        assert_eq!(EN.active_answer(fresh.active_answer()), "Yes — working, and reporting progress.");
        assert_eq!(EN.reconciled_answer(fresh.reconciled_answer()), "Not so far.");
        let stale = view(&run(RunState::Running), Duration::from_secs(3 * 3600));
        assert!(EN.active_answer(stale.active_answer()).starts_with("Yes, but it has most likely stopped"));
        let done = view(&run(RunState::Completed(RunOutcome::PartiallySucceeded)), Duration::from_secs(10));
        assert_eq!(EN.active_answer(done.active_answer()), "No — it ended: partially succeeded.");
        assert_eq!(EN.reconciled_answer(done.reconciled_answer()), "No — it ended on its own.");
        let mut r = run(RunState::Completed(RunOutcome::Failed));
        r.context =
            RunContext::from_value(json!({"reconciliation": {"at": 5, "by": "reconciler", "reason": "worker lost"}}));
        let closed = EN.reconciled_answer(view(&r, Duration::from_secs(10)).reconciled_answer());
        assert!(closed.starts_with("Yes. Decided by the system"), "{closed}");
    }

    #[test]
    fn a_reconciled_runs_sentence_is_worded_from_its_reason_code_not_the_stored_text() {
        let mut r = run(RunState::Completed(RunOutcome::Succeeded));
        r.context = RunContext::from_value(json!({"reconciliation": {
            "at": 5, "by": "adapter:environment.review.compose", "reason": "review_ready", "summary": "Stored long ago."
        }}));
        let v = view(&r, Duration::from_secs(10));
        assert_eq!(EN.guidance(&v), format!("{} {}", EN.reason(Reason::ReviewReady, false), "Nothing to do."));
        r.context = RunContext::from_value(json!({"reconciliation": {
            "at": 5, "by": "reconciler", "reason": "a_code_from_a_newer_version", "summary": "Stored long ago."
        }}));
        assert_eq!(EN.guidance(&view(&r, Duration::from_secs(10))), "Stored long ago. Nothing to do.");
    }

    #[test]
    fn a_run_that_decided_itself_from_the_records_says_so_and_not_that_it_stopped_reporting() {
        let mut r = run(RunState::Completed(RunOutcome::Succeeded));
        r.context = RunContext::from_value(json!({"reconciliation": {
            "at": 5, "by": "adapter:environment.review.compose", "reason": "review_ready", "in_job": true,
            "related": {"kind": "environment_review", "id": 7}
        }}));
        let v = view(&r, Duration::from_secs(10));
        let said = EN.guidance(&v);
        assert_eq!(said, format!("{} {}", EN.reason(Reason::ReviewReady, true), "Nothing to do."));
        assert!(!said.contains("stopped reporting"), "{said}");
        assert_eq!(v.decided_how().map(|h| EN.decided_how(h)), Some(EN.decision.decided_in_job));
    }

    #[test]
    fn a_stuck_run_says_it_will_not_finish_by_itself() {
        let v = view(&run(RunState::Running), Duration::from_secs(61));
        assert!(EN.active_answer(v.active_answer()).contains("most likely stopped"));
        assert_eq!(EN.guidance(&v), "This run will not finish by itself.");
    }

    #[test]
    fn a_reconciled_failure_says_the_system_stopped_it_with_its_reason_in_the_readers_language() {
        let mut r = run(RunState::Completed(RunOutcome::Failed));
        r.context =
            RunContext::from_value(json!({"reconciliation": {"at": 5, "by": "reconciler", "reason": "worker lost"}}));
        failed_with(&mut r, &Sentence::Shutdown);
        let v = view(&r, Duration::from_secs(900));
        let said = EN.guidance(&v);
        assert!(said.starts_with("The system stopped this run"), "{said}");
        assert!(said.contains(&EN.sentence(&Sentence::Shutdown)), "{said}");
        let german = Locale::De.catalog().guidance(&v);
        assert!(german.contains(&Locale::De.catalog().sentence(&Sentence::Shutdown)), "{german}");
    }

    #[test]
    fn guidance_never_leaks_internal_spellings() {
        for locale in Locale::ALL {
            for state in [RunState::Queued, RunState::Running]
                .into_iter()
                .chain(RunOutcome::ALL.into_iter().map(RunState::Completed))
            {
                for f in [None, Some(Freshness::Fresh), Some(Freshness::PastExpected), Some(Freshness::LikelyStale)] {
                    for p in ProblemClass::ALL {
                        for rec in [false, true] {
                            let g = Guidance { found: None, next: Some(next_step(state, f, p, rec)) };
                            let said = locale.catalog().guidance_of(&g, None);
                            assert!(!said.is_empty() && !said.contains('_'), "{said}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_notice_follows_the_problem_class() {
        let ok = view(&run(RunState::Completed(RunOutcome::Succeeded)), Duration::from_secs(10));
        assert_eq!(EN.notice(&ok).map(|n| n.title).as_deref(), Some("Inventory sync finished"));
        let mut r = run(RunState::Completed(RunOutcome::Failed));
        r.run_type = RunType::RestoreExecute.into();
        r.context =
            RunContext::from_value(json!({"reconciliation": {"at": 5, "by": "reconciler", "reason": "worker_lost"}}));
        failed_with(&mut r, &Sentence::Reconciled(Reason::WorkerLost));
        let rec = EN.notice(&view(&r, Duration::from_secs(10))).expect("an ended run has a notice");
        assert_eq!(rec.title, "Restore was stopped by the system");
        assert!(rec.body.contains(&format!("closed as failed. {}", EN.reason(Reason::WorkerLost, false))), "{rec:?}");
        for o in RunOutcome::ALL {
            let mut r = run(RunState::Completed(o));
            r.run_type = RunType::BaselineCompare.into();
            let n = EN.notice(&view(&r, Duration::from_secs(10))).expect("ended");
            assert!(!n.title.contains('_') && !n.body.contains('_'));
        }
        assert_eq!(EN.notice(&view(&run(RunState::Running), Duration::from_secs(10))), None);
    }
}
