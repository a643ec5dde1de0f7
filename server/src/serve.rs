//! Start-up and shutdown: open and migrate the database (a failure is fatal), seed the demo,
//! start the workers and the reconciler, serve HTTP, and on SIGINT/SIGTERM stop accepting, stop claiming and let
//! in-flight work finish.

use crate::config::Config;
use crate::health::Readiness;
use crate::{seed, web};
use anyhow::Context as _;
use app::jobs::reconciler::{Reconciler, run_periodically};
use app::jobs::worker::Worker;
use app::runtime::{AppState, RuntimeConfig, SystemClock};
use app::store::{Db, DbOptions};
use std::future::IntoFuture as _;
use std::sync::Arc;
use tokio::sync::watch;
use tracing::Instrument as _;

/// How often this instance looks for due webhook deliveries. Every instance delivers; a
/// delivery is held by one at a time.
const WEBHOOK_TICK: std::time::Duration = std::time::Duration::from_secs(1);

/// Opens the database and applies migrations.
pub async fn open_database(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(&DbOptions::new(&config.database_url)).await?;
    db.migrate().await?;
    Ok(db)
}

/// The app state for `db` under `config`.
pub fn app_state(db: Db, config: &Config) -> AppState {
    let runtime = RuntimeConfig {
        heartbeat_every: config.heartbeat,
        lease: config.heartbeat * 6,
        inventory_item_delay: config.demo_pacing,
        instance_id: config.instance_id.clone(),
        pack_retention: config.pack_retention,
        history_retention: config.history_retention,
        notification_retention: config.notification_retention,
        policy_overrides: config.lifecycle.clone(),
        sessions: config.sessions,
        reconcile_every: (!config.reconcile_every.is_zero()).then_some(config.reconcile_every),
        webhooks: config.webhooks,
        ..RuntimeConfig::default()
    };
    AppState::new(db, Arc::new(SystemClock), runtime)
}

/// The worker of this instance with every handler registered.
pub fn worker(state: &AppState) -> Worker {
    worker_as(state, &state.config.instance_id)
}

/// A worker leasing runs as `owner`, with every handler registered.
pub fn worker_as(state: &AppState, owner: &str) -> Worker {
    Worker::new(state.clone(), owner).with_every_handler()
}

/// Runs the server until a shutdown signal.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let db = open_database(&config).await?;
    let state = app_state(db.clone(), &config);
    if config.seed_demo {
        let quietly = tracing::info_span!(crate::logs::DEMO_SEED_SPAN);
        let demo = seed::seed_demo(&state).instrument(quietly).await.context("seeding the demo data set")?;
        if demo.created {
            tracing::info!(workspace = demo.workspace.get(), "demo data seeded");
        }
        print_demo_sign_ins();
    }
    for (run_type, fault) in &config.faults {
        app::jobs::provider::set_fault(&db, *run_type, Some(*fault), state.clock.now()).await?;
        tracing::warn!(
            run_type = run_type.as_str(),
            fault = fault.as_str(),
            "demo provider fault injected (OPSHUB_FAULTS)"
        );
    }
    let active = state.live.reload().await.context("loading the active runs")?;
    tracing::info!(active, "live view loaded");
    tokio::spawn(app::runtime::live::listen(state.live.clone(), config.database_url.clone()));
    tokio::spawn(app::runtime::live::keep_current(state.live.clone(), config.database_url.clone(), config.heartbeat));
    tokio::spawn(sweep_expired_records(state.clone()));
    tokio::spawn(sweep_sessions(state.clone()));
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("could not listen on {}; is another server using that port?", config.addr))?;
    let addr = listener.local_addr()?;
    let ops = web::Ops {
        readiness: Readiness::default(),
        metrics_token: config.metrics_token.clone(),
        origins: config.public_origins.clone(),
        trusted_proxies: config.trusted_proxies.clone(),
    };
    let origins = crate::hosts::Origins::new(&config.public_origins, addr.port());
    let named: Vec<String> = origins.list().iter().map(ToString::to_string).collect();
    tracing::info!(origins = named.join(", "), "answering as these origins (public_origins)");
    for retired in &config.retired {
        tracing::warn!("retired setting: {retired}");
    }
    for weak in config.weak_settings() {
        tracing::warn!("weak setting on an address others can reach: {weak}");
    }
    let readiness = ops.readiness.clone();
    let router = web::router(state.clone(), web::leptos_options(&config.site_root, addr), ops)
        .into_make_service_with_connect_info::<std::net::SocketAddr>();

    // Built before any worker starts: loading the TLS roots takes a moment, and nothing may
    // delay the start-up line once work is being claimed.
    let deliverer = app::jobs::webhooks::Deliverer::new(state.clone())?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let workers = if config.workers == 0 {
        tracing::info!("workers disabled (workers = 0)");
        None
    } else {
        let alive = readiness.workers.running();
        let pool = worker(&state).run_pool(config.workers, stop_rx.clone(), config.shutdown_grace);
        Some(tokio::spawn(async move {
            let _alive = alive;
            pool.await;
        }))
    };
    let reconciler = if config.reconcile_every.is_zero() {
        tracing::info!("reconciler disabled here (reconcile_secs = 0)");
        None
    } else {
        let r = Reconciler::new(state.clone(), config.instance_id.clone()).with_batch(config.reconcile_batch);
        let alive = readiness.reconciler.running();
        let sweeps = run_periodically(r, config.reconcile_every, stop_rx.clone());
        Some(tokio::spawn(async move {
            let _alive = alive;
            sweeps.await;
        }))
    };
    let deliveries = tokio::spawn(deliverer.run_periodically(WEBHOOK_TICK, stop_rx.clone()));
    let mut http_stop = stop_rx;
    let http = tokio::spawn(
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = http_stop.wait_for(|stop| *stop).await;
            })
            .into_future(),
    );
    tracing::info!(%addr, instance = %config.instance_id, "listening");
    println!("Opshub is running at http://{addr}/admin/operations");
    shutdown_signal().await;
    tracing::info!(
        grace_secs = config.shutdown_grace.as_secs(),
        "shutting down: no new work is claimed; running work may finish"
    );
    readiness.stopping.store(true, std::sync::atomic::Ordering::Release);
    let _ = stop_tx.send(true);
    if let Some(Err(e)) = match workers {
        Some(task) => Some(task.await),
        None => None,
    } {
        tracing::error!(error = %e, "the worker pool ended abnormally");
    }
    if let Some(Err(e)) = match reconciler {
        Some(task) => Some(task.await),
        None => None,
    } {
        tracing::error!(error = %e, "the reconciler ended abnormally");
    }
    if let Err(e) = deliveries.await {
        tracing::error!(error = %e, "the webhook deliverer ended abnormally");
    }
    match http.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "the HTTP server failed"),
        Err(e) => tracing::error!(error = %e, "the HTTP server task ended abnormally"),
    }
    db.close().await;
    Ok(())
}

/// The demo's sign-ins, printed only when the demo is seeded (never for a non-demo start).
#[expect(clippy::print_stdout, reason = "the demo start tells the person at the terminal how to sign in")]
fn print_demo_sign_ins() {
    println!("Demo sign-ins (demo data only):");
    for p in &seed::DEMO_PEOPLE {
        let what = match (p.workspace, p.tenants, p.platform) {
            (_, _, true) => "platform operator".to_owned(),
            (Some(ws), None, _) => format!("{} of {ws}, every tenant", p.role),
            (Some(ws), Some(t), _) => format!("{} of {ws}, tenants: {}", p.role, t.join(", ")),
            (None, _, _) => "no workspace".to_owned(),
        };
        println!("  {:<32} {:<26} {what}", p.email, p.password);
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

/// Deletes expired sign-in sessions and quiet sign-in throttle counts every ten minutes
/// (loading never returns an expired session anyway).
async fn sweep_sessions(state: AppState) {
    let store = app::services::auth::DbSessionStore::new(state.db.clone(), state.auth_cache.clone());
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        match store.delete_expired().await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(deleted = n, "expired sessions swept"),
            Err(e) => tracing::error!(error = %e, "the session sweep failed; it will run again"),
        }
        match app::services::accounts::prune_sign_in_counts(&state.db, state.clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(deleted = n, "quiet sign-in counts pruned"),
            Err(e) => tracing::error!(error = %e, "pruning sign-in counts failed; it will run again"),
        }
    }
}

/// Every ten minutes: expires review packs past their retention period, and deletes
/// finished runs and notifications past theirs (one instance at a time).
async fn sweep_expired_records(state: AppState) {
    let retention = app::jobs::retention::Retention::new(state.clone(), state.config.instance_id.clone());
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        if let Err(e) = app::jobs::run_types::packs::sweep_expired(&state).await {
            tracing::error!(error = %format!("{e:#}"), "the review pack sweep failed; it will run again");
        }
        if let Err(e) = retention.sweep().await {
            tracing::error!(error = %format!("{e:#}"), "deleting expired history failed; it will run again");
        }
    }
}
