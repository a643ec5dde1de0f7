//! The run's timeline (specs/product-contract §11): every status change with who or what caused it.
//! The database logs each change inside the lifecycle's own statement; this module names the
//! actors, reads stored spellings leniently (an unknown one is shown as "unknown", never an
//! error), and writes the sentence an operator reads for each entry.

use super::ids::UserId;
use super::run_type::RunType;
use super::status::{RunOutcome, RunStatus};
use super::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Who or what caused a transition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "who")]
pub enum Actor {
    /// The person who started the run.
    Initiator(UserId),
    /// A person acting on the run after it started (cancelling it).
    Person(UserId),
    /// Scheduled work with no initiator.
    System,
    /// A worker instance (it claimed the run, or finished it).
    Worker(String),
    /// The reconciler's generic rule (never started, worker lost).
    Reconciler,
    /// The reconciler's business-truth adapter of a run type.
    Adapter(RunType),
    /// An instance shutting down past its grace period.
    Shutdown(String),
    /// A spelling this version does not know (written by hand, or by a newer version).
    Unknown,
}

impl Actor {
    /// The stored spelling (`run_transitions.actor`, `operation_runs.completed_by`).
    pub fn to_stored(&self) -> String {
        match self {
            Self::Initiator(u) => format!("initiator:{}", u.get()),
            Self::Person(u) => format!("person:{}", u.get()),
            Self::System => "system".to_owned(),
            Self::Worker(w) => format!("worker:{w}"),
            Self::Reconciler => "reconciler".to_owned(),
            Self::Adapter(t) => format!("adapter:{}", t.as_str()),
            Self::Shutdown(w) => format!("shutdown:{w}"),
            Self::Unknown => "unknown".to_owned(),
        }
    }

    /// Reads a stored spelling; anything unrecognised is [`Actor::Unknown`].
    pub fn parse(text: &str) -> Self {
        match text.split_once(':') {
            None if text == "system" => Self::System,
            None if text == "reconciler" => Self::Reconciler,
            Some(("initiator", id)) => id.parse().ok().map_or(Self::Unknown, |id| Self::Initiator(UserId(id))),
            Some(("person", id)) => id.parse().ok().map_or(Self::Unknown, |id| Self::Person(UserId(id))),
            Some(("worker", w)) if !w.is_empty() => Self::Worker(w.to_owned()),
            Some(("shutdown", w)) if !w.is_empty() => Self::Shutdown(w.to_owned()),
            Some(("adapter", t)) => RunType::parse(t).map_or(Self::Unknown, Self::Adapter),
            _ => Self::Unknown,
        }
    }
}

/// One logged status change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// When the status changed.
    pub at: Timestamp,
    /// The status before (`None` when the run was created).
    pub from: Option<RunStatus>,
    /// The status after.
    pub to: RunStatus,
    /// The outcome, when it completed.
    pub outcome: Option<RunOutcome>,
    /// Who or what caused it.
    pub actor: Actor,
}

impl Transition {
    /// The operator's sentence for this entry. `initiator` is the display name of the person
    /// an [`Actor::Initiator`] names, when known.
    pub fn sentence(&self, initiator: Option<&str>) -> String {
        let t = &crate::copy::text().timeline;
        let who = match (&self.actor, initiator) {
            (Actor::Initiator(_) | Actor::Person(_), Some(name)) => name.to_owned(),
            (Actor::Initiator(_) | Actor::Person(_), None) => t.former_member.to_owned(),
            (Actor::System, _) => t.system.to_owned(),
            (Actor::Worker(w), _) => (t.worker)(w),
            (Actor::Reconciler, _) => t.reconciler.to_owned(),
            (Actor::Adapter(run_type), _) => (t.adapter)((crate::copy::text().runs.run_type)(*run_type)),
            (Actor::Shutdown(w), _) => (t.shutdown)(w),
            (Actor::Unknown, _) => t.unknown.to_owned(),
        };
        match (self.to, self.outcome) {
            (RunStatus::Queued, _) => (t.queued_by)(&who),
            (RunStatus::Running, _) => (t.started_by)(&who),
            (RunStatus::Completed, Some(o)) => (t.ended_by)((t.ended_as)(o), &who),
            (RunStatus::Completed, None) => (t.completed_by)(&who),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_actor_survives_the_round_trip_through_its_stored_spelling() {
        for a in [
            Actor::Initiator(UserId(7)),
            Actor::Person(UserId(8)),
            Actor::System,
            Actor::Worker("opshub-1".into()),
            Actor::Reconciler,
            Actor::Adapter(RunType::RestoreExecute),
            Actor::Shutdown("opshub-2".into()),
            Actor::Unknown,
        ] {
            assert_eq!(Actor::parse(&a.to_stored()), a);
        }
    }

    #[test]
    fn unknown_or_damaged_spellings_read_as_unknown() {
        for junk in
            ["", "initiator:x", "person:", "person:me", "worker:", "adapter:nope", "robot", "shutdown:", "system:1"]
        {
            assert_eq!(Actor::parse(junk), Actor::Unknown, "{junk}");
        }
    }

    #[test]
    fn the_reconcilers_own_spelling_of_who_decided_reads_as_an_actor() {
        assert_eq!(Actor::parse("reconciler"), Actor::Reconciler);
        assert_eq!(
            Actor::parse("adapter:environment.review.compose"),
            Actor::Adapter(RunType::EnvironmentReviewCompose)
        );
    }

    #[test]
    fn each_entry_says_what_happened_and_who_caused_it() {
        let t = |to, outcome, actor| Transition { at: Timestamp(0), from: None, to, outcome, actor };
        assert_eq!(t(RunStatus::Queued, None, Actor::Initiator(UserId(1))).sentence(Some("Ada")), "Queued by Ada");
        assert_eq!(
            t(RunStatus::Running, None, Actor::Worker("opshub-1".into())).sentence(None),
            "Started by worker opshub-1"
        );
        assert_eq!(
            t(RunStatus::Completed, Some(RunOutcome::Failed), Actor::Reconciler).sentence(None),
            "Ended in failure — by the reconciler, after the run stopped reporting"
        );
        assert_eq!(
            t(RunStatus::Completed, Some(RunOutcome::Cancelled), Actor::Shutdown("opshub-2".into())).sentence(None),
            "Ended cancelled — by the shutdown of opshub-2"
        );
        assert_eq!(
            t(RunStatus::Completed, Some(RunOutcome::Cancelled), Actor::Person(UserId(3))).sentence(Some("Olu")),
            "Ended cancelled — by Olu"
        );
        let text = t(RunStatus::Completed, Some(RunOutcome::Succeeded), Actor::Adapter(RunType::RestoreExecute))
            .sentence(None);
        assert!(text.starts_with("Ended successfully — by the reconciler, from the records"), "{text}");
        assert!(!text.contains("restore.execute") && !text.contains('_'), "no internal spelling: {text}");
    }
}
