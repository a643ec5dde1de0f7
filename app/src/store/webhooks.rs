//! The webhook tables (specs/webhooks): a workspace's endpoints, the outbox of run events,
//! one delivery per event and endpoint, and every attempt. Events are written inside the
//! transaction of the transition they tell of; `jobs::webhooks` delivers them.

use crate::domain::webhook::DeliveryState;
use crate::domain::{UserId, WorkspaceId};
use crate::store::db::Db;
use sqlx::{AnyConnection, FromRow};

/// A stored endpoint, never its secret.
#[derive(Debug, Clone, FromRow)]
pub struct EndpointRow {
    /// Its id.
    pub id: i64,
    /// Its workspace.
    pub workspace_id: i64,
    /// Where events are sent.
    pub url: String,
    /// The event types it takes, as stored.
    pub events: String,
    /// Who subscribed it.
    pub created_by: i64,
    /// When (milliseconds).
    pub created_at: i64,
    /// When it was removed, if it was.
    pub revoked_at: Option<i64>,
}

/// What is written for a new endpoint.
#[derive(Debug, Clone, Copy)]
pub struct NewEndpointRow<'a> {
    /// Its workspace.
    pub workspace: WorkspaceId,
    /// Where events are sent.
    pub url: &'a str,
    /// The event types it takes, spelled.
    pub events: &'a str,
    /// The signing secret.
    pub secret: &'a str,
    /// Who subscribed it.
    pub created_by: UserId,
    /// When (milliseconds).
    pub created_at: i64,
}

const ENDPOINT_COLUMNS: &str = "id, workspace_id, url, events, created_by, created_at, revoked_at";

/// Stores a new endpoint; its id.
pub async fn insert_endpoint(db: &Db, e: NewEndpointRow<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO webhook_endpoints (workspace_id, url, events, secret, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(e.workspace.get())
    .bind(e.url)
    .bind(e.events)
    .bind(e.secret)
    .bind(e.created_by.get())
    .bind(e.created_at)
    .fetch_one(db.pool())
    .await
}

/// Every endpoint of `workspace`, newest first, removed ones included.
pub async fn endpoints(db: &Db, workspace: WorkspaceId) -> Result<Vec<EndpointRow>, sqlx::Error> {
    let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE workspace_id = $1 ORDER BY id DESC");
    sqlx::query_as(&sql).bind(workspace.get()).fetch_all(db.pool()).await
}

/// Endpoint `id` of `workspace`, whatever its state.
pub async fn endpoint(db: &Db, workspace: WorkspaceId, id: i64) -> Result<Option<EndpointRow>, sqlx::Error> {
    let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2");
    sqlx::query_as(&sql).bind(id).bind(workspace.get()).fetch_optional(db.pool()).await
}

/// Removes endpoint `id` of `workspace` at `now` and gives up its pending deliveries, in one
/// transaction; `false` when there is no such endpoint or it was removed already.
pub async fn revoke_endpoint(db: &Db, workspace: WorkspaceId, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE webhook_endpoints SET revoked_at = $3 WHERE id = $1 AND workspace_id = $2 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(workspace.get())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    sqlx::query(
        "UPDATE webhook_deliveries SET state = 'failed', lease_until = NULL WHERE endpoint_id = $1 AND state = 'pending'",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// An endpoint listening in a workspace, as the outbox reads it.
#[derive(Debug, Clone, FromRow)]
pub struct Listening {
    /// Its id.
    pub id: i64,
    /// Its workspace.
    pub workspace_id: i64,
    /// The event types it takes, as stored.
    pub events: String,
}

/// Inside the caller's transaction: the endpoints of `workspaces` that are not removed.
pub async fn listening(conn: &mut AnyConnection, workspaces: &[i64]) -> Result<Vec<Listening>, sqlx::Error> {
    if workspaces.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, workspace_id, events FROM webhook_endpoints WHERE revoked_at IS NULL AND workspace_id IN ({})",
        crate::store::db::placeholders(1, workspaces.len())
    );
    let mut q = sqlx::query_as(&sql);
    for w in workspaces {
        q = q.bind(*w);
    }
    q.fetch_all(conn).await
}

/// Inside the caller's transaction: the names of `tenants`, by id.
pub async fn tenant_names(conn: &mut AnyConnection, tenants: &[i64]) -> Result<Vec<(i64, String)>, sqlx::Error> {
    if tenants.is_empty() {
        return Ok(Vec::new());
    }
    let sql =
        format!("SELECT id, name FROM tenants WHERE id IN ({})", crate::store::db::placeholders(1, tenants.len()));
    let mut q = sqlx::query_as(&sql);
    for t in tenants {
        q = q.bind(*t);
    }
    q.fetch_all(conn).await
}

/// Active runs that may be stuck and have not been announced as stuck: those of workspaces
/// with an endpoint that takes `run.stuck` and no stuck event yet, least recently alive
/// first, at most `limit`. None (and no read of the runs) when no endpoint takes the event.
pub async fn unannounced_active(db: &Db, limit: i64) -> Result<Vec<crate::domain::RunId>, sqlx::Error> {
    let workspaces: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT workspace_id FROM webhook_endpoints WHERE revoked_at IS NULL AND events LIKE '%run.stuck%'",
    )
    .fetch_all(db.pool())
    .await?;
    if workspaces.is_empty() {
        return Ok(Vec::new());
    }
    let n = workspaces.len();
    let sql = format!(
        "SELECT r.id FROM operation_runs r WHERE r.workspace_id IN ({}) AND r.status <> 'completed' \
         AND NOT EXISTS (SELECT 1 FROM webhook_events e WHERE e.id = 'evt_' || r.id || '_stuck') \
         ORDER BY COALESCE(r.heartbeat_at, r.started_at, r.created_at), r.id LIMIT ${}",
        crate::store::db::placeholders(1, n),
        n + 1
    );
    let mut q = sqlx::query_scalar(&sql);
    for w in &workspaces {
        q = q.bind(*w);
    }
    let ids: Vec<i64> = q.bind(limit).fetch_all(db.pool()).await?;
    Ok(ids.into_iter().map(crate::domain::RunId).collect())
}

/// An event to write to the outbox, with the endpoints to deliver it to.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Its stable id.
    pub id: String,
    /// Its run's workspace.
    pub workspace: i64,
    /// Its run.
    pub run: i64,
    /// Its type's spelling.
    pub event_type: &'static str,
    /// The JSON body every delivery sends.
    pub body: String,
    /// The endpoints that take it.
    pub endpoints: Vec<i64>,
}

/// Inside the caller's transaction: writes `events` and one pending delivery per event and
/// endpoint, due at `now`. An event already written (its id is the transition's) writes
/// nothing again.
pub async fn insert_events(
    db: &Db,
    conn: &mut AnyConnection,
    events: &[NewEvent],
    now: i64,
) -> Result<(), sqlx::Error> {
    /// Rows per statement (6 parameters each).
    const CHUNK: usize = 500;
    for chunk in events.chunks(CHUNK) {
        let mut params = db.params();
        let rows: Vec<String> = chunk.iter().map(|_| format!("({})", params.take(6))).collect();
        let sql = format!(
            "INSERT INTO webhook_events (id, workspace_id, run_id, event_type, body, created_at) VALUES {} \
             ON CONFLICT (id) DO NOTHING",
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for e in chunk {
            q = q.bind(e.id.clone()).bind(e.workspace).bind(e.run).bind(e.event_type).bind(e.body.clone()).bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    let pairs: Vec<(&str, i64)> =
        events.iter().flat_map(|e| e.endpoints.iter().map(move |p| (e.id.as_str(), *p))).collect();
    for chunk in pairs.chunks(CHUNK) {
        let mut params = db.params();
        let rows: Vec<String> =
            chunk.iter().map(|_| format!("({}, 'pending', 0, {})", params.take(2), params.take(2))).collect();
        let sql = format!(
            "INSERT INTO webhook_deliveries (event_id, endpoint_id, state, attempts, next_attempt_at, created_at) \
             VALUES {} ON CONFLICT (endpoint_id, event_id) DO NOTHING",
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (event, endpoint) in chunk {
            q = q.bind(*event).bind(*endpoint).bind(now).bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A delivery a deliverer holds: everything it needs to send it.
#[derive(Debug, Clone, FromRow)]
pub struct HeldDelivery {
    /// The delivery's id.
    pub id: i64,
    /// How many attempts were made before this one.
    pub attempts: i64,
    /// The event's id.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// The body to send.
    pub body: String,
    /// When the event was written (milliseconds).
    pub event_created_at: i64,
    /// Where to send it.
    pub url: String,
    /// The endpoint's signing secret.
    pub secret: String,
}

/// Takes the delivery due longest ago, holding it until `lease_until` so no other deliverer
/// sends it meanwhile; `None` when nothing is due at `now`. Deliveries of removed endpoints
/// are never taken.
pub async fn take_due(db: &Db, now: i64, lease_until: i64) -> Result<Option<HeldDelivery>, sqlx::Error> {
    /// Candidates read per try: a deliverer that loses one to another tries the next.
    const CANDIDATES: i64 = 8;
    let due: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= $1 \
         AND (lease_until IS NULL OR lease_until <= $1) ORDER BY next_attempt_at, id LIMIT $2",
    )
    .bind(now)
    .bind(CANDIDATES)
    .fetch_all(db.pool())
    .await?;
    for id in due {
        let won = sqlx::query(
            "UPDATE webhook_deliveries SET lease_until = $2 WHERE id = $1 AND state = 'pending' \
             AND next_attempt_at <= $3 AND (lease_until IS NULL OR lease_until <= $3)",
        )
        .bind(id)
        .bind(lease_until)
        .bind(now)
        .execute(db.pool())
        .await?;
        if won.rows_affected() == 1 {
            return sqlx::query_as(
                "SELECT d.id, d.attempts, d.event_id, ev.event_type, ev.body, ev.created_at AS event_created_at, \
                 e.url, e.secret FROM webhook_deliveries d \
                 JOIN webhook_events ev ON ev.id = d.event_id \
                 JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.revoked_at IS NULL \
                 WHERE d.id = $1",
            )
            .bind(id)
            .fetch_optional(db.pool())
            .await;
        }
    }
    Ok(None)
}

/// One attempt's result, as recorded.
#[derive(Debug, Clone)]
pub struct Attempted {
    /// When it was made (milliseconds).
    pub at: i64,
    /// The HTTP status, when an answer came.
    pub status: Option<i64>,
    /// Why it did not succeed, as a fault's spelling.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
    /// Where the delivery stands after it.
    pub state: DeliveryState,
    /// When it is due again (pending only).
    pub next_attempt_at: i64,
}

/// Records attempt `a` of delivery `id` and where the delivery stands after it, releasing it,
/// in one transaction.
pub async fn record_attempt(db: &Db, id: i64, a: &Attempted) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, attempted_at, status, error, duration_ms) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(a.at)
    .bind(a.status)
    .bind(a.error.clone())
    .bind(a.duration_ms)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, state = $2, next_attempt_at = $3, \
         lease_until = NULL, last_attempt_at = $4, last_status = $5, last_error = $6 WHERE id = $1",
    )
    .bind(id)
    .bind(a.state.as_str())
    .bind(a.next_attempt_at)
    .bind(a.at)
    .bind(a.status)
    .bind(a.error.clone())
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Makes delivery `id` of an endpoint of `workspace` due at `now` whatever its state (a
/// person's "retry now", which may also send a delivered event again); `false` when there is
/// no such delivery or its endpoint was removed.
pub async fn retry_now(db: &Db, workspace: WorkspaceId, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = $3, lease_until = NULL \
         WHERE id = $1 AND endpoint_id IN \
         (SELECT id FROM webhook_endpoints WHERE workspace_id = $2 AND revoked_at IS NULL)",
    )
    .bind(id)
    .bind(workspace.get())
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One delivery, as the delivery log shows it.
#[derive(Debug, Clone, FromRow)]
pub struct DeliveryRow {
    /// Its id.
    pub id: i64,
    /// Its endpoint.
    pub endpoint_id: i64,
    /// The event's id.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// The run the event is about.
    pub run_id: i64,
    /// Where it stands, as stored.
    pub state: String,
    /// Attempts made.
    pub attempts: i64,
    /// When it is due (pending only).
    pub next_attempt_at: i64,
    /// When the last attempt was made.
    pub last_attempt_at: Option<i64>,
    /// The last attempt's HTTP status.
    pub last_status: Option<i64>,
    /// Why the last attempt failed, as a fault's spelling.
    pub last_error: Option<String>,
    /// When the event was written.
    pub created_at: i64,
}

/// The newest `limit` deliveries to the endpoints of `workspace`, newest first.
pub async fn deliveries(db: &Db, workspace: WorkspaceId, limit: i64) -> Result<Vec<DeliveryRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT d.id, d.endpoint_id, d.event_id, ev.event_type, ev.run_id, d.state, d.attempts, d.next_attempt_at, \
         d.last_attempt_at, d.last_status, d.last_error, d.created_at FROM webhook_deliveries d \
         JOIN webhook_endpoints e ON e.id = d.endpoint_id \
         JOIN webhook_events ev ON ev.id = d.event_id \
         WHERE e.workspace_id = $1 ORDER BY d.id DESC LIMIT $2",
    )
    .bind(workspace.get())
    .bind(limit)
    .fetch_all(db.pool())
    .await
}

/// One attempt, as the delivery log shows it.
#[derive(Debug, Clone, FromRow)]
pub struct AttemptRow {
    /// Its delivery.
    pub delivery_id: i64,
    /// When it was made.
    pub attempted_at: i64,
    /// The HTTP status, when an answer came.
    pub status: Option<i64>,
    /// Why it failed, as a fault's spelling.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
}

/// Every attempt of `deliveries`, newest first.
pub async fn attempts(db: &Db, deliveries: &[i64]) -> Result<Vec<AttemptRow>, sqlx::Error> {
    if deliveries.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT delivery_id, attempted_at, status, error, duration_ms FROM webhook_attempts \
         WHERE delivery_id IN ({}) ORDER BY id DESC",
        crate::store::db::placeholders(1, deliveries.len())
    );
    let mut q = sqlx::query_as(&sql);
    for d in deliveries {
        q = q.bind(*d);
    }
    q.fetch_all(db.pool()).await
}
