//! The run-type registry: for every [`RunType`], the handler that does its work, the
//! preparation of its inputs (shared by starting a run and running one again, so both refuse
//! the same things and a retried restore asks for the same confirmation as a new one),
//! where the type has one, the reconciliation adapter that proves its outcome from the
//! business records it writes, and how the records it owns end when the run ends.
//!
//! Each type's pieces live in its own file; the `match`es below wire them. They are
//! exhaustive, so a new type does not compile until it is registered in each
//! (specs/README.md, "Where things go", lists the rest: the enum and the copy entries).

pub mod baseline_capture;
pub mod baseline_compare;
pub mod baselines;
pub mod inventory;
pub mod packs;
pub mod restore;
pub mod reviews;

use crate::domain::reconcile::Decision;
use crate::domain::refusal::{Invalid, Thing};
use crate::domain::{Run, RunId, RunType, TenantId, Timestamp};
use crate::jobs::worker::Handler;
use crate::runtime::state::AppState;
use crate::store::db::Db;
use serde_json::{Map, Value};
use sqlx::AnyConnection;
use std::sync::Arc;

/// The handler that works runs of type `t`.
pub fn handler(t: RunType) -> Arc<dyn Handler> {
    match t {
        RunType::InventorySync => Arc::new(inventory::InventorySync),
        RunType::BaselineCapture => Arc::new(baseline_capture::BaselineCapture),
        RunType::BaselineCompare => Arc::new(baseline_compare::BaselineCompare),
        RunType::EnvironmentReviewCompose => Arc::new(reviews::ComposeReview),
        RunType::ReviewPackGenerate => Arc::new(packs::GeneratePack),
        RunType::RestoreExecute => Arc::new(restore::RestoreExecute),
    }
}

/// Ends the business records `runs` own that are still in progress, inside the runs'
/// terminal transaction: whatever ends a run — its handler, a cancel, a shutdown, the
/// reconciler — nothing it owns is left "being made" (specs/run-types, "Records end with
/// their run"). A record the handler finished already is left as it is.
pub(crate) async fn end_owned_records(
    db: &Db,
    conn: &mut AnyConnection,
    runs: &[Run],
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    for t in RunType::ALL {
        let ids: Vec<RunId> = runs.iter().filter(|r| r.run_type.is(t)).map(|r| r.id).collect();
        if ids.is_empty() {
            continue;
        }
        match t {
            RunType::ReviewPackGenerate => packs::end_with_runs(db, conn, &ids).await?,
            RunType::RestoreExecute => restore::end_with_runs(db, conn, &ids, now).await?,
            // Their records are written whole, in one transaction that holds the run's lease.
            RunType::InventorySync
            | RunType::BaselineCapture
            | RunType::BaselineCompare
            | RunType::EnvironmentReviewCompose => {}
        }
    }
    Ok(())
}

/// What a start names besides the tenant and the type.
#[derive(Debug, Clone, Default)]
pub struct StartOptions<'a> {
    /// The baseline snapshot a compare (optional) or restore (required) uses.
    pub snapshot: Option<&'a str>,
    /// The review a pack exports (default: the published one, else the latest ready one).
    pub review: Option<&'a str>,
    /// Explicit confirmation, required for work that changes the tenant's configuration.
    pub confirm: bool,
}

impl StartOptions<'_> {
    /// The snapshot named, if any (blank counts as none).
    fn snapshot(&self) -> Option<&str> {
        self.snapshot.map(str::trim).filter(|s| !s.is_empty())
    }

    /// The review named, if any (blank counts as none).
    fn review(&self) -> Option<&str> {
        self.review.map(str::trim).filter(|s| !s.is_empty())
    }

    /// Refuses a snapshot for a type that takes none.
    fn takes_no_snapshot(&self) -> Result<(), InputError> {
        match self.snapshot() {
            Some(_) => Err(InputError::Invalid(Invalid::SnapshotNotTaken)),
            None => Ok(()),
        }
    }

    /// Refuses any option, for a type that starts with no inputs of its own.
    fn takes_nothing(&self) -> Result<Map<String, Value>, InputError> {
        self.takes_no_snapshot()?;
        self.takes_no_review()?;
        Ok(Map::new())
    }

    /// Refuses a review for a type that takes none.
    fn takes_no_review(&self) -> Result<(), InputError> {
        match self.review() {
            Some(_) => Err(InputError::Invalid(Invalid::ReviewNotTaken)),
            None => Ok(()),
        }
    }
}

/// Why a run's inputs cannot be prepared.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A record the options name is not the tenant's (or does not exist).
    #[error("not found: {0:?}")]
    NotFound(Thing),
    /// The options do not fit the type.
    #[error("invalid: {0:?}")]
    Invalid(Invalid),
    /// Reading the records failed.
    #[error(transparent)]
    Storage(#[from] sqlx::Error),
}

/// The inputs a new run of type `t` for `tenant` starts with, from the options of its start
/// (or of the run it retries): the records it names checked against the tenant, anything it
/// must fix now (a compose's evidence fingerprint) fixed, its confirmation required.
pub async fn prepare(
    state: &AppState,
    t: RunType,
    tenant: TenantId,
    o: &StartOptions<'_>,
) -> Result<Map<String, Value>, InputError> {
    match t {
        RunType::InventorySync => inventory::inputs(o),
        RunType::BaselineCapture => baseline_capture::inputs(o),
        RunType::BaselineCompare => baseline_compare::inputs(state, tenant, o).await,
        RunType::EnvironmentReviewCompose => reviews::inputs(state, tenant, o).await,
        RunType::ReviewPackGenerate => packs::inputs(state, tenant, o).await,
        RunType::RestoreExecute => restore::inputs(state, tenant, o).await,
    }
}

/// The options a run was started with, read back from its inputs, so running it again
/// prepares them like a new start; `confirm` is the person's answer now, never the original's.
pub fn options_of(inputs: &Map<String, Value>, confirm: bool) -> (Option<String>, Option<String>, bool) {
    let id = |key: &str| inputs.get(key).and_then(Value::as_i64).map(|i| i.to_string());
    (id("snapshot_id"), id("review_id"), confirm)
}

/// Whether business records can decide runs of type `t` (the reconciler leaves such runs for
/// the next sweep when their records cannot be read, rather than deciding by the clock).
pub const fn has_adapter(t: RunType) -> bool {
    match t {
        RunType::EnvironmentReviewCompose | RunType::RestoreExecute | RunType::ReviewPackGenerate => true,
        RunType::InventorySync | RunType::BaselineCapture | RunType::BaselineCompare => false,
    }
}

/// What the business records say about `runs`, all of type `t`, through its adapter: one
/// query per chunk of runs whatever their number. Only runs the adapter decides are in the
/// answer; a type without an adapter decides none.
pub async fn adapter_decisions(
    state: &AppState,
    t: RunType,
    runs: &[&Run],
) -> Result<Vec<(RunId, Decision)>, sqlx::Error> {
    match t {
        RunType::EnvironmentReviewCompose => reviews::adapter(state, runs).await,
        RunType::RestoreExecute => restore::adapter(state, runs).await,
        RunType::ReviewPackGenerate => packs::adapter(state, runs).await,
        RunType::InventorySync | RunType::BaselineCapture | RunType::BaselineCompare => Ok(Vec::new()),
    }
}

/// Runs per adapter query: a few hundred bound parameters at most.
pub(crate) const ADAPTER_CHUNK: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_has_an_adapter_exactly_when_its_records_can_prove_it() {
        let with: Vec<RunType> = RunType::ALL.into_iter().filter(|t| has_adapter(*t)).collect();
        assert_eq!(with, vec![RunType::EnvironmentReviewCompose, RunType::ReviewPackGenerate, RunType::RestoreExecute]);
    }

    #[test]
    fn a_retry_reads_back_the_records_its_run_named_but_never_its_confirmation() {
        let inputs: Map<String, Value> =
            serde_json::from_str(r#"{"snapshot_id": 7, "requested_by": "Dana"}"#).unwrap_or_default();
        assert_eq!(options_of(&inputs, false), (Some("7".to_owned()), None, false));
        assert_eq!(options_of(&Map::new(), true), (None, None, true));
    }

    #[test]
    fn blank_options_name_nothing() {
        let o = StartOptions { snapshot: Some("  "), review: Some(""), confirm: false };
        assert!(o.takes_no_snapshot().is_ok() && o.takes_no_review().is_ok());
        let o = StartOptions { snapshot: Some("3"), review: Some("4"), confirm: false };
        assert!(matches!(o.takes_no_snapshot(), Err(InputError::Invalid(Invalid::SnapshotNotTaken))));
        assert!(matches!(o.takes_no_review(), Err(InputError::Invalid(Invalid::ReviewNotTaken))));
    }
}
