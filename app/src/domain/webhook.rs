//! Webhooks (specs/webhooks): which run events an endpoint hears, how each event is named so
//! that it is told once, and how long a delivery is retried. Pure rules; the outbox, the
//! signature and the HTTP call are the server's.

use super::{ParseError, RunId};

/// What happened to a run that an endpoint may be told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// The run reached a terminal state by its own worker or by a person.
    Finished,
    /// Opshub's reconciler decided how the run ended.
    Reconciled,
    /// The run has stopped showing signs of life while it should be working.
    Stuck,
}

impl EventType {
    /// Every event type, in the order forms list them.
    pub const ALL: [EventType; 3] = [Self::Finished, Self::Reconciled, Self::Stuck];

    /// The spelling in deliveries, the API and the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Finished => "run.finished",
            Self::Reconciled => "run.reconciled",
            Self::Stuck => "run.stuck",
        }
    }

    /// Parses a spelling (surrounding spaces allowed).
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let text = text.trim();
        Self::ALL.into_iter().find(|e| e.as_str() == text).ok_or_else(|| ParseError::unknown("event type", text))
    }

    /// The event a run's terminal transition is: one per run, whoever decided it.
    pub const fn terminal(reconciled: bool) -> Self {
        if reconciled { Self::Reconciled } else { Self::Finished }
    }

    /// The stable id of this event about `run`. A run ends once and is announced as stuck
    /// at most once, so the id names the transition: writers racing to record it write one
    /// event, and every retry of every delivery carries the same id.
    pub fn event_id(self, run: RunId) -> String {
        let what = match self {
            Self::Finished | Self::Reconciled => "end",
            Self::Stuck => "stuck",
        };
        format!("evt_{run}_{what}")
    }

    const fn bit(self) -> u8 {
        match self {
            Self::Finished => 1,
            Self::Reconciled => 2,
            Self::Stuck => 4,
        }
    }
}

/// The event types one endpoint takes: never none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventTypes(u8);

impl EventTypes {
    /// Exactly `types`; `None` when there are none.
    pub fn of(types: &[EventType]) -> Option<Self> {
        let bits = types.iter().fold(0, |acc, t| acc | t.bit());
        (bits != 0).then_some(Self(bits))
    }

    /// Parses event types separated by commas, as stored. Repeats are harmless; an unknown
    /// spelling or none at all is an error.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let types = text
            .split(',')
            .filter(|part| !part.trim().is_empty())
            .map(EventType::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Self::of(&types).ok_or(ParseError::Inconsistent("an endpoint takes at least one event type"))
    }

    /// Whether `t` is among these.
    pub const fn has(self, t: EventType) -> bool {
        self.0 & t.bit() != 0
    }

    /// These, in [`EventType::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = EventType> {
        EventType::ALL.into_iter().filter(move |t| self.has(*t))
    }

    /// The stored spelling: the types in order, separated by commas.
    pub fn spelling(self) -> String {
        self.iter().map(EventType::as_str).collect::<Vec<_>>().join(",")
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryState {
    /// Not delivered yet; it will be tried (again) when due.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Retried for the whole retry window without success; only "retry now" tries again.
    Failed,
}

impl DeliveryState {
    /// Every state.
    pub const ALL: [DeliveryState; 3] = [Self::Pending, Self::Delivered, Self::Failed];

    /// The stored spelling, also the delivery log's `data-delivery-state`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    /// Parses a stored spelling.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        Self::ALL.into_iter().find(|s| s.as_str() == text).ok_or_else(|| ParseError::unknown("delivery state", text))
    }
}

/// Why an attempt did not deliver, stored as its spelling and worded where it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The endpoint answered with a status outside 2xx (the status is kept beside it).
    Answered,
    /// No answer came within the time an endpoint is given.
    Timeout,
    /// No connection could be made.
    Connect,
    /// The request failed otherwise (TLS, a broken connection, a malformed answer).
    Request,
    /// The endpoint's address is one Opshub does not send to (now).
    Address,
}

impl Fault {
    /// Every fault.
    pub const ALL: [Fault; 5] = [Self::Answered, Self::Timeout, Self::Connect, Self::Request, Self::Address];

    /// The stored spelling, also the API's.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Answered => "answered",
            Self::Timeout => "timeout",
            Self::Connect => "connect",
            Self::Request => "request",
            Self::Address => "address",
        }
    }

    /// Parses a stored spelling.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        Self::ALL.into_iter().find(|f| f.as_str() == text).ok_or_else(|| ParseError::unknown("delivery fault", text))
    }
}

/// How deliveries are retried: the first retry waits `first_retry_ms`, each later one four
/// times as long as the one before, never more than an hour, and a delivery that has not
/// succeeded `give_up_after_ms` after its event was written is given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait before the first retry, in milliseconds.
    pub first_retry_ms: i64,
    /// How long after its event a delivery is still retried, in milliseconds.
    pub give_up_after_ms: i64,
}

/// The longest wait between two attempts (one hour).
const LONGEST_WAIT_MS: i64 = 3_600_000;

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { first_retry_ms: 10_000, give_up_after_ms: 24 * 3_600_000 }
    }
}

impl RetryPolicy {
    /// When to try again after `attempts` failed attempts, the last at `now`, for an event
    /// written at `created_at`; `None` when the delivery is given up.
    pub fn next_attempt(self, attempts: u32, created_at: i64, now: i64) -> Option<i64> {
        let factor = 4_i64.saturating_pow(attempts.saturating_sub(1));
        let wait = self.first_retry_ms.max(1).saturating_mul(factor).min(LONGEST_WAIT_MS);
        let at = now.saturating_add(wait);
        (at <= created_at.saturating_add(self.give_up_after_ms)).then_some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runs_end_is_one_event_whoever_decided_it() {
        let run = RunId(42);
        assert_eq!(EventType::terminal(false), EventType::Finished);
        assert_eq!(EventType::terminal(true), EventType::Reconciled);
        assert_eq!(EventType::Finished.event_id(run), EventType::Reconciled.event_id(run));
        assert_eq!(EventType::Finished.event_id(run), "evt_42_end");
        assert_eq!(EventType::Stuck.event_id(run), "evt_42_stuck");
        assert_ne!(EventType::Finished.event_id(run), EventType::Finished.event_id(RunId(4)));
    }

    #[test]
    fn event_types_read_back_as_written_and_refuse_unknown_or_none() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Ok(t));
        }
        let set = EventTypes::parse(" run.stuck ,run.finished,run.stuck").unwrap();
        assert_eq!(set.spelling(), "run.finished,run.stuck");
        assert!(set.has(EventType::Stuck) && !set.has(EventType::Reconciled));
        assert_eq!(EventTypes::parse(&set.spelling()), Ok(set));
        assert!(EventTypes::parse("").is_err());
        assert!(EventTypes::parse(" , ").is_err());
        assert!(EventTypes::parse("run.finished,run.started").is_err());
        for s in DeliveryState::ALL {
            assert_eq!(DeliveryState::parse(s.as_str()), Ok(s));
        }
        assert!(DeliveryState::parse("sent").is_err());
    }

    #[test]
    fn each_fault_has_its_own_spelling() {
        let spelled: std::collections::BTreeSet<&str> = Fault::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(spelled.len(), Fault::ALL.len());
        for f in Fault::ALL {
            assert_eq!(Fault::parse(f.as_str()), Ok(f));
        }
        assert!(Fault::parse("Timeout").is_err());
    }

    #[test]
    fn retries_wait_four_times_longer_each_time_up_to_an_hour_and_stop_after_the_window() {
        let p = RetryPolicy { first_retry_ms: 10_000, give_up_after_ms: 24 * 3_600_000 };
        assert_eq!(p.next_attempt(1, 0, 0), Some(10_000));
        assert_eq!(p.next_attempt(2, 0, 100), Some(40_100));
        assert_eq!(p.next_attempt(3, 0, 0), Some(160_000));
        assert_eq!(p.next_attempt(9, 0, 0), Some(3_600_000), "never more than an hour");
        assert_eq!(p.next_attempt(u32::MAX, 0, 0), Some(3_600_000), "no overflow");
        let late = 24 * 3_600_000 - 5_000;
        assert_eq!(p.next_attempt(1, 0, late), None, "the retry would fall outside the window");
        let short = RetryPolicy { first_retry_ms: 0, give_up_after_ms: 10 };
        assert_eq!(short.next_attempt(1, 0, 0), Some(1), "a wait is never zero");
    }
}
