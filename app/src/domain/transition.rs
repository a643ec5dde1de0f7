//! The run's timeline (specs/product-contract §11): every status change with who or what caused it.
//! The database logs each change inside the lifecycle's own statement; this module names the
//! actors and reads stored spellings leniently (an unknown one is shown as "unknown", never
//! an error); the copy catalog words each entry (`Catalog::transition`).

use super::ids::UserId;
use super::run_type::RunType;
use super::status::{RunOutcome, RunStatus};
use super::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Who or what caused a transition. On the wire it is its stored spelling (`worker:opshub-1`),
/// read back leniently like a stored one: a plain string keeps the browser bundle free of a
/// tagged-enum deserializer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
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

impl From<Actor> for String {
    fn from(a: Actor) -> Self {
        a.to_stored()
    }
}

impl From<String> for Actor {
    fn from(s: String) -> Self {
        Self::parse(&s)
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
    fn an_actor_travels_as_its_stored_spelling() {
        let a = Actor::Worker("opshub-1".into());
        assert_eq!(serde_json::to_value(&a).ok(), Some(serde_json::Value::String("worker:opshub-1".into())));
        assert_eq!(serde_json::from_str::<Actor>("\"worker:opshub-1\"").ok(), Some(a));
        assert_eq!(serde_json::from_str::<Actor>("\"from:the_future\"").ok(), Some(Actor::Unknown));
    }

    #[test]
    fn the_reconcilers_own_spelling_of_who_decided_reads_as_an_actor() {
        assert_eq!(Actor::parse("reconciler"), Actor::Reconciler);
        assert_eq!(
            Actor::parse("adapter:environment.review.compose"),
            Actor::Adapter(RunType::EnvironmentReviewCompose)
        );
    }
}
