//! The badge catalog (specs/product-contract §12): tone, icon and test id for every status,
//! outcome, freshness and problem class; the copy catalog words each (`Catalog::badge`). Surfaces render badges only from here, so the same truth
//! looks the same everywhere, and `data-testid="badge-<kind>-<value>"` is stable for tests.

use super::freshness::Freshness;
use super::problem::ProblemClass;
use super::status::{RunOutcome, RunStatus};
use serde::{Deserialize, Serialize};

/// Which dimension of a run a badge shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BadgeKind {
    /// queued / running / completed.
    Status,
    /// How a completed run ended.
    Outcome,
    /// How an active run stands against its windows.
    Freshness,
    /// What a person should do about it.
    Problem,
}

impl BadgeKind {
    /// The spelling used in test ids.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::Outcome => "outcome",
            Self::Freshness => "freshness",
            Self::Problem => "problem",
        }
    }
}

/// The visual weight of a badge. Calm tones for healthy work, escalation only for problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    /// No emphasis.
    Neutral,
    /// Work in progress.
    Info,
    /// Done well.
    Success,
    /// Worth a glance, not a problem.
    Notice,
    /// Needs a person.
    Warning,
    /// Broken or stuck.
    Danger,
}

impl Tone {
    /// The CSS modifier.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Neutral => "neutral",
            Self::Info => "info",
            Self::Success => "success",
            Self::Notice => "notice",
            Self::Warning => "warning",
            Self::Danger => "danger",
        }
    }
}

/// What a badge shows: one value of one dimension of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shown {
    /// A status.
    Status(RunStatus),
    /// An outcome.
    Outcome(RunOutcome),
    /// A freshness.
    Freshness(Freshness),
    /// A problem class.
    Problem(ProblemClass),
}

/// One badge from the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Badge {
    /// What it shows.
    pub shows: Shown,
    /// Visual weight.
    pub tone: Tone,
    /// A one-character glyph that carries meaning without colour.
    pub icon: &'static str,
}

impl Badge {
    /// Which dimension it shows.
    pub const fn kind(&self) -> BadgeKind {
        match self.shows {
            Shown::Status(_) => BadgeKind::Status,
            Shown::Outcome(_) => BadgeKind::Outcome,
            Shown::Freshness(_) => BadgeKind::Freshness,
            Shown::Problem(_) => BadgeKind::Problem,
        }
    }

    /// The stable value spelling (as in the `data-*` hooks).
    pub const fn value(&self) -> &'static str {
        match self.shows {
            Shown::Status(s) => s.as_str(),
            Shown::Outcome(o) => o.as_str(),
            Shown::Freshness(f) => f.as_str(),
            Shown::Problem(p) => p.as_str(),
        }
    }

    /// `badge-<kind>-<value>`, the public test hook.
    pub fn test_id(&self) -> String {
        format!("badge-{}-{}", self.kind().as_str(), self.value())
    }

    /// The badge for a status.
    pub fn status(s: RunStatus) -> Badge {
        let (tone, icon) = match s {
            RunStatus::Queued => (Tone::Neutral, "◷"),
            RunStatus::Running => (Tone::Info, "↻"),
            RunStatus::Completed => (Tone::Neutral, "■"),
        };
        Badge { shows: Shown::Status(s), tone, icon }
    }

    /// The badge for an outcome.
    pub fn outcome(o: RunOutcome) -> Badge {
        let (tone, icon) = match o {
            RunOutcome::Succeeded => (Tone::Success, "✓"),
            RunOutcome::PartiallySucceeded => (Tone::Warning, "◐"),
            RunOutcome::Failed => (Tone::Danger, "✕"),
            RunOutcome::Blocked => (Tone::Warning, "⊘"),
            RunOutcome::Cancelled => (Tone::Neutral, "–"),
        };
        Badge { shows: Shown::Outcome(o), tone, icon }
    }

    /// The badge for a freshness.
    pub fn freshness(f: Freshness) -> Badge {
        let (tone, icon) = match f {
            Freshness::Fresh => (Tone::Info, "●"),
            Freshness::PastExpected => (Tone::Notice, "◔"),
            Freshness::LikelyStale => (Tone::Danger, "!"),
        };
        Badge { shows: Shown::Freshness(f), tone, icon }
    }

    /// The badge for a problem class.
    pub fn problem(p: ProblemClass) -> Badge {
        let (tone, icon) = match p {
            ProblemClass::ActiveStale => (Tone::Danger, "!"),
            ProblemClass::TerminalFollowUp => (Tone::Warning, "→"),
            ProblemClass::ReconciledStale => (Tone::Warning, "⟲"),
            ProblemClass::None => (Tone::Neutral, "·"),
        };
        Badge { shows: Shown::Problem(p), tone, icon }
    }

    /// Every badge in the catalog.
    pub fn catalog() -> Vec<Badge> {
        let mut all: Vec<Badge> = RunStatus::ALL.into_iter().map(Badge::status).collect();
        all.extend(RunOutcome::ALL.into_iter().map(Badge::outcome));
        all.extend(Freshness::ALL.into_iter().map(Badge::freshness));
        all.extend(ProblemClass::ALL.into_iter().map(Badge::problem));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_badge_has_a_unique_test_id_and_an_icon() {
        let all = Badge::catalog();
        assert_eq!(all.len(), 3 + 5 + 3 + 4);
        for (i, b) in all.iter().enumerate() {
            assert!(all[i + 1..].iter().all(|o| o.test_id() != b.test_id()));
            assert!(!b.icon.is_empty());
        }
    }

    #[test]
    fn test_ids_follow_the_public_pattern() {
        assert_eq!(Badge::status(RunStatus::Running).test_id(), "badge-status-running");
        assert_eq!(Badge::outcome(RunOutcome::PartiallySucceeded).test_id(), "badge-outcome-partially_succeeded");
        assert_eq!(Badge::freshness(Freshness::LikelyStale).test_id(), "badge-freshness-likely_stale");
        assert_eq!(Badge::problem(ProblemClass::ActiveStale).test_id(), "badge-problem-active_stale");
    }

    #[test]
    fn healthy_work_is_never_shown_in_an_alarming_tone() {
        assert!(!matches!(Badge::freshness(Freshness::Fresh).tone, Tone::Warning | Tone::Danger));
        assert!(!matches!(Badge::freshness(Freshness::PastExpected).tone, Tone::Warning | Tone::Danger));
        assert_eq!(Badge::problem(ProblemClass::None).tone, Tone::Neutral);
        assert_eq!(Badge::freshness(Freshness::LikelyStale).tone, Tone::Danger);
    }
}
