//! Freshness (specs/product-contract §4): derived, never stored. An active run is fresh inside its expected
//! window, past expected until stale-after, and likely stale beyond it — or at once when it
//! is running and its heartbeat is older than the heartbeat timeout. Terminal runs have none.
//! Every surface calls [`freshness`]; no page has its own threshold.

use super::run_type::LifecyclePolicy;
use super::status::RunState;
use super::time::Timestamp;
use serde::{Deserialize, Serialize};

/// How an active run stands against its lifecycle windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum Freshness {
    /// Inside its expected window.
    Fresh,
    /// Beyond expected, not yet stale: taking longer than usual.
    PastExpected,
    /// Beyond stale-after, or its worker stopped heartbeating.
    LikelyStale,
}

impl Freshness {
    /// Every value.
    pub const ALL: [Freshness; 3] = [Self::Fresh, Self::PastExpected, Self::LikelyStale];

    /// The stable spelling for the `data-run-freshness` hook and URLs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Fresh => "fresh",
            Self::PastExpected => "past_expected",
            Self::LikelyStale => "likely_stale",
        }
    }

    /// Parses the stable spelling.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }
}

/// The timestamps freshness is judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LifecycleTimes {
    /// When the run was created (queued).
    pub created_at: Timestamp,
    /// When a worker claimed it.
    pub started_at: Option<Timestamp>,
    /// The worker's last sign of life.
    pub heartbeat_at: Option<Timestamp>,
}

impl LifecycleTimes {
    /// The run's last sign of life: its latest heartbeat, else its start, else when it was
    /// queued (a heartbeat older than the start, from an earlier attempt, does not count).
    pub fn last_sign_of_life(&self) -> Timestamp {
        let started = self.started_at.unwrap_or(self.created_at);
        self.heartbeat_at.map_or(started, |h| h.max(started))
    }
}

/// The freshness of a run in `state` at `now`, or `None` when it is terminal.
///
/// A queued run is judged on time since creation against the expected queue wait; a running
/// run on time since it started against the expected duration, and on time since its last
/// heartbeat (or its start, before the first heartbeat) against the heartbeat timeout.
/// Windows are inclusive: a run exactly at its expected limit is still fresh.
pub fn freshness(
    state: RunState,
    times: LifecycleTimes,
    policy: &LifecyclePolicy,
    now: Timestamp,
) -> Option<Freshness> {
    let (age, expected) = match state {
        RunState::Completed(_) => return None,
        RunState::Queued => (now.since(times.created_at), policy.expected_queue_wait),
        RunState::Running => {
            if worker_silent(times, policy, now) || past_time_limit(times, policy, now) {
                return Some(Freshness::LikelyStale);
            }
            (now.since(times.started_at.unwrap_or(times.created_at)), policy.expected_duration)
        }
    };
    Some(if age > policy.stale_after {
        Freshness::LikelyStale
    } else if age > expected {
        Freshness::PastExpected
    } else {
        Freshness::Fresh
    })
}

/// When an active run is (or was) first judged likely stale if nothing changes — no new
/// heartbeat, no claim: the earlier of its stale-after window and, while running, its
/// heartbeat timeout. `None` for a terminal run.
pub fn stale_at(state: RunState, times: LifecycleTimes, policy: &LifecyclePolicy) -> Option<Timestamp> {
    // Windows are inclusive, so the judgement flips one millisecond past each limit.
    let past = |t: Timestamp, d| t.plus(d).plus(std::time::Duration::from_millis(1));
    match state {
        RunState::Completed(_) => None,
        RunState::Queued => Some(past(times.created_at, policy.stale_after)),
        RunState::Running => {
            let started = times.started_at.unwrap_or(times.created_at);
            Some(past(started, policy.stale_after).min(past(times.last_sign_of_life(), policy.heartbeat_timeout)))
        }
    }
}

/// The first instant after `now` at which the freshness of a run in `state` changes if
/// nothing happens to it (no claim, no heartbeat), or `None` when it never will: a terminal
/// run, or one already likely stale. Caches of derived answers keep until then.
pub fn next_change(
    state: RunState,
    times: LifecycleTimes,
    policy: &LifecyclePolicy,
    now: Timestamp,
) -> Option<Timestamp> {
    let past = |t: Timestamp, d| t.plus(d).plus(std::time::Duration::from_millis(1));
    let started = times.started_at.unwrap_or(times.created_at);
    let candidates = match state {
        RunState::Completed(_) => return None,
        RunState::Queued => {
            vec![past(times.created_at, policy.expected_queue_wait), past(times.created_at, policy.stale_after)]
        }
        RunState::Running => vec![
            past(started, policy.expected_duration),
            past(started, policy.stale_after),
            past(times.last_sign_of_life(), policy.heartbeat_timeout),
        ],
    };
    if freshness(state, times, policy, now) == Some(Freshness::LikelyStale) {
        return None;
    }
    candidates.into_iter().filter(|t| *t > now).min()
}

/// Whether a running run is past its time limit: running for longer than its stale-after
/// window, however well its worker reports. Its worker stops it then, and the reconciler
/// closes it if the worker does not.
pub fn past_time_limit(times: LifecycleTimes, policy: &LifecyclePolicy, now: Timestamp) -> bool {
    now.since(times.started_at.unwrap_or(times.created_at)) > policy.stale_after
}

/// Whether a running run's worker has gone quiet: its last sign of life (heartbeat, or its
/// start before the first heartbeat) is older than the heartbeat timeout.
pub fn worker_silent(times: LifecycleTimes, policy: &LifecyclePolicy, now: Timestamp) -> bool {
    now.since(times.last_sign_of_life()) > policy.heartbeat_timeout
}

super::serde_as_spelling!(Freshness, "freshness");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::status::RunOutcome;
    use std::time::Duration;

    const POLICY: LifecyclePolicy = LifecyclePolicy {
        expected_queue_wait: Duration::from_secs(30),
        expected_duration: Duration::from_secs(120),
        stale_after: Duration::from_secs(600),
        heartbeat_timeout: Duration::from_secs(60),
    };
    const T0: Timestamp = Timestamp(1_000_000_000);

    #[test]
    fn the_last_sign_of_life_is_the_heartbeat_else_the_start_else_the_queueing() {
        let queued = LifecycleTimes { created_at: T0, started_at: None, heartbeat_at: None };
        assert_eq!(queued.last_sign_of_life(), T0);
        let started = LifecycleTimes { started_at: Some(T0.plus(Duration::from_secs(5))), ..queued };
        assert_eq!(started.last_sign_of_life(), T0.plus(Duration::from_secs(5)));
        let beating = LifecycleTimes { heartbeat_at: Some(T0.plus(Duration::from_secs(9))), ..started };
        assert_eq!(beating.last_sign_of_life(), T0.plus(Duration::from_secs(9)));
        let earlier_attempt = LifecycleTimes { heartbeat_at: Some(T0), ..started };
        assert_eq!(earlier_attempt.last_sign_of_life(), T0.plus(Duration::from_secs(5)));
    }

    fn at(ms: i64) -> Timestamp {
        Timestamp(T0.0 + ms)
    }

    fn queued() -> LifecycleTimes {
        LifecycleTimes { created_at: T0, started_at: None, heartbeat_at: None }
    }

    fn running(heartbeat_ms: Option<i64>) -> LifecycleTimes {
        LifecycleTimes {
            created_at: T0.minus(Duration::from_secs(5)),
            started_at: Some(T0),
            heartbeat_at: heartbeat_ms.map(at),
        }
    }

    #[test]
    fn terminal_runs_have_no_freshness_at_any_time() {
        for o in RunOutcome::ALL {
            for now in [T0, at(10_000_000)] {
                assert_eq!(freshness(RunState::Completed(o), running(None), &POLICY, now), None);
            }
        }
    }

    #[test]
    fn a_queued_run_crosses_each_boundary_one_millisecond_after_it() {
        let cases = [
            (0, Freshness::Fresh),
            (30_000, Freshness::Fresh),
            (30_001, Freshness::PastExpected),
            (600_000, Freshness::PastExpected),
            (600_001, Freshness::LikelyStale),
        ];
        for (ms, want) in cases {
            assert_eq!(freshness(RunState::Queued, queued(), &POLICY, at(ms)), Some(want), "at +{ms} ms");
        }
    }

    #[test]
    fn a_running_run_with_a_live_heartbeat_is_judged_on_its_duration() {
        let cases = [
            (120_000, Freshness::Fresh),
            (120_001, Freshness::PastExpected),
            (600_000, Freshness::PastExpected),
            (600_001, Freshness::LikelyStale),
        ];
        for (ms, want) in cases {
            let times = running(Some(ms - 1_000));
            assert_eq!(freshness(RunState::Running, times, &POLICY, at(ms)), Some(want), "at +{ms} ms");
        }
    }

    #[test]
    fn a_running_run_whose_heartbeat_stopped_is_likely_stale_even_when_young() {
        let times = running(Some(10_000));
        assert_eq!(freshness(RunState::Running, times, &POLICY, at(70_000)), Some(Freshness::Fresh));
        assert_eq!(freshness(RunState::Running, times, &POLICY, at(70_001)), Some(Freshness::LikelyStale));
    }

    #[test]
    fn stale_at_is_exactly_when_freshness_turns_likely_stale() {
        let running = LifecycleTimes { created_at: at(0), started_at: Some(at(1_000)), heartbeat_at: Some(at(50_000)) };
        let queued = LifecycleTimes { created_at: at(0), started_at: None, heartbeat_at: None };
        for (state, times) in [(RunState::Running, running), (RunState::Queued, queued)] {
            let Some(t) = stale_at(state, times, &POLICY) else { panic!("an active run has a stale moment") };
            let before = Timestamp(t.millis() - 1);
            assert_ne!(freshness(state, times, &POLICY, before), Some(Freshness::LikelyStale), "{state:?}");
            assert_eq!(freshness(state, times, &POLICY, t), Some(Freshness::LikelyStale), "{state:?}");
        }
        assert_eq!(stale_at(RunState::Completed(RunOutcome::Failed), running, &POLICY), None);
    }

    #[test]
    fn before_its_first_heartbeat_a_running_run_counts_from_its_start() {
        assert_eq!(freshness(RunState::Running, running(None), &POLICY, at(60_000)), Some(Freshness::Fresh));
        assert_eq!(freshness(RunState::Running, running(None), &POLICY, at(60_001)), Some(Freshness::LikelyStale));
    }

    #[test]
    fn a_heartbeat_from_before_the_start_does_not_age_the_run() {
        let times = LifecycleTimes { created_at: T0, started_at: Some(T0), heartbeat_at: Some(at(-500_000)) };
        assert_eq!(freshness(RunState::Running, times, &POLICY, at(1_000)), Some(Freshness::Fresh));
    }

    #[test]
    fn timestamps_in_the_future_read_as_fresh_not_negative() {
        assert_eq!(freshness(RunState::Queued, queued(), &POLICY, at(-50_000)), Some(Freshness::Fresh));
    }

    #[test]
    fn freshness_spellings_round_trip() {
        for f in Freshness::ALL {
            assert_eq!(Freshness::parse(f.as_str()), Some(f));
        }
        assert_eq!(Freshness::parse("stale"), None);
    }

    #[test]
    fn the_next_change_is_the_first_window_a_run_will_cross() {
        let queued = LifecycleTimes { created_at: T0, started_at: None, heartbeat_at: None };
        let at = next_change(RunState::Queued, queued, &POLICY, T0);
        assert_eq!(at, Some(T0.plus(Duration::from_millis(30_001))), "past the queue wait first");
        let later = T0.plus(Duration::from_secs(31));
        assert_eq!(
            next_change(RunState::Queued, queued, &POLICY, later),
            Some(T0.plus(Duration::from_millis(600_001)))
        );
        let running = LifecycleTimes {
            created_at: T0,
            started_at: Some(T0),
            heartbeat_at: Some(T0.plus(Duration::from_secs(50))),
        };
        let now = T0.plus(Duration::from_secs(60));
        assert_eq!(
            next_change(RunState::Running, running, &POLICY, now),
            Some(T0.plus(Duration::from_millis(110_001))),
            "the heartbeat timeout comes before the expected duration"
        );
        let stale = T0.plus(Duration::from_secs(700));
        assert_eq!(next_change(RunState::Running, running, &POLICY, stale), None, "stale stays stale");
        assert_eq!(next_change(RunState::Completed(RunOutcome::Succeeded), running, &POLICY, now), None);
    }
}
