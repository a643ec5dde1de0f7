//! `/healthz` (the process answers) and `/readyz` (this instance can do its work): plain
//! JSON for load balancers and orchestrators, no authentication, nothing about tenants.
//!
//! Ready means: the database answers within [`DB_DEADLINE`], every migration this build
//! knows is applied, and the background parts this instance was configured to run (the
//! worker pool, the reconciler) are running. A part switched off by configuration is not a
//! failure. The answer is computed per request, so an instance turns ready again as soon as
//! its database returns — no restart.

use app::store::Db;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

/// How long `/readyz` waits for the database.
pub const DB_DEADLINE: Duration = Duration::from_secs(2);

const DISABLED: u8 = 0;
const RUNNING: u8 = 1;
const STOPPED: u8 = 2;

/// One background part of the instance: off by configuration, running, or stopped.
#[derive(Debug, Clone, Default)]
pub struct Part(Arc<AtomicU8>);

impl Part {
    /// Marks the part running until the returned guard drops (when its task ends, however
    /// it ends).
    pub fn running(&self) -> Running {
        self.0.store(RUNNING, Ordering::Release);
        Running(self.clone())
    }

    fn word(&self) -> &'static str {
        match self.0.load(Ordering::Acquire) {
            DISABLED => "disabled",
            RUNNING => "running",
            _ => "stopped",
        }
    }
}

/// Keeps a [`Part`] marked running while alive.
#[derive(Debug)]
pub struct Running(Part);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.0.store(STOPPED, Ordering::Release);
    }
}

/// What `/readyz` looks at besides the database.
#[derive(Debug, Clone, Default)]
pub struct Readiness {
    /// The worker pool.
    pub workers: Part,
    /// The reconciler.
    pub reconciler: Part,
    /// Set when shutdown begins: the instance finishes what it has and takes nothing new.
    pub stopping: Arc<std::sync::atomic::AtomicBool>,
}

#[derive(Debug, Serialize)]
struct Checks {
    database: &'static str,
    migrations: String,
    workers: &'static str,
    reconciler: &'static str,
}

#[derive(Debug, Serialize)]
struct Answer {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    checks: Checks,
}

/// `/healthz`: the process is alive and answering.
pub async fn healthz() -> Response {
    json(StatusCode::OK, &serde_json::json!({ "status": "ok" }))
}

/// `/readyz` for `db` and `parts` (see the module docs).
pub async fn readyz(db: &Db, parts: &Readiness) -> Response {
    let (database, migrations, mut reasons) = match tokio::time::timeout(DB_DEADLINE, db.pending_migrations()).await {
        Ok(Ok(0)) => ("ok", "current".to_owned(), Vec::new()),
        Ok(Ok(n)) => ("ok", format!("{n} pending"), vec![format!("{n} database migrations are not applied")]),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the database did not answer");
            ("unreachable", "unknown".to_owned(), vec!["the database did not answer".to_owned()])
        }
        Err(_) => {
            tracing::warn!(deadline_ms = DB_DEADLINE.as_millis(), "readiness: the database did not answer in time");
            (
                "unreachable",
                "unknown".to_owned(),
                vec![format!("the database did not answer within {} s", DB_DEADLINE.as_secs())],
            )
        }
    };
    let (workers, reconciler) = (parts.workers.word(), parts.reconciler.word());
    if workers == "stopped" {
        reasons.push("the worker pool has stopped".to_owned());
    }
    if reconciler == "stopped" {
        reasons.push("the reconciler has stopped".to_owned());
    }
    if parts.stopping.load(Ordering::Acquire) {
        reasons.insert(0, "the instance is shutting down".to_owned());
    }
    let checks = Checks { database, migrations, workers, reconciler };
    let (status, code) =
        if reasons.is_empty() { ("ready", StatusCode::OK) } else { ("not_ready", StatusCode::SERVICE_UNAVAILABLE) };
    let reason = (!reasons.is_empty()).then(|| reasons.join("; "));
    json(code, &Answer { status, reason, checks })
}

fn json(code: StatusCode, body: &impl Serialize) -> Response {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned());
    let mut res = (code, text).into_response();
    let headers = res.headers_mut();
    headers.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/json"));
    headers.insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_is_running_only_while_its_guard_lives() {
        let part = Part::default();
        assert_eq!(part.word(), "disabled");
        let guard = part.running();
        assert_eq!(part.word(), "running");
        drop(guard);
        assert_eq!(part.word(), "stopped");
    }
}
