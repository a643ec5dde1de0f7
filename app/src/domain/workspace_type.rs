//! Workspace run types (specs/runs-api, "Workspace run types"): the kinds of work a platform
//! runs itself and reports to Opshub. A workspace registers each with a key, an English and
//! a German label, its progress mode and its lifecycle windows; the windows are checked by
//! the same rule as the built-in types' ([`LifecyclePolicy::from_secs`]), so freshness, the
//! reconciler and the problem classes judge reported work exactly as built-in work.

use super::ProgressMode;
use super::run_type::{LifecyclePolicy, RunType};
use serde::{Deserialize, Serialize};

/// What is wrong with a workspace run type, field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRefusal {
    /// The key is not 3–64 characters of lowercase letters, digits, `.`, `_` or `-`
    /// starting with a letter.
    Key,
    /// The key is a built-in type's.
    BuiltInKey,
    /// A label (`en` or `de`) is empty, too long or holds control characters.
    Label(&'static str),
    /// Not a progress mode a running run can show.
    ProgressMode,
    /// A phased type without 1–20 phases of 1–60 characters, or phases on another mode.
    Phases,
    /// The windows do not make sense (a zero window, or an expected one not shorter than
    /// stale-after).
    Windows,
}

/// The longest key.
pub const MAX_KEY_CHARS: usize = 64;
/// The longest label.
pub const MAX_LABEL_CHARS: usize = 80;
/// The most phases a phased type may have.
pub const MAX_PHASES: usize = 20;
/// The longest phase name.
pub const MAX_PHASE_CHARS: usize = 60;

/// A workspace run type as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceType {
    /// Its key, unique in the workspace and never a built-in key.
    pub key: String,
    /// Its English label.
    pub label_en: String,
    /// Its German label.
    pub label_de: String,
    /// How its runs show progress.
    pub progress_mode: ProgressMode,
    /// Its phases, in order (phased types only).
    pub phases: Vec<String>,
    /// Its lifecycle windows.
    pub policy: LifecyclePolicy,
}

/// A type as it is asked for, before it is checked (also the form a run stores its type in).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeRequest {
    /// Its key.
    pub key: String,
    /// Its English label.
    pub label_en: String,
    /// Its German label.
    pub label_de: String,
    /// Its progress mode's spelling.
    pub progress_mode: String,
    /// Its phases (phased types only).
    pub phases: Vec<String>,
    /// Windows in seconds: queue wait, expected duration, stale-after, heartbeat timeout.
    pub windows: [u64; 4],
}

impl WorkspaceType {
    /// The request that registers exactly this type again.
    pub fn request(&self) -> TypeRequest {
        let p = &self.policy;
        TypeRequest {
            key: self.key.clone(),
            label_en: self.label_en.clone(),
            label_de: self.label_de.clone(),
            progress_mode: self.progress_mode.as_str().to_owned(),
            phases: self.phases.clone(),
            windows: [p.expected_queue_wait, p.expected_duration, p.stale_after, p.heartbeat_timeout]
                .map(|w| w.as_secs()),
        }
    }

    /// Checks `r` field by field; the first thing wrong is the refusal.
    pub fn check(r: &TypeRequest) -> Result<Self, TypeRefusal> {
        let key = type_key(&r.key)?;
        let label = |text: &str, which: &'static str| {
            let text = text.trim();
            let fits =
                !text.is_empty() && text.chars().count() <= MAX_LABEL_CHARS && !text.chars().any(char::is_control);
            if fits { Ok(text.to_owned()) } else { Err(TypeRefusal::Label(which)) }
        };
        let (label_en, label_de) = (label(&r.label_en, "en")?, label(&r.label_de, "de")?);
        let progress_mode = ProgressMode::ALL
            .into_iter()
            .find(|m| m.as_str() == r.progress_mode.trim() && *m != ProgressMode::None)
            .ok_or(TypeRefusal::ProgressMode)?;
        let phases: Vec<String> = r.phases.iter().map(|p| p.trim().to_owned()).collect();
        let phases_fit = phases.iter().all(|p| !p.is_empty() && p.chars().count() <= MAX_PHASE_CHARS)
            && phases.iter().flat_map(|p| p.chars()).all(|c| !c.is_control());
        let phased = progress_mode == ProgressMode::Phased;
        // A phased type names its phases; no other type has any.
        let phases_match_mode = phased != phases.is_empty();
        if !phases_fit || !phases_match_mode || phases.len() > MAX_PHASES {
            return Err(TypeRefusal::Phases);
        }
        let [queue, expected, stale, heartbeat] = r.windows;
        let policy = LifecyclePolicy::from_secs(queue, expected, stale, heartbeat).map_err(|_| TypeRefusal::Windows)?;
        Ok(Self { key, label_en, label_de, progress_mode, phases, policy })
    }
}

/// `text` as a workspace type's key (see [`TypeRefusal::Key`]), never a built-in one's.
pub fn type_key(text: &str) -> Result<String, TypeRefusal> {
    let key = text.trim();
    let shaped = (3..=MAX_KEY_CHARS).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if !shaped {
        return Err(TypeRefusal::Key);
    }
    if RunType::parse(key).is_ok() {
        return Err(TypeRefusal::BuiltInKey);
    }
    Ok(key.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> TypeRequest {
        TypeRequest {
            key: "backup.snapshot".into(),
            label_en: "Backup snapshot".into(),
            label_de: "Sicherungs-Snapshot".into(),
            progress_mode: "counted".into(),
            phases: Vec::new(),
            windows: [60, 600, 1800, 120],
        }
    }

    #[test]
    fn a_type_with_a_good_key_labels_mode_and_windows_is_accepted() {
        let t = WorkspaceType::check(&request()).unwrap();
        assert_eq!((t.key.as_str(), t.progress_mode), ("backup.snapshot", ProgressMode::Counted));
        assert_eq!(t.policy.stale_after.as_secs(), 1800);
        let phased =
            TypeRequest { progress_mode: "phased".into(), phases: vec!["copy".into(), "verify".into()], ..request() };
        assert_eq!(WorkspaceType::check(&phased).unwrap().phases, ["copy", "verify"]);
    }

    #[test]
    fn a_checked_type_gives_back_the_request_that_registers_it_again() {
        let phased = TypeRequest {
            progress_mode: "phased".into(),
            phases: vec!["copy".into(), "verify".into()],
            label_en: "  Backup snapshot ".into(),
            ..request()
        };
        let t = WorkspaceType::check(&phased).unwrap();
        assert_eq!(t.request(), TypeRequest { label_en: "Backup snapshot".into(), ..phased });
        assert_eq!(WorkspaceType::check(&t.request()), Ok(t));
    }

    #[test]
    fn built_in_keys_cannot_be_taken() {
        for t in RunType::ALL {
            assert_eq!(type_key(t.as_str()), Err(TypeRefusal::BuiltInKey), "{t:?}");
        }
    }

    #[test]
    fn each_field_is_refused_by_name() {
        let refused = |r: TypeRequest| WorkspaceType::check(&r).unwrap_err();
        for key in ["", "ab", "Backup.snapshot", "1backup", "backup snapshot", "bäckup", &"k".repeat(65)] {
            assert_eq!(refused(TypeRequest { key: key.into(), ..request() }), TypeRefusal::Key, "{key}");
        }
        assert_eq!(refused(TypeRequest { label_en: " ".into(), ..request() }), TypeRefusal::Label("en"));
        assert_eq!(refused(TypeRequest { label_de: "x".repeat(81), ..request() }), TypeRefusal::Label("de"));
        for mode in ["none", "percent", ""] {
            assert_eq!(refused(TypeRequest { progress_mode: mode.into(), ..request() }), TypeRefusal::ProgressMode);
        }
        assert_eq!(refused(TypeRequest { progress_mode: "phased".into(), ..request() }), TypeRefusal::Phases);
        assert_eq!(refused(TypeRequest { phases: vec!["copy".into()], ..request() }), TypeRefusal::Phases);
        let too_many = TypeRequest { progress_mode: "phased".into(), phases: vec!["p".into(); 21], ..request() };
        assert_eq!(refused(too_many), TypeRefusal::Phases);
        for windows in [[0, 600, 1800, 120], [60, 1800, 1800, 120], [1900, 600, 1800, 120], [60, 600, 1800, 0]] {
            assert_eq!(refused(TypeRequest { windows, ..request() }), TypeRefusal::Windows, "{windows:?}");
        }
    }
}
