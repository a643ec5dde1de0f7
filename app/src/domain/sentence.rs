//! Sentences the system writes into a run's record for people to read later — why it did
//! not fully succeed. They are stored as their situation (a key and its arguments, as JSON
//! in the run's `failure_message`), travel to a page as a short code, and are worded there,
//! in the reader's language, by the copy catalog (`Catalog::stored_sentence`): a job runs
//! outside any request and cannot know who will read its record.

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
    /// Every source, in the order a review lists them.
    pub const ALL: [Self; 4] = [Self::Inventory, Self::Comparison, Self::Findings, Self::Failures];

    /// The stable spelling (as stored).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Inventory => "inventory",
            Self::Comparison => "comparison",
            Self::Findings => "findings",
            Self::Failures => "failures",
        }
    }

    /// Reads [`Self::as_str`].
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
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

impl Sentence {
    /// The short spelling a page receives ("restore_partial 1 4"): the key and its arguments,
    /// separated by spaces. A page decodes it with [`Self::from_code`], a few lines, rather
    /// than a JSON decoder for every variant of the stored form (specs/browser-bundle).
    pub fn code(&self) -> String {
        let key = |k: &str| k.to_owned();
        match self {
            Self::DidNotFinish => key("did_not_finish"),
            Self::NoHandler => key("no_handler"),
            Self::Internal => key("internal"),
            Self::Shutdown => key("shutdown"),
            Self::CancelledOnRequest => key("cancelled_on_request"),
            Self::NeedsTenant(t) => format!("needs_tenant {}", t.as_str()),
            Self::ProviderRejected => key("provider_rejected"),
            Self::NoneReadable { total } => format!("none_readable {total}"),
            Self::SomeUnreadable { failed, total } => format!("some_unreadable {failed} {total}"),
            Self::NothingToCapture => key("nothing_to_capture"),
            Self::CaptureSkipped { skipped, total } => format!("capture_skipped {skipped} {total}"),
            Self::CompareSkipped { skipped, total } => format!("compare_skipped {skipped} {total}"),
            Self::BaselineMissing => key("baseline_missing"),
            Self::NoBaselineYet => key("no_baseline_yet"),
            Self::RestoreBaselineMissing => key("restore_baseline_missing"),
            Self::RestoreRefused => key("restore_refused"),
            Self::RestorePartial { failed, total } => format!("restore_partial {failed} {total}"),
            Self::ComposedWithout(sources) => {
                format!("composed_without {}", sources.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(","))
            }
            Self::ComposeInProgress => key("compose_in_progress"),
            Self::NothingToExport => key("nothing_to_export"),
            Self::Reconciled(r) => format!("reconciled {}", r.code()),
            Self::DecidedInJob(r) => format!("decided_in_job {}", r.code()),
            Self::ItemRefused => key("item_refused"),
            Self::ItemUnchanged => key("item_unchanged"),
            Self::ItemRestored => key("item_restored"),
            Self::ItemRecreated => key("item_recreated"),
        }
    }

    /// Reads [`Self::code`]; `None` for anything else (text written before sentences were
    /// typed).
    pub fn from_code(code: &str) -> Option<Self> {
        let mut parts = code.split(' ');
        let key = parts.next()?;
        let mut arg = || parts.next();
        let mut num = || arg().and_then(|n| n.parse::<i64>().ok());
        Some(match key {
            "did_not_finish" => Self::DidNotFinish,
            "no_handler" => Self::NoHandler,
            "internal" => Self::Internal,
            "shutdown" => Self::Shutdown,
            "cancelled_on_request" => Self::CancelledOnRequest,
            "provider_rejected" => Self::ProviderRejected,
            "none_readable" => Self::NoneReadable { total: num()? },
            "some_unreadable" => Self::SomeUnreadable { failed: num()?, total: num()? },
            "nothing_to_capture" => Self::NothingToCapture,
            "capture_skipped" => Self::CaptureSkipped { skipped: num()?, total: num()? },
            "compare_skipped" => Self::CompareSkipped { skipped: num()?, total: num()? },
            "baseline_missing" => Self::BaselineMissing,
            "no_baseline_yet" => Self::NoBaselineYet,
            "restore_baseline_missing" => Self::RestoreBaselineMissing,
            "restore_refused" => Self::RestoreRefused,
            "restore_partial" => Self::RestorePartial { failed: num()?, total: num()? },
            "compose_in_progress" => Self::ComposeInProgress,
            "nothing_to_export" => Self::NothingToExport,
            "item_refused" => Self::ItemRefused,
            "item_unchanged" => Self::ItemUnchanged,
            "item_restored" => Self::ItemRestored,
            "item_recreated" => Self::ItemRecreated,
            "needs_tenant" => Self::NeedsTenant(RunType::parse(arg()?).ok()?),
            "reconciled" => Self::Reconciled(Reason::from_code(arg()?)?),
            "decided_in_job" => Self::DecidedInJob(Reason::from_code(arg()?)?),
            "composed_without" => Self::ComposedWithout(
                arg()
                    .unwrap_or_default()
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(ReviewSource::parse)
                    .collect::<Option<_>>()?,
            ),
            _ => return None,
        })
    }
}

/// A sentence from a record, as it travels to a reader: the [`Sentence::code`] of a typed
/// sentence, or text written before sentences were typed, as it stands. It is worded only
/// where the reader is known (`Catalog::stored_sentence`), so every reader gets their own
/// language.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StoredSentence(String);

impl StoredSentence {
    /// Reads a record's stored text: a typed sentence as its code; a typed sentence this
    /// version does not know as "it did not finish" (never its JSON); anything else as it
    /// stands.
    pub fn read(stored: &str) -> Self {
        match serde_json::from_str::<Sentence>(stored) {
            Ok(s) => Self::from(&s),
            Err(_) if stored.starts_with(r#"{"sentence""#) => Self::from(&Sentence::DidNotFinish),
            Err(_) => Self(stored.to_owned()),
        }
    }

    /// The form a record stores: a typed sentence's JSON, else the text as it stands.
    pub fn to_stored(&self) -> String {
        self.sentence().map_or_else(|| self.0.clone(), |s| s.store())
    }

    /// The typed sentence, when this is one.
    pub fn sentence(&self) -> Option<Sentence> {
        Sentence::from_code(&self.0)
    }

    /// The text as it travels (a code, or text as written).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&Sentence> for StoredSentence {
    fn from(s: &Sentence) -> Self {
        Self(s.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_shape() -> Vec<Sentence> {
        vec![
            Sentence::DidNotFinish,
            Sentence::NeedsTenant(RunType::RestoreExecute),
            Sentence::NoneReadable { total: 7 },
            Sentence::SomeUnreadable { failed: 3, total: 10 },
            Sentence::CaptureSkipped { skipped: 1, total: 2 },
            Sentence::CompareSkipped { skipped: 0, total: 9 },
            Sentence::RestorePartial { failed: 1, total: 4 },
            Sentence::ComposedWithout(vec![ReviewSource::Inventory, ReviewSource::Findings]),
            Sentence::ComposedWithout(Vec::new()),
            Sentence::Reconciled(Reason::WorkerLost),
            Sentence::DecidedInJob(Reason::ReviewSuperseded),
            Sentence::ItemRecreated,
        ]
    }

    #[test]
    fn a_sentences_code_reads_back_as_the_same_sentence() {
        for s in every_shape() {
            assert_eq!(Sentence::from_code(&s.code()), Some(s.clone()), "{}", s.code());
        }
        assert_eq!(Sentence::RestorePartial { failed: 1, total: 4 }.code(), "restore_partial 1 4");
    }

    #[test]
    fn text_that_is_no_code_is_no_sentence() {
        for text in
            ["The provider rejected the request.", "", "restore_partial 1", "reconciled not_a_reason", "internal2"]
        {
            assert_eq!(Sentence::from_code(text), None, "{text}");
        }
    }

    #[test]
    fn a_stored_sentence_travels_as_its_code_and_is_stored_back_as_its_json() {
        for s in every_shape() {
            let read = StoredSentence::read(&s.store());
            assert_eq!(read.sentence(), Some(s.clone()));
            assert_eq!(read.to_stored(), s.store());
        }
        let old = StoredSentence::read("The provider rejected the request.");
        assert_eq!((old.sentence(), old.to_stored().as_str()), (None, "The provider rejected the request."));
        let newer = StoredSentence::read(r#"{"sentence":"from_a_newer_version"}"#);
        assert_eq!(newer.sentence(), Some(Sentence::DidNotFinish));
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
    fn a_reasons_stored_name_is_its_code() {
        for r in Reason::ALL {
            assert_eq!(serde_json::to_value(r).ok(), Some(serde_json::Value::String(r.code().to_owned())));
        }
    }
}
