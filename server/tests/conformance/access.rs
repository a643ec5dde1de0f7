//! Authorization through the services, on both databases: a reader entitled to one tenant, an
//! operator, and a member of another workspace each see exactly their scope — in lists,
//! counts, tenant pickers, details, the poll path, downloads and starts — and a refusal never
//! tells them that an out-of-scope record exists.

use super::harness::{T0, TestDb};
use super::{new_run, start_type};
use app::api::{ApiError, ListQuery};
use app::domain::{RunType, TenantId, UserId, WorkspaceId};
use app::services::operations::{StartOptions, list_runs, run_detail, start_operation};
use app::services::principal::{self, Principal};
use serde_json::json;

async fn member(t: &TestDb, email: &str, ws: WorkspaceId, role: &str, tenants: Option<&[TenantId]>) -> Principal {
    let user: UserId = server::seed::ensure_user(&t.state.db, email, email, T0).await.unwrap();
    sqlx::query("INSERT INTO memberships (user_id, workspace_id, role, all_tenants) VALUES ($1, $2, $3, $4)")
        .bind(user.get())
        .bind(ws.get())
        .bind(role)
        .bind(i64::from(tenants.is_none()))
        .execute(t.state.db.pool())
        .await
        .unwrap();
    for tenant in tenants.unwrap_or_default() {
        sqlx::query("INSERT INTO membership_tenants (user_id, workspace_id, tenant_id) VALUES ($1, $2, $3)")
            .bind(user.get())
            .bind(ws.get())
            .bind(tenant.get())
            .execute(t.state.db.pool())
            .await
            .unwrap();
    }
    principal::load(&t.state.db, user, ws).await.unwrap().expect("a member")
}

/// A service's answer as the API gives it: 200, or the refusal's status and sentence.
fn status(r: Result<impl std::fmt::Debug, app::services::Error>) -> (u16, String) {
    match r.map_err(ApiError::from) {
        Ok(_) => (200, String::new()),
        Err(e) => (e.status(), e.message().to_owned()),
    }
}

pub(crate) async fn every_service_answers_only_inside_the_callers_scope(t: &TestDb) {
    let second = server::seed::ensure_tenant(&t.state.db, t.ws, "t2", "Tenant Two", T0).await.unwrap();
    let mine = start_type(t, RunType::InventorySync, json!({})).await;
    let mut req = new_run(t, Some(second));
    req.run_type = RunType::BaselineCapture.into();
    let theirs = t.state.lifecycle().start(req).await.unwrap().run().clone();
    let wide = t.state.lifecycle().start(new_run(t, None)).await.unwrap().run().clone();

    let reader = member(t, "reader@acme.example", t.ws, "reader", Some(&[t.tenant])).await;
    let operator = member(t, "operator@acme.example", t.ws, "operator", None).await;
    let other_ws = WorkspaceId(t.ws.get() + 1);
    let outsider = member(t, "outsider@other.example", other_ws, "owner", None).await;

    // Lists and counts hold only what is in scope — filtered in the query.
    let page = list_runs(&t.state, &reader, &ListQuery::default()).await.unwrap();
    let ids: Vec<i64> = page.runs.iter().map(|r| r.id.get()).collect();
    assert_eq!(ids, [mine.id.get()], "the reader sees only their tenant's runs");
    assert_eq!(page.total_count, 1);
    assert_eq!(page.tenants.iter().map(|o| o.id).collect::<Vec<_>>(), [t.tenant.get()]);
    let theirs_filter = ListQuery { tenant: Some(second.get().to_string()), ..ListQuery::default() };
    let filtered = list_runs(&t.state, &reader, &theirs_filter).await.unwrap();
    assert_eq!((filtered.runs.len(), filtered.total_count), (0, 0), "filtering by a foreign tenant finds nothing");
    let all = list_runs(&t.state, &operator, &ListQuery::default()).await.unwrap();
    assert_eq!(all.total_count, 3, "an operator entitled to every tenant sees every run");
    let none = list_runs(&t.state, &outsider, &ListQuery::default()).await.unwrap();
    assert_eq!((none.runs.len(), none.total_count), (0, 0), "another workspace sees nothing");
    assert!(none.tenants.iter().all(|o| o.id != t.tenant.get() && o.id != second.get()));

    // Details: out of scope reads exactly like a run that does not exist.
    let missing = status(run_detail(&t.state, &reader, "987654321").await);
    assert_eq!(missing.0, 404);
    for id in [theirs.id, wide.id] {
        assert_eq!(status(run_detail(&t.state, &reader, &id.to_string()).await), missing, "run {id}");
        assert_eq!(status(run_detail(&t.state, &outsider, &id.to_string()).await), missing, "run {id}");
    }
    assert_eq!(status(run_detail(&t.state, &reader, &mine.id.to_string()).await).0, 200);

    // Starting work: out of scope is 404, in scope without the capability is a calm 403.
    let start = |p: &Principal, tenant: TenantId, ty: &'static str, confirm: bool| {
        let (state, p) = (t.state.clone(), p.clone());
        async move {
            let o = StartOptions { snapshot: None, review: None, confirm };
            status(start_operation(&state, &p, &tenant.get().to_string(), ty, o).await)
        }
    };
    let (code, message) = start(&reader, t.tenant, "inventory.sync", false).await;
    assert_eq!(code, 403);
    assert_eq!(message, "Your role can watch operations but not start them. Ask a workspace manager.");
    assert_eq!(start(&reader, second, "inventory.sync", false).await, (404, "There is no tenant with that id.".into()));
    assert_eq!(start(&outsider, t.tenant, "inventory.sync", false).await.0, 404);
    let (code, message) = start(&operator, t.tenant, "restore.execute", true).await;
    assert_eq!(code, 403, "{message}");
    assert!(message.contains("cannot change a tenant's configuration"));
    assert_eq!(start(&operator, second, "baseline.compare", false).await.0, 200);

    // The workbench, the poll path and downloads follow the same scope.
    let bench = |p: &Principal, tenant: TenantId| {
        let (state, p) = (t.state.clone(), p.clone());
        async move { status(app::services::tenant::workbench(&state, &p, &tenant.get().to_string()).await) }
    };
    assert_eq!(bench(&reader, t.tenant).await.0, 200);
    assert_eq!(bench(&reader, second).await, (404, "There is no tenant with that id.".into()));
    assert_eq!(bench(&outsider, t.tenant).await.0, 404);
    let poll = |p: &Principal, tenant: TenantId| {
        let (state, p) = (t.state.clone(), p.clone());
        async move { status(app::services::poll::tenant_active_runs_json(&state, &p, &tenant.get().to_string()).await) }
    };
    assert_eq!(poll(&reader, t.tenant).await.0, 200);
    assert_eq!(poll(&reader, second).await.0, 404);
    assert_eq!(poll(&outsider, t.tenant).await.0, 404);
    let pack: i64 = sqlx::query_scalar(
        "INSERT INTO review_packs (workspace_id, tenant_id, review_id, run_id, status, created_at) \
         VALUES ($1, $2, NULL, $3, 'failed', 0) RETURNING id",
    )
    .bind(t.ws.get())
    .bind(second.get())
    .bind(theirs.id.get())
    .fetch_one(t.state.db.pool())
    .await
    .unwrap();
    use app::services::tenant::{PackDownload, download_pack as download};
    let d = download(&t.state, &reader, &pack.to_string()).await.unwrap();
    assert!(matches!(d, PackDownload::NotFound), "{d:?}");
    let d = download(&t.state, &operator, &pack.to_string()).await.unwrap();
    assert!(matches!(d, PackDownload::NotReady(_)), "{d:?}");
}
