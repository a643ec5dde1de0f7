//! The copy catalog: every sentence, label and heading an operator reads on an Opshub page,
//! in an API error, in a notification or in a record the system writes for people — in one
//! module, so wording is reviewed in one place and the rules of specs/product-contract §12 are checked in
//! one place. Each locale is one value of [`Catalog`]: English ([`EN`], the default) and
//! German ([`DE`]); the compiler refuses a locale that misses an entry, and a test refuses one
//! that leaves an entry in English.
//!
//! Each group is declared once, next to its English text, by the `group!` macro in [`en`]:
//! a field's doc says where the text appears; its type says what it needs (a plain
//! `&'static str`, a `fn` that formats its arguments, or a `fn` over a domain enum whose
//! `match` must cover every value). Surfaces call [`text`] and never spell a sentence of their
//! own; a test below scans the sources to keep it that way.
//!
//! Not in the catalog, by decision: the terminal tooling (`opshub …` CLI output and
//! configuration errors) and log lines, which are for the people running the service and
//! stay English; raw failure detail, which specs/product-contract §12 confines to diagnostics; and data
//! (tenant, workspace and people's names, provider item names).
//!
//! Which locale a page speaks is decided once per request on the server (the user's
//! setting, else `Accept-Language`, else English), put into the request's Leptos context and
//! written into `<html lang>`; the browser reads it back from there before hydrating, so the
//! server's HTML and the browser's render use the same catalog. [`text`] reads that choice.
//!
//! Why a typed catalog rather than Fluent or leptos_i18n: both look text up by key at run
//! time or through generated code over JSON files; here an entry is a struct field, so a
//! missing translation is a compile error in every build (SSR and wasm alike), arguments are
//! typed (an enum's `match` must cover every value), and the browser bundle carries no
//! message parser. Plurals and number formats are code in each locale's entries.
//!
//! Text the system stores for later reading is stored as what it says — a run's failure
//! sentence and a restore item's result as a typed `domain::Sentence`, a reconciliation as
//! its reason's code — and worded from here when it is read, in the reader's language
//! (`words.rs`). Two records are still worded when written, in English (jobs run outside any
//! request): a notification (shown worded again from its run when the run is in sight) and
//! a review's sections.

pub mod de;
mod decision;
pub mod en;
mod words;

pub use decision::NoticeText;

pub use en::{
    Access, Accounts, Badges, Dashboard, Decision, Detail, Errors, List, Login, Notices, Pages, Records, Runs, Shell,
    System, Tenant, Time, Timeline, Tokens, Webhooks,
};

use serde::{Deserialize, Serialize};

/// A language Opshub speaks. A page is rendered in one: the signed-in user's setting, else
/// the best match of the browser's `Accept-Language`, else English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// English, the catalog every other language is checked against.
    #[default]
    En,
    /// German (Deutsch).
    De,
}

/// A language code Opshub does not speak.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a language Opshub speaks (en or de)")]
pub struct UnknownLocale(pub String);

impl Locale {
    /// Every locale, in the order a language picker lists them.
    pub const ALL: [Locale; 2] = [Self::En, Self::De];

    /// The BCP 47 primary language subtag (`<html lang>`, the stored setting).
    pub const fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
        }
    }

    /// The locale of a language tag: its primary subtag, any case (`de`, `de-AT`, `EN-us`).
    pub fn parse(tag: &str) -> Result<Self, UnknownLocale> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        Self::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(primary))
            .ok_or_else(|| UnknownLocale(tag.trim().to_owned()))
    }

    /// The best locale for an `Accept-Language` header: the spoken language with the highest
    /// weight (the earlier one on a tie), `None` when it names none we speak. A malformed
    /// entry or weight is skipped, never fatal; `q=0` means "not this one".
    pub fn negotiate(accept_language: &str) -> Option<Self> {
        let mut best: Option<(Locale, u16)> = None;
        for entry in accept_language.split(',') {
            let mut parts = entry.split(';');
            let Ok(locale) = Self::parse(parts.next().unwrap_or_default()) else { continue };
            let weight = parts.find_map(|p| p.trim().strip_prefix("q=")).map_or(Some(1000), |q| quality(q.trim()));
            match weight {
                Some(w) if w > 0 && best.is_none_or(|(_, b)| w > b) => best = Some((locale, w)),
                _ => {}
            }
        }
        best.map(|(l, _)| l)
    }

    /// Every text of this locale.
    pub fn catalog(self) -> &'static Catalog {
        match self {
            Self::En => &EN,
            Self::De => &DE,
        }
    }
}

/// An HTTP quality value (`0`, `0.5`, `1.000`) in thousandths; `None` when malformed.
fn quality(q: &str) -> Option<u16> {
    let (whole, frac) = q.split_once('.').unwrap_or((q, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{frac:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// `n` with `sep` between groups of three digits: `grouped(1234567, ',')` is "1,234,567".
pub(crate) fn grouped(n: u64, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// `value / unit` rounded to one decimal, with `point` as the decimal mark: `one_decimal(1536,
/// 1024, '.')` is "1.5". Integer arithmetic, so the browser bundle carries no float
/// formatting.
pub(crate) fn one_decimal(value: i64, unit: i64, point: char) -> String {
    let unit = unit.max(1);
    let tenths = (i128::from(value) * 10 + i128::from(unit) / 2) / i128::from(unit);
    format!("{}{point}{}", tenths / 10, tenths % 10)
}

/// Every text of one locale.
#[derive(Debug, Clone, Copy)]
pub struct Catalog {
    /// The shell around every page: top bar, titles, not-found.
    pub shell: Shell,
    /// Durations and relative times.
    pub time: Time,
    /// The sign-in page.
    pub login: Login,
    /// Badge labels (the tone and icon live with the badge catalog in the domain).
    pub badges: Badges,
    /// Run types, phases, summary counts and progress.
    pub runs: Runs,
    /// The decision zone of a run's detail.
    pub decision: Decision,
    /// The timeline of a run's detail.
    pub timeline: Timeline,
    /// The notifications page and the notifications' own wording.
    pub notices: Notices,
    /// The operations list.
    pub list: List,
    /// The rest of a run's detail.
    pub detail: Detail,
    /// The system plane.
    pub system: System,
    /// The tenant workbench.
    pub tenant: Tenant,
    /// The tenant dashboard.
    pub dashboard: Dashboard,
    /// Roles as pages name them.
    pub access: Access,
    /// Account administration and sign-in checks (worded on the server only, so the browser
    /// bundle carries none of it).
    #[cfg(feature = "ssr")]
    pub accounts: Accounts,
    /// Errors every request can meet.
    pub errors: Errors,
    /// The owner's API tokens page.
    pub tokens: Tokens,
    /// The owner's webhooks section (worded on the server and sent with its data, so the
    /// browser bundle carries none of it).
    #[cfg(feature = "ssr")]
    pub webhooks: Webhooks,
    /// Sentences jobs and the reconciler write into records for people to read later.
    pub records: Records,
    /// Small pages served outside the app (a review pack download that cannot be served);
    /// server only, like `accounts`.
    #[cfg(feature = "ssr")]
    pub pages: Pages,
}

/// English, the default.
pub static EN: Catalog = Catalog {
    shell: en::SHELL,
    time: en::TIME,
    login: en::LOGIN,
    badges: en::BADGES,
    runs: en::RUNS,
    decision: en::DECISION,
    timeline: en::TIMELINE,
    notices: en::NOTICES,
    list: en::LIST,
    detail: en::DETAIL,
    system: en::SYSTEM,
    tenant: en::TENANT,
    dashboard: en::DASHBOARD,
    access: en::ACCESS,
    #[cfg(feature = "ssr")]
    accounts: en::ACCOUNTS,
    errors: en::ERRORS,
    tokens: en::TOKENS,
    #[cfg(feature = "ssr")]
    webhooks: en::WEBHOOKS,
    records: en::RECORDS,
    #[cfg(feature = "ssr")]
    pages: en::PAGES,
};

/// The German catalog: every entry of [`EN`] in German.
pub static DE: Catalog = Catalog {
    shell: de::SHELL,
    time: de::TIME,
    login: de::LOGIN,
    badges: de::BADGES,
    runs: de::RUNS,
    decision: de::DECISION,
    timeline: de::TIMELINE,
    notices: de::NOTICES,
    list: de::LIST,
    detail: de::DETAIL,
    system: de::SYSTEM,
    tenant: de::TENANT,
    dashboard: de::DASHBOARD,
    access: de::ACCESS,
    #[cfg(feature = "ssr")]
    accounts: de::ACCOUNTS,
    errors: de::ERRORS,
    tokens: de::TOKENS,
    #[cfg(feature = "ssr")]
    webhooks: de::WEBHOOKS,
    records: de::RECORDS,
    #[cfg(feature = "ssr")]
    pages: de::PAGES,
};

/// Every locale, for tests that must hold in each.
pub static LOCALES: [&Catalog; 2] = [&EN, &DE];

/// The locale of the page being rendered: the one the server put into the request's
/// context (SSR and server functions), else the one the browser page was rendered in
/// ([`set_page_locale`]), else English — also for jobs, which word their records in English
/// (see the module docs).
pub fn locale() -> Locale {
    leptos::prelude::use_context::<Locale>().or_else(|| PAGE_LOCALE.get().copied()).unwrap_or_default()
}

/// The catalog surfaces read: that of [`locale`].
pub fn text() -> &'static Catalog {
    locale().catalog()
}

/// The locale the server rendered this browser page in, set once before hydration so every
/// text the browser renders matches the server's (a wasm instance serves one page).
static PAGE_LOCALE: std::sync::OnceLock<Locale> = std::sync::OnceLock::new();

/// Records the page's locale (the browser entry point calls it with `<html lang>`).
pub fn set_page_locale(locale: Locale) {
    // A second call would come from the same page, so it names the same locale.
    let _ = PAGE_LOCALE.set(locale);
}

/// An entry worded with sample arguments, so tests can compare locales entry by entry: a
/// plain text as it is, a formatter with fixed arguments, a text per enum value for every
/// value joined by [`SAMPLE_SEPARATOR`].
pub trait Sample {
    /// The entry's sample wording.
    fn sample(&self) -> String;
}

/// Between the texts of an enum entry's sample.
pub const SAMPLE_SEPARATOR: &str = " | ";

mod sample {
    use super::{Locale, Sample};
    use crate::api::{Bucket, TokenState};
    use crate::domain::access::{Capability, Role};
    use crate::domain::reconcile::{Abandoned, Reason};
    use crate::domain::time::DateParts;
    use crate::domain::token::TokenGrant;
    use crate::domain::webhook::{DeliveryState, EventType, Fault};
    use crate::domain::{Freshness, ProblemClass, RunOutcome, RunStatus, RunType, SummaryKey};

    macro_rules! sample {
        ($($ty:ty => |$f:ident| $body:expr;)*) => {
            $(impl Sample for $ty {
                fn sample(&self) -> String {
                    let $f = self;
                    $body
                }
            })*
        };
    }

    macro_rules! every {
        ($($enum:ty),*) => {
            $(impl Sample for fn($enum) -> &'static str {
                fn sample(&self) -> String {
                    <$enum>::ALL.iter().map(|v| self(*v)).collect::<Vec<_>>().join(super::SAMPLE_SEPARATOR)
                }
            })*
        };
    }

    every!(
        Abandoned,
        Bucket,
        Capability,
        Freshness,
        Locale,
        ProblemClass,
        Reason,
        Role,
        RunOutcome,
        RunStatus,
        RunType,
        SummaryKey,
        TokenGrant,
        TokenState,
        DeliveryState,
        EventType,
        Fault
    );

    sample! {
        &'static str => |s| (*s).to_owned();
        fn(&str) -> String => |f| f("X");
        fn(&str, &str) -> String => |f| f("X", "Y");
        for<'a> fn(&'a str, &'a str) -> &'a str => |f| f("Backup snapshot", "Sicherungs-Snapshot").to_owned();
        fn(&str, i64) -> String => |f| f("X", 7);
        fn(&str, usize, usize) -> String => |f| f("X", 2, 3);
        fn(i64) -> String => |f| f(1234);
        fn(i64, bool) -> String => |f| format!("{} / {}", f(1234, true), f(7, false));
        fn(i64, i64) -> String => |f| f(3, 1234);
        fn(i64, i64, i64) -> String => |f| f(1, 2, 3);
        fn(u64) -> String => |f| format!("{} / {}", f(1), f(1234));
        fn(u8) -> String => |f| f(25);
        fn(u64, u64) -> String => |f| f(3, 1234);
        fn(u64, u64, &str, u64) -> String => |f| format!("{} / {}", f(2, 5, "X", 0), f(2, 5, "X", 1));
        fn(usize) -> String => |f| f(12);
        fn(usize, &str) -> String => |f| f(2, "X");
        fn(DateParts) -> String => |f| f(DateParts { year: 2026, month: 11, day: 30, hour: 9, minute: 5, second: 0 });
        fn(&str) -> Option<&'static str> => |f| {
            let keys = RunType::ALL.iter().flat_map(|t| t.phases().iter().map(|p| p.key));
            keys.filter_map(f).collect::<Vec<_>>().join(super::SAMPLE_SEPARATOR)
        };
        fn(RunOutcome) -> String => |f| RunOutcome::ALL.iter().map(|o| f(*o)).collect::<Vec<_>>().join(super::SAMPLE_SEPARATOR);
        fn(Reason) -> Option<&'static str> => |f| Reason::ALL.iter().filter_map(|r| f(*r)).collect::<Vec<_>>().join(super::SAMPLE_SEPARATOR);
    }
}

impl Catalog {
    /// Every entry of every group with sample arguments: (group, field, text).
    pub fn entries(&self) -> Vec<(&'static str, &'static str, String)> {
        #[cfg_attr(not(feature = "ssr"), expect(unused_mut, reason = "the server-only groups join on the server"))]
        let mut groups: Vec<(&str, Vec<(&'static str, String)>)> = vec![
            ("shell", self.shell.entries()),
            ("time", self.time.entries()),
            ("login", self.login.entries()),
            ("badges", self.badges.entries()),
            ("runs", self.runs.entries()),
            ("decision", self.decision.entries()),
            ("timeline", self.timeline.entries()),
            ("notices", self.notices.entries()),
            ("list", self.list.entries()),
            ("detail", self.detail.entries()),
            ("system", self.system.entries()),
            ("tenant", self.tenant.entries()),
            ("dashboard", self.dashboard.entries()),
            ("access", self.access.entries()),
            ("errors", self.errors.entries()),
            ("records", self.records.entries()),
            ("tokens", self.tokens.entries()),
        ];
        #[cfg(feature = "ssr")]
        groups.extend([
            ("accounts", self.accounts.entries()),
            ("pages", self.pages.entries()),
            ("webhooks", self.webhooks.entries()),
        ]);
        groups.into_iter().flat_map(|(g, es)| es.into_iter().map(move |(f, t)| (g, f, t))).collect()
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::domain::reconcile::Reason;
    use crate::domain::{Freshness, ProblemClass, RunOutcome, RunStatus, RunType, SummaryKey};
    use std::path::{Path, PathBuf};

    /// specs/product-contract §12's words that must never reach an operator.
    const FORBIDDEN: [&str; 9] =
        ["SQLSTATE", "duplicate key", "constraint", "panicked", "unwrap", "operation_runs", "::", "sqlx", "null"];

    fn catalog_sentences(c: &Catalog) -> Vec<String> {
        let mut out = Vec::new();
        for s in RunStatus::ALL {
            out.push((c.badges.status)(s).to_owned());
        }
        for o in RunOutcome::ALL {
            out.push((c.badges.outcome)(o).to_owned());
            out.push((c.timeline.ended_as)(o).to_owned());
            out.push((c.notices.outcome_words)(o).to_owned());
        }
        for f in Freshness::ALL {
            out.push((c.badges.freshness)(f).to_owned());
        }
        for p in ProblemClass::ALL {
            out.push((c.badges.problem)(p).to_owned());
        }
        for t in RunType::ALL {
            out.push((c.runs.run_type)(t).to_owned());
            out.push((c.runs.start_verb)(t).to_owned());
        }
        for k in SummaryKey::ALL {
            out.push((c.runs.summary_key)(k).to_owned());
        }
        for b in crate::api::Bucket::ALL {
            out.push((c.dashboard.bucket)(b).to_owned());
        }
        for r in Reason::ALL {
            out.push((c.decision.reason)(r).to_owned());
            out.extend((c.decision.reason_in_job)(r).map(str::to_owned));
        }
        out
    }

    #[test]
    fn every_locale_words_every_value_of_every_enum_without_internal_text() {
        for c in LOCALES {
            for s in catalog_sentences(c) {
                assert!(!s.trim().is_empty(), "an empty label");
                for bad in FORBIDDEN {
                    assert!(!s.contains(bad), "{s:?} contains {bad:?}");
                }
                assert!(!s.contains('_'), "{s:?} reads like a stored spelling");
            }
        }
    }

    #[test]
    fn every_locale_labels_every_phase_of_every_run_type() {
        for c in LOCALES {
            for t in RunType::ALL {
                for p in t.phases() {
                    let label = (c.runs.phase)(p.key);
                    assert!(label.is_some_and(|l| !l.is_empty()), "{} phase {} has no label", t.as_str(), p.key);
                }
            }
        }
    }

    /// Entries that read the same in German as in English, and why.
    const SAME_IN_BOTH: [(&str, &str, &str); 14] = [
        ("webhooks", "heading", "German uses the English term"),
        ("shell", "app_name", "the product's name"),
        ("shell", "page_title", "the product's name around the page's"),
        ("shell", "system_page_title", "\"System\" is German too"),
        ("shell", "nav_system", "\"System\" is German too"),
        ("shell", "absent", "a dash"),
        ("shell", "language_name", "languages by their own names"),
        ("time", "seconds", "the SI unit"),
        ("system", "heading", "\"System\" is German too"),
        ("runs", "run_name", "a type's name and a number"),
        ("list", "filter_problem", "\"Problem\" is German too"),
        ("tenant", "baselines", "the German term is the English one"),
        ("tenant", "snapshot", "the German term is the English one"),
        ("tokens", "name", "\"Name\" is German too"),
    ];

    /// Words of English prose that no German sentence of ours uses.
    const ENGLISH_WORDS: [&str; 14] =
        ["the", "and", "of", "is", "has", "with", "for", "this", "your", "not", "been", "from", "will", "it"];

    #[test]
    fn german_words_every_entry_of_the_english_catalog_in_german() {
        let (en, de) = (EN.entries(), DE.entries());
        assert_eq!(en.len(), de.len());
        let mut untranslated = Vec::new();
        for ((group, field, english), (_, _, german)) in en.iter().zip(&de) {
            let same_by_decision = SAME_IN_BOTH.iter().any(|(g, f, _)| g == group && f == field);
            if english == german && !same_by_decision {
                untranslated.push(format!("{group}.{field}: {german:?} is the English text"));
            }
            let words = german.split(|c: char| !c.is_alphabetic()).map(str::to_lowercase);
            if let Some(w) = words.into_iter().find(|w| ENGLISH_WORDS.contains(&w.as_str())) {
                untranslated.push(format!("{group}.{field}: {german:?} has the English word {w:?}"));
            }
        }
        assert!(untranslated.is_empty(), "German entries in English:\n{}", untranslated.join("\n"));
    }

    #[test]
    fn the_coverage_test_would_see_an_entry_left_in_english() {
        let mut half = DE;
        half.list.empty = EN.list.empty;
        let left = EN.entries().into_iter().zip(half.entries()).filter(|(e, d)| e == d).count();
        let same = EN.entries().into_iter().zip(DE.entries()).filter(|(e, d)| e == d).count();
        assert_eq!(left, same + 1);
    }

    #[test]
    fn a_locale_is_its_primary_language_subtag_in_any_case() {
        assert_eq!(Locale::parse("de"), Ok(Locale::De));
        assert_eq!(Locale::parse(" DE-at "), Ok(Locale::De));
        assert_eq!(Locale::parse("en_GB"), Ok(Locale::En));
        assert_eq!(Locale::parse("fr"), Err(UnknownLocale("fr".to_owned())));
        assert!(Locale::parse("").is_err());
        for l in Locale::ALL {
            assert_eq!(Locale::parse(l.code()), Ok(l));
        }
    }

    #[test]
    fn accept_language_picks_the_heaviest_language_we_speak() {
        assert_eq!(Locale::negotiate("de-DE,de;q=0.9,en;q=0.8"), Some(Locale::De));
        assert_eq!(Locale::negotiate("fr-FR, de;q=0.5, en;q=0.7"), Some(Locale::En));
        assert_eq!(Locale::negotiate("en;q=0.2, de"), Some(Locale::De));
        assert_eq!(Locale::negotiate("de, en"), Some(Locale::De), "a tie goes to the earlier");
        assert_eq!(Locale::negotiate("de;q=0, en;q=0.1"), Some(Locale::En), "q=0 refuses");
        assert_eq!(Locale::negotiate("fr, it;q=0.9"), None);
        assert_eq!(Locale::negotiate(""), None);
        assert_eq!(Locale::negotiate("de;q=banana, en;q=0.3"), Some(Locale::En), "a malformed weight is skipped");
        assert_eq!(Locale::negotiate("de;q=1.5, en;q=0.3"), Some(Locale::En));
        assert_eq!(Locale::negotiate("*;q=0.5, de;q=0.4"), Some(Locale::De));
    }

    #[test]
    fn numbers_and_dates_are_worded_as_each_locale_writes_them() {
        assert_eq!((EN.time.number)(1_234_567), "1,234,567");
        assert_eq!((DE.time.number)(1_234_567), "1.234.567");
        assert_eq!((EN.time.number)(999), "999");
        assert_eq!((EN.time.percent)(25), "25%");
        assert_eq!((DE.time.percent)(25), "25 %");
        let at = crate::domain::Timestamp(1_795_437_296_000).parts();
        assert_eq!((EN.time.date_time)(at), "23 Nov 2026, 12:34 UTC");
        assert_eq!((DE.time.date_time)(at), "23.11.2026, 12:34 UTC");
        assert_eq!((DE.dashboard.size)(1536), "1,5 KB");
        assert_eq!((EN.dashboard.size)(1536), "1.5 KB");
        assert_eq!((EN.dashboard.size)(1023), "1023 B");
        assert_eq!((EN.dashboard.size)(1_048_575), "1024.0 KB");
        assert_eq!((EN.dashboard.size)(5 * 1_048_576 + 104_858), "5.1 MB");
        assert_eq!((DE.time.days)(1), "1 Tag");
        assert_eq!((DE.time.days)(3), "3 Tage");
    }

    #[test]
    fn outside_a_request_or_page_the_catalog_is_english() {
        assert_eq!(locale(), Locale::En);
        assert_eq!(text().list.heading, "Operations");
    }

    #[test]
    fn formatted_texts_put_their_arguments_where_a_reader_expects_them() {
        let t = text();
        assert_eq!((t.shell.bell_label)(3), "Notifications, 3 unread");
        assert_eq!((t.list.total)(1), "1 operation");
        assert_eq!((t.list.total)(2), "2 operations");
        assert_eq!((t.shell.page_title)("System"), "System · Opshub");
        assert_eq!((t.tenant.record_status)("partially_applied"), "partially applied");
    }

    /// Source files whose string literals are scanned, relative to the workspace root.
    fn sources() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        let mut dirs = vec![root.join("app/src"), root.join("server/src"), root.join("frontend/src")];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
    }

    /// Files that may hold capitalised words outside the catalog, and why.
    const EXEMPT: [(&str, &str); 9] = [
        ("app/src/copy/", "the catalog itself"),
        ("server/src/seed.rs", "demo data: names of demo workspaces, tenants and people"),
        ("server/src/main.rs", "the CLI, English by decision (see the module docs)"),
        ("server/src/serve.rs", "the start-up lines printed to the terminal"),
        ("server/src/config.rs", "configuration errors for the person starting the service"),
        ("app/src/runtime/metrics.rs", "metric help texts, read by monitoring tools and their engineers"),
        ("server/src/health.rs", "readiness reasons for load balancers and orchestrators"),
        ("server/src/openapi.rs", "the runs API's reference, English for the engineers who integrate with it"),
        ("app/src/api/v1/", "the runs API's reference and its examples, English for the engineers who use it"),
    ];

    /// Single literals that look like prose but are not operator text: (file, literal, why).
    const EXEMPT_LITERALS: [(&str, &str, &str); 5] = [
        ("app/src/jobs/webhooks.rs", "Opshub-Webhooks/", "the product token of the deliverer's User-Agent"),
        ("app/src/jobs/worker.rs", "Worker", "a type's name in its Debug output"),
        ("server/src/web.rs", "Bearer ", "the HTTP authentication scheme, with its separator"),
        ("server/src/web.rs", "Bearer", "the HTTP authentication scheme"),
        ("server/src/api_v1.rs", "Bearer", "the HTTP authentication scheme"),
    ];

    /// The string literals of `src` outside comments, serde attributes (they name types and
    /// spellings) and the test module, in order.
    fn literals(src: &str) -> Vec<String> {
        let src = src.split("#[cfg(test)]").next().unwrap_or_default();
        let src: String =
            src.lines().filter(|l| !l.trim_start().starts_with("#[serde(")).flat_map(|l| [l, "\n"]).collect();
        let chars: Vec<char> = src.chars().collect();
        let (mut out, mut i) = (Vec::new(), 0);
        while i < chars.len() {
            match chars[i] {
                '/' if chars.get(i + 1) == Some(&'/') => {
                    while i < chars.len() && chars[i] != '\n' {
                        i += 1;
                    }
                }
                '\'' if chars.get(i + 2) == Some(&'\'') => i += 3,
                '\'' if chars.get(i + 1) == Some(&'\\') => {
                    i += 2;
                    while i < chars.len() && chars[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                }
                '"' => {
                    let mut s = String::new();
                    i += 1;
                    while i < chars.len() && chars[i] != '"' {
                        if chars[i] == '\\' {
                            i += 1;
                        }
                        if let Some(c) = chars.get(i) {
                            s.push(*c);
                        }
                        i += 1;
                    }
                    out.push(s);
                    i += 1;
                }
                _ => i += 1,
            }
        }
        out
    }

    /// Operator prose: a capital followed by a small letter ("Sign in", "Failed"), which no
    /// key, path, CSS class, test id or SQL keyword of this code base looks like.
    fn looks_like_prose(s: &str) -> bool {
        let mut c = s.chars();
        matches!((c.next(), c.next()), (Some(a), Some(b)) if a.is_ascii_uppercase() && b.is_ascii_lowercase())
    }

    #[test]
    fn no_operator_text_is_spelled_outside_the_catalog() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut found = Vec::new();
        for file in sources() {
            let rel = file.strip_prefix(&root).unwrap_or(&file).to_string_lossy().replace('\\', "/");
            if EXEMPT.iter().any(|(prefix, _)| rel.starts_with(prefix)) {
                continue;
            }
            let src = std::fs::read_to_string(&file).unwrap_or_default();
            let exempt = |s: &str| EXEMPT_LITERALS.iter().any(|(f, l, _)| *f == rel && *l == s);
            found.extend(
                literals(&src)
                    .into_iter()
                    .filter(|s| looks_like_prose(s) && !exempt(s))
                    .map(|s| format!("{rel}: {s:?}")),
            );
        }
        assert!(found.is_empty(), "operator text outside the catalog:\n{}", found.join("\n"));
    }

    #[test]
    fn the_scanner_reads_literals_but_not_comments_chars_or_tests() {
        let src = "// \"Hidden\"\n    #[serde(try_from = \"String\")]\nlet a = 'x'; let b = '\\''; \
                   f(\"Shown \\\"here\\\"\", \"key\");\n#[cfg(test)]\n\"Test\"";
        assert_eq!(literals(src), vec!["Shown \"here\"".to_owned(), "key".to_owned()]);
        assert!(looks_like_prose("Sign in") && !looks_like_prose("badge-status") && !looks_like_prose("SELECT"));
    }
}
