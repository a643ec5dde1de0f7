//! API tokens (specs/runs-api, "Tokens"): what a token may do and what its secret looks like.
//! A token acts in one workspace, for every tenant or one, with a set of grants chosen when
//! it is made — not with a role — so a platform's worker that only reports progress cannot
//! read every run or start new work. The grants map onto the same [`Capability`] values the
//! roles do, so the one authorization decision in [`super::access`] covers both.

use super::ParseError;
use super::access::Capability;

/// Something a token may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenGrant {
    /// Read runs and list them.
    ReadRuns,
    /// Start runs for Opshub's workers (or for workers that claim them).
    StartRuns,
    /// Report runs the platform runs itself: create them running, heartbeat, progress, end.
    ReportRuns,
}

impl TokenGrant {
    /// Every grant, in the order lists show them.
    pub const ALL: [TokenGrant; 3] = [Self::ReadRuns, Self::StartRuns, Self::ReportRuns];

    /// The spelling in the API, the command line and the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ReadRuns => "read_runs",
            Self::StartRuns => "start_runs",
            Self::ReportRuns => "report_runs",
        }
    }

    /// Parses a spelling (surrounding spaces allowed).
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let text = text.trim();
        Self::ALL.into_iter().find(|g| g.as_str() == text).ok_or_else(|| ParseError::unknown("token grant", text))
    }

    /// The capability this grant gives, the same one a role would need.
    pub const fn capability(self) -> Capability {
        match self {
            Self::ReadRuns => Capability::ViewRuns,
            Self::StartRuns => Capability::StartOperations,
            Self::ReportRuns => Capability::ReportRuns,
        }
    }

    const fn bit(self) -> u8 {
        match self {
            Self::ReadRuns => 1,
            Self::StartRuns => 2,
            Self::ReportRuns => 4,
        }
    }
}

/// The grants of one token: never empty (a token that may do nothing is refused when made).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenGrants(u8);

impl TokenGrants {
    /// Exactly `grants`; `None` when there are none.
    pub fn of(grants: &[TokenGrant]) -> Option<Self> {
        let bits = grants.iter().fold(0, |acc, g| acc | g.bit());
        (bits != 0).then_some(Self(bits))
    }

    /// Parses grants separated by commas, as stored and as given on the command line.
    /// Repeats are harmless; an unknown spelling or none at all is an error.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let grants = text
            .split(',')
            .filter(|part| !part.trim().is_empty())
            .map(TokenGrant::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Self::of(&grants).ok_or(ParseError::Inconsistent("a token needs at least one grant"))
    }

    /// Whether `grant` is among these.
    pub const fn has(self, grant: TokenGrant) -> bool {
        self.0 & grant.bit() != 0
    }

    /// Whether these grants give `cap`: only a grant's own capability, never more.
    pub fn allows(self, cap: Capability) -> bool {
        self.iter().any(|g| g.capability() == cap)
    }

    /// The grants, in [`TokenGrant::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = TokenGrant> {
        TokenGrant::ALL.into_iter().filter(move |g| self.has(*g))
    }

    /// The stored spelling: grants separated by commas, in [`TokenGrant::ALL`] order.
    pub fn spelling(self) -> String {
        self.iter().map(TokenGrant::as_str).collect::<Vec<_>>().join(",")
    }
}

/// What every token's secret starts with, so secret scanners and people recognise one.
pub const SECRET_PREFIX: &str = "opshub_";

/// How many random bytes a secret carries (written as twice as many hex digits).
pub const SECRET_BYTES: usize = 32;

/// How many characters of a secret a list shows to tell tokens apart: the prefix and
/// eight hex digits, far too few to guess the rest from.
pub const SHOWN_CHARS: usize = SECRET_PREFIX.len() + 8;

/// Whether `text` has the shape of a token secret: the prefix and 64 lowercase hex digits.
/// Anything else is refused before the database is asked.
pub fn looks_like_secret(text: &str) -> bool {
    text.strip_prefix(SECRET_PREFIX)
        .is_some_and(|hex| hex.len() == SECRET_BYTES * 2 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// The secret written for `random` bytes.
pub fn secret_from(random: &[u8; SECRET_BYTES]) -> String {
    let mut out = String::with_capacity(SECRET_PREFIX.len() + SECRET_BYTES * 2);
    out.push_str(SECRET_PREFIX);
    for b in random {
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    out
}

/// The longest token name accepted.
pub const MAX_NAME_CHARS: usize = 80;

/// A token's name, trimmed; `None` when empty, too long, or holding control characters or
/// invisible formatting (direction overrides, zero-width marks) that could make one token's
/// name read like another's.
pub fn token_name(text: &str) -> Option<String> {
    let name = text.trim();
    let invisible = |c: char| {
        c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
    };
    let fits = !name.is_empty() && name.chars().count() <= MAX_NAME_CHARS && !name.chars().any(invisible);
    fits.then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_parse_from_their_spellings_separated_by_commas() {
        let g = TokenGrants::parse(" report_runs, read_runs ,report_runs").unwrap();
        assert!(g.has(TokenGrant::ReportRuns) && g.has(TokenGrant::ReadRuns) && !g.has(TokenGrant::StartRuns));
        assert_eq!(g.spelling(), "read_runs,report_runs");
        assert_eq!(TokenGrants::parse(&g.spelling()), Ok(g));
        for g in TokenGrant::ALL {
            assert_eq!(TokenGrant::parse(g.as_str()), Ok(g));
        }
    }

    #[test]
    fn a_token_without_grants_or_with_an_unknown_one_is_refused() {
        assert!(TokenGrants::parse("").is_err());
        assert!(TokenGrants::parse(" , ").is_err());
        assert!(TokenGrants::parse("read_runs,admin").is_err());
        assert_eq!(TokenGrants::of(&[]), None);
    }

    #[test]
    fn a_grant_gives_its_own_capability_and_nothing_else() {
        let report = TokenGrants::of(&[TokenGrant::ReportRuns]).unwrap();
        assert!(report.allows(Capability::ReportRuns));
        for cap in Capability::ALL.into_iter().filter(|c| *c != Capability::ReportRuns) {
            assert!(!report.allows(cap), "{cap:?}");
        }
        let all = TokenGrants::of(&TokenGrant::ALL).unwrap();
        assert!(!all.allows(Capability::ManageMembers) && !all.allows(Capability::ChangeConfiguration));
        assert!(!all.allows(Capability::ManageTokens) && !all.allows(Capability::PublishReviews));
    }

    #[test]
    fn a_secret_is_the_prefix_and_sixty_four_hex_digits() {
        let s = secret_from(&[0xab; SECRET_BYTES]);
        assert!(s.starts_with("opshub_abab") && s.len() == 71, "{s}");
        assert!(looks_like_secret(&s));
        for bad in ["", "opshub_", "opshub_AB", &s[..70], &format!("{s}0"), &s.replace("opshub_", "other_")] {
            assert!(!looks_like_secret(bad), "{bad}");
        }
        assert!(!looks_like_secret(&s.replace('a', "G")));
    }

    #[test]
    fn a_name_is_trimmed_and_bounded() {
        assert_eq!(token_name("  backup worker "), Some("backup worker".to_owned()));
        assert_eq!(token_name("   "), None);
        assert_eq!(token_name(&"x".repeat(MAX_NAME_CHARS + 1)), None);
        assert_eq!(token_name("a\u{7}b"), None);
        assert_eq!(token_name("\u{202e}krow"), None, "a direction override");
        assert_eq!(token_name("a\u{200b}b"), None, "a zero-width space");
        assert_eq!(token_name("Sicherungs-Worker für Mandant Ä"), Some("Sicherungs-Worker für Mandant Ä".to_owned()));
    }
}
