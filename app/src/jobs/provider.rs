//! The demo provider's fault switchboard. The demo provider stands in for the customer's
//! cloud; for demos and tests it can misbehave on purpose, per run type:
//!
//! | fault | what the provider does |
//! |---|---|
//! | `fail` | rejects the whole request: the run fails |
//! | `partial` | every fourth item cannot be read: the run partially succeeds |
//! | `slow` | answers ten times slower (at least 100 ms per item) |
//! | `hang` | stops answering: the worker stops heartbeating but keeps the lease |
//! | `crash` | takes the whole server process down (abort) |
//!
//! Faults live in `provider_faults`, so `opshub fault …` changes a running server at its next
//! run. Off by default.

use crate::domain::{ParseError, RunType, TenantId, Timestamp};
use crate::store::db::Db;
use crate::store::provider as stored;

/// A way the demo provider can misbehave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Reject the whole request.
    Fail,
    /// Fail every fourth item.
    Partial,
    /// Answer ten times slower.
    Slow,
    /// Stop answering (the worker stops heartbeating, keeps the lease).
    Hang,
    /// Abort the server process.
    Crash,
}

impl Fault {
    /// Every fault.
    pub const ALL: [Fault; 5] = [Self::Fail, Self::Partial, Self::Slow, Self::Hang, Self::Crash];

    /// The stored spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Fail => "fail",
            Self::Partial => "partial",
            Self::Slow => "slow",
            Self::Hang => "hang",
            Self::Crash => "crash",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        Self::ALL.into_iter().find(|f| f.as_str() == text).ok_or_else(|| ParseError::unknown("fault", text))
    }
}

/// Parses `OPSHUB_FAULTS`: `type=fault` pairs separated by commas, e.g.
/// `inventory.sync=slow,restore.execute=fail`.
pub fn parse_fault_list(text: &str) -> Result<Vec<(RunType, Fault)>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (t, f) = pair.split_once('=').ok_or_else(|| format!("{pair:?} is not type=fault"))?;
            let t = RunType::parse(t.trim()).map_err(|_| format!("{:?} is not a run type", t.trim()))?;
            let f = Fault::parse(f.trim())
                .map_err(|_| format!("{:?} is not a fault (fail, partial, slow, hang, crash)", f.trim()))?;
            Ok((t, f))
        })
        .collect()
}

/// The fault injected for `run_type`, if any.
pub async fn fault_for(db: &Db, run_type: RunType) -> Result<Option<Fault>, sqlx::Error> {
    let stored = stored::fault(db, run_type.as_str()).await?;
    // The table's CHECK keeps the spelling valid; anything else reads as no fault.
    Ok(stored.and_then(|f| Fault::parse(&f).ok()))
}

/// Injects `fault` for `run_type`, or clears it with `None`.
pub async fn set_fault(db: &Db, run_type: RunType, fault: Option<Fault>, now: Timestamp) -> Result<(), sqlx::Error> {
    match fault {
        Some(f) => stored::set_fault(db, run_type.as_str(), f.as_str(), now).await,
        None => stored::clear_fault(db, run_type.as_str()).await,
    }
}

/// Every injected fault as `(run type, fault)` spellings.
pub async fn faults(db: &Db) -> Result<Vec<(String, String)>, sqlx::Error> {
    Ok(stored::faults(db).await?.into_iter().map(|f| (f.run_type, f.fault)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_lists_parse_and_name_what_is_wrong() {
        assert_eq!(
            parse_fault_list(" inventory.sync=slow, restore.execute = fail ,"),
            Ok(vec![(RunType::InventorySync, Fault::Slow), (RunType::RestoreExecute, Fault::Fail)])
        );
        assert_eq!(parse_fault_list(""), Ok(vec![]));
        assert!(parse_fault_list("inventory.sync").is_err_and(|e| e.contains("type=fault")));
        assert!(parse_fault_list("nope=fail").is_err_and(|e| e.contains("not a run type")));
        assert!(parse_fault_list("inventory.sync=explode").is_err_and(|e| e.contains("not a fault")));
        for f in Fault::ALL {
            assert_eq!(Fault::parse(f.as_str()), Ok(f));
        }
    }
}

/// The fault a handler run is subject to, read once when it starts, and the behaviours every
/// handler shares: refuse or crash at the start, pace per item, hang at a checkpoint, fail
/// every fourth item.
#[derive(Debug, Clone, Copy)]
pub struct Injected {
    /// The fault, if any.
    pub fault: Option<Fault>,
    delay: std::time::Duration,
}

impl Injected {
    /// Reads the fault for the job's run type.
    pub async fn read(job: &crate::jobs::worker::Job) -> Result<Self, sqlx::Error> {
        let fault = fault_for(&job.state.db, job.run_type).await?;
        let base = job.state.config.inventory_item_delay;
        let delay = match fault {
            Some(Fault::Slow) => (base * 10).max(std::time::Duration::from_millis(100)),
            _ => base,
        };
        Ok(Self { fault, delay })
    }

    /// At the start of the work: the result to end with if the provider rejects the request
    /// (`fail`).
    pub fn refusal(&self) -> Option<crate::jobs::worker::HandlerResult> {
        match self.fault {
            Some(Fault::Fail) => Some(crate::jobs::worker::HandlerResult::ended(
                crate::domain::RunOutcome::Failed,
                "provider_rejected",
                crate::domain::Sentence::ProviderRejected,
                Some("injected fault: fail".to_owned()),
            )),
            _ => None,
        }
    }

    /// Where a `crash` aborts the process: after the work is done and its records are
    /// written, before the worker records the run's end — the moment when only the business
    /// records know the work happened, which the reconciler's adapters must then prove.
    pub fn crash_point(&self, job: &crate::jobs::worker::Job) {
        if self.fault == Some(Fault::Crash) {
            tracing::error!(run_id = job.run.id.get(), "injected fault: crashing the process");
            std::process::abort();
        }
    }

    /// Spends the provider's time for `items` items (demo pacing, or slow).
    pub async fn pace(&self, items: usize) {
        if !self.delay.is_zero() {
            let n = u32::try_from(items).unwrap_or(u32::MAX);
            tokio::time::sleep(self.delay.saturating_mul(n)).await;
        }
    }

    /// Where a hanging provider stops answering.
    pub async fn checkpoint(&self, job: &crate::jobs::worker::Job) {
        if self.fault == Some(Fault::Hang) {
            job.hang().await;
        }
    }

    /// Whether the item at 1-based position `n` cannot be read (`partial`: every fourth).
    pub fn item_fails(&self, n: i64) -> bool {
        self.fault == Some(Fault::Partial) && n % 4 == 0
    }
}

/// The common start of every tenant-scoped handler: the run's tenant and the provider's
/// injected fault — or, in `Err`, the result to end with at once (the run has no tenant, or
/// the provider refuses the request).
pub async fn begin(
    job: &crate::jobs::worker::Job,
) -> Result<Result<(TenantId, Injected), crate::jobs::worker::HandlerResult>, sqlx::Error> {
    let Some(tenant) = job.run.tenant_id else {
        return Ok(Err(crate::jobs::worker::HandlerResult::ended(
            crate::domain::RunOutcome::Failed,
            "missing_tenant",
            crate::domain::Sentence::NeedsTenant(job.run_type),
            None,
        )));
    };
    let injected = Injected::read(job).await?;
    Ok(match injected.refusal() {
        Some(refused) => Err(refused),
        None => Ok((tenant, injected)),
    })
}
