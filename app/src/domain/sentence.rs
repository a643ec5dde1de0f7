//! Sentences the system writes into a run's record for people to read later — why it did
//! not fully succeed. They are stored as their situation (a key and its arguments, as JSON
//! in the run's `failure_message`) and worded when read, in the reader's language: a job
//! runs outside any request and cannot know who will read its record.
//!
//! A stored value that is not such a document (a record written before sentences were
//! typed, or by hand) is shown as it stands.

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

impl ReviewSource {
    /// The section's title in the reader's language.
    pub fn title(self) -> &'static str {
        let t = &crate::copy::text().records;
        match self {
            Self::Inventory => t.section_inventory,
            Self::Comparison => t.section_comparison,
            Self::Findings => t.section_findings,
            Self::Failures => t.section_failures,
        }
    }
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
}

impl Sentence {
    /// The sentence in the reader's language.
    pub fn word(&self) -> String {
        let t = &crate::copy::text().records;
        match self {
            Self::DidNotFinish => t.did_not_finish.to_owned(),
            Self::NoHandler => t.no_handler.to_owned(),
            Self::Internal => t.internal.to_owned(),
            Self::Shutdown => t.shutdown.to_owned(),
            Self::CancelledOnRequest => t.cancelled_on_request.to_owned(),
            Self::NeedsTenant(run_type) => (t.needs_tenant)(*run_type).to_owned(),
            Self::ProviderRejected => t.provider_rejected.to_owned(),
            Self::NoneReadable { total } => (t.none_readable)(*total),
            Self::SomeUnreadable { failed, total } => (t.some_unreadable)(*failed, *total),
            Self::NothingToCapture => t.nothing_to_capture.to_owned(),
            Self::CaptureSkipped { skipped, total } => (t.capture_skipped)(*skipped, *total),
            Self::CompareSkipped { skipped, total } => (t.compare_skipped)(*skipped, *total),
            Self::BaselineMissing => t.baseline_missing.to_owned(),
            Self::NoBaselineYet => t.no_baseline_yet.to_owned(),
            Self::RestoreBaselineMissing => t.restore_baseline_missing.to_owned(),
            Self::RestoreRefused => t.restore_refused.to_owned(),
            Self::RestorePartial { failed, total } => (t.restore_partial)(*failed, *total),
            Self::ComposedWithout(missing) => {
                (t.composed_without)(&missing.iter().map(|s| s.title()).collect::<Vec<_>>().join(", "))
            }
            Self::ComposeInProgress => t.compose_in_progress.to_owned(),
            Self::NothingToExport => t.nothing_to_export.to_owned(),
            Self::Reconciled(reason) => reason.sentence().to_owned(),
            Self::DecidedInJob(reason) => reason.in_job_sentence().to_owned(),
        }
    }

    /// The stored form: a small JSON document.
    pub fn store(&self) -> String {
        // Serializing a plain enum of numbers, strings and enums cannot fail; should it ever,
        // the English words are the next best record.
        serde_json::to_string(self).unwrap_or_else(|_| crate::copy::EN.records.did_not_finish.to_owned())
    }

    /// A stored record worded for the reader: a typed sentence in their language; a typed
    /// sentence this version does not know as the general "it did not finish" (never its
    /// JSON); anything else as it stands.
    pub fn read(stored: &str) -> String {
        match serde_json::from_str::<Self>(stored) {
            Ok(s) => s.word(),
            Err(_) if stored.starts_with(r#"{"sentence""#) => crate::copy::text().records.did_not_finish.to_owned(),
            Err(_) => stored.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_sentence_reads_back_as_the_same_words() {
        let all = [
            Sentence::DidNotFinish,
            Sentence::NeedsTenant(RunType::RestoreExecute),
            Sentence::SomeUnreadable { failed: 3, total: 10 },
            Sentence::ComposedWithout(vec![ReviewSource::Inventory, ReviewSource::Findings]),
            Sentence::Reconciled(Reason::WorkerLost),
            Sentence::DecidedInJob(Reason::ReviewSuperseded),
        ];
        for s in all {
            assert_eq!(Sentence::read(&s.store()), s.word(), "{s:?}");
        }
        assert_eq!(
            Sentence::read(&Sentence::SomeUnreadable { failed: 3, total: 10 }.store()),
            "3 of 10 items could not be read from the provider."
        );
    }

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
    fn text_that_is_no_stored_sentence_is_shown_as_it_stands() {
        assert_eq!(Sentence::read("The provider rejected the request."), "The provider rejected the request.");
        assert_eq!(Sentence::read(r#"{"sentence":"from_a_newer_version"}"#), "It did not finish.");
        assert_eq!(Sentence::read(""), "");
    }

    #[test]
    fn a_reasons_stored_name_is_its_code() {
        for r in Reason::ALL {
            assert_eq!(serde_json::to_value(r).ok(), Some(serde_json::Value::String(r.code().to_owned())));
        }
    }
}
