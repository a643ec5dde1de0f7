//! The run state machine (specs/product-contract §3): `queued → running → completed`, never backwards, and an
//! outcome exists exactly when the run is completed. [`RunState`] makes the illegal
//! combinations unrepresentable; storage keeps two columns and converts with
//! [`RunState::from_parts`].

use super::ParseError;
use serde::{Deserialize, Serialize};

/// Where a run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum RunStatus {
    /// Accepted, waiting for a worker.
    Queued,
    /// A worker has claimed it and is working.
    Running,
    /// Finished; the outcome says how.
    Completed,
}

impl RunStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [RunStatus; 3] = [Self::Queued, Self::Running, Self::Completed];

    /// The stable spelling used in storage, URLs and the `data-run-status` hook.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Completed => "completed",
        }
    }

    /// Parses the stable spelling.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        Self::ALL.into_iter().find(|s| s.as_str() == text).ok_or_else(|| ParseError::unknown("run status", text))
    }

    /// Queued or running.
    pub const fn is_active(self) -> bool {
        !matches!(self, Self::Completed)
    }

    /// Whether the lifecycle allows moving from `self` to `to`. Only forward moves are legal;
    /// `queued → completed` covers cancellation and the reconciler's "never started".
    pub const fn can_become(self, to: RunStatus) -> bool {
        matches!(
            (self, to),
            (Self::Queued, Self::Running) | (Self::Queued, Self::Completed) | (Self::Running, Self::Completed)
        )
    }
}

/// How a completed run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum RunOutcome {
    /// Everything it set out to do was done.
    Succeeded,
    /// Some of the work succeeded, some did not.
    PartiallySucceeded,
    /// It did not achieve its purpose.
    Failed,
    /// It could not proceed (e.g. superseded or ineligible).
    Blocked,
    /// It was stopped before finishing.
    Cancelled,
}

impl RunOutcome {
    /// Every outcome.
    pub const ALL: [RunOutcome; 5] =
        [Self::Succeeded, Self::PartiallySucceeded, Self::Failed, Self::Blocked, Self::Cancelled];

    /// The stable spelling used in storage, URLs and the `data-run-outcome` hook.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::PartiallySucceeded => "partially_succeeded",
            Self::Failed => "failed",
            Self::Blocked => "blocked",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses the stable spelling.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        Self::ALL.into_iter().find(|s| s.as_str() == text).ok_or_else(|| ParseError::unknown("run outcome", text))
    }

    /// Whether a person should look at a run that ended this way by its own work
    /// (specs/product-contract §5 `terminal_follow_up`).
    pub const fn needs_follow_up(self) -> bool {
        matches!(self, Self::Failed | Self::PartiallySucceeded | Self::Blocked)
    }
}

/// Status and outcome together, so an outcome exists exactly when the run is completed.
///
/// On the wire: `{"status":"completed","outcome":"succeeded"}`, `{"status":"running"}`. Read
/// back through [`RunStateWire`], a plain struct: serde's adjacently tagged enums buffer the
/// value first, which costs the browser bundle a generic buffering deserializer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "status", content = "outcome", rename_all = "snake_case", try_from = "RunStateWire")]
pub enum RunState {
    /// Waiting for a worker.
    Queued,
    /// Being worked on.
    Running,
    /// Finished with an outcome.
    Completed(RunOutcome),
}

/// [`RunState`] as it arrives.
#[derive(Debug, Deserialize)]
pub struct RunStateWire {
    status: RunStatus,
    outcome: Option<RunOutcome>,
}

impl TryFrom<RunStateWire> for RunState {
    type Error = ParseError;

    fn try_from(w: RunStateWire) -> Result<Self, Self::Error> {
        Self::combine(w.status, w.outcome)
    }
}

impl RunState {
    /// The status part.
    pub const fn status(self) -> RunStatus {
        match self {
            Self::Queued => RunStatus::Queued,
            Self::Running => RunStatus::Running,
            Self::Completed(_) => RunStatus::Completed,
        }
    }

    /// The outcome part, present only when completed.
    pub const fn outcome(self) -> Option<RunOutcome> {
        match self {
            Self::Completed(o) => Some(o),
            _ => None,
        }
    }

    /// Queued or running.
    pub const fn is_active(self) -> bool {
        self.status().is_active()
    }

    /// Builds the state from its two stored columns, rejecting contradictions.
    pub fn from_parts(status: &str, outcome: Option<&str>) -> Result<Self, ParseError> {
        let status = RunStatus::parse(status)?;
        let outcome = outcome.filter(|o| !o.is_empty()).map(RunOutcome::parse).transpose()?;
        Self::combine(status, outcome)
    }

    /// The state of a run with `status` and `outcome`, rejecting contradictions.
    pub fn combine(status: RunStatus, outcome: Option<RunOutcome>) -> Result<Self, ParseError> {
        match (status, outcome) {
            (RunStatus::Queued, None) => Ok(Self::Queued),
            (RunStatus::Running, None) => Ok(Self::Running),
            (RunStatus::Completed, Some(o)) => Ok(Self::Completed(o)),
            (RunStatus::Completed, None) => Err(ParseError::Inconsistent("a completed run has no outcome")),
            (_, Some(_)) => Err(ParseError::Inconsistent("an active run carries an outcome")),
        }
    }

    /// The state after moving to `to`, or `None` if the lifecycle forbids it.
    pub fn advance(self, to: RunState) -> Option<RunState> {
        self.status().can_become(to.status()).then_some(to)
    }
}

super::serde_as_spelling!(RunStatus, "run status");

super::serde_as_spelling!(RunOutcome, "run outcome");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_spelling() {
        for s in RunStatus::ALL {
            assert_eq!(RunStatus::parse(s.as_str()), Ok(s));
        }
        assert!(RunStatus::parse("Running").is_err());
        assert!(RunStatus::parse("").is_err());
    }

    #[test]
    fn every_outcome_round_trips_through_its_spelling() {
        for o in RunOutcome::ALL {
            assert_eq!(RunOutcome::parse(o.as_str()), Ok(o));
        }
        assert!(RunOutcome::parse("success").is_err());
    }

    #[test]
    fn a_state_travels_as_status_and_outcome_and_a_contradiction_is_refused() {
        use serde_json::json;
        let all = [
            (RunState::Queued, json!({"status": "queued"})),
            (RunState::Running, json!({"status": "running"})),
            (
                RunState::Completed(RunOutcome::PartiallySucceeded),
                json!({"status": "completed", "outcome": "partially_succeeded"}),
            ),
        ];
        for (state, wire) in all {
            assert_eq!(serde_json::to_value(state).ok(), Some(wire.clone()));
            assert_eq!(serde_json::from_value::<RunState>(wire).ok(), Some(state));
        }
        assert!(serde_json::from_value::<RunState>(json!({"status": "completed"})).is_err());
        assert!(serde_json::from_value::<RunState>(json!({"status": "running", "outcome": "failed"})).is_err());
    }

    #[test]
    fn the_lifecycle_only_moves_forward() {
        use RunStatus::*;
        let legal = [(Queued, Running), (Queued, Completed), (Running, Completed)];
        for from in RunStatus::ALL {
            for to in RunStatus::ALL {
                assert_eq!(from.can_become(to), legal.contains(&(from, to)), "{from:?} -> {to:?}");
            }
        }
    }

    #[test]
    fn a_completed_run_can_never_change_again() {
        let done = RunState::Completed(RunOutcome::Succeeded);
        assert_eq!(done.advance(RunState::Running), None);
        assert_eq!(done.advance(RunState::Queued), None);
        assert_eq!(done.advance(RunState::Completed(RunOutcome::Failed)), None);
        assert_eq!(RunState::Running.advance(RunState::Queued), None);
        assert_eq!(RunState::Queued.advance(RunState::Running), Some(RunState::Running));
    }

    #[test]
    fn stored_parts_must_agree_about_the_outcome() {
        assert_eq!(RunState::from_parts("queued", None), Ok(RunState::Queued));
        assert_eq!(RunState::from_parts("running", Some("")), Ok(RunState::Running));
        assert_eq!(RunState::from_parts("completed", Some("failed")), Ok(RunState::Completed(RunOutcome::Failed)));
        assert!(RunState::from_parts("completed", None).is_err());
        assert!(RunState::from_parts("running", Some("succeeded")).is_err());
        assert!(RunState::from_parts("completed", Some("exploded")).is_err());
        assert!(RunState::from_parts("paused", None).is_err());
    }

    #[test]
    fn only_failed_partial_and_blocked_outcomes_need_follow_up() {
        let follow: Vec<_> = RunOutcome::ALL.into_iter().filter(|o| o.needs_follow_up()).collect();
        assert_eq!(follow, [RunOutcome::PartiallySucceeded, RunOutcome::Failed, RunOutcome::Blocked]);
    }
}
