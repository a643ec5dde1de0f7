//! What a platform's worker says when it reports its own work through the runs API
//! (specs/runs-api, "Reporting work"): the name it works under, and how a run ended. These
//! are checked here, once, so a report that cannot be stored honestly is refused with the
//! field named before anything is written.

use super::ids::TokenId;
use super::status::RunOutcome;

/// The longest worker name.
pub const MAX_WORKER_CHARS: usize = 64;
/// The longest failure code.
pub const MAX_CODE_CHARS: usize = 64;
/// The longest failure message.
pub const MAX_MESSAGE_CHARS: usize = 300;

/// The name a platform's worker works under, e.g. `backup-host-3`. Its lease on a run is
/// held by the token and this name together ([`WorkerName::lease_owner`]), so only that
/// worker of that token can report on the run it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerName(String);

impl WorkerName {
    /// `text` as a worker name: 1–64 letters, digits, `.`, `_`, `:` or `-`.
    pub fn parse(text: &str) -> Option<Self> {
        let fits = (1..=MAX_WORKER_CHARS).contains(&text.len())
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
        fits.then(|| Self(text.to_owned()))
    }

    /// The lease owner a run held by this worker of `token` records (and its timeline shows).
    pub fn lease_owner(&self, token: TokenId) -> String {
        format!("api:{}:{}", token.get(), self.0)
    }
}

/// Why a reported ending was refused: the field at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndingRefusal {
    /// Not an outcome.
    Outcome,
    /// A failure on a success, none on a failed or blocked run, or a code that is not 1–64
    /// lowercase letters, digits, `.`, `_` or `-`.
    FailureCode,
    /// A failure message that is empty, longer than 300 characters or holds control
    /// characters.
    FailureMessage,
}

/// How a reported run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    /// Its outcome.
    pub outcome: RunOutcome,
    /// Why it did not (fully) succeed: a stable code and a sentence safe to show operators.
    pub failure: Option<(String, String)>,
}

impl Ending {
    /// Checks an ending: `outcome` by its spelling; a failure is refused on a success and
    /// required on a failed or blocked run (a partial success or a cancel may carry one).
    pub fn check(outcome: &str, failure: Option<(&str, &str)>) -> Result<Self, EndingRefusal> {
        let outcome = RunOutcome::ALL.into_iter().find(|o| o.as_str() == outcome).ok_or(EndingRefusal::Outcome)?;
        let needs_failure = matches!(outcome, RunOutcome::Failed | RunOutcome::Blocked);
        let failure = match failure {
            None if needs_failure => return Err(EndingRefusal::FailureCode),
            None => None,
            Some(_) if outcome == RunOutcome::Succeeded => return Err(EndingRefusal::FailureCode),
            Some((code, message)) => {
                let code_fits = (1..=MAX_CODE_CHARS).contains(&code.len())
                    && code
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
                if !code_fits {
                    return Err(EndingRefusal::FailureCode);
                }
                let message = message.trim();
                let message_fits = !message.is_empty()
                    && message.chars().count() <= MAX_MESSAGE_CHARS
                    && !message.chars().any(char::is_control)
                    // A message is shown as written; one that looks like a stored typed
                    // sentence would be read as that sentence instead.
                    && !message.starts_with('{');
                if !message_fits {
                    return Err(EndingRefusal::FailureMessage);
                }
                Some((code.to_owned(), message.to_owned()))
            }
        };
        Ok(Self { outcome, failure })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_name_is_short_and_plain_and_leases_under_its_token() {
        let w = WorkerName::parse("backup-host-3").unwrap();
        assert_eq!(w.lease_owner(TokenId(7)), "api:7:backup-host-3");
        for bad in ["", "two words", "x".repeat(65).as_str(), "tab\there", "ümlaut"] {
            assert_eq!(WorkerName::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_failed_run_must_say_why_and_a_successful_one_must_not() {
        assert_eq!(Ending::check("succeeded", None).map(|e| e.outcome), Ok(RunOutcome::Succeeded));
        assert_eq!(Ending::check("succeeded", Some(("x", "y"))), Err(EndingRefusal::FailureCode));
        assert_eq!(Ending::check("failed", None), Err(EndingRefusal::FailureCode));
        assert_eq!(Ending::check("blocked", None), Err(EndingRefusal::FailureCode));
        let failed = Ending::check("failed", Some(("disk_full", "  The backup volume is full. "))).unwrap();
        assert_eq!(failed.failure, Some(("disk_full".to_owned(), "The backup volume is full.".to_owned())));
        assert!(Ending::check("partially_succeeded", None).is_ok());
        assert_eq!(Ending::check("exploded", None), Err(EndingRefusal::Outcome));
    }

    #[test]
    fn a_failure_code_and_message_refuse_what_cannot_be_shown_calmly() {
        let check = |code: &str, message: &str| Ending::check("failed", Some((code, message)));
        assert_eq!(check("Disk Full", "m"), Err(EndingRefusal::FailureCode));
        assert_eq!(check(&"c".repeat(65), "m"), Err(EndingRefusal::FailureCode));
        assert_eq!(check("c", ""), Err(EndingRefusal::FailureMessage));
        assert_eq!(check("c", "line\nbreak"), Err(EndingRefusal::FailureMessage));
        assert_eq!(check("c", &"m".repeat(301)), Err(EndingRefusal::FailureMessage));
        assert_eq!(check("c", r#"{"sentence":"did_not_finish"}"#), Err(EndingRefusal::FailureMessage));
    }
}
