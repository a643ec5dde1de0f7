//! Reported progress through the runs API: a platform's workers, each holding runs of its
//! workspace type, post progress to `/api/v1/runs/{id}/progress` with their bearer token as
//! fast as they can (wrk, 64 connections). Every request is authenticated, checked against
//! the run's kind and written through the lifecycle's guarded progress write.

use super::*;

/// Runs the workers hold while they report (one per wrk connection).
pub(crate) const REPORTED_RUNS: usize = 64;

/// The goal: progress writes per second through the API, on PostgreSQL.
pub(crate) const REPORT_GOAL: f64 = 1_000.0;

/// `OPSHUB_BENCH_ONLY=reports`: seed, then measure only reported progress.
pub(crate) fn reports_only() -> bool {
    std::env::var("OPSHUB_BENCH_ONLY").is_ok_and(|v| v == "reports")
}

/// Progress writes per second through the API, over [`REPORTED_RUNS`] running runs of a
/// workspace type of `tenant`, reported by a token of `principal`'s workspace.
pub(crate) async fn report_figures(
    state: &AppState,
    principal: &Principal,
    tenant: TenantId,
    addr: std::net::SocketAddr,
    secs: u64,
) -> anyhow::Result<WrkResult> {
    let new = app::services::tokens::NewToken {
        name: "bench workers".into(),
        grants: "report_runs".into(),
        ..Default::default()
    };
    let secret = app::services::tokens::create(state, principal, &new)
        .await
        .map_err(|e| anyhow::anyhow!("making the bench token: {e}"))?
        .secret;
    let kind = r#"{"label": {"en": "Bench backup", "de": "Bench-Sicherung"}, "progress_mode": "counted",
        "windows": {"queue_wait_secs": 60, "expected_secs": 600, "stale_after_secs": 3600, "heartbeat_timeout_secs": 600}}"#;
    let registered = curl("PUT", &format!("http://{addr}/api/v1/run-types/bench.backup"), &secret, kind)?;
    if !registered.contains("\"key\":\"bench.backup\"") {
        bail!("registering the bench type answered {}", registered.chars().take(300).collect::<String>());
    }
    // The runs, reported over HTTP as a worker would, so each is held under the token's id.
    let mut held = Vec::with_capacity(REPORTED_RUNS);
    for i in 0..REPORTED_RUNS {
        let body = format!(
            r#"{{"type": "bench.backup", "tenant_id": {}, "worker": "bench-{i}", "dedupe_key": "bench-{i}"}}"#,
            tenant.get()
        );
        let answer = curl("POST", &format!("http://{addr}/api/v1/runs/report"), &secret, &body)?;
        let id = answer
            .split("\"id\":")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|id| id.parse::<i64>().ok())
            .with_context(|| format!("the report answered {}", answer.chars().take(300).collect::<String>()))?;
        held.push(id);
    }
    let ids: Vec<String> = held.iter().map(i64::to_string).collect();
    // A worker reports on its own run, one report after another: each of wrk's two threads
    // takes every other run in turn, so a run is asked about again only after the thread's
    // other 31 were, and two reports of one run are rarely in flight at once.
    let script = format!(
        "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n\
         wrk.headers[\"Authorization\"] = \"Bearer {secret}\"\n\
         local ids = {{{ids}}}\nlocal threads = 0\n\
         function setup(thread)\n  thread:set(\"slot\", threads)\n  threads = threads + 1\nend\n\
         local n = 0\n\
         request = function()\n  n = n + 1\n  local i = (n * 2 + slot) % #ids + 1\n\
           local body = string.format('{{\"worker\": \"bench-%d\", \"counts\": {{\"total\": 1000000000, \"processed\": %d}}}}', i - 1, n)\n\
           return wrk.format(nil, \"/api/v1/runs/\" .. ids[i] .. \"/progress\", nil, body)\nend\n",
        ids = ids.join(", "),
    );
    let path = std::env::temp_dir().join(format!("opshub-bench-reports-{}.lua", std::process::id()));
    std::fs::write(&path, script)?;
    let url = format!("http://{addr}/");
    let script = path.display().to_string();
    wrk_script(&url, &script, REPORTED_RUNS, 2)?;
    let result = median_of_rounds(|| wrk_script(&url, &script, REPORTED_RUNS, secs));
    let _ = std::fs::remove_file(&path);
    result
}

/// `method url` with a bearer `secret` and a JSON `body`, by curl: the answer's body.
fn curl(method: &str, url: &str, secret: &str, body: &str) -> anyhow::Result<String> {
    let out = Command::new("curl")
        .args(["-s", "-X", method, "-H", "Content-Type: application/json"])
        .args(["-H", &format!("Authorization: Bearer {secret}")])
        .args(["--data", body, url])
        .output()?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The reported-progress figures beside their goal.
pub(crate) fn print_report_figures(all: &[Figures], secs: u64) {
    println!(
        "\n## Reported progress through the API ({REPORTED_RUNS} runs held by their workers; wrk -t2 -c{REPORTED_RUNS} -d{secs}s, median of {WRK_ROUNDS} rounds)\n"
    );
    println!("| database | progress writes/s | p50 | p99 | failed | goal | holds |");
    println!("|---|---|---|---|---|---|---|");
    for f in all {
        let r = &f.reports;
        println!(
            "| {} | {:.0} | {:.2} ms | {:.2} ms | {} | ≥ {REPORT_GOAL:.0}/s on PostgreSQL | {} |",
            f.backend,
            r.rps,
            r.p50_ms,
            r.p99_ms,
            r.errors,
            holds(r.rps >= REPORT_GOAL && r.errors == 0),
        );
    }
}
