//! An environment review's sections as situations. A compose stores what each evidence
//! source showed (its kind, whether it was ready, and what it found with the numbers);
//! whoever reads the review words it, in their language (`Catalog::review_section`). A review
//! written before sections were typed keeps its stored title and body.

use super::sentence::ReviewSource;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What one section of a review found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "found", content = "args", rename_all = "snake_case")]
pub enum SectionFinding {
    /// The inventory: `items` items, last synced by run `run`.
    InventoryReady {
        /// Items in the inventory.
        items: i64,
        /// The sync run.
        run: i64,
    },
    /// The latest inventory sync (`run`) did not succeed.
    InventoryFailed {
        /// The sync run.
        run: i64,
    },
    /// No inventory sync has completed.
    InventoryNone,
    /// Compared with the baseline by run `run`.
    ComparisonReady {
        /// The compare run.
        run: i64,
    },
    /// The latest compare (`run`) did not succeed.
    ComparisonFailed {
        /// The compare run.
        run: i64,
    },
    /// No compare has completed.
    ComparisonNone,
    /// Drift since the baseline.
    FindingsReady {
        /// Items added.
        added: i64,
        /// Items removed.
        removed: i64,
        /// Items changed.
        changed: i64,
    },
    /// No findings without a successful compare.
    FindingsNone,
    /// The runs that failed recently (none when empty).
    Failures {
        /// Their ids.
        runs: Vec<i64>,
    },
    /// Every source was available, or the ones that were not.
    Summary {
        /// The sources the review was composed without.
        without: Vec<ReviewSource>,
    },
}

/// One section of a review: the source it reports on (`None`: the summary), whether that
/// source was ready, and what it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSection {
    /// The evidence source; `None` for the closing summary.
    pub source: Option<ReviewSource>,
    /// Whether the source was available.
    pub ready: bool,
    /// What it found.
    pub finding: SectionFinding,
}

/// A stored section as it reads back: typed, or the words of a review written before
/// sections were typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredSection {
    /// A typed section.
    Typed(ReviewSection),
    /// An older section's title and body as written.
    Worded {
        /// Its title.
        title: String,
        /// Its body.
        body: String,
    },
}

impl StoredSection {
    /// Reads one stored section leniently: a typed one, an older worded one, or (for
    /// anything else) an empty worded one, so a damaged review still exports.
    pub fn read(v: &Value) -> Self {
        if let Ok(s) = serde_json::from_value::<ReviewSection>(v.clone()) {
            return Self::Typed(s);
        }
        let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
        Self::Worded { title: text("title"), body: text("body") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_section_is_stored_as_its_source_and_what_it_found() {
        let s = ReviewSection {
            source: Some(ReviewSource::Findings),
            ready: true,
            finding: SectionFinding::FindingsReady { added: 1, removed: 2, changed: 3 },
        };
        let stored = serde_json::to_value(&s).expect("serializes");
        assert_eq!(
            stored,
            json!({"source": "findings", "ready": true,
                   "finding": {"found": "findings_ready", "args": {"added": 1, "removed": 2, "changed": 3}}})
        );
        assert_eq!(StoredSection::read(&stored), StoredSection::Typed(s));
    }

    #[test]
    fn an_older_worded_section_reads_back_as_written_and_a_damaged_one_as_empty() {
        let old = json!({"title": "Summary", "status": "ready", "body": "All evidence sources were available."});
        assert_eq!(
            StoredSection::read(&old),
            StoredSection::Worded { title: "Summary".into(), body: "All evidence sources were available.".into() }
        );
        assert_eq!(
            StoredSection::read(&json!(42)),
            StoredSection::Worded { title: String::new(), body: String::new() }
        );
    }
}
