//! The catalog of run types: for each, its operator-facing label, its lifecycle policy (the
//! windows freshness is judged against, specs/product-contract §4), its phase list when it reports phases,
//! what its composite progress counts, and which extra summary-count keys it may write.

use super::ParseError;
use super::summary::SummaryKey;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A kind of long-running work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RunType {
    /// Reads the tenant's provider items and upserts our inventory.
    #[serde(rename = "inventory.sync")]
    InventorySync,
    /// Captures a baseline snapshot of the tenant's items.
    #[serde(rename = "baseline.capture")]
    BaselineCapture,
    /// Compares the tenant against a baseline and records drift findings.
    #[serde(rename = "baseline.compare")]
    BaselineCompare,
    /// Composes an environment review from its evidence sources.
    #[serde(rename = "environment.review.compose")]
    EnvironmentReviewCompose,
    /// Builds a downloadable review pack.
    #[serde(rename = "review_pack.generate")]
    ReviewPackGenerate,
    /// Applies a baseline snapshot back onto the provider.
    #[serde(rename = "restore.execute")]
    RestoreExecute,
}

/// One step of a phased run type: a stable key written by the worker and the label shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phase {
    /// Stored in `context.phase.current`; never shown.
    pub key: &'static str,
}

/// The windows a run type's active runs are judged against (specs/product-contract §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecyclePolicy {
    /// A queued run waiting longer than this is past expected.
    pub expected_queue_wait: Duration,
    /// A running run working longer than this is past expected.
    pub expected_duration: Duration,
    /// An active run older than this in its current status is likely stale.
    pub stale_after: Duration,
    /// A running run whose last heartbeat is older than this is likely stale (its worker is
    /// gone).
    pub heartbeat_timeout: Duration,
}

impl LifecyclePolicy {
    /// A policy from seconds, if its windows make sense: all positive, and both expected
    /// windows shorter than stale-after.
    pub fn from_secs(queue: u64, expected: u64, stale: u64, heartbeat: u64) -> Result<Self, String> {
        if [queue, expected, stale, heartbeat].contains(&0) {
            return Err("every window must be at least one second".to_owned());
        }
        if queue >= stale || expected >= stale {
            return Err("the expected queue wait and duration must be shorter than stale-after".to_owned());
        }
        Ok(Self {
            expected_queue_wait: secs(queue),
            expected_duration: secs(expected),
            stale_after: secs(stale),
            heartbeat_timeout: secs(heartbeat),
        })
    }

    /// Whether a worker beating every `interval` keeps its runs fresh under this policy:
    /// the interval fits [`HEARTBEATS_PER_TIMEOUT`] times into the heartbeat timeout, so a
    /// beat or two delayed by a busy database never makes live work look abandoned.
    pub fn allows_heartbeat_every(&self, interval: Duration) -> bool {
        interval.saturating_mul(HEARTBEATS_PER_TIMEOUT) <= self.heartbeat_timeout
    }

    /// Parses per-type overrides: `type=queue,expected,stale,heartbeat` entries in seconds,
    /// separated by `;`, where `*` names every type (a later entry wins). Example:
    /// `restore.execute=60,900,3600,120;*=30,120,600,60`.
    pub fn parse_overrides(text: &str) -> Result<std::collections::BTreeMap<RunType, Self>, String> {
        let mut out = std::collections::BTreeMap::new();
        for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let (name, windows) =
                entry.split_once('=').ok_or_else(|| format!("{entry:?} is not type=queue,expected,stale,heartbeat"))?;
            let n: Vec<u64> = windows
                .split(',')
                .map(|w| w.trim().parse::<u64>())
                .collect::<Result<_, _>>()
                .map_err(|_| format!("{entry:?}: windows must be whole seconds"))?;
            let [queue, expected, stale, heartbeat] = n[..] else {
                return Err(format!("{entry:?}: give four windows: queue,expected,stale,heartbeat"));
            };
            let policy = Self::from_secs(queue, expected, stale, heartbeat).map_err(|e| format!("{entry:?}: {e}"))?;
            let types: Vec<RunType> = match name.trim() {
                "*" => RunType::ALL.to_vec(),
                t => vec![RunType::parse(t).map_err(|_| format!("{t:?} is not a run type"))?],
            };
            for t in types {
                out.insert(t, policy);
            }
        }
        Ok(out)
    }
}

/// How many heartbeat intervals fit into every heartbeat timeout (see
/// [`LifecyclePolicy::allows_heartbeat_every`]).
pub const HEARTBEATS_PER_TIMEOUT: u32 = 3;

const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

impl RunType {
    /// Every run type.
    pub const ALL: [RunType; 6] = [
        Self::InventorySync,
        Self::BaselineCapture,
        Self::BaselineCompare,
        Self::EnvironmentReviewCompose,
        Self::ReviewPackGenerate,
        Self::RestoreExecute,
    ];

    /// The types the operations list's start form offers: every type that does not change
    /// the tenant's configuration. A restore is started from its own page, with confirmation.
    pub const STARTABLE: [RunType; 5] = [
        Self::InventorySync,
        Self::BaselineCapture,
        Self::BaselineCompare,
        Self::EnvironmentReviewCompose,
        Self::ReviewPackGenerate,
    ];

    /// Whether the work changes the tenant's configuration (and so needs confirmation).
    pub const fn changes_configuration(self) -> bool {
        matches!(self, Self::RestoreExecute)
    }

    /// The stable key used in storage, URLs and the `data-run-type` hook.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InventorySync => "inventory.sync",
            Self::BaselineCapture => "baseline.capture",
            Self::BaselineCompare => "baseline.compare",
            Self::EnvironmentReviewCompose => "environment.review.compose",
            Self::ReviewPackGenerate => "review_pack.generate",
            Self::RestoreExecute => "restore.execute",
        }
    }

    /// Parses the stable key.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        Self::ALL.into_iter().find(|t| t.as_str() == text).ok_or_else(|| ParseError::unknown("run type", text))
    }

    /// The built-in lifecycle windows of this type.
    pub const fn default_policy(self) -> LifecyclePolicy {
        let (queue, duration, stale, heartbeat) = match self {
            Self::InventorySync => (30, 120, 600, 60),
            Self::BaselineCapture => (30, 300, 1200, 90),
            Self::BaselineCompare => (30, 300, 1200, 90),
            Self::EnvironmentReviewCompose => (60, 300, 1800, 120),
            Self::ReviewPackGenerate => (60, 180, 900, 90),
            Self::RestoreExecute => (30, 600, 2400, 120),
        };
        LifecyclePolicy {
            expected_queue_wait: secs(queue),
            expected_duration: secs(duration),
            stale_after: secs(stale),
            heartbeat_timeout: secs(heartbeat),
        }
    }

    /// The ordered steps of a phased type; empty for types that do not report phases.
    pub const fn phases(self) -> &'static [Phase] {
        match self {
            Self::BaselineCapture => &[
                Phase { key: "checking_eligibility" },
                Phase { key: "capturing_evidence" },
                Phase { key: "saving_snapshot" },
            ],
            Self::BaselineCompare => {
                &[Phase { key: "loading_baseline" }, Phase { key: "comparing" }, Phase { key: "recording_findings" }]
            }
            _ => &[],
        }
    }

    /// Whether this type reports composite progress (ready and failed of a total of
    /// sources).
    pub const fn reports_composite(self) -> bool {
        matches!(self, Self::EnvironmentReviewCompose)
    }

    /// The summary-count keys this type may write beyond the common five.
    pub const fn extra_count_keys(self) -> &'static [SummaryKey] {
        match self {
            Self::InventorySync => {
                &[SummaryKey::Created, SummaryKey::Updated, SummaryKey::Unchanged, SummaryKey::Removed]
            }
            Self::BaselineCapture => &[SummaryKey::ItemsCaptured],
            Self::BaselineCompare => {
                &[SummaryKey::FindingsAdded, SummaryKey::FindingsRemoved, SummaryKey::FindingsChanged]
            }
            Self::EnvironmentReviewCompose | Self::ReviewPackGenerate => &[SummaryKey::Sections],
            Self::RestoreExecute => &[],
        }
    }

    /// Whether this type may write `key` into its summary counts.
    pub fn allows_count(self, key: SummaryKey) -> bool {
        key.is_common() || self.extra_count_keys().contains(&key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heartbeat_must_fit_three_times_into_the_heartbeat_timeout() {
        let p = RunType::InventorySync.default_policy();
        assert!(p.allows_heartbeat_every(Duration::from_secs(20)));
        assert!(!p.allows_heartbeat_every(Duration::from_secs(21)));
        assert!(!p.allows_heartbeat_every(Duration::MAX), "no overflow");
        for t in RunType::ALL {
            assert!(
                t.default_policy().allows_heartbeat_every(Duration::from_secs(10)),
                "the default interval fits {t:?}"
            );
        }
    }

    #[test]
    fn every_type_round_trips_through_its_key_and_serde() {
        for t in RunType::ALL {
            assert_eq!(RunType::parse(t.as_str()), Ok(t));
            let json = serde_json::to_string(&t).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
        }
        assert!(RunType::parse("inventory_sync").is_err());
    }

    #[test]
    fn every_policy_orders_its_windows_sensibly() {
        for t in RunType::ALL {
            let p = t.default_policy();
            assert!(p.expected_queue_wait < p.stale_after, "{t:?}");
            assert!(p.expected_duration < p.stale_after, "{t:?}");
            assert!(!p.heartbeat_timeout.is_zero(), "{t:?}");
        }
    }

    #[test]
    fn policy_overrides_parse_per_type_and_for_every_type() {
        let o = LifecyclePolicy::parse_overrides("*=2,3,10,4; restore.execute = 60,900,3600,120").unwrap_or_default();
        assert_eq!(o.len(), RunType::ALL.len());
        assert_eq!(o[&RunType::InventorySync].stale_after, secs(10));
        assert_eq!(o[&RunType::RestoreExecute].expected_duration, secs(900));
        assert_eq!(LifecyclePolicy::parse_overrides(""), Ok(std::collections::BTreeMap::new()));
    }

    #[test]
    fn policy_overrides_refuse_nonsense_and_say_why() {
        for (text, says) in [
            ("inventory.sync", "not type="),
            ("inventory.sync=1,2,3", "four windows"),
            ("inventory.sync=a,2,3,4", "whole seconds"),
            ("nope=1,2,10,4", "not a run type"),
            ("inventory.sync=1,20,10,4", "shorter than stale-after"),
            ("inventory.sync=0,2,10,4", "at least one second"),
        ] {
            let err = LifecyclePolicy::parse_overrides(text).err().unwrap_or_default();
            assert!(err.contains(says), "{text}: {err}");
        }
    }

    #[test]
    fn phase_keys_are_unique_within_their_type() {
        for t in RunType::ALL {
            let phases = t.phases();
            for (i, p) in phases.iter().enumerate() {
                assert!(phases[i + 1..].iter().all(|q| q.key != p.key));
            }
        }
        assert_eq!(RunType::BaselineCapture.phases().len(), 3);
    }

    #[test]
    fn types_may_write_only_common_keys_and_their_own_extras() {
        assert!(RunType::RestoreExecute.allows_count(SummaryKey::Processed));
        assert!(RunType::InventorySync.allows_count(SummaryKey::Created));
        assert!(!RunType::RestoreExecute.allows_count(SummaryKey::Created));
        assert!(!RunType::InventorySync.allows_count(SummaryKey::FindingsAdded));
    }
}
