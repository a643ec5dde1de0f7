//! Problem class (specs/product-contract §5): exactly one per run, derived from its state, its freshness and
//! whether the reconciler decided it. Counts, filters and badges all call [`problem_class`],
//! so they agree on every surface.

use super::freshness::Freshness;
use super::status::{RunOutcome, RunState};
use serde::{Deserialize, Serialize};

/// What, if anything, a person should do about a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum ProblemClass {
    /// Active and likely stale: stuck right now.
    ActiveStale,
    /// Completed failed, partially succeeded or blocked by its own work.
    TerminalFollowUp,
    /// Completed by the reconciler after going stale, with an outcome that needs a person.
    ReconciledStale,
    /// Healthy active work, or success (also success proven by reconciliation).
    None,
}

impl ProblemClass {
    /// Every class.
    pub const ALL: [ProblemClass; 4] = [Self::ActiveStale, Self::TerminalFollowUp, Self::ReconciledStale, Self::None];

    /// The stable spelling for the `data-problem-class` hook and list filters.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ActiveStale => "active_stale",
            Self::TerminalFollowUp => "terminal_follow_up",
            Self::ReconciledStale => "reconciled_stale",
            Self::None => "none",
        }
    }

    /// Parses the stable spelling.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// Dashboards split "needs attention" into stuck right now and needs follow-up.
    pub const fn is_stuck_now(self) -> bool {
        matches!(self, Self::ActiveStale)
    }

    /// One of the two terminal classes that need a person.
    pub const fn needs_follow_up(self) -> bool {
        matches!(self, Self::TerminalFollowUp | Self::ReconciledStale)
    }
}

/// The one problem class of a run.
///
/// `freshness` is the run's derived freshness (ignored for terminal runs); `reconciled` is
/// whether the reconciler completed it. A cancelled run needs no follow-up: cancellation is a
/// deliberate stop, and its reason is on the run.
pub fn problem_class(state: RunState, freshness: Option<Freshness>, reconciled: bool) -> ProblemClass {
    match state {
        RunState::Queued | RunState::Running => match freshness {
            Some(Freshness::LikelyStale) => ProblemClass::ActiveStale,
            _ => ProblemClass::None,
        },
        RunState::Completed(outcome) if outcome.needs_follow_up() => {
            if reconciled {
                ProblemClass::ReconciledStale
            } else {
                ProblemClass::TerminalFollowUp
            }
        }
        RunState::Completed(RunOutcome::Succeeded | RunOutcome::Cancelled) | RunState::Completed(_) => {
            ProblemClass::None
        }
    }
}

/// The class a run keeps once it has completed with `outcome` (time no longer matters). The
/// lifecycle stores it with the completion, so lists, filters and counters select on the
/// stored value and never repeat this rule.
pub fn terminal_class(outcome: RunOutcome, reconciled: bool) -> ProblemClass {
    problem_class(RunState::Completed(outcome), None, reconciled)
}

super::serde_as_spelling!(ProblemClass, "problem class");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_freshness_and_reconciliation_combination_has_exactly_the_expected_class() {
        use ProblemClass as P;
        let freshnesses = [None, Some(Freshness::Fresh), Some(Freshness::PastExpected), Some(Freshness::LikelyStale)];
        for reconciled in [false, true] {
            for f in freshnesses {
                for state in [RunState::Queued, RunState::Running] {
                    let want = if f == Some(Freshness::LikelyStale) { P::ActiveStale } else { P::None };
                    assert_eq!(problem_class(state, f, reconciled), want, "{state:?} {f:?} {reconciled}");
                }
                for o in RunOutcome::ALL {
                    let want = match (o, reconciled) {
                        (RunOutcome::Succeeded | RunOutcome::Cancelled, _) => P::None,
                        (_, false) => P::TerminalFollowUp,
                        (_, true) => P::ReconciledStale,
                    };
                    assert_eq!(problem_class(RunState::Completed(o), f, reconciled), want, "{o:?} {f:?} {reconciled}");
                }
            }
        }
    }

    #[test]
    fn the_stored_terminal_class_is_the_class_of_the_completed_run() {
        for o in RunOutcome::ALL {
            for reconciled in [false, true] {
                let f = Some(Freshness::LikelyStale);
                assert_eq!(terminal_class(o, reconciled), problem_class(RunState::Completed(o), f, reconciled));
                assert!(!terminal_class(o, reconciled).is_stuck_now());
            }
        }
    }

    #[test]
    fn success_proven_by_reconciliation_is_not_a_problem() {
        assert_eq!(problem_class(RunState::Completed(RunOutcome::Succeeded), None, true), ProblemClass::None);
    }

    #[test]
    fn the_dashboard_buckets_do_not_overlap() {
        for c in ProblemClass::ALL {
            assert!(!(c.is_stuck_now() && c.needs_follow_up()));
            assert_eq!(ProblemClass::parse(c.as_str()), Some(c));
        }
    }
}
