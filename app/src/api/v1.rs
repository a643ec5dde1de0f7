//! The runs API's public shapes (`/api/v1`, specs/runs-api): what a platform's own code reads
//! and sends. They are versioned apart from the pages' types, so a page can change without
//! breaking somebody's worker: fields are only ever added here. Times are RFC 3339 in UTC.

use super::{ApiError, RunListPage};
use crate::copy::Catalog;
use crate::domain::{Freshness, ProblemClass, Progress, RunView, Timestamp};
use serde::Serialize;
use std::collections::BTreeMap;

/// The media type of an error answer (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One run as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiRun {
    /// Its id.
    pub id: i64,
    /// Its type's key.
    #[serde(rename = "type")]
    pub run_type: &'static str,
    /// Its tenant's id, if it has one.
    pub tenant_id: Option<i64>,
    /// Its tenant's name, if it has one.
    pub tenant_name: Option<String>,
    /// `queued`, `running` or `completed`.
    pub status: &'static str,
    /// How it ended, once completed.
    pub outcome: Option<&'static str>,
    /// How an active run stands against its windows (active runs only).
    pub freshness: Option<Freshness>,
    /// Its problem class now (`none` when nothing needs a person).
    pub problem_class: ProblemClass,
    /// Its progress, tagged by `mode`.
    pub progress: Progress,
    /// Its recorded counts by key (none when they contradict each other).
    pub counts: BTreeMap<&'static str, u64>,
    /// The operator-safe sentence of why it failed, if it did.
    pub failure_message: Option<String>,
    /// Whether Opshub's reconciler decided how it ended.
    pub reconciled: bool,
    /// When it was queued.
    pub created_at: String,
    /// When it started.
    pub started_at: Option<String>,
    /// When it completed.
    pub completed_at: Option<String>,
    /// Its worker's last sign of life.
    pub heartbeat_at: Option<String>,
    /// Where to read it: this API, and the page people open.
    pub links: RunLinks,
}

/// Addresses of one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunLinks {
    /// This run in the API.
    #[serde(rename = "self")]
    pub this: String,
    /// Its page in Opshub.
    pub page: String,
}

/// One page of runs, newest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiRunPage {
    /// The runs.
    pub runs: Vec<ApiRun>,
    /// How many runs match the filters, on every page.
    pub total: u64,
    /// The `after` value of the next page, if there is one.
    pub next_after: Option<String>,
}

impl ApiRun {
    /// The API's view of `v`, its sentences worded from `c`.
    pub fn of(v: &RunView, c: &Catalog) -> Self {
        let time = |t: Option<Timestamp>| t.map(Timestamp::to_rfc3339);
        Self {
            id: v.id.get(),
            run_type: v.run_type.as_str(),
            tenant_id: v.tenant_id.map(|t| t.get()),
            tenant_name: v.tenant_name.clone(),
            status: v.state.status().as_str(),
            outcome: v.state.outcome().map(|o| o.as_str()),
            freshness: v.freshness,
            problem_class: v.problem,
            progress: v.progress.clone(),
            counts: v.counts.iter().map(|(k, n)| (k.as_str(), *n)).collect(),
            failure_message: v.failure_message.as_ref().map(|s| c.stored_sentence(s)),
            reconciled: v.reconciled,
            created_at: v.created_at.to_rfc3339(),
            started_at: time(v.started_at),
            completed_at: time(v.completed_at),
            heartbeat_at: time(v.heartbeat_at),
            links: RunLinks { this: format!("/api/v1/runs/{}", v.id), page: format!("/admin/operations/{}", v.id) },
        }
    }
}

impl ApiRunPage {
    /// The API's view of a list page, its sentences worded from `c`.
    pub fn of(page: &RunListPage, c: &Catalog) -> Self {
        Self {
            runs: page.runs.iter().map(|v| ApiRun::of(v, c)).collect(),
            total: page.total_count,
            next_after: page.next.clone(),
        }
    }
}

/// An error answer (RFC 9457 problem details): `type` is `about:blank`, so `title` is the
/// status's name; `detail` is the same calm sentence a page would show, and `code` a stable
/// spelling to branch on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The status's name.
    pub title: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong and what to do, for a person.
    pub detail: String,
    /// A stable spelling of the kind of refusal.
    pub code: &'static str,
}

impl From<&ApiError> for Problem {
    fn from(e: &ApiError) -> Self {
        let code = match e {
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::Invalid(_) => "invalid",
            ApiError::Throttled(_) => "throttled",
            ApiError::Internal(_) => "internal",
        };
        // HTTP's own name of the status, as the `about:blank` type asks.
        let title =
            axum::http::StatusCode::from_u16(e.status()).ok().and_then(|s| s.canonical_reason()).unwrap_or_default();
        Self { kind: "about:blank", title, status: e.status(), detail: e.message().to_owned(), code }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_carries_the_status_its_name_and_the_calm_sentence() {
        let p = Problem::from(&ApiError::Invalid("Give the token a name.".into()));
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["type"], "about:blank");
        assert_eq!(json["status"], 422);
        assert_eq!(json["title"], "Unprocessable Entity");
        assert_eq!(json["code"], "invalid");
        assert_eq!(json["detail"], "Give the token a name.");
    }
}
