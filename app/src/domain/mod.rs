//! The pure run domain: everything the product contract (specs/product-contract) says about a run that can be decided without
//! I/O. It compiles for the server and the browser alike, takes the current time as an
//! argument and never panics on bad data, so every surface can derive the same truth from the
//! same record.
//!
//! Each rule lives in exactly one module here: state machine ([`status`]), lifecycle windows
//! ([`run_type`]), freshness ([`freshness`]), problem class ([`problem`]), progress
//! ([`progress`]), badges ([`badge`]), polling ([`polling`]) and what the reconciler may
//! decide from business truth ([`reconcile`]).

/// Gives a unit enum that has `ALL` and `as_str` a serde form that is its spelling, read
/// back by lookup. The JSON is the same as a derived unit enum's (`"likely_stale"`), but the
/// browser decodes it as a string and a lookup instead of serde's enum machinery for each
/// type (specs/browser-bundle). Use with `#[serde(into = "&'static str", try_from = "String")]`.
macro_rules! serde_as_spelling {
    ($t:ty, $what:literal) => {
        impl From<$t> for &'static str {
            fn from(v: $t) -> Self {
                v.as_str()
            }
        }

        impl TryFrom<String> for $t {
            type Error = $crate::domain::ParseError;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                <$t>::ALL
                    .into_iter()
                    .find(|v| v.as_str() == text)
                    .ok_or_else(|| $crate::domain::ParseError::unknown($what, &text))
            }
        }
    };
}
pub(crate) use serde_as_spelling;

pub mod access;
pub mod badge;
pub mod context;
pub mod freshness;
pub mod ids;
pub mod kind;
pub mod polling;
pub mod problem;
pub mod progress;
pub mod reconcile;
pub mod refusal;
pub mod report;
pub mod review;
pub mod run;
pub mod run_type;
pub mod sentence;
pub mod status;
pub mod summary;
pub mod throttle;
pub mod time;
pub mod token;
pub mod transition;
pub mod view;
pub mod webhook;
pub mod workspace_type;

pub use badge::{Badge, BadgeKind, Tone};
pub use context::RunContext;
pub use freshness::{Freshness, freshness};
pub use ids::{RunId, TenantId, TokenId, UserId, WorkspaceId};
pub use kind::{RunKind, TypeName};
pub use polling::PollingPolicy;
pub use problem::{ProblemClass, problem_class};
pub use progress::{Progress, ProgressMode, progress};
pub use run::{CancelRequest, Failure, Run};
pub use run_type::{LifecyclePolicy, RunType};
pub use sentence::{ReviewSource, Sentence, StoredSentence};
pub use status::{RunOutcome, RunState, RunStatus};
pub use summary::{SummaryCounts, SummaryKey};
pub use time::Timestamp;
pub use view::RunView;

/// A value read from storage or input that does not name a known domain value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The text is not one of the known spellings for `what`.
    #[error("unknown {what}: {value:?}")]
    Unknown {
        /// What was being parsed, e.g. "run status".
        what: &'static str,
        /// The text that was offered, truncated for safety.
        value: String,
    },
    /// The parts are known but do not fit together (e.g. an outcome on an active run).
    #[error("{0}")]
    Inconsistent(&'static str),
}

impl ParseError {
    pub(crate) fn unknown(what: &'static str, value: &str) -> Self {
        let value: String = value.chars().take(64).collect();
        Self::Unknown { what, value }
    }
}
