//! The tenant dashboard's one poll (specs/product-contract §7 "one poll per page"): a compact digest of a
//! tenant — its counts, what needs attention, recent operations, the active runs the
//! progress overlay shows and the latest review pack — with a version the page sends back,
//! so a poll that finds nothing changed is answered with "unchanged" and no payload.

use super::{ApiError, ListQuery};
use crate::domain::{RunView, StoredSentence, Timestamp};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The dashboard's counts; each links to the list filtered to exactly those runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TenantKpis {
    /// Queued or running.
    pub active: u64,
    /// Active and likely stale (`active_stale`).
    pub stuck: u64,
    /// Ended needing a person by their own work (`terminal_follow_up`).
    pub follow_up: u64,
    /// Closed by the system after going stale, needing a person (`reconciled_stale`).
    pub stopped: u64,
    /// Succeeded since [`TenantDigest::since`].
    pub succeeded_recently: u64,
}

/// One of the dashboard's counts. Each names what it counts (`data-count-for`) and the list
/// query that shows exactly those runs, so a count and its drill-through cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Bucket {
    /// Queued or running.
    Active,
    /// Stuck right now (`active_stale`).
    Stuck,
    /// Needs follow-up by its own work (`terminal_follow_up`).
    FollowUp,
    /// Stopped by the system (`reconciled_stale`).
    Stopped,
    /// Succeeded in the last 24 hours.
    SucceededRecently,
}

impl Bucket {
    /// Every bucket, in the order the dashboard shows them.
    pub const ALL: [Bucket; 5] = [Self::Active, Self::Stuck, Self::FollowUp, Self::Stopped, Self::SucceededRecently];

    /// The `data-count-for` value: the problem class where the bucket is one.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Stuck => "active_stale",
            Self::FollowUp => "terminal_follow_up",
            Self::Stopped => "reconciled_stale",
            Self::SucceededRecently => "succeeded_recently",
        }
    }

    /// Its count in `kpis`.
    pub const fn count(self, kpis: &TenantKpis) -> u64 {
        match self {
            Self::Active => kpis.active,
            Self::Stuck => kpis.stuck,
            Self::FollowUp => kpis.follow_up,
            Self::Stopped => kpis.stopped,
            Self::SucceededRecently => kpis.succeeded_recently,
        }
    }

    /// The list query showing exactly the runs this bucket counts for `tenant` (every tenant
    /// the viewer may see, and workspace-wide runs, when `None`); `since` is the start of the
    /// recent window.
    pub fn query(self, tenant: Option<i64>, since: Timestamp) -> ListQuery {
        let tenant = tenant.map(|t| t.to_string());
        match self {
            Self::Active => ListQuery { tenant, status: Some(super::STATUS_ACTIVE.to_owned()), ..ListQuery::default() },
            Self::Stuck | Self::FollowUp | Self::Stopped => {
                ListQuery { tenant, class: Some(self.as_str().to_owned()), ..ListQuery::default() }
            }
            Self::SucceededRecently => ListQuery {
                tenant,
                outcome: Some("succeeded".to_owned()),
                since: Some(since.millis().to_string()),
                ..ListQuery::default()
            },
        }
    }
}

/// The latest review pack of a tenant, as its card shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PackCard {
    /// The pack (`None` while its run has not made it yet).
    pub id: Option<i64>,
    /// queued / generating / ready / failed / expired (a ready pack past its expiry reads
    /// expired even before the sweep has marked it; a newer pack run that is still active
    /// reads queued or generating, whatever the previous pack says).
    pub status: String,
    /// The review it exports (to generate again).
    pub review_id: Option<i64>,
    /// The run that generated it.
    pub run_id: i64,
    /// The file's size, when ready.
    pub size_bytes: Option<i64>,
    /// When a ready pack expires.
    pub expires_at: Option<Timestamp>,
    /// Why it failed, in the run's own calm sentence (as stored; worded by the reader).
    pub failure: Option<StoredSentence>,
    /// How often the card refreshes while the pack is being made (through the page's one
    /// poll); `None` in every other state.
    pub poll_interval_ms: Option<u64>,
}

impl PackCard {
    /// Whether the pack is still being made (the only states the card polls in).
    pub fn in_progress(&self) -> bool {
        matches!(self.status.as_str(), "queued" | "generating")
    }
}

/// Everything the tenant dashboard shows that changes while it is open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantDigest {
    /// The tenant.
    pub tenant_id: i64,
    /// Its name.
    pub tenant_name: String,
    /// Changes whenever anything below does (apart from `observed_at`); the page sends it
    /// back with its next poll.
    pub version: String,
    /// The counts.
    pub kpis: TenantKpis,
    /// The start of the "succeeded recently" window (24 hours before `observed_at`).
    pub since: Timestamp,
    /// Active runs the viewer may see, oldest first (the progress overlay; the stuck ones
    /// are the "stuck right now" bucket).
    pub active: Vec<RunView>,
    /// The newest runs that ended needing a person (both terminal classes), newest first.
    pub follow_up: Vec<RunView>,
    /// The newest runs, newest first.
    pub recent: Vec<RunView>,
    /// The latest review pack, if there is one.
    pub pack: Option<PackCard>,
    /// When to poll again: as often as the overlay's youngest run needs, or the pack card's
    /// interval while its pack is being made; `None` when nothing on the page can change by
    /// itself.
    pub poll_interval_ms: Option<u64>,
    /// The server's clock when this was derived.
    pub observed_at: Timestamp,
}

/// The answer to a dashboard poll.
pub type DigestPoll = super::Poll<TenantDigest>;

/// The tenant dashboard's digest; `known` is the version the page holds, if any.
#[server(endpoint = "poll_tenant_digest")]
pub async fn poll_tenant_digest(tenant: String, known: Option<String>) -> Result<DigestPoll, ApiError> {
    super::answer::serve(|s, p| async move {
        crate::services::digest::tenant_digest(&s, &p, &tenant, known.as_deref()).await
    })
    .await
}

/// One tenant's row of the workspace overview.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OverviewTenant {
    /// The tenant.
    pub tenant_id: i64,
    /// Its name.
    pub name: String,
    /// Its counts.
    pub kpis: TenantKpis,
}

/// The workspace overview (`/admin`): every tenant the viewer may see with the dashboard's
/// counts, what needs attention and the newest runs across them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceOverview {
    /// Changes whenever anything below does (apart from `observed_at`).
    pub version: String,
    /// The counts over everything the viewer may see (workspace-wide runs included).
    pub totals: TenantKpis,
    /// Per tenant, by name.
    pub tenants: Vec<OverviewTenant>,
    /// The start of the "succeeded recently" window.
    pub since: Timestamp,
    /// Runs stuck right now, oldest first.
    pub stuck: Vec<RunView>,
    /// The newest runs that ended needing a person, newest first.
    pub follow_up: Vec<RunView>,
    /// The newest runs, newest first.
    pub recent: Vec<RunView>,
    /// When to poll again; `None` when nothing the viewer may see is active.
    pub poll_interval_ms: Option<u64>,
    /// The server's clock when this was derived.
    pub observed_at: Timestamp,
}

/// The answer to an overview poll.
pub type OverviewPoll = super::Poll<WorkspaceOverview>;

/// The workspace overview; `known` is the version the page holds, if any.
#[server(endpoint = "poll_workspace_overview")]
pub async fn poll_workspace_overview(known: Option<String>) -> Result<OverviewPoll, ApiError> {
    super::answer::serve(
        |s, p| async move { crate::services::digest::workspace_overview(&s, &p, known.as_deref()).await },
    )
    .await
}
