//! The operations service behind the list, detail and start server functions. Plain async
//! functions over explicit dependencies; they authorize by scope (a run or tenant outside the
//! caller's workspace is "not found", exactly like one that does not exist) and return
//! [`ApiError`] with operator-safe text, logging the raw cause once here.

use super::lifecycle::{LifecycleError, NewRun, Started};
use super::principal::Principal;
use super::runs::{self, Cursor, RunFilter, RunQueryError};
use super::state::AppState;
use crate::api::{ApiError, ListQuery, RunListPage, StartResult, TenantOption};
use crate::domain::access::Capability;
use crate::domain::{RunId, RunStatus, RunType, RunView, TenantId, Timestamp};
use serde_json::json;

/// Rows per list page.
pub const PAGE_SIZE: u32 = 50;

fn internal(e: impl std::fmt::Display) -> ApiError {
    super::internal_error("operations request failed", e)
}

impl From<RunQueryError> for ApiError {
    fn from(e: RunQueryError) -> Self {
        match e {
            RunQueryError::Damaged(d) => {
                tracing::error!(run_id = d.id, error = %d.source, "damaged run record");
                ApiError::Internal(
                    "This run's record is damaged and cannot be shown. Your platform team has the details.".to_owned(),
                )
            }
            RunQueryError::Database(e) => internal(e),
        }
    }
}

/// Parses the list query into a filter and cursor, with calm errors for bad values.
pub fn parse_query(q: &ListQuery) -> Result<(RunFilter, Option<Cursor>), ApiError> {
    let nonempty = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let tenant = match nonempty(&q.tenant) {
        None => None,
        Some(t) => {
            Some(TenantId::parse(&t).ok_or_else(|| ApiError::Invalid("The tenant filter is not a tenant id.".into()))?)
        }
    };
    let run_type = match nonempty(&q.run_type) {
        None => None,
        Some(t) => Some(
            RunType::parse(&t).map_err(|_| ApiError::Invalid("There is no operation type with that name.".into()))?,
        ),
    };
    let status = match nonempty(&q.status) {
        None => None,
        Some(s) => Some(
            RunStatus::parse(&s)
                .map_err(|_| ApiError::Invalid("The status filter must be queued, running or completed.".into()))?,
        ),
    };
    let after = match nonempty(&q.after) {
        None => None,
        Some(c) => Some(parse_cursor(&c).ok_or_else(|| {
            ApiError::Invalid("That page link is not valid any more; start from the first page.".into())
        })?),
    };
    Ok((RunFilter { tenant, run_type, status, scope: None }, after))
}

/// `"<created_at ms>.<id>"`.
pub fn format_cursor(c: Cursor) -> String {
    format!("{}.{}", c.created_at.millis(), c.id.get())
}

fn parse_cursor(text: &str) -> Option<Cursor> {
    let (at, id) = text.split_once('.')?;
    Some(Cursor { created_at: Timestamp(at.parse().ok()?), id: RunId::parse(id)? })
}

async fn tenants(state: &AppState, p: &Principal) -> Result<Vec<TenantOption>, ApiError> {
    let scope = p.scope();
    let only = scope.as_ref().map(|list| runs::scope_sql("id", list.len(), 2)).unwrap_or_default();
    let sql = format!("SELECT id, name FROM tenants WHERE workspace_id = $1{only} ORDER BY name");
    let mut q = sqlx::query_as::<_, (i64, String)>(&sql).bind(p.workspace_id.get());
    for t in scope.iter().flatten() {
        q = q.bind(t.get());
    }
    let rows = q.fetch_all(state.db.pool()).await.map_err(internal)?;
    Ok(rows.into_iter().map(|(id, name)| TenantOption { id, name }).collect())
}

/// One page of the caller's workspace's runs.
#[tracing::instrument(skip(state, p), fields(workspace = p.workspace_id.get()))]
pub async fn list_runs(state: &AppState, p: &Principal, q: &ListQuery) -> Result<RunListPage, ApiError> {
    let (mut filter, after) = parse_query(q)?;
    filter.scope = p.scope();
    let rows = runs::list_page(&state.db, p.workspace_id, &filter, after, PAGE_SIZE + 1).await?;
    let total_count = runs::count(&state.db, p.workspace_id, &filter).await?;
    let now = state.clock.now();
    let has_more = rows.len() > PAGE_SIZE as usize;
    let rows = &rows[..rows.len().min(PAGE_SIZE as usize)];
    let next = has_more
        .then(|| rows.last())
        .flatten()
        .map(|r| format_cursor(Cursor { created_at: r.run.created_at, id: r.run.id }));
    let runs = rows
        .iter()
        .map(|r| {
            RunView::derive(
                &r.run,
                r.tenant_name.clone(),
                &state.config.policy(r.run.run_type),
                &state.config.polling,
                now,
            )
        })
        .collect();
    Ok(RunListPage { runs, total_count, next, tenants: tenants(state, p).await? })
}

/// The view of one run in the caller's workspace.
#[tracing::instrument(skip(state, p), fields(workspace = p.workspace_id.get()))]
pub async fn run_view(state: &AppState, p: &Principal, id: &str) -> Result<RunView, ApiError> {
    let not_found = || ApiError::NotFound("There is no operation with that id.".to_owned());
    let id = RunId::parse(id).ok_or_else(not_found)?;
    let found = runs::get_in_workspace(&state.db, p.workspace_id, id).await?.ok_or_else(not_found)?;
    p.authorize(
        found.run.workspace_id,
        found.run.tenant_id,
        Capability::ViewRuns,
        "There is no operation with that id.",
    )?;
    let policy = state.config.policy(found.run.run_type);
    Ok(RunView::derive(&found.run, found.tenant_name, &policy, &state.config.polling, state.clock.now()))
}

/// What a start request names besides the tenant and type.
#[derive(Debug, Clone, Default)]
pub struct StartOptions<'a> {
    /// The baseline snapshot a compare (optional) or restore (required) uses.
    pub snapshot: Option<&'a str>,
    /// The review a pack exports (default: the published one, else the latest ready one).
    pub review: Option<&'a str>,
    /// Explicit confirmation, required for work that changes the tenant's configuration.
    pub confirm: bool,
}

/// Starts an operation of `run_type` for `tenant` (or returns the identical one already
/// active). Every refusal is calm and specific and creates nothing.
#[tracing::instrument(skip(state, p, o), fields(workspace = p.workspace_id.get()))]
pub async fn start_operation(
    state: &AppState,
    p: &Principal,
    tenant: &str,
    run_type: &str,
    o: StartOptions<'_>,
) -> Result<StartResult, ApiError> {
    let run_type =
        RunType::parse(run_type.trim()).map_err(|_| ApiError::Invalid("Choose an operation to start.".to_owned()))?;
    let tenant = TenantId::parse(tenant).ok_or_else(|| ApiError::Invalid("Choose a tenant.".to_owned()))?;
    let no_tenant = || ApiError::NotFound("There is no tenant with that id.".to_owned());
    let info = state.live.tenant(tenant).await.map_err(internal)?;
    if info.is_none_or(|i| i.workspace_id != p.workspace_id) {
        return Err(no_tenant());
    }
    let needs =
        if run_type.changes_configuration() { Capability::ChangeConfiguration } else { Capability::StartOperations };
    p.authorize(p.workspace_id, Some(tenant), needs, "There is no tenant with that id.")?;
    let given = |v: Option<&'_ str>| v.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let (snapshot, review) = (given(o.snapshot), given(o.review));
    let mut inputs = json!({ "requested_by": p.display_name });
    match (run_type, &snapshot) {
        (RunType::BaselineCompare | RunType::RestoreExecute, Some(text)) => {
            let no_snapshot =
                || ApiError::NotFound("There is no baseline snapshot with that id for this tenant.".to_owned());
            let id = RunId::parse(text).ok_or_else(no_snapshot)?.get();
            super::baselines::tenant_snapshot(&state.db, tenant, id)
                .await
                .map_err(internal)?
                .ok_or_else(no_snapshot)?;
            inputs["snapshot_id"] = json!(id);
        }
        (RunType::RestoreExecute, None) => {
            return Err(ApiError::Invalid("Choose the baseline snapshot to restore.".to_owned()));
        }
        (_, Some(_)) => {
            return Err(ApiError::Invalid("Only a baseline compare or a restore takes a snapshot.".to_owned()));
        }
        (_, None) => {}
    }
    match (run_type, &review) {
        (RunType::ReviewPackGenerate, Some(text)) => {
            let no_review =
                || ApiError::NotFound("There is no ready or published review with that id for this tenant.".to_owned());
            let id = RunId::parse(text).ok_or_else(no_review)?.get();
            let found: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM environment_reviews WHERE id = $1 AND tenant_id = $2 AND status IN ('ready', 'published')",
            )
            .bind(id)
            .bind(tenant.get())
            .fetch_optional(state.db.pool())
            .await
            .map_err(internal)?;
            found.ok_or_else(no_review)?;
            inputs["review_id"] = json!(id);
        }
        (_, Some(_)) => return Err(ApiError::Invalid("Only a review pack takes a review.".to_owned())),
        (_, None) => {}
    }
    if run_type == RunType::EnvironmentReviewCompose {
        // The evidence this compose will be built on, so its work can be proven later.
        let fp = super::reviews::evidence_fingerprint(state, tenant).await.map_err(internal)?;
        inputs["fingerprint"] = json!(fp);
    }
    if run_type.changes_configuration() && !o.confirm {
        return Err(ApiError::Invalid(
            "Confirm the restore first: it changes the tenant's configuration back to the baseline.".to_owned(),
        ));
    }
    let req = NewRun {
        workspace_id: p.workspace_id,
        tenant_id: Some(tenant),
        run_type,
        initiator: Some(p.user_id),
        dedupe_key: None,
        inputs,
    };
    let label = run_type.label();
    match state.lifecycle().start(req).await {
        Ok(Started::Created(run)) => {
            state.work_queued.notify_one();
            Ok(StartResult { run_id: run.id.get(), already_running: false, message: format!("{label} queued.") })
        }
        Ok(Started::AlreadyActive(run)) => Ok(StartResult {
            run_id: run.id.get(),
            already_running: true,
            message: format!("A {} of this tenant is already running; here it is.", label.to_lowercase()),
        }),
        Err(LifecycleError::Invalid(_)) => Err(no_tenant()),
        Err(e) => Err(internal(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_queries_parse_and_refuse_bad_values_calmly() {
        let q = ListQuery {
            tenant: Some("3".into()),
            run_type: Some("inventory.sync".into()),
            status: Some("running".into()),
            after: Some("1700.42".into()),
        };
        let (f, c) = parse_query(&q).unwrap_or_default();
        assert_eq!(f.tenant, Some(TenantId(3)));
        assert_eq!(f.run_type, Some(RunType::InventorySync));
        assert_eq!(f.status, Some(RunStatus::Running));
        assert_eq!(c, Some(Cursor { created_at: Timestamp(1700), id: RunId(42) }));
        assert_eq!(
            parse_query(&ListQuery { tenant: Some(" ".into()), ..ListQuery::default() }).map(|x| x.0),
            Ok(RunFilter::default())
        );
        for bad in [
            ListQuery { tenant: Some("x".into()), ..ListQuery::default() },
            ListQuery { run_type: Some("DROP TABLE".into()), ..ListQuery::default() },
            ListQuery { status: Some("paused".into()), ..ListQuery::default() },
            ListQuery { after: Some("tomorrow".into()), ..ListQuery::default() },
        ] {
            let err = parse_query(&bad).map(|_| ()).unwrap_err_or_default();
            assert_eq!(err.status(), 422, "{bad:?}");
        }
    }

    trait UnwrapErr {
        fn unwrap_err_or_default(self) -> ApiError;
    }
    impl UnwrapErr for Result<(), ApiError> {
        fn unwrap_err_or_default(self) -> ApiError {
            self.err().unwrap_or_else(|| ApiError::Internal("expected an error".into()))
        }
    }

    #[test]
    fn cursors_round_trip() {
        let c = Cursor { created_at: Timestamp(1_795_000_000_123), id: RunId(77) };
        assert_eq!(parse_cursor(&format_cursor(c)), Some(c));
        assert_eq!(parse_cursor("1.0"), None);
        assert_eq!(parse_cursor(""), None);
    }
}
