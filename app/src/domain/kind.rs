//! What kind of work a run is: one of Opshub's built-in types, which its own workers run, or
//! a type its workspace registered for work the platform runs itself and reports
//! (specs/runs-api, "One run, whoever runs it"). Every rule that depends on the type — the
//! lifecycle windows, the phases, whether it reports composite progress, which counts it may
//! write, its label — is asked of the kind, so a reported run is judged and shown exactly as
//! a built-in one.

use super::run_type::{LifecyclePolicy, RunType};
use super::summary::SummaryKey;
use super::workspace_type::WorkspaceType;
use super::{ParseError, ProgressMode};
use serde::{Deserialize, Serialize};

/// What a run is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunKind {
    /// A built-in type: Opshub's workers run it.
    Builtin(RunType),
    /// A type the workspace registered: the platform's own workers run it and report in.
    Workspace(WorkspaceType),
}

impl From<RunType> for RunKind {
    fn from(t: RunType) -> Self {
        Self::Builtin(t)
    }
}

impl RunKind {
    /// The stable key (storage, URLs, the API and the `data-run-type` hook).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Builtin(t) => t.as_str(),
            Self::Workspace(w) => &w.key,
        }
    }

    /// The built-in type, when it is one.
    pub const fn builtin(&self) -> Option<RunType> {
        match self {
            Self::Builtin(t) => Some(*t),
            Self::Workspace(_) => None,
        }
    }

    /// Whether `self` is the built-in type `t`.
    pub fn is(&self, t: RunType) -> bool {
        self.builtin() == Some(t)
    }

    /// The lifecycle windows this kind's runs are judged by when nothing overrides them: a
    /// built-in type's defaults, or the windows its workspace registered.
    pub fn default_policy(&self) -> LifecyclePolicy {
        match self {
            Self::Builtin(t) => t.default_policy(),
            Self::Workspace(w) => w.policy,
        }
    }

    /// The 1-based step of `phase` among this kind's phases, and how many there are.
    pub fn phase_step(&self, phase: &str) -> Option<(usize, usize)> {
        match self {
            Self::Builtin(t) => {
                let phases = t.phases();
                phases.iter().position(|p| p.key == phase).map(|i| (i + 1, phases.len()))
            }
            Self::Workspace(w) => w.phases.iter().position(|p| p == phase).map(|i| (i + 1, w.phases.len())),
        }
    }

    /// Whether its runs report composite progress (sources ready and failed of a total).
    pub fn reports_composite(&self) -> bool {
        match self {
            Self::Builtin(t) => t.reports_composite(),
            Self::Workspace(w) => w.progress_mode == ProgressMode::Composite,
        }
    }

    /// Whether its runs may write `key` into their summary counts: the common five for
    /// every kind, and a built-in type's own extra keys.
    pub fn allows_count(&self, key: SummaryKey) -> bool {
        match self {
            Self::Builtin(t) => t.allows_count(key),
            Self::Workspace(_) => key.is_common(),
        }
    }

    /// Whether its work changes the tenant's configuration (and so needs confirmation).
    /// Reported work is never started from a page, so only a built-in type can.
    pub fn changes_configuration(&self) -> bool {
        self.builtin().is_some_and(RunType::changes_configuration)
    }

    /// What surfaces need to name it.
    pub fn name(&self) -> TypeName {
        match self {
            Self::Builtin(t) => TypeName::Builtin(*t),
            Self::Workspace(w) => {
                TypeName::Workspace { key: w.key.clone(), en: w.label_en.clone(), de: w.label_de.clone() }
            }
        }
    }
}

/// A run's kind as surfaces name it: a built-in type (the copy catalog words it) or a
/// workspace type with the labels its workspace gave it.
///
/// On the wire it is one string: a built-in type's key, or a workspace type's key and its
/// English and German labels separated by line breaks (neither a key nor a label may hold
/// one). The browser decodes it as a string and a split, not with serde's enum machinery
/// (specs/browser-bundle).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum TypeName {
    /// A built-in type.
    Builtin(RunType),
    /// A workspace type.
    Workspace {
        /// Its key.
        key: String,
        /// Its English label.
        en: String,
        /// Its German label.
        de: String,
    },
}

impl From<TypeName> for String {
    fn from(name: TypeName) -> Self {
        match name {
            TypeName::Builtin(t) => t.as_str().to_owned(),
            TypeName::Workspace { key, en, de } => format!("{key}\n{en}\n{de}"),
        }
    }
}

impl TryFrom<String> for TypeName {
    type Error = ParseError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let mut parts = text.split('\n');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(key), None, None, None) => RunType::parse(key).map(Self::Builtin),
            (Some(key), Some(en), Some(de), None) => {
                Ok(Self::Workspace { key: key.to_owned(), en: en.to_owned(), de: de.to_owned() })
            }
            _ => Err(ParseError::unknown("run type name", &text)),
        }
    }
}

impl TypeName {
    /// The stable key (the `data-run-type` hook).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Builtin(t) => t.as_str(),
            Self::Workspace { key, .. } => key,
        }
    }

    /// The built-in type, when it is one.
    pub const fn builtin(&self) -> Option<RunType> {
        match self {
            Self::Builtin(t) => Some(*t),
            Self::Workspace { .. } => None,
        }
    }

    /// Whether its work changes the tenant's configuration (see
    /// [`RunKind::changes_configuration`]).
    pub fn changes_configuration(&self) -> bool {
        self.builtin().is_some_and(RunType::changes_configuration)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::workspace_type::TypeRequest;

    fn backup(mode: &str, phases: &[&str]) -> RunKind {
        let request = TypeRequest {
            key: "backup.snapshot".into(),
            label_en: "Backup snapshot".into(),
            label_de: "Sicherungs-Snapshot".into(),
            progress_mode: mode.into(),
            phases: phases.iter().map(|p| (*p).to_owned()).collect(),
            windows: [60, 600, 1800, 120],
        };
        RunKind::Workspace(WorkspaceType::check(&request).unwrap_or_else(|e| panic!("{e:?}")))
    }

    #[test]
    fn a_workspace_kind_is_judged_by_the_windows_its_workspace_registered() {
        let kind = backup("counted", &[]);
        assert_eq!(kind.as_str(), "backup.snapshot");
        assert_eq!(kind.default_policy().stale_after.as_secs(), 1800);
        assert_eq!(kind.builtin(), None);
        let built_in = RunKind::from(RunType::InventorySync);
        assert_eq!(built_in.default_policy(), RunType::InventorySync.default_policy());
        assert!(built_in.is(RunType::InventorySync));
    }

    #[test]
    fn a_workspace_kind_knows_its_own_phases_and_nothing_else() {
        let kind = backup("phased", &["copy", "verify"]);
        assert_eq!(kind.phase_step("verify"), Some((2, 2)));
        assert_eq!(kind.phase_step("capturing_evidence"), None);
        assert_eq!(RunKind::from(RunType::BaselineCapture).phase_step("capturing_evidence"), Some((2, 3)));
    }

    #[test]
    fn a_workspace_kind_writes_only_the_common_counts_and_composite_only_when_registered_so() {
        let counted = backup("counted", &[]);
        assert!(counted.allows_count(SummaryKey::Processed));
        assert!(!counted.allows_count(SummaryKey::ItemsCaptured));
        assert!(!counted.reports_composite());
        assert!(backup("composite", &[]).reports_composite());
    }

    #[test]
    fn reported_work_never_changes_configuration_by_opshubs_hand() {
        assert!(!backup("activity", &[]).changes_configuration());
        assert!(RunKind::from(RunType::RestoreExecute).changes_configuration());
        assert!(RunKind::from(RunType::RestoreExecute).name().changes_configuration());
    }

    #[test]
    fn a_name_travels_as_one_string_and_reads_back_the_same() {
        let names = [backup("activity", &[]).name(), RunKind::from(RunType::RestoreExecute).name()];
        for name in names {
            let json = serde_json::to_string(&name).unwrap_or_default();
            assert_eq!(serde_json::from_str::<TypeName>(&json).ok(), Some(name));
        }
        assert_eq!(
            serde_json::to_string(&TypeName::Builtin(RunType::InventorySync)).ok(),
            Some("\"inventory.sync\"".into())
        );
        for bad in ["\"nonsense\"", "\"a\\nb\"", "\"a\\nb\\nc\\nd\""] {
            assert!(serde_json::from_str::<TypeName>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_kind_is_named_by_its_key_and_labels() {
        let name = backup("activity", &[]).name();
        assert_eq!(name.as_str(), "backup.snapshot");
        assert!(matches!(&name, TypeName::Workspace { de, .. } if de == "Sicherungs-Snapshot"));
        assert_eq!(RunKind::from(RunType::InventorySync).name(), TypeName::Builtin(RunType::InventorySync));
    }
}
