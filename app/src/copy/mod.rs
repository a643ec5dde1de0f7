//! The copy catalog: every sentence, label and heading an operator reads on an Opshub page,
//! in an API error, in a notification or in a record the system writes for people — in one
//! module, so wording is reviewed in one place, the rules of PRODUCT §12 are checked in one
//! place, and a second locale is a second value of [`Catalog`] (the compiler refuses one that
//! misses an entry).
//!
//! Each group is declared once, next to its English text, by the `group!` macro in [`en`]:
//! a field's doc says where the text appears; its type says what it needs (a plain
//! `&'static str`, a `fn` that formats its arguments, or a `fn` over a domain enum whose
//! `match` must cover every value). Surfaces call [`text`] and never spell a sentence of their
//! own; a test below scans the sources to keep it that way.
//!
//! Not in the catalog, by decision: the terminal tooling (`opshub …` CLI output and
//! configuration errors) and log lines, which are for the people running the service and
//! stay English; raw failure detail, which PRODUCT §12 confines to diagnostics; and data
//! (tenant, workspace and people's names, provider item names).
//!
//! Text the system stores for later reading (a notification, a run's failure sentence, a
//! review's sections, a restore item's result) is worded from here at the moment it is
//! written, in the catalog of that moment.

pub mod en;

pub use en::{
    Access, Accounts, Badges, Dashboard, Decision, Detail, Errors, List, Login, Notices, Pages, Records, Runs, Shell,
    System, Tenant, Time, Timeline,
};

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
    /// Refusals for a missing capability.
    pub access: Access,
    /// Account administration and sign-in checks.
    pub accounts: Accounts,
    /// Errors every request can meet.
    pub errors: Errors,
    /// Sentences jobs and the reconciler write into records for people to read later.
    pub records: Records,
    /// Small pages served outside the app (a review pack download that cannot be served).
    pub pages: Pages,
}

/// English, the catalog every page reads today.
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
    accounts: en::ACCOUNTS,
    errors: en::ERRORS,
    records: en::RECORDS,
    pages: en::PAGES,
};

/// Every locale, for tests that must hold in each.
pub static LOCALES: [&Catalog; 1] = [&EN];

/// The catalog surfaces read. One locale today; choosing by the session's language is this
/// function's job once there is a second.
pub fn text() -> &'static Catalog {
    &EN
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::reconcile::Reason;
    use crate::domain::{Freshness, ProblemClass, RunOutcome, RunStatus, RunType, SummaryKey};
    use std::path::{Path, PathBuf};

    /// PRODUCT §12's words that must never reach an operator.
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
    const EXEMPT: [(&str, &str); 5] = [
        ("app/src/copy/", "the catalog itself"),
        ("server/src/seed.rs", "demo data: names of demo workspaces, tenants and people"),
        ("server/src/main.rs", "the CLI, English by decision (see the module docs)"),
        ("server/src/serve.rs", "the start-up lines printed to the terminal"),
        ("server/src/config.rs", "configuration errors for the person starting the service"),
    ];

    /// Single literals that look like prose but are not operator text: (file, literal, why).
    const EXEMPT_LITERALS: [(&str, &str, &str); 1] =
        [("app/src/server/worker.rs", "Worker", "a type's name in its Debug output")];

    /// The string literals of `src` outside comments and the test module, in order.
    fn literals(src: &str) -> Vec<String> {
        let src = src.split("#[cfg(test)]").next().unwrap_or_default();
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
        let src =
            "// \"Hidden\"\nlet a = 'x'; let b = '\\''; f(\"Shown \\\"here\\\"\", \"key\");\n#[cfg(test)]\n\"Test\"";
        assert_eq!(literals(src), vec!["Shown \"here\"".to_owned(), "key".to_owned()]);
        assert!(looks_like_prose("Sign in") && !looks_like_prose("badge-status") && !looks_like_prose("SELECT"));
    }
}
