//! Summary counts (specs/product-contract §3): a closed set of keys. Writers go through
//! [`SummaryCounts::validated`], which rejects unknown keys and negative values; readers go
//! through [`SummaryCounts::from_json_lenient`], which keeps what is well-formed and drops
//! the rest, so a bad row degrades a display instead of breaking it.

use super::ParseError;
use super::kind::RunKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A summary-count key from the closed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
// Travels as its stored spelling through `as_str`/`parse`: the same JSON as a derived unit
// enum, and a page decodes it as a string and a lookup (specs/browser-bundle).
#[serde(into = "&'static str", try_from = "String")]
pub enum SummaryKey {
    /// Units of work in scope.
    Total,
    /// Units looked at so far.
    Processed,
    /// Units done successfully.
    Succeeded,
    /// Units that failed.
    Failed,
    /// Units deliberately left alone.
    Skipped,
    /// Inventory records created.
    Created,
    /// Inventory records changed.
    Updated,
    /// Inventory records already current.
    Unchanged,
    /// Inventory records dropped because the provider no longer has the item.
    Removed,
    /// Items captured into a baseline.
    ItemsCaptured,
    /// Drift: items present now but not in the baseline.
    FindingsAdded,
    /// Drift: items in the baseline but gone now.
    FindingsRemoved,
    /// Drift: items whose settings changed.
    FindingsChanged,
    /// Review or pack sections produced.
    Sections,
}

super::serde_as_spelling!(SummaryKey, "summary count");

impl SummaryKey {
    /// Every key, in display order.
    pub const ALL: [SummaryKey; 14] = [
        Self::Total,
        Self::Processed,
        Self::Succeeded,
        Self::Failed,
        Self::Skipped,
        Self::Created,
        Self::Updated,
        Self::Unchanged,
        Self::Removed,
        Self::ItemsCaptured,
        Self::FindingsAdded,
        Self::FindingsRemoved,
        Self::FindingsChanged,
        Self::Sections,
    ];

    /// The stored spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Total => "total",
            Self::Processed => "processed",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Unchanged => "unchanged",
            Self::Removed => "removed",
            Self::ItemsCaptured => "items_captured",
            Self::FindingsAdded => "findings_added",
            Self::FindingsRemoved => "findings_removed",
            Self::FindingsChanged => "findings_changed",
            Self::Sections => "sections",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        Self::ALL.into_iter().find(|k| k.as_str() == text).ok_or_else(|| ParseError::unknown("summary count", text))
    }

    /// One of the five keys every type may write.
    pub const fn is_common(self) -> bool {
        matches!(self, Self::Total | Self::Processed | Self::Succeeded | Self::Failed | Self::Skipped)
    }
}

/// Why a summary-count write was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SummaryError {
    /// The key is not in the closed set.
    #[error("unknown summary count {0:?}")]
    UnknownKey(String),
    /// The key exists but this run type may not write it.
    #[error("{run_type} runs do not record {key:?}")]
    NotForType {
        /// The run type's key.
        run_type: String,
        /// The refused key.
        key: &'static str,
    },
    /// Counts are never negative.
    #[error("summary count {0:?} is negative")]
    Negative(&'static str),
}

/// Counts keyed by the closed key set. Values are non-negative.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SummaryCounts(BTreeMap<SummaryKey, u64>);

impl SummaryCounts {
    /// No counts.
    pub fn new() -> Self {
        Self::default()
    }

    /// Validates a write: every key known and allowed for `kind`, every value ≥ 0.
    pub fn validated<'a>(
        kind: &RunKind,
        pairs: impl IntoIterator<Item = (&'a str, i64)>,
    ) -> Result<Self, SummaryError> {
        let mut map = BTreeMap::new();
        for (name, value) in pairs {
            let key = SummaryKey::parse(name).map_err(|_| SummaryError::UnknownKey(name.chars().take(64).collect()))?;
            if !kind.allows_count(key) {
                return Err(SummaryError::NotForType { run_type: kind.as_str().to_owned(), key: key.as_str() });
            }
            let value = u64::try_from(value).map_err(|_| SummaryError::Negative(key.as_str()))?;
            map.insert(key, value);
        }
        Ok(Self(map))
    }

    /// Reads stored JSON, keeping only well-formed entries: known keys with non-negative
    /// integer values. Anything else (not an object, unknown keys, strings, floats, negative
    /// or overflowing numbers) is dropped, never guessed at.
    pub fn from_json_lenient(text: &str) -> Self {
        let Ok(serde_json::Value::Object(obj)) = serde_json::from_str::<serde_json::Value>(text) else {
            return Self::default();
        };
        let map = obj.iter().filter_map(|(k, v)| Some((SummaryKey::parse(k).ok()?, v.as_u64()?))).collect();
        Self(map)
    }

    /// The stored JSON form.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "{}".to_owned())
    }

    /// Whether the counts contradict each other: more processed than the total, or more
    /// succeeded, failed and skipped together than processed. A worker that misreports
    /// leaves such counts; no surface shows them as numbers (the progress bar shows activity
    /// instead, and a results panel shows nothing).
    pub fn contradict(&self) -> bool {
        let get = |k| self.get(k);
        let over = |part: Option<u64>, whole: Option<u64>| matches!((part, whole), (Some(p), Some(w)) if p > w);
        let outcomes = [SummaryKey::Succeeded, SummaryKey::Failed, SummaryKey::Skipped]
            .into_iter()
            .filter_map(get)
            .fold(None, |sum: Option<u64>, n| Some(sum.unwrap_or(0).saturating_add(n)));
        over(get(SummaryKey::Processed), get(SummaryKey::Total)) || over(outcomes, get(SummaryKey::Processed))
    }

    /// The value of `key`, if recorded.
    pub fn get(&self, key: SummaryKey) -> Option<u64> {
        self.0.get(&key).copied()
    }

    /// Sets `key` (the caller has validated it).
    pub fn set(&mut self, key: SummaryKey, value: u64) {
        self.0.insert(key, value);
    }

    /// Recorded counts in display order.
    pub fn iter(&self) -> impl Iterator<Item = (SummaryKey, u64)> + '_ {
        self.0.iter().map(|(k, v)| (*k, *v))
    }

    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Overlays `other` onto `self` (progress writes are partial updates).
    pub fn merge(&mut self, other: &SummaryCounts) {
        for (k, v) in other.iter() {
            self.0.insert(k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RunType;

    #[test]
    fn a_write_with_an_unknown_key_is_rejected() {
        let err = SummaryCounts::validated(&RunType::InventorySync.into(), [("processed", 1), ("bananas", 2)]);
        assert_eq!(err, Err(SummaryError::UnknownKey("bananas".into())));
    }

    #[test]
    fn a_write_with_another_types_key_is_rejected() {
        let err = SummaryCounts::validated(&RunType::RestoreExecute.into(), [("created", 1)]);
        assert!(matches!(err, Err(SummaryError::NotForType { key: "created", .. })));
    }

    #[test]
    fn a_negative_count_is_rejected() {
        let err = SummaryCounts::validated(&RunType::InventorySync.into(), [("total", -1)]);
        assert_eq!(err, Err(SummaryError::Negative("total")));
    }

    #[test]
    fn a_valid_write_round_trips_through_json() {
        let c =
            SummaryCounts::validated(&RunType::InventorySync.into(), [("total", 20), ("processed", 5), ("created", 3)])
                .unwrap_or_default();
        assert_eq!(SummaryCounts::from_json_lenient(&c.to_json()), c);
        assert_eq!(c.get(SummaryKey::Total), Some(20));
    }

    #[test]
    fn lenient_reads_keep_only_well_formed_entries() {
        let c = SummaryCounts::from_json_lenient(
            r#"{"total": 10, "processed": -1, "failed": "3", "skipped": 1.5, "bogus": 4, "succeeded": 1e40}"#,
        );
        assert_eq!(c.iter().collect::<Vec<_>>(), [(SummaryKey::Total, 10)]);
        for junk in ["", "null", "[]", "[1,2]", "\"x\"", "{", "42"] {
            assert!(SummaryCounts::from_json_lenient(junk).is_empty(), "{junk}");
        }
    }
}
