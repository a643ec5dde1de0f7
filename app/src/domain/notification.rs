//! Terminal notification wording (specs/product-contract §10): one per run to its initiator, worded by the
//! run's problem class, linking to the run detail.

use super::ids::RunId;
use super::problem::ProblemClass;
use super::run_type::RunType;
use super::status::RunOutcome;

/// A notification's title, body and link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationText {
    /// One line.
    pub title: String,
    /// One or two calm sentences.
    pub body: String,
    /// Where it leads: the canonical run detail.
    pub link: String,
}

/// The terminal notification for a run that ended with `outcome` and `problem`.
pub fn terminal_notification(
    id: RunId,
    run_type: RunType,
    outcome: RunOutcome,
    problem: ProblemClass,
    failure: Option<&str>,
) -> NotificationText {
    let t = &crate::copy::text().notices;
    let what = (crate::copy::text().runs.run_type)(run_type);
    let reason = failure.map(|f| format!(" {f}")).unwrap_or_default();
    let (title, body) = match (problem, outcome) {
        (ProblemClass::ReconciledStale, _) => {
            ((t.title_stopped)(what), (t.body_stopped)((t.outcome_words)(outcome), &reason))
        }
        (_, RunOutcome::Succeeded) => ((t.title_finished)(what), t.body_finished.to_owned()),
        (_, RunOutcome::PartiallySucceeded) => ((t.title_partial)(what), (t.body_partial)(&reason)),
        (_, RunOutcome::Failed) => ((t.title_failed)(what), (t.body_failed)(&reason)),
        (_, RunOutcome::Blocked) => ((t.title_blocked)(what), (t.body_blocked)(&reason)),
        (_, RunOutcome::Cancelled) => ((t.title_cancelled)(what), (t.body_cancelled)(&reason)),
    };
    NotificationText { title, body, link: format!("/admin/operations/{id}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording_follows_the_problem_class_and_links_to_the_run() {
        let ok =
            terminal_notification(RunId(5), RunType::InventorySync, RunOutcome::Succeeded, ProblemClass::None, None);
        assert_eq!(ok.title, "Inventory sync finished");
        assert_eq!(ok.link, "/admin/operations/5");
        let rec = terminal_notification(
            RunId(5),
            RunType::RestoreExecute,
            RunOutcome::Failed,
            ProblemClass::ReconciledStale,
            Some("The worker was lost."),
        );
        assert_eq!(rec.title, "Restore was stopped by the system");
        assert!(rec.body.contains("closed as failed. The worker was lost."));
        for o in RunOutcome::ALL {
            let n = terminal_notification(RunId(1), RunType::BaselineCompare, o, ProblemClass::TerminalFollowUp, None);
            assert!(!n.title.contains('_') && !n.body.contains('_'));
        }
    }
}
