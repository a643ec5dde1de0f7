//! Progress (specs/product-contract §6): one contract derives what a run can honestly say about how far it
//! has got. Modes by precedence: phased > composite > counted > activity > none. Malformed
//! metadata degrades to the next mode down; nothing here panics or invents a number, and only
//! counted progress has a percentage.

use super::context::RunContext;
use super::kind::RunKind;
use super::status::RunState;
use super::summary::{SummaryCounts, SummaryKey};
use serde::{Deserialize, Serialize};

/// The kind of progress a run shows (the `data-progress-mode` hook).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum ProgressMode {
    /// Nothing to show (terminal runs).
    None,
    /// Active with nothing measurable: an indeterminate indicator.
    Activity,
    /// `processed` of `total`, the only mode with a percentage.
    Counted,
    /// The current step of a known step list.
    Phased,
    /// A summary over the sources a run aggregates.
    Composite,
}

impl ProgressMode {
    /// Every mode.
    pub const ALL: [Self; 5] = [Self::None, Self::Activity, Self::Counted, Self::Phased, Self::Composite];

    /// The stable spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Activity => "activity",
            Self::Counted => "counted",
            Self::Phased => "phased",
            Self::Composite => "composite",
        }
    }
}

/// What a run can honestly say about its progress.
///
/// On the wire it is one flat object tagged by `mode` (`{"mode":"counted","processed":3,
/// "total":9}`). It is read back through [`ProgressWire`], a plain struct, rather than serde's
/// internally tagged enum support, which buffers the whole value first and costs the browser
/// bundle a generic buffering deserializer for this one type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", try_from = "ProgressWire")]
pub enum Progress {
    /// Nothing to show.
    None,
    /// Working, nothing measurable.
    Activity {
        /// Whether it is still waiting for a worker.
        waiting: bool,
    },
    /// `processed` of `total` (`0 < total`, `processed ≤ total`).
    Counted {
        /// Units processed.
        processed: u64,
        /// Units in scope.
        total: u64,
    },
    /// Step `step` (1-based) of `of`.
    Phased {
        /// 1-based index of the current step.
        step: usize,
        /// Number of steps.
        of: usize,
        /// The stable key of the current step (one of its type's phases); the copy catalog
        /// words it.
        phase: String,
    },
    /// Sources ready and failed out of the total.
    Composite {
        /// Sources ready.
        ready: u64,
        /// Sources failed.
        failed: u64,
        /// Sources aggregated.
        total: u64,
    },
}

/// [`Progress`] as it arrives: the mode and every field any mode may carry.
#[derive(Debug, Deserialize)]
pub struct ProgressWire {
    mode: ProgressMode,
    waiting: Option<bool>,
    processed: Option<u64>,
    total: Option<u64>,
    step: Option<usize>,
    of: Option<usize>,
    phase: Option<String>,
    ready: Option<u64>,
    failed: Option<u64>,
}

/// Why a [`ProgressWire`] is not a [`Progress`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{mode} progress needs `{field}`")]
pub struct MissingProgressField {
    mode: &'static str,
    field: &'static str,
}

impl TryFrom<ProgressWire> for Progress {
    type Error = MissingProgressField;

    fn try_from(w: ProgressWire) -> Result<Self, Self::Error> {
        let mode = w.mode.as_str();
        let need = |field: &'static str| MissingProgressField { mode, field };
        Ok(match w.mode {
            ProgressMode::None => Self::None,
            ProgressMode::Activity => Self::Activity { waiting: w.waiting.ok_or_else(|| need("waiting"))? },
            ProgressMode::Counted => Self::Counted {
                processed: w.processed.ok_or_else(|| need("processed"))?,
                total: w.total.ok_or_else(|| need("total"))?,
            },
            ProgressMode::Phased => Self::Phased {
                step: w.step.ok_or_else(|| need("step"))?,
                of: w.of.ok_or_else(|| need("of"))?,
                phase: w.phase.ok_or_else(|| need("phase"))?,
            },
            ProgressMode::Composite => Self::Composite {
                ready: w.ready.ok_or_else(|| need("ready"))?,
                failed: w.failed.ok_or_else(|| need("failed"))?,
                total: w.total.ok_or_else(|| need("total"))?,
            },
        })
    }
}

impl Progress {
    /// The mode of this progress.
    pub const fn mode(&self) -> ProgressMode {
        match self {
            Self::None => ProgressMode::None,
            Self::Activity { .. } => ProgressMode::Activity,
            Self::Counted { .. } => ProgressMode::Counted,
            Self::Phased { .. } => ProgressMode::Phased,
            Self::Composite { .. } => ProgressMode::Composite,
        }
    }

    /// The whole percentage, only for counted progress (rounded down, so 100 % means done).
    pub fn percent(&self) -> Option<u8> {
        match *self {
            Self::Counted { processed, total } if total > 0 => {
                let pct = u128::from(processed.min(total)) * 100 / u128::from(total);
                u8::try_from(pct).ok()
            }
            _ => None,
        }
    }
}

/// The progress of a run. Terminal runs show none (their results are their summary counts).
pub fn progress(state: RunState, kind: &RunKind, summary: &SummaryCounts, context: &RunContext) -> Progress {
    if !state.is_active() {
        return Progress::None;
    }
    phased(kind, context)
        .or_else(|| composite(kind, context))
        .or_else(|| counted(summary))
        .unwrap_or(Progress::Activity { waiting: state == RunState::Queued })
}

fn phased(kind: &RunKind, context: &RunContext) -> Option<Progress> {
    let key = context.phase_key()?;
    let (step, of) = kind.phase_step(key)?;
    Some(Progress::Phased { step, of, phase: key.to_owned() })
}

fn composite(kind: &RunKind, context: &RunContext) -> Option<Progress> {
    if !kind.reports_composite() {
        return None;
    }
    let c = context.composite()?;
    Some(Progress::Composite { ready: c.ready, failed: c.failed, total: c.total })
}

fn counted(summary: &SummaryCounts) -> Option<Progress> {
    let total = summary.get(SummaryKey::Total)?;
    let processed = summary.get(SummaryKey::Processed)?;
    (total > 0 && !summary.contradict()).then_some(Progress::Counted { processed, total })
}

super::serde_as_spelling!(ProgressMode, "progress mode");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RunType;
    use crate::domain::status::RunOutcome;
    use serde_json::json;

    fn ctx(v: serde_json::Value) -> RunContext {
        RunContext::from_value(v)
    }

    #[test]
    fn every_progress_travels_as_one_flat_object_tagged_by_mode_and_reads_back_the_same() {
        let all = [
            (Progress::None, json!({"mode": "none"})),
            (Progress::Activity { waiting: true }, json!({"mode": "activity", "waiting": true})),
            (Progress::Counted { processed: 3, total: 9 }, json!({"mode": "counted", "processed": 3, "total": 9})),
            (
                Progress::Phased { step: 2, of: 4, phase: "applying".into() },
                json!({"mode": "phased", "step": 2, "of": 4, "phase": "applying"}),
            ),
            (
                Progress::Composite { ready: 1, failed: 1, total: 3 },
                json!({"mode": "composite", "ready": 1, "failed": 1, "total": 3}),
            ),
        ];
        for (progress, wire) in all {
            assert_eq!(serde_json::to_value(&progress).ok(), Some(wire.clone()));
            assert_eq!(serde_json::from_value::<Progress>(wire).ok(), Some(progress));
        }
    }

    #[test]
    fn a_progress_missing_a_field_of_its_mode_is_refused_with_the_field_named() {
        let err = serde_json::from_value::<Progress>(json!({"mode": "counted", "processed": 3})).err();
        assert!(err.is_some_and(|e| e.to_string().contains("counted progress needs `total`")));
        assert!(serde_json::from_value::<Progress>(json!({"mode": "sideways"})).is_err());
    }

    fn counts(text: &str) -> SummaryCounts {
        SummaryCounts::from_json_lenient(text)
    }

    const COUNTED: &str = r#"{"total": 200, "processed": 50}"#;

    #[test]
    fn phased_wins_over_every_other_mode() {
        let c = ctx(json!({"phase": {"current": "capturing_evidence"}, "composite": {"total": 2, "ready": 1}}));
        let p = progress(RunState::Running, &RunType::BaselineCapture.into(), &counts(COUNTED), &c);
        assert_eq!(p, Progress::Phased { step: 2, of: 3, phase: "capturing_evidence".into() });
        assert_eq!(p.percent(), None);
    }

    #[test]
    fn composite_wins_over_counted() {
        let c = ctx(json!({"composite": {"total": 4, "ready": 3, "failed": 1}}));
        let p = progress(RunState::Running, &RunType::EnvironmentReviewCompose.into(), &counts(COUNTED), &c);
        assert_eq!(p, Progress::Composite { ready: 3, failed: 1, total: 4 });
        assert_eq!(p.percent(), None);
    }

    #[test]
    fn counted_is_the_only_mode_with_a_percentage() {
        let p = progress(RunState::Running, &RunType::InventorySync.into(), &counts(COUNTED), &RunContext::empty());
        assert_eq!(p, Progress::Counted { processed: 50, total: 200 });
        assert_eq!(p.percent(), Some(25));
    }

    #[test]
    fn an_active_run_with_nothing_measurable_shows_activity() {
        let p =
            progress(RunState::Queued, &RunType::RestoreExecute.into(), &SummaryCounts::new(), &RunContext::empty());
        assert_eq!(p, Progress::Activity { waiting: true });
        let p =
            progress(RunState::Running, &RunType::RestoreExecute.into(), &SummaryCounts::new(), &RunContext::empty());
        assert_eq!(p, Progress::Activity { waiting: false });
        assert_eq!(p.percent(), None);
    }

    #[test]
    fn terminal_runs_show_no_progress_whatever_their_metadata() {
        let c = ctx(json!({"phase": {"current": "comparing"}}));
        for o in RunOutcome::ALL {
            let p = progress(RunState::Completed(o), &RunType::BaselineCompare.into(), &counts(COUNTED), &c);
            assert_eq!(p, Progress::None);
        }
    }

    #[test]
    fn percentages_round_down_and_never_overflow() {
        assert_eq!(Progress::Counted { processed: 199, total: 200 }.percent(), Some(99));
        assert_eq!(Progress::Counted { processed: u64::MAX, total: u64::MAX }.percent(), Some(100));
        assert_eq!(Progress::Counted { processed: 1, total: u64::MAX }.percent(), Some(0));
    }

    /// Malformed metadata of every shape we could think of: each must degrade to the mode
    /// named, never panic and never invent a number.
    #[test]
    fn malformed_metadata_degrades_to_the_next_mode_down() {
        use ProgressMode::{Activity, Counted};
        let cases: Vec<(&str, RunType, &str, serde_json::Value, ProgressMode)> = vec![
            (
                "unknown phase key",
                RunType::BaselineCapture,
                COUNTED,
                json!({"phase": {"current": "reticulating"}}),
                Counted,
            ),
            (
                "raw exception as phase",
                RunType::BaselineCompare,
                "{}",
                json!({"phase": {"current": "RuntimeException"}}),
                Activity,
            ),
            ("phase is a number", RunType::BaselineCapture, "{}", json!({"phase": {"current": 2}}), Activity),
            (
                "phase section is a string",
                RunType::BaselineCapture,
                COUNTED,
                json!({"phase": "capturing_evidence"}),
                Counted,
            ),
            (
                "phase on a type without phases",
                RunType::InventorySync,
                COUNTED,
                json!({"phase": {"current": "capturing_evidence"}}),
                Counted,
            ),
            (
                "composite ready > total",
                RunType::EnvironmentReviewCompose,
                "{}",
                json!({"composite": {"total": 2, "ready": 3}}),
                Activity,
            ),
            (
                "composite negative",
                RunType::EnvironmentReviewCompose,
                COUNTED,
                json!({"composite": {"total": 4, "ready": -1}}),
                Counted,
            ),
            (
                "composite strings",
                RunType::EnvironmentReviewCompose,
                "{}",
                json!({"composite": {"total": "4", "ready": "1"}}),
                Activity,
            ),
            ("composite is a list", RunType::EnvironmentReviewCompose, "{}", json!({"composite": [4, 1]}), Activity),
            (
                "composite on a type without one",
                RunType::InventorySync,
                "{}",
                json!({"composite": {"total": 4, "ready": 1}}),
                Activity,
            ),
            ("processed > total", RunType::InventorySync, r#"{"total": 10, "processed": 11}"#, json!({}), Activity),
            ("negative processed", RunType::InventorySync, r#"{"total": 10, "processed": -4}"#, json!({}), Activity),
            ("negative total", RunType::InventorySync, r#"{"total": -10, "processed": 4}"#, json!({}), Activity),
            ("overflowing count", RunType::InventorySync, r#"{"total": 1e400, "processed": 4}"#, json!({}), Activity),
            (
                "count past u64",
                RunType::InventorySync,
                r#"{"total": 18446744073709551616, "processed": 4}"#,
                json!({}),
                Activity,
            ),
            ("counts as strings", RunType::InventorySync, r#"{"total": "10", "processed": "4"}"#, json!({}), Activity),
            ("fractional counts", RunType::InventorySync, r#"{"total": 10.5, "processed": 4}"#, json!({}), Activity),
            ("zero total", RunType::InventorySync, r#"{"total": 0, "processed": 0}"#, json!({}), Activity),
            ("missing total", RunType::InventorySync, r#"{"processed": 4}"#, json!({}), Activity),
            ("summary is a list", RunType::InventorySync, "[10, 4]", json!({}), Activity),
            ("summary is not JSON", RunType::InventorySync, "{total: 10", json!({}), Activity),
            ("context is a list", RunType::BaselineCapture, COUNTED, json!(["phase"]), Counted),
            ("context is null", RunType::EnvironmentReviewCompose, "{}", json!(null), Activity),
            ("sections missing entirely", RunType::BaselineCompare, "{}", json!({}), Activity),
        ];
        assert!(cases.len() >= 10);
        for (name, run_type, summary, context, want) in cases {
            let p = progress(RunState::Running, &run_type.into(), &counts(summary), &ctx(context));
            assert_eq!(p.mode(), want, "{name}");
            if want != Counted {
                assert_eq!(p.percent(), None, "{name}");
            }
            if let Progress::Phased { phase, .. } = &p {
                assert!(run_type.phases().iter().any(|known| known.key == phase), "{name}: {phase}");
            }
        }
    }
}
