//! Sentences the system writes into a run's record for people to read later — why it did
//! not fully succeed. They are stored as their situation (a key and its arguments, as JSON
//! in the run's `failure_message`) and worded when read, in the reader's language, by the
//! copy catalog (`Catalog::stored_sentence`): a job runs outside any request and cannot know
//! who will read its record.

use super::reconcile::Reason;
use super::run_type::RunType;
use serde::{Deserialize, Serialize};

/// A source of evidence an environment review is composed from (a review section).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewSource {
    /// The tenant's inventory.
    Inventory,
    /// The latest baseline comparison.
    Comparison,
    /// The drift findings of that comparison.
    Findings,
    /// Recent failed operations.
    Failures,
}

/// Why a run did not fully succeed, as a situation rather than words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "sentence", content = "args", rename_all = "snake_case")]
pub enum Sentence {
    /// It ended with no sentence of its own.
    DidNotFinish,
    /// No handler for its type on this instance.
    NoHandler,
    /// The job failed unexpectedly (the detail is in diagnostics).
    Internal,
    /// A shutdown stopped it.
    Shutdown,
    /// A person asked it to stop (see the timeline for who).
    CancelledOnRequest,
    /// A tenant run started without a tenant.
    NeedsTenant(RunType),
    /// The provider refused a request.
    ProviderRejected,
    /// An inventory sync that could read none of `total` items.
    NoneReadable {
        /// Items the provider listed.
        total: i64,
    },
    /// An inventory sync that could not read some items.
    SomeUnreadable {
        /// Items not read.
        failed: i64,
        /// Items listed.
        total: i64,
    },
    /// A capture with nothing to capture.
    NothingToCapture,
    /// A capture that left unreadable items out.
    CaptureSkipped {
        /// Items left out.
        skipped: i64,
        /// Items listed.
        total: i64,
    },
    /// A compare that could not compare some items.
    CompareSkipped {
        /// Items not compared.
        skipped: i64,
        /// Items listed.
        total: i64,
    },
    /// A compare against a baseline the tenant does not have.
    BaselineMissing,
    /// A compare before any baseline was captured.
    NoBaselineYet,
    /// A restore whose baseline is gone.
    RestoreBaselineMissing,
    /// A restore the provider refused entirely.
    RestoreRefused,
    /// A restore the provider refused in part.
    RestorePartial {
        /// Items not put back.
        failed: i64,
        /// Items of the restore.
        total: i64,
    },
    /// A review composed without some evidence.
    ComposedWithout(Vec<ReviewSource>),
    /// Another compose of the same evidence was writing at the same time.
    ComposeInProgress,
    /// A review pack with no review to export.
    NothingToExport,
    /// The reconciler's decision.
    Reconciled(Reason),
    /// The same decision, reached by the job itself.
    DecidedInJob(Reason),
    /// One item of a restore: the provider refused the change.
    ItemRefused,
    /// One item of a restore: it already matched the baseline.
    ItemUnchanged,
    /// One item of a restore: its settings were put back.
    ItemRestored,
    /// One item of a restore: it was re-created from the baseline.
    ItemRecreated,
}

impl Sentence {
    /// The stored form: a small JSON document.
    pub fn store(&self) -> String {
        // Serializing a plain enum of numbers, strings and enums cannot fail; should it ever,
        // "it did not finish" is the next best record.
        serde_json::to_string(self).unwrap_or_else(|_| r#"{"sentence":"did_not_finish"}"#.to_owned())
    }
}

/// A sentence as a record holds it: the stored form of a [`Sentence`], or text written
/// before sentences were typed. It travels as stored and is worded only where a reader is
/// known (`Catalog::stored_sentence`), so every reader gets their own language.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StoredSentence(String);

impl StoredSentence {
    /// A record's stored text as it stands (typed or not).
    pub fn from_stored(text: String) -> Self {
        Self(text)
    }

    /// The stored text, for writing back or wording.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&Sentence> for StoredSentence {
    fn from(s: &Sentence) -> Self {
        Self(s.store())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_form_is_a_key_and_its_arguments() {
        assert_eq!(Sentence::RestoreRefused.store(), r#"{"sentence":"restore_refused"}"#);
        assert_eq!(
            Sentence::RestorePartial { failed: 1, total: 4 }.store(),
            r#"{"sentence":"restore_partial","args":{"failed":1,"total":4}}"#
        );
        assert_eq!(
            Sentence::Reconciled(Reason::WorkerLost).store(),
            r#"{"sentence":"reconciled","args":"worker_lost"}"#
        );
    }

    #[test]
    fn a_reasons_stored_name_is_its_code() {
        for r in Reason::ALL {
            assert_eq!(serde_json::to_value(r).ok(), Some(serde_json::Value::String(r.code().to_owned())));
        }
    }
}
