//! The polling policy (specs/product-contract §7): only active runs are polled, and the run-detail interval
//! grows with the run's age. Terminal and unknown state get no interval at all, so such a
//! page renders without a timer.

use super::status::RunState;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Poll intervals by run age. The defaults are specs/product-contract §7's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollingPolicy {
    /// `(younger than, interval)` tiers in ascending age order.
    pub tiers: Vec<(Duration, Duration)>,
    /// The interval for runs older than every tier.
    pub oldest: Duration,
    /// How often the review-pack card polls while its pack is queued or generating.
    pub review_pack: Duration,
}

impl Default for PollingPolicy {
    fn default() -> Self {
        Self {
            tiers: vec![
                (Duration::from_secs(60), Duration::from_secs(2)),
                (Duration::from_secs(600), Duration::from_secs(5)),
                (Duration::from_secs(3600), Duration::from_secs(15)),
            ],
            oldest: Duration::from_secs(30),
            review_pack: Duration::from_secs(10),
        }
    }
}

impl PollingPolicy {
    /// The run-detail poll interval for a run in `state` (if known) that is `age` old, or
    /// `None` when the run must not be polled (terminal or unknown).
    pub fn run_interval(&self, state: Option<RunState>, age: Duration) -> Option<Duration> {
        if !state?.is_active() {
            return None;
        }
        let tier = self.tiers.iter().find(|(younger_than, _)| age < *younger_than);
        Some(tier.map_or(self.oldest, |(_, every)| *every))
    }
}

impl PollingPolicy {
    /// The tenant overlay's interval (specs/product-contract §7): it polls while the tenant has at least one
    /// active run the viewer may see — stale ones included — as often as its most recently
    /// started run needs; with no active run it does not poll.
    pub fn overlay_interval(&self, active: impl IntoIterator<Item = (RunState, Duration)>) -> Option<Duration> {
        active.into_iter().filter_map(|(state, age)| self.run_interval(Some(state), age)).min()
    }

    /// How much older a run that is `age` old must get before its interval changes (it
    /// crosses into the next tier), or `None` once it is past every tier.
    pub fn next_tier_in(&self, age: Duration) -> Option<Duration> {
        self.tiers.iter().map(|(younger_than, _)| *younger_than).find(|t| *t > age).map(|t| t - age)
    }
}

/// `d` in whole milliseconds, as pages read intervals.
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The interval of a page that shows `views`, in milliseconds: as often as the youngest
/// active run among them needs (each view carries its own), `None` when none is active — a
/// page of finished runs keeps no timer.
pub fn shown_interval_ms<'a>(views: impl IntoIterator<Item = &'a super::RunView>) -> Option<u64> {
    views.into_iter().filter_map(|v| v.poll_interval_ms).min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::status::RunOutcome;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn the_interval_grows_with_age_and_switches_exactly_at_each_tier() {
        let p = PollingPolicy::default();
        let ms = Duration::from_millis;
        let cases = [
            (ms(0), 2),
            (ms(59_999), 2),
            (ms(60_000), 5),
            (ms(599_999), 5),
            (ms(600_000), 15),
            (ms(3_599_999), 15),
            (ms(3_600_000), 30),
            (secs(86_400 * 30), 30),
        ];
        for state in [RunState::Queued, RunState::Running] {
            for (age, want) in cases {
                assert_eq!(p.run_interval(Some(state), age), Some(secs(want)), "{state:?} at {age:?}");
            }
        }
    }

    #[test]
    fn the_overlay_polls_as_often_as_its_youngest_active_run_and_stops_when_none_remain() {
        let p = PollingPolicy::default();
        let runs = [(RunState::Running, secs(4000)), (RunState::Queued, secs(30))];
        assert_eq!(p.overlay_interval(runs), Some(secs(2)));
        let stale_only = [(RunState::Running, secs(86_400))];
        assert_eq!(p.overlay_interval(stale_only), Some(secs(30)), "stale runs keep the overlay polling");
        let done = [(RunState::Completed(RunOutcome::Succeeded), secs(1))];
        assert_eq!(p.overlay_interval(done), None);
        assert_eq!(p.overlay_interval([]), None);
    }

    #[test]
    fn terminal_and_unknown_runs_are_never_polled() {
        let p = PollingPolicy::default();
        for o in RunOutcome::ALL {
            assert_eq!(p.run_interval(Some(RunState::Completed(o)), secs(1)), None);
        }
        assert_eq!(p.run_interval(None, secs(1)), None);
    }

    #[test]
    fn a_page_polls_as_often_as_its_youngest_active_run_and_not_at_all_when_all_are_finished() {
        use crate::domain::view::sample::{run, view};
        let young = view(&run(RunState::Running), secs(10));
        let old = view(&run(RunState::Queued), secs(7200));
        let done = view(&run(RunState::Completed(RunOutcome::Succeeded)), secs(10));
        assert_eq!(shown_interval_ms(&[old.clone(), young, done.clone()]), Some(2_000));
        assert_eq!(shown_interval_ms(&[done.clone(), old]), Some(30_000));
        assert_eq!(shown_interval_ms(&[done]), None);
        assert_eq!(shown_interval_ms(&[]), None);
    }

    #[test]
    fn a_runs_interval_changes_when_it_crosses_into_the_next_tier() {
        let p = PollingPolicy::default();
        assert_eq!(p.next_tier_in(secs(45)), Some(secs(15)));
        assert_eq!(p.next_tier_in(secs(60)), Some(secs(540)), "exactly at a limit, the next tier is the one ahead");
        assert_eq!(p.next_tier_in(secs(4000)), None);
    }
}
