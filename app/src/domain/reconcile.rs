//! Reconciliation decisions (specs/product-contract §8), pure. The reconciler reads a likely-stale run and
//! the business records around it; this module says what that truth proves and writes the
//! record of the decision. Nothing here touches storage, so every branch is a unit test.
//!
//! The rules, in order:
//! - Only a run that is *abandoned* is decided: queued past its stale-after window (no worker
//!   ever took it), running with a silent worker ([`worker_silent`]), or running past its
//!   stale-after window, which is a hard time limit: every surface has shown such a run as
//!   likely stale, and the decision zone has promised that the system closes it. The instant
//!   a run becomes abandoned is [`stale_at`], the same instant its freshness turns likely
//!   stale and the one the decision zone's promise is counted from ([`closes_by`]).
//! - For a type with an adapter, the adapter looks at business records in the run's own
//!   workspace and tenant (and fingerprint, or the run's own restore record) and decides.
//!   It fails closed: records of another scope are ignored even if handed in, and two equally
//!   good candidates are never success.
//! - Without an adapter decision the generic rule ends the run `failed`: "never started" for
//!   a queued run, "worker lost" for a running one whose worker went silent, "ran past its
//!   time limit" for one whose worker still reports.

use super::freshness::{LifecycleTimes, stale_at, worker_silent};
use super::ids::{RunId, TenantId, WorkspaceId};
use super::run::Run;
use super::run_type::LifecyclePolicy;
use super::status::{RunOutcome, RunState, RunStatus};
use super::time::Timestamp;
use serde_json::{Value, json};

/// How many ids or lineage entries a decision record keeps, so it stays a few KB at most.
pub const EVIDENCE_LIMIT: usize = 20;

/// Why a run is up for reconciliation (and why a page calls it stuck).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
// Travels as its spelling: a string and a lookup in the browser (specs/browser-bundle).
#[serde(into = "&'static str", try_from = "String")]
pub enum Abandoned {
    /// Queued beyond its stale-after window: no worker ever took it.
    NeverStarted,
    /// Running, but its worker stopped sending signs of life.
    WorkerSilent,
    /// Running with a worker that still reports, past its stale-after window (the time limit).
    PastTimeLimit,
}

impl Abandoned {
    /// Every way a run can be abandoned.
    pub const ALL: [Self; 3] = [Self::NeverStarted, Self::WorkerSilent, Self::PastTimeLimit];

    /// The stable spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NeverStarted => "never_started",
            Self::WorkerSilent => "worker_silent",
            Self::PastTimeLimit => "past_time_limit",
        }
    }

    /// The reason the generic rule decides with.
    pub const fn reason(self) -> Reason {
        match self {
            Self::NeverStarted => Reason::NeverStarted,
            Self::WorkerSilent => Reason::WorkerLost,
            Self::PastTimeLimit => Reason::PastTimeLimit,
        }
    }
}

super::serde_as_spelling!(Abandoned, "abandonment");

/// Whether `run` is abandoned at `now` under `policy`, and how: from [`stale_at`] on, the
/// instant its freshness turns likely stale. Terminal runs never are.
pub fn abandoned(run: &Run, policy: &LifecyclePolicy, now: Timestamp) -> Option<Abandoned> {
    abandoned_at(run.state, run.lifecycle_times(), policy, now)
}

/// [`abandoned`] on the parts of a run.
pub fn abandoned_at(
    state: RunState,
    times: LifecycleTimes,
    policy: &LifecyclePolicy,
    now: Timestamp,
) -> Option<Abandoned> {
    if now < stale_at(state, times, policy)? {
        return None;
    }
    Some(match state {
        RunState::Running if worker_silent(times, policy, now) => Abandoned::WorkerSilent,
        RunState::Running => Abandoned::PastTimeLimit,
        _ => Abandoned::NeverStarted,
    })
}

/// The instants before which no run of a type can be abandoned at `now` (the store's
/// pre-filter for the sweep; [`abandoned_at`] decides each run it returns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbandonedBefore {
    /// A queued run created before this has been waiting past its stale-after window.
    pub queued: Timestamp,
    /// A running run whose last sign of life is before this has a silent worker.
    pub silent: Timestamp,
    /// A running run started before this is past its time limit.
    pub started: Timestamp,
}

impl AbandonedBefore {
    /// The instants for `policy` at `now`: a run is abandoned exactly when one of its times
    /// is strictly before them (windows are inclusive, like freshness).
    pub fn at(policy: &LifecyclePolicy, now: Timestamp) -> Self {
        Self {
            queued: now.minus(policy.stale_after),
            silent: now.minus(policy.heartbeat_timeout),
            started: now.minus(policy.stale_after),
        }
    }
}

/// What the business truth proves about an abandoned run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The work happened.
    Succeeded,
    /// The work happened, partly.
    PartiallySucceeded,
    /// The work is proven to have failed, or nothing proves it happened.
    Failed,
    /// The work was overtaken by a newer record.
    Blocked,
    /// Records exist but do not decide safely (e.g. several candidates): a person must look.
    NeedsAttention,
}

impl Verdict {
    /// The stable spelling in the decision record.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::PartiallySucceeded => "partially_succeeded",
            Self::Failed => "failed",
            Self::Blocked => "blocked",
            Self::NeedsAttention => "needs_attention",
        }
    }

    /// The outcome the run ends with. Needing attention ends `failed`: nothing proves the
    /// work, and the reason says what to check.
    pub const fn outcome(self) -> RunOutcome {
        match self {
            Self::Succeeded => RunOutcome::Succeeded,
            Self::PartiallySucceeded => RunOutcome::PartiallySucceeded,
            Self::Failed | Self::NeedsAttention => RunOutcome::Failed,
            Self::Blocked => RunOutcome::Blocked,
        }
    }
}

/// The kind of business record a decision points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// An environment review.
    Review,
    /// A restore record.
    Restore,
    /// A review pack.
    Pack,
}

impl RecordKind {
    /// The stable spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Review => "environment_review",
            Self::Restore => "restore",
            Self::Pack => "review_pack",
        }
    }

    /// Parses the stable spelling.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Review, Self::Restore, Self::Pack].into_iter().find(|k| k.as_str() == text)
    }
}

/// A business record a decision relates the run to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Related {
    /// Its kind.
    pub kind: RecordKind,
    /// Its id.
    pub id: i64,
}

/// Why the run was decided the way it was: a stable code and the operator's sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
// Travels as its code through `code`/`from_code`: the same JSON as a derived unit enum, and a
// page decodes it as a string and a lookup (specs/browser-bundle).
#[serde(into = "&'static str", try_from = "String")]
pub enum Reason {
    /// Queued too long; no worker took it.
    NeverStarted,
    /// Its worker went quiet and nothing proves the work.
    WorkerLost,
    /// It ran past its time limit (stale-after) and nothing proves the work.
    PastTimeLimit,
    /// A ready review with the run's evidence exists.
    ReviewReady,
    /// A published review with the run's evidence exists.
    ReviewPublished,
    /// The review with the run's evidence was superseded by a newer one.
    ReviewSuperseded,
    /// Several reviews match; none can be chosen safely.
    ReviewsAmbiguous,
    /// The run's restore record finished.
    RestoreApplied,
    /// The run's restore record finished with some items not put back.
    RestorePartial,
    /// The run's restore record failed.
    RestoreFailed,
    /// Two restore records belong to the run; none can be chosen safely.
    RestoresAmbiguous,
    /// The run's review pack was made (its file written and offered for download).
    PackReady,
}

super::serde_as_spelling!(Reason, "reason");

impl Reason {
    /// The stable code, as the serde form spells it ([`serde_as_spelling`](super::serde_as_spelling)).
    const fn as_str(self) -> &'static str {
        self.code()
    }

    /// The stable code (the run's failure code when it did not succeed).
    pub const fn code(self) -> &'static str {
        match self {
            Self::NeverStarted => "never_started",
            Self::WorkerLost => "worker_lost",
            Self::PastTimeLimit => "past_time_limit",
            Self::ReviewReady => "review_ready",
            Self::ReviewPublished => "review_published",
            Self::ReviewSuperseded => "review_superseded",
            Self::ReviewsAmbiguous => "reviews_ambiguous",
            Self::RestoreApplied => "restore_applied",
            Self::RestorePartial => "restore_partial",
            Self::RestoreFailed => "restore_failed",
            Self::RestoresAmbiguous => "restores_ambiguous",
            Self::PackReady => "pack_ready",
        }
    }

    /// What decided: the generic rule or the adapter of a run type.
    pub const fn decided_by(self) -> &'static str {
        match self {
            Self::NeverStarted | Self::WorkerLost | Self::PastTimeLimit => "reconciler",
            Self::ReviewReady | Self::ReviewPublished | Self::ReviewSuperseded | Self::ReviewsAmbiguous => {
                "adapter:environment.review.compose"
            }
            Self::RestoreApplied | Self::RestorePartial | Self::RestoreFailed | Self::RestoresAmbiguous => {
                "adapter:restore.execute"
            }
            Self::PackReady => "adapter:review_pack.generate",
        }
    }

    /// The reason a stored code names (`None` for a code this version does not know).
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Every reason.
    pub const ALL: [Reason; 12] = [
        Self::NeverStarted,
        Self::WorkerLost,
        Self::PastTimeLimit,
        Self::ReviewReady,
        Self::ReviewPublished,
        Self::ReviewSuperseded,
        Self::ReviewsAmbiguous,
        Self::RestoreApplied,
        Self::RestorePartial,
        Self::RestoreFailed,
        Self::RestoresAmbiguous,
        Self::PackReady,
    ];
}

/// The bounded evidence a decision was taken on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// Ids of the in-scope records considered (at most [`EVIDENCE_LIMIT`] kept).
    pub considered: Vec<i64>,
    /// The id chosen, if one was.
    pub chosen: Option<i64>,
    /// The evidence fingerprint the run was built on, if any.
    pub fingerprint: Option<String>,
    /// The run's workspace.
    pub workspace: Option<WorkspaceId>,
    /// The run's tenant.
    pub tenant: Option<TenantId>,
    /// "record id: status" for each considered record (at most [`EVIDENCE_LIMIT`] kept).
    pub lineage: Vec<String>,
}

/// A decision about one abandoned run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// What the truth proves.
    pub verdict: Verdict,
    /// Why the run was decided this way.
    pub reason: Reason,
    /// The record it relates the run to.
    pub related: Option<Related>,
    /// Final counts to record (the restore adapter's per-item results).
    pub counts: Vec<(&'static str, i64)>,
    /// What it was decided on.
    pub evidence: Evidence,
}

impl Decision {
    /// The generic decision for a run no adapter decided.
    pub fn generic(why: Abandoned, run: &Run) -> Self {
        Self {
            verdict: Verdict::Failed,
            reason: why.reason(),
            related: None,
            counts: Vec::new(),
            evidence: Evidence { workspace: Some(run.workspace_id), tenant: run.tenant_id, ..Evidence::default() },
        }
    }

    /// [`Self::record`] for a decision a run made itself, on meeting these records when it
    /// came to write its result (a compose whose review write met another's review).
    pub fn record_in_job(&self, previous: RunStatus, at: Timestamp) -> Value {
        let mut record = self.record(previous, at);
        if let Value::Object(fields) = &mut record {
            fields.insert("in_job".to_owned(), Value::Bool(true));
        }
        record
    }

    /// The record written once into `context.reconciliation`: when, by what, why (the reason's
    /// code, worded when read; records written before carry an English `summary` too, read
    /// only for a code this version does not know), the status it was taken from, the
    /// decision, the related record and the bounded evidence.
    pub fn record(&self, previous: RunStatus, at: Timestamp) -> Value {
        let ev = &self.evidence;
        json!({
            "at": at.millis(),
            "by": self.reason.decided_by(),
            "reason": self.reason.code(),
            "previous_status": previous.as_str(),
            "decision": self.verdict.as_str(),
            "related": self.related.map(|r| json!({ "kind": r.kind.as_str(), "id": r.id })),
            "evidence": {
                "considered": ev.considered.iter().take(EVIDENCE_LIMIT).collect::<Vec<_>>(),
                "chosen": ev.chosen,
                "fingerprint": ev.fingerprint.as_deref().map(|f| f.chars().take(64).collect::<String>()),
                "workspace_id": ev.workspace.map(WorkspaceId::get),
                "tenant_id": ev.tenant.map(TenantId::get),
                "lineage": ev.lineage.iter().take(EVIDENCE_LIMIT).map(|l| l.chars().take(80).collect::<String>())
                    .collect::<Vec<_>>(),
            },
        })
    }
}

/// The status of an environment review as the adapter reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewStatus {
    /// Being composed; not proof of anything yet.
    Composing,
    /// Composed and ready.
    Ready,
    /// Published: the tenant's current review.
    Published,
    /// Replaced by a newer published review.
    Superseded,
    /// Composition failed.
    Failed,
}

impl ReviewStatus {
    /// The stored spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Composing => "composing",
            Self::Ready => "ready",
            Self::Published => "published",
            Self::Superseded => "superseded",
            Self::Failed => "failed",
        }
    }

    /// Parses the stored spelling; unknown text is `None` (and ignored by the adapter).
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Composing, Self::Ready, Self::Published, Self::Superseded, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// One environment review as the compose adapter sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewFact {
    /// Its id.
    pub id: i64,
    /// Its workspace.
    pub workspace: WorkspaceId,
    /// Its tenant.
    pub tenant: TenantId,
    /// Its evidence fingerprint.
    pub fingerprint: String,
    /// Its status, if readable.
    pub status: Option<ReviewStatus>,
}

/// The `environment.review.compose` adapter.
///
/// `fingerprint` is the evidence fingerprint recorded in the run's inputs when it started.
/// `reviews` may hold anything the caller found; only reviews in the run's workspace and
/// tenant count, and the fingerprint must match for a review to prove or block the run.
/// - exactly one ready review with the fingerprint ⇒ succeeded (a compose writes into the
///   one mutable review of its evidence); several ⇒ needs attention;
/// - else exactly one published review with the fingerprint ⇒ succeeded; several ⇒ needs
///   attention;
/// - else a superseded review with the fingerprint ⇒ blocked, related to the tenant's one
///   current published review (the successor); no single successor ⇒ needs attention;
/// - else (nothing, or only composing/failed reviews) ⇒ no decision.
pub fn decide_compose(run: &Run, fingerprint: Option<&str>, reviews: &[ReviewFact]) -> Option<Decision> {
    let fingerprint = fingerprint.filter(|f| !f.is_empty())?;
    let tenant = run.tenant_id?;
    let in_scope: Vec<&ReviewFact> =
        reviews.iter().filter(|r| r.workspace == run.workspace_id && r.tenant == tenant).collect();
    let matching: Vec<&ReviewFact> = in_scope.iter().copied().filter(|r| r.fingerprint == fingerprint).collect();
    let with = |s: ReviewStatus| matching.iter().copied().filter(|r| r.status == Some(s)).collect::<Vec<_>>();
    let mut evidence = Evidence {
        considered: matching.iter().map(|r| r.id).collect(),
        chosen: None,
        fingerprint: Some(fingerprint.to_owned()),
        workspace: Some(run.workspace_id),
        tenant: Some(tenant),
        lineage: matching
            .iter()
            .map(|r| format!("review {}: {}", r.id, r.status.map_or("unreadable", ReviewStatus::as_str)))
            .collect(),
    };
    let decide = |verdict, reason, related: Option<i64>, mut evidence: Evidence| {
        evidence.chosen = related;
        Some(Decision {
            verdict,
            reason,
            related: related.map(|id| Related { kind: RecordKind::Review, id }),
            counts: Vec::new(),
            evidence,
        })
    };
    for (status, reason) in
        [(ReviewStatus::Ready, Reason::ReviewReady), (ReviewStatus::Published, Reason::ReviewPublished)]
    {
        match with(status).as_slice() {
            [] => {}
            [one] => return decide(Verdict::Succeeded, reason, Some(one.id), evidence),
            _ => return decide(Verdict::NeedsAttention, Reason::ReviewsAmbiguous, None, evidence),
        }
    }
    if with(ReviewStatus::Superseded).is_empty() {
        return None;
    }
    let successors: Vec<&ReviewFact> =
        in_scope.iter().copied().filter(|r| r.status == Some(ReviewStatus::Published)).collect();
    evidence.lineage.extend(successors.iter().map(|r| format!("review {}: published (newer)", r.id)));
    match successors.as_slice() {
        [one] => decide(Verdict::Blocked, Reason::ReviewSuperseded, Some(one.id), evidence),
        _ => decide(Verdict::NeedsAttention, Reason::ReviewsAmbiguous, None, evidence),
    }
}

/// The status of a restore record as the adapter reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreStatus {
    /// Still putting items back.
    Applying,
    /// Every item matches the baseline.
    Applied,
    /// Some items could not be put back.
    PartiallyApplied,
    /// The provider refused every change.
    Failed,
}

impl RestoreStatus {
    /// The stored spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Applying => "applying",
            Self::Applied => "applied",
            Self::PartiallyApplied => "partially_applied",
            Self::Failed => "failed",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Applying, Self::Applied, Self::PartiallyApplied, Self::Failed].into_iter().find(|s| s.as_str() == text)
    }
}

/// What a restore record's status reads as on a page: a record still `applying` whose run
/// has ended (its worker was lost) was interrupted — that is the truth the page shows, while
/// the record itself is left as the work left it.
pub fn restore_display_status(stored: &str, run_active: bool) -> &str {
    match RestoreStatus::parse(stored) {
        Some(RestoreStatus::Applying) if !run_active => "interrupted",
        _ => stored,
    }
}

/// One restore record as the restore adapter sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreFact {
    /// Its id.
    pub id: i64,
    /// The run that owns it.
    pub run: RunId,
    /// Its workspace.
    pub workspace: WorkspaceId,
    /// Its tenant.
    pub tenant: TenantId,
    /// Its status, if readable.
    pub status: Option<RestoreStatus>,
    /// Items put back.
    pub applied: i64,
    /// Items that already matched.
    pub unchanged: i64,
    /// Items the provider refused.
    pub failed: i64,
}

/// The `restore.execute` adapter: only the run's own restore record in its own workspace and
/// tenant counts. Finished ⇒ succeeded or partially succeeded with its per-item counts;
/// failed ⇒ failed; still applying (or unreadable) ⇒ no decision; two records ⇒ needs
/// attention.
pub fn decide_restore(run: &Run, restores: &[RestoreFact]) -> Option<Decision> {
    let tenant = run.tenant_id?;
    let own: Vec<&RestoreFact> =
        restores.iter().filter(|r| r.run == run.id && r.workspace == run.workspace_id && r.tenant == tenant).collect();
    let evidence = Evidence {
        considered: own.iter().map(|r| r.id).collect(),
        chosen: None,
        fingerprint: None,
        workspace: Some(run.workspace_id),
        tenant: Some(tenant),
        lineage: own
            .iter()
            .map(|r| format!("restore {}: {}", r.id, r.status.map_or("unreadable", RestoreStatus::as_str)))
            .collect(),
    };
    let record = match own.as_slice() {
        [] => return None,
        [one] => *one,
        _ => {
            return Some(Decision {
                verdict: Verdict::NeedsAttention,
                reason: Reason::RestoresAmbiguous,
                related: None,
                counts: Vec::new(),
                evidence,
            });
        }
    };
    let (verdict, reason) = match record.status? {
        RestoreStatus::Applying => return None,
        RestoreStatus::Applied => (Verdict::Succeeded, Reason::RestoreApplied),
        RestoreStatus::PartiallyApplied => (Verdict::PartiallySucceeded, Reason::RestorePartial),
        RestoreStatus::Failed => (Verdict::Failed, Reason::RestoreFailed),
    };
    let processed = record.applied + record.unchanged + record.failed;
    Some(Decision {
        verdict,
        reason,
        related: Some(Related { kind: RecordKind::Restore, id: record.id }),
        counts: vec![
            ("total", processed),
            ("processed", processed),
            ("succeeded", record.applied),
            ("skipped", record.unchanged),
            ("failed", record.failed),
        ],
        evidence: Evidence { chosen: Some(record.id), ..evidence },
    })
}

/// One review pack as the pack adapter sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackFact {
    /// Its id.
    pub id: i64,
    /// The run that makes it.
    pub run: RunId,
    /// Its workspace.
    pub workspace: WorkspaceId,
    /// Its tenant.
    pub tenant: TenantId,
    /// Whether it was made: its file written and offered (ready, or expired since).
    pub made: bool,
}

/// What a review-pack run's own pack proves: the pack was made, so the run did its work —
/// whatever happened to the run afterwards (a crash before its terminal write). A pack
/// still being made, or failed, proves nothing (the run then ends by the generic rule,
/// and its pack with it); a pack of another run, workspace or tenant never counts.
pub fn decide_pack(run: &Run, packs: &[PackFact]) -> Option<Decision> {
    let tenant = run.tenant_id?;
    let own = packs.iter().find(|p| p.run == run.id && p.workspace == run.workspace_id && p.tenant == tenant)?;
    own.made.then(|| Decision {
        verdict: Verdict::Succeeded,
        reason: Reason::PackReady,
        related: Some(Related { kind: RecordKind::Pack, id: own.id }),
        counts: Vec::new(),
        evidence: Evidence {
            considered: vec![own.id],
            chosen: Some(own.id),
            fingerprint: None,
            workspace: Some(run.workspace_id),
            tenant: Some(tenant),
            lineage: vec![format!("review pack {}: made", own.id)],
        },
    })
}

/// By when a reconciler sweeping every `every` closes a run that has been likely stale since
/// `stale_at`, seen at `now`: at the latest one interval after it went stale; if that moment
/// has already passed (sweeps were missed, say while no instance ran), one interval from now.
pub fn closes_by(stale_at: Timestamp, now: Timestamp, every: std::time::Duration) -> Timestamp {
    let due = stale_at.plus(every);
    if due < now { now.plus(every) } else { due }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RunType;
    use crate::domain::freshness::Freshness;

    #[test]
    fn a_stale_run_is_promised_to_close_within_one_sweep_interval() {
        let every = Duration::from_secs(30);
        assert_eq!(closes_by(Timestamp(100_000), Timestamp(90_000), every), Timestamp(130_000));
        assert_eq!(closes_by(Timestamp(100_000), Timestamp(120_000), every), Timestamp(130_000));
        assert_eq!(closes_by(Timestamp(100_000), Timestamp(500_000), every), Timestamp(530_000));
    }
    use crate::domain::context::RunContext;
    use crate::domain::summary::SummaryCounts;
    use std::time::Duration;

    const NOW: Timestamp = Timestamp(10_000_000);
    const FP: &str = "0123456789abcdef";

    fn run(run_type: RunType, state: RunState) -> Run {
        Run {
            id: RunId(7),
            workspace_id: WorkspaceId(1),
            tenant_id: Some(TenantId(2)),
            run_type: run_type.into(),
            initiator: None,
            state,
            summary: SummaryCounts::default(),
            context: RunContext::empty(),
            failure: None,
            created_at: NOW.minus(Duration::from_secs(3600)),
            started_at: Some(NOW.minus(Duration::from_secs(3500))),
            completed_at: None,
            updated_at: NOW,
            heartbeat_at: Some(NOW.minus(Duration::from_secs(3000))),
            lease_owner: Some("w".into()),
            lease_expires_at: None,
            attempt: 1,
            dedupe_key: None,
            cancel_requested: None,
            revision: 0,
        }
    }

    fn compose() -> Run {
        run(RunType::EnvironmentReviewCompose, RunState::Running)
    }

    fn review(id: i64, status: ReviewStatus) -> ReviewFact {
        ReviewFact { id, workspace: WorkspaceId(1), tenant: TenantId(2), fingerprint: FP.into(), status: Some(status) }
    }

    fn restore(id: i64, status: RestoreStatus) -> RestoreFact {
        RestoreFact {
            id,
            run: RunId(7),
            workspace: WorkspaceId(1),
            tenant: TenantId(2),
            status: Some(status),
            applied: 3,
            unchanged: 5,
            failed: 0,
        }
    }

    #[test]
    fn a_queued_run_is_abandoned_only_past_stale_after() {
        let p = RunType::InventorySync.default_policy();
        let mut r = run(RunType::InventorySync, RunState::Queued);
        r.created_at = NOW.minus(p.stale_after);
        assert_eq!(abandoned(&r, &p, NOW), None, "exactly at stale-after is not yet abandoned");
        r.created_at = NOW.minus(p.stale_after + Duration::from_millis(1));
        assert_eq!(abandoned(&r, &p, NOW), Some(Abandoned::NeverStarted));
    }

    #[test]
    fn a_running_run_is_abandoned_when_its_worker_is_silent_or_it_is_past_its_time_limit() {
        let p = RunType::InventorySync.default_policy();
        let mut r = run(RunType::InventorySync, RunState::Running);
        r.started_at = Some(NOW.minus(p.stale_after));
        r.heartbeat_at = Some(NOW.minus(Duration::from_secs(5)));
        assert_eq!(abandoned(&r, &p, NOW), None, "a reporting worker keeps its run up to the time limit");
        r.started_at = Some(NOW.minus(p.stale_after + Duration::from_millis(1)));
        assert_eq!(abandoned(&r, &p, NOW), Some(Abandoned::PastTimeLimit), "but not a millisecond past it");
        r.heartbeat_at = Some(NOW.minus(p.heartbeat_timeout + Duration::from_millis(1)));
        assert_eq!(abandoned(&r, &p, NOW), Some(Abandoned::WorkerSilent), "a silent worker is named first");
        r.started_at = Some(NOW.minus(Duration::from_secs(5)));
        r.heartbeat_at = None;
        assert_eq!(abandoned(&r, &p, NOW), None, "the start counts as the first sign of life");
    }

    /// Over run state × ages × heartbeat × lease × clock: a page calls a run likely stale
    /// exactly when a sweep would close it; a page that promises closure by `T` names an
    /// instant at which the sweep closes it (nothing that happens to it but time); and the
    /// store's instants ([`AbandonedBefore`]) let through every run the rule closes.
    #[test]
    fn every_promise_of_closure_comes_true_and_every_closure_was_shown_before() {
        let every = Duration::from_secs(30);
        let ages = [0, 1, 29, 59, 60, 61, 89, 91, 119, 121, 599, 600, 601, 1199, 1201, 1800, 2401, 7200];
        let ms = |s: u64| Duration::from_millis(s * 1000 + s % 7);
        let mut checked = 0;
        for t in RunType::ALL {
            let p = t.default_policy();
            for state in [RunState::Queued, RunState::Running] {
                for queued_for in ages {
                    for running_for in ages.iter().filter(|a| **a <= queued_for) {
                        for silent_for in [None].into_iter().chain(ages.iter().copied().map(Some)) {
                            for lease in [None, Some(NOW.minus(ms(5))), Some(NOW.plus(ms(60)))] {
                                let mut r = run(t, state);
                                r.created_at = NOW.minus(ms(queued_for));
                                r.started_at = (state == RunState::Running).then(|| NOW.minus(ms(*running_for)));
                                r.heartbeat_at = silent_for.map(|s| NOW.minus(ms(s)));
                                r.lease_expires_at = lease;
                                let shown_stale = r.freshness(&p, NOW) == Some(Freshness::LikelyStale);
                                let closed = abandoned(&r, &p, NOW);
                                assert_eq!(shown_stale, closed.is_some(), "{r:?}");
                                let at = stale_at(r.state, r.lifecycle_times(), &p).expect("an active run");
                                if shown_stale {
                                    let promised = closes_by(at, NOW, every);
                                    assert!(promised > NOW && abandoned(&r, &p, promised).is_some(), "{r:?}");
                                    let before = AbandonedBefore::at(&p, NOW);
                                    let times = r.lifecycle_times();
                                    let let_through = match state {
                                        RunState::Queued => r.created_at < before.queued,
                                        _ => {
                                            times.last_sign_of_life() < before.silent
                                                || r.started_at.unwrap_or(r.created_at) < before.started
                                        }
                                    };
                                    assert!(let_through, "the store must find {r:?}");
                                } else {
                                    assert!(at > NOW, "not stale yet, so it turns stale later: {r:?}");
                                    assert!(abandoned(&r, &p, at.minus(Duration::from_millis(1))).is_none());
                                    assert!(abandoned(&r, &p, at).is_some(), "and the sweep may close it from then");
                                }
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(checked > 10_000, "{checked}");
    }

    #[test]
    fn terminal_runs_are_never_abandoned() {
        let p = RunType::InventorySync.default_policy();
        for o in RunOutcome::ALL {
            assert_eq!(abandoned(&run(RunType::InventorySync, RunState::Completed(o)), &p, NOW), None);
        }
    }

    #[test]
    fn the_generic_rule_fails_the_run_as_never_started_worker_lost_or_past_its_time_limit() {
        let r = run(RunType::InventorySync, RunState::Running);
        let d = Decision::generic(Abandoned::PastTimeLimit, &r);
        assert_eq!(
            (d.verdict.outcome(), d.reason.code(), d.reason.decided_by()),
            (RunOutcome::Failed, "past_time_limit", "reconciler")
        );
        let d = Decision::generic(Abandoned::NeverStarted, &r);
        assert_eq!((d.verdict.outcome(), d.reason.code()), (RunOutcome::Failed, "never_started"));
        let d = Decision::generic(Abandoned::WorkerSilent, &r);
        assert_eq!(
            (d.verdict.outcome(), d.reason.code(), d.reason.decided_by()),
            (RunOutcome::Failed, "worker_lost", "reconciler")
        );
        assert_eq!(d.related, None);
    }

    #[test]
    fn a_ready_review_with_the_runs_fingerprint_proves_success() {
        let d = decide_compose(&compose(), Some(FP), &[review(4, ReviewStatus::Ready)]).expect("decided");
        assert_eq!((d.verdict, d.reason), (Verdict::Succeeded, Reason::ReviewReady));
        assert_eq!(d.related, Some(Related { kind: RecordKind::Review, id: 4 }));
        assert_eq!(d.evidence.chosen, Some(4));
    }

    #[test]
    fn a_published_review_with_the_runs_fingerprint_proves_success() {
        let d = decide_compose(&compose(), Some(FP), &[review(5, ReviewStatus::Published)]).expect("decided");
        assert_eq!(
            (d.verdict, d.reason, d.related.map(|r| r.id)),
            (Verdict::Succeeded, Reason::ReviewPublished, Some(5))
        );
    }

    #[test]
    fn the_one_mutable_review_wins_over_a_published_one_of_the_same_evidence() {
        let facts = [review(5, ReviewStatus::Published), review(6, ReviewStatus::Ready)];
        let d = decide_compose(&compose(), Some(FP), &facts).expect("decided");
        assert_eq!((d.reason, d.related.map(|r| r.id)), (Reason::ReviewReady, Some(6)));
    }

    #[test]
    fn a_superseded_review_blocks_the_run_and_names_its_successor() {
        let mut newer = review(9, ReviewStatus::Published);
        newer.fingerprint = "ffff".into();
        let d = decide_compose(&compose(), Some(FP), &[review(3, ReviewStatus::Superseded), newer]).expect("decided");
        assert_eq!(
            (d.verdict, d.reason, d.related.map(|r| r.id)),
            (Verdict::Blocked, Reason::ReviewSuperseded, Some(9))
        );
        assert_eq!(d.verdict.outcome(), RunOutcome::Blocked);
    }

    #[test]
    fn a_superseded_review_without_a_single_successor_needs_attention() {
        let d = decide_compose(&compose(), Some(FP), &[review(3, ReviewStatus::Superseded)]).expect("decided");
        assert_eq!((d.verdict, d.related), (Verdict::NeedsAttention, None));
    }

    #[test]
    fn two_candidates_are_never_success() {
        for status in [ReviewStatus::Ready, ReviewStatus::Published] {
            let d = decide_compose(&compose(), Some(FP), &[review(1, status), review(2, status)]).expect("decided");
            assert_eq!((d.verdict, d.reason), (Verdict::NeedsAttention, Reason::ReviewsAmbiguous), "{status:?}");
            assert_eq!(d.verdict.outcome(), RunOutcome::Failed);
            assert_eq!(d.evidence.considered, [1, 2]);
        }
    }

    #[test]
    fn reviews_of_another_tenant_workspace_or_fingerprint_prove_nothing() {
        let mut other_tenant = review(1, ReviewStatus::Ready);
        other_tenant.tenant = TenantId(99);
        let mut other_ws = review(2, ReviewStatus::Published);
        other_ws.workspace = WorkspaceId(99);
        let mut other_fp = review(3, ReviewStatus::Ready);
        other_fp.fingerprint = "other".into();
        assert_eq!(decide_compose(&compose(), Some(FP), &[other_tenant, other_ws, other_fp]), None);
    }

    #[test]
    fn no_record_or_only_unfinished_ones_decide_nothing() {
        assert_eq!(decide_compose(&compose(), Some(FP), &[]), None);
        let unfinished = [review(1, ReviewStatus::Composing), review(2, ReviewStatus::Failed)];
        assert_eq!(decide_compose(&compose(), Some(FP), &unfinished), None);
        assert_eq!(
            decide_compose(&compose(), None, &[review(1, ReviewStatus::Ready)]),
            None,
            "no fingerprint, no proof"
        );
        assert_eq!(decide_compose(&compose(), Some(""), &[review(1, ReviewStatus::Ready)]), None);
        let mut tenantless = compose();
        tenantless.tenant_id = None;
        assert_eq!(decide_compose(&tenantless, Some(FP), &[review(1, ReviewStatus::Ready)]), None);
    }

    #[test]
    fn a_finished_restore_record_decides_with_its_counts() {
        let r = run(RunType::RestoreExecute, RunState::Running);
        let d = decide_restore(&r, &[restore(4, RestoreStatus::Applied)]).expect("decided");
        assert_eq!(
            (d.verdict, d.reason, d.related.map(|x| x.id)),
            (Verdict::Succeeded, Reason::RestoreApplied, Some(4))
        );
        assert!(d.counts.contains(&("processed", 8)) && d.counts.contains(&("succeeded", 3)));
        let mut partial = restore(4, RestoreStatus::PartiallyApplied);
        partial.failed = 2;
        let d = decide_restore(&r, &[partial]).expect("decided");
        assert_eq!((d.verdict.outcome(), d.reason), (RunOutcome::PartiallySucceeded, Reason::RestorePartial));
        assert!(d.counts.contains(&("failed", 2)) && d.counts.contains(&("processed", 10)));
        let d = decide_restore(&r, &[restore(4, RestoreStatus::Failed)]).expect("decided");
        assert_eq!((d.verdict.outcome(), d.reason), (RunOutcome::Failed, Reason::RestoreFailed));
    }

    #[test]
    fn a_pack_its_run_made_proves_the_run_succeeded_whatever_became_of_the_run() {
        let r = run(RunType::ReviewPackGenerate, RunState::Running);
        let made = PackFact { id: 5, run: RunId(7), workspace: WorkspaceId(1), tenant: TenantId(2), made: true };
        let d = decide_pack(&r, &[made]).expect("decided");
        assert_eq!((d.verdict.outcome(), d.reason), (RunOutcome::Succeeded, Reason::PackReady));
        assert_eq!(d.related, Some(Related { kind: RecordKind::Pack, id: 5 }));
        assert_eq!(d.reason.decided_by(), "adapter:review_pack.generate");
    }

    #[test]
    fn a_pack_not_made_or_not_the_runs_own_decides_nothing() {
        let r = run(RunType::ReviewPackGenerate, RunState::Running);
        let made = PackFact { id: 5, run: RunId(7), workspace: WorkspaceId(1), tenant: TenantId(2), made: true };
        assert_eq!(decide_pack(&r, &[PackFact { made: false, ..made }]), None, "still being made, or failed");
        assert_eq!(decide_pack(&r, &[]), None);
        let others = [
            PackFact { run: RunId(8), ..made },
            PackFact { tenant: TenantId(99), ..made },
            PackFact { workspace: WorkspaceId(99), ..made },
        ];
        assert_eq!(decide_pack(&r, &others), None, "another run's, tenant's or workspace's pack proves nothing");
    }

    #[test]
    fn a_restore_still_applying_or_not_the_runs_own_decides_nothing() {
        let r = run(RunType::RestoreExecute, RunState::Running);
        assert_eq!(decide_restore(&r, &[restore(4, RestoreStatus::Applying)]), None);
        assert_eq!(decide_restore(&r, &[]), None);
        let mut other_run = restore(4, RestoreStatus::Applied);
        other_run.run = RunId(8);
        let mut other_tenant = restore(5, RestoreStatus::Applied);
        other_tenant.tenant = TenantId(99);
        let mut other_ws = restore(6, RestoreStatus::Applied);
        other_ws.workspace = WorkspaceId(99);
        assert_eq!(decide_restore(&r, &[other_run, other_tenant, other_ws]), None);
        let mut unreadable = restore(4, RestoreStatus::Applied);
        unreadable.status = None;
        assert_eq!(decide_restore(&r, &[unreadable]), None);
    }

    #[test]
    fn a_restore_still_applying_after_its_run_ended_reads_as_interrupted() {
        assert_eq!(restore_display_status("applying", true), "applying");
        assert_eq!(restore_display_status("applying", false), "interrupted");
        assert_eq!(restore_display_status("applied", false), "applied");
    }

    #[test]
    fn two_restore_records_for_one_run_need_attention() {
        let r = run(RunType::RestoreExecute, RunState::Running);
        let d = decide_restore(&r, &[restore(4, RestoreStatus::Applied), restore(5, RestoreStatus::Applied)]);
        assert_eq!(d.map(|d| (d.verdict, d.reason)), Some((Verdict::NeedsAttention, Reason::RestoresAmbiguous)));
    }

    #[test]
    fn the_decision_record_has_every_field_and_stays_small() {
        let facts: Vec<ReviewFact> = (0..5000).map(|i| review(i, ReviewStatus::Ready)).collect();
        let d = decide_compose(&compose(), Some(FP), &facts).expect("decided");
        let rec = d.record(RunStatus::Running, NOW);
        for key in ["at", "by", "reason", "previous_status", "decision", "related", "evidence"] {
            assert!(rec.get(key).is_some(), "{key}");
        }
        assert_eq!(rec["previous_status"], "running");
        assert_eq!(rec["evidence"]["considered"].as_array().map(Vec::len), Some(EVIDENCE_LIMIT));
        assert!(rec.to_string().len() < 4096, "bounded: {} bytes", rec.to_string().len());
    }
}
