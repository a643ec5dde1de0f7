//! Terminal notification wording (PRODUCT §10): one per run to its initiator, worded by the
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
    let what = run_type.label();
    let reason = failure.map(|f| format!(" {f}")).unwrap_or_default();
    let (title, body) = match (problem, outcome) {
        (ProblemClass::ReconciledStale, _) => (
            format!("{what} was stopped by the system"),
            format!("It stopped reporting progress and was closed as {}.{reason}", outcome_words(outcome)),
        ),
        (_, RunOutcome::Succeeded) => (format!("{what} finished"), "Everything completed successfully.".to_owned()),
        (_, RunOutcome::PartiallySucceeded) => (
            format!("{what} finished with some failures"),
            format!("Some items did not complete.{reason} Review them and run it again."),
        ),
        (_, RunOutcome::Failed) => (format!("{what} failed"), format!("It did not finish.{reason}")),
        (_, RunOutcome::Blocked) => (format!("{what} could not proceed"), format!("It was blocked.{reason}")),
        (_, RunOutcome::Cancelled) => {
            (format!("{what} was cancelled"), format!("It stopped before finishing.{reason}"))
        }
    };
    NotificationText { title, body, link: format!("/admin/operations/{id}") }
}

fn outcome_words(o: RunOutcome) -> &'static str {
    match o {
        RunOutcome::Succeeded => "succeeded",
        RunOutcome::PartiallySucceeded => "partially succeeded",
        RunOutcome::Failed => "failed",
        RunOutcome::Blocked => "blocked",
        RunOutcome::Cancelled => "cancelled",
    }
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
