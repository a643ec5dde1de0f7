//! Opens an isolated database for one test: a fresh SQLite file, or a fresh schema in the
//! PostgreSQL at `OPSHUB_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).

use app::domain::{TenantId, Timestamp, UserId, WorkspaceId};
use app::runtime::{AppState, ManualClock, RuntimeConfig};
use app::store::{Db, DbOptions};
use server::seed;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

pub const T0: Timestamp = Timestamp(1_795_000_000_000);

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct TestDb {
    pub state: AppState,
    pub clock: ManualClock,
    pub ws: WorkspaceId,
    pub tenant: TenantId,
    pub other_tenant: TenantId,
    pub user: UserId,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

pub fn postgres_url() -> String {
    std::env::var("OPSHUB_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

impl TestDb {
    /// Whether this test runs on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }

    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/opshub.db", dir.path().display());
        let db = Db::connect(&DbOptions::new(url)).await.expect("open sqlite");
        Self::finish_open(db, Some(dir), None).await
    }

    pub async fn postgres() -> Self {
        let url = postgres_url();
        let admin = Db::connect(&DbOptions { max_connections: 1, ..DbOptions::new(url.clone()) })
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is required for the conformance suite (set OPSHUB_TEST_POSTGRES_URL; `make test` starts one): {e:#}"));
        let schema = format!(
            "t_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0)
        );
        sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(admin.pool()).await.expect("create schema");
        admin.close().await;
        let db = Db::connect(&DbOptions {
            pg_schema: Some(schema.clone()),
            max_connections: 16,
            ..DbOptions::new(url.clone())
        })
        .await
        .expect("open postgres schema");
        Self::finish_open(db, None, Some((url, schema))).await
    }

    async fn finish_open(db: Db, dir: Option<tempfile::TempDir>, pg: Option<(String, String)>) -> Self {
        db.migrate().await.expect("migrate");
        let clock = ManualClock::at(T0);
        let state = AppState::new(db.clone(), Arc::new(clock.clone()), RuntimeConfig::default());
        let ws = seed::ensure_workspace(&db, "acme", "Acme", T0).await.expect("workspace");
        let tenant = seed::ensure_tenant(&db, ws, "t1", "Tenant One", T0).await.expect("tenant");
        let other_ws = seed::ensure_workspace(&db, "other", "Other", T0).await.expect("workspace");
        let other_tenant = seed::ensure_tenant(&db, other_ws, "t9", "Elsewhere", T0).await.expect("tenant");
        let user = seed::ensure_user(&db, "op@acme.example", "Op", T0).await.expect("user");
        seed::ensure_membership(&db, user, ws, "operator").await.expect("membership");
        Self { state, clock, ws, tenant, other_tenant, user, _dir: dir, pg }
    }

    /// The PostgreSQL schema of this test, if it runs on PostgreSQL.
    pub fn pg_schema(&self) -> Option<&str> {
        self.pg.as_ref().map(|(_, s)| s.as_str())
    }

    pub async fn finish(self) {
        self.state.db.close().await;
        if let Some((url, schema)) = self.pg {
            let admin = Db::connect(&DbOptions { max_connections: 1, ..DbOptions::new(url) }).await.expect("reopen");
            sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(admin.pool()).await.expect("drop schema");
            admin.close().await;
        }
    }
}
