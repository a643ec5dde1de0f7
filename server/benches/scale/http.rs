//! The HTTP side of the benchmark: driving the real router with `wrk` (a separate process)
//! as a signed-in browser would, and reading its figures.

use super::*;

#[derive(Default)]
pub(crate) struct WrkResult {
    pub(crate) rps: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) errors: u64,
    /// Digest polls answered with a new digest, and answered "unchanged" (scripts that
    /// count them: [`digest_poll_script`]).
    pub(crate) changed: u64,
    pub(crate) unchanged: u64,
}

/// A wrk script polling the tenant dashboard's digest (`poll_tenant_digest`, the server
/// function the page calls) as open dashboards do: each request a random one of `tenants`,
/// sending the version its last answer carried (the ones in `tenants` to begin with), and
/// adopting the version of every answer that carries a new digest; with `every` (ms), each
/// connection waits a random time in that range between polls instead of asking again at
/// once. Prints how many answers carried a digest and how many said "unchanged".
pub(crate) fn digest_poll_script(
    addr: std::net::SocketAddr,
    cookie: &str,
    tenants: &[(TenantId, String)],
    every: Option<(u128, u128)>,
) -> String {
    let ids: Vec<String> = tenants.iter().map(|(t, _)| t.get().to_string()).collect();
    let versions: Vec<String> = tenants.iter().map(|(_, v)| format!("\"{v}\"")).collect();
    let delay =
        every.map_or_else(String::new, |(lo, hi)| format!("function delay() return math.random({lo}, {hi}) end\n"));
    format!(
        "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n\
         wrk.headers[\"Cookie\"] = \"{cookie}\"\nwrk.headers[\"Origin\"] = \"http://{addr}\"\n\
         local ids = {{{ids}}}\nlocal known = {{{versions}}}\nlocal at = {{}}\n\
         for i, t in ipairs(ids) do at[t] = i end\n\
         changed, unchanged = 0, 0\nlocal threads = {{}}\n\
         function setup(thread) table.insert(threads, thread) end\n\
         request = function()\n  local i = math.random(#ids)\n\
           return wrk.format(nil, \"/api/poll_tenant_digest\", nil, \"tenant=\" .. ids[i] .. \"&known=\" .. known[i])\nend\n\
         response = function(status, headers, body)\n\
           local t, v = string.match(body, '\"tenant_id\":(%d+).-\"version\":\"([^\"]+)\"')\n\
           if t then known[at[tonumber(t)]] = v; changed = changed + 1 else unchanged = unchanged + 1 end\nend\n\
         function done(summary, latency, requests)\n  local c, u = 0, 0\n\
           for _, t in ipairs(threads) do c = c + t:get(\"changed\"); u = u + t:get(\"unchanged\") end\n\
           io.write(string.format(\"digest polls changed: %d\\ndigest polls unchanged: %d\\n\", c, u))\nend\n\
         {delay}",
        ids = ids.join(", "),
        versions = versions.join(", "),
    )
}

/// wrk with a Lua `script` (method, body, headers) at `connections`, reading requests per
/// second, p99 and every failed request (non-2xx answers and socket errors, timeouts
/// included).
pub(crate) fn wrk_script(url: &str, script: &str, connections: usize, secs: u64) -> anyhow::Result<WrkResult> {
    let out = Command::new("wrk")
        .args(["-t2", &format!("-c{connections}"), &format!("-d{secs}s"), "--timeout", "5s", "--latency", "-s", script])
        .arg(url)
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut result = parse_wrk(&text)?;
    result.errors += text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Socket errors:"))
        .map(|v| v.split(',').filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok()).sum())
        .unwrap_or(0);
    Ok(result)
}

/// A bare axum hello-world (one route, no middleware) served in this process on its own port,
/// driven by wrk like everything else: what this machine, runtime and wrk can do at all.
pub(crate) async fn hello_world_figures(secs: u64) -> anyhow::Result<WrkResult> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let hello = axum::Router::new().route("/", axum::routing::get(|| async { "Hello, World!" }));
    let serving = tokio::spawn(async move { axum::serve(listener, hello).await });
    let result = wrk(&format!("http://{addr}/"), None, secs);
    serving.abort();
    result
}

pub(crate) fn print_http_figures(all: &[Figures], runs: i64, secs: u64) {
    println!(
        "\n## Results ({runs} runs, 1 % active, {TENANTS} tenants; wrk -t2 -c64 -d{secs}s, median of {WRK_ROUNDS} rounds)\n"
    );
    println!(
        "| database | hello-world req/s | `/healthz` req/s | ratio | active-runs API req/s | p99 | ratio | digest poll req/s | p99 (goal < 20 ms) | ratio (goal ≥ 0.6×) | new digests / unchanged | runs started / finished | digests built |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for f in all {
        let ratio = |w: &WrkResult| w.rps / f.hello.rps;
        let s = &f.spread;
        println!(
            "| {} | {:.0} | {:.0} | {:.2}× | {:.0} | {:.2} ms | {:.2}× | {:.0} | {:.2} ms {} | {:.2}× {} | {} / {} | {} / {} | {} |",
            f.backend,
            f.hello.rps,
            f.trivial.rps,
            ratio(&f.trivial),
            f.poll.rps,
            f.poll.p99_ms,
            ratio(&f.poll),
            s.polls.rps,
            s.polls.p99_ms,
            holds(s.polls.p99_ms < 20.0),
            ratio(&s.polls),
            holds(ratio(&s.polls) >= 0.6),
            s.polls.changed,
            s.polls.unchanged,
            s.started,
            s.finished,
            s.builds,
        );
        let errors = f.trivial.errors + f.poll.errors + s.polls.errors;
        if errors > 0 {
            eprintln!("warning: {} had {errors} failed requests", f.backend);
        }
        println!(
            "<!-- {}: seeded in {:.0} s; the active-runs API's tenant had {} active runs -->",
            f.backend, f.seed_secs, f.poll_runs
        );
    }
    println!("\n## A separately started `opshub serve` ({runs} runs; 1,000 pollers of the digest, every 2 s ± 1 s)\n");
    println!("| database | highest resident memory (goal < 200 MB) | req/s | p99 | errors |");
    println!("|---|---|---|---|---|");
    for f in all {
        println!(
            "| {} | {:.0} MiB {} | {:.0} | {:.1} ms | {} |",
            f.backend,
            f.served_rss_mib,
            holds(f.served_rss_mib * 1.048_576 < 200.0 && f.served.errors == 0),
            f.served.rps,
            f.served.p99_ms,
            f.served.errors
        );
    }
}

pub(crate) const BENCH_EMAIL: &str = "bench@bench.example";

pub(crate) const BENCH_PASSWORD: &str = "bench-password-1";

/// Signs the bench user in through the real sign-in server function; returns the cookie.
pub(crate) fn sign_in(addr: std::net::SocketAddr) -> anyhow::Result<String> {
    let out = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-D", "-", "-H"])
        .arg(format!("Origin: http://{addr}"))
        .args(["--data-urlencode", &format!("email={BENCH_EMAIL}"), "--data-urlencode"])
        .arg(format!("password={BENCH_PASSWORD}"))
        .arg(format!("http://{addr}/api/sign_in"))
        .output()
        .context("running curl")?;
    let headers = String::from_utf8_lossy(&out.stdout).into_owned();
    headers
        .lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| v.trim().split(';').next().filter(|c| c.starts_with(server::web::SESSION_COOKIE)))
        .map(str::to_owned)
        .with_context(|| format!("signing in gave no session cookie:\n{headers}"))
}

/// One GET with curl (a separate process, like wrk).
pub(crate) fn reqwest_like_get(url: &str, cookie: &str) -> anyhow::Result<String> {
    let out = Command::new("curl")
        .args(["-fsS", "-H", &format!("Cookie: {cookie}"), url])
        .output()
        .context("running curl")?;
    if !out.status.success() {
        bail!("GET {url} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Rounds of wrk behind every figure of [`wrk`]: a single round varies too much here.
pub(crate) const WRK_ROUNDS: usize = 5;

/// wrk at 64 connections: a 2 s warm-up, then [`WRK_ROUNDS`] rounds of `secs` (see
/// [`median_of_rounds`]).
pub(crate) fn wrk(url: &str, cookie: Option<&str>, secs: u64) -> anyhow::Result<WrkResult> {
    let header: Vec<String> = cookie.map(|c| vec!["-H".to_owned(), format!("Cookie: {c}")]).unwrap_or_default();
    Command::new("wrk").args(["-t2", "-c64", "-d2s"]).args(&header).arg(url).output()?;
    median_of_rounds(|| {
        let out = Command::new("wrk")
            .args(["-t2", "-c64", &format!("-d{secs}s"), "--latency"])
            .args(&header)
            .arg(url)
            .output()?;
        parse_wrk(&String::from_utf8_lossy(&out.stdout))
    })
}

/// [`WRK_ROUNDS`] rounds of `round`: the median round's requests/s, p50 and p99 (each the
/// median over the rounds on its own) and every round's errors.
pub(crate) fn median_of_rounds(mut round: impl FnMut() -> anyhow::Result<WrkResult>) -> anyhow::Result<WrkResult> {
    let mut rounds = Vec::with_capacity(WRK_ROUNDS);
    for _ in 0..WRK_ROUNDS {
        rounds.push(round()?);
    }
    let median = |pick: fn(&WrkResult) -> f64| {
        let mut v: Vec<f64> = rounds.iter().map(pick).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    Ok(WrkResult {
        rps: median(|r| r.rps),
        p50_ms: median(|r| r.p50_ms),
        p99_ms: median(|r| r.p99_ms),
        errors: rounds.iter().map(|r| r.errors).sum(),
        changed: rounds.iter().map(|r| r.changed).sum(),
        unchanged: rounds.iter().map(|r| r.unchanged).sum(),
    })
}

/// Requests per second, p99 and non-2xx answers from wrk's `--latency` report.
pub(crate) fn parse_wrk(text: &str) -> anyhow::Result<WrkResult> {
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .with_context(|| format!("no Requests/sec in wrk output:\n{text}"))?;
    let p99 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(|v| parse_wrk_duration(v.trim()))
        .with_context(|| format!("no 99% latency in wrk output:\n{text}"))??;
    let p50 =
        text.lines().find_map(|l| l.trim().strip_prefix("50%")).map_or(Ok(0.0), |v| parse_wrk_duration(v.trim()))?;
    let errors = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let counted = |label: &str| {
        text.lines().find_map(|l| l.trim().strip_prefix(label)).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
    };
    Ok(WrkResult {
        rps,
        p50_ms: p50,
        p99_ms: p99,
        errors,
        changed: counted("digest polls changed:"),
        unchanged: counted("digest polls unchanged:"),
    })
}

pub(crate) fn parse_wrk_duration(v: &str) -> anyhow::Result<f64> {
    let (num, unit) = v.split_at(v.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(v.len()));
    let n: f64 = num.parse().with_context(|| format!("bad wrk duration {v:?}"))?;
    Ok(match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => bail!("bad wrk duration unit {v:?}"),
    })
}

/// The tenant dashboard's poll spread over every tenant while work happens: what the goal
/// "poll ≥ 0.6× hello-world" is judged on.
#[derive(Default)]
pub(crate) struct SpreadFigures {
    /// The polls: 64 connections, each asking again at once.
    pub(crate) polls: WrkResult,
    /// Runs started and finished underneath (each reporting progress on its way).
    pub(crate) started: usize,
    pub(crate) finished: i64,
    /// Digests built while polled (after the first of each tenant).
    pub(crate) builds: u64,
}

/// A run that reports its progress in [`STEPS`] steps, [`STEP_MS`] apart, then succeeds.
struct Stepping;

const STEPS: i64 = 3;
const STEP_MS: u64 = 150;

impl app::jobs::worker::Handler for Stepping {
    fn run(
        &self,
        job: app::jobs::worker::Job,
    ) -> app::jobs::worker::BoxFuture<anyhow::Result<app::jobs::worker::HandlerResult>> {
        Box::pin(async move {
            for k in 1..=STEPS {
                tokio::time::sleep(Duration::from_millis(STEP_MS)).await;
                job.counts(&[("total", STEPS), ("processed", k)]).await?;
            }
            Ok(app::jobs::worker::HandlerResult::succeeded())
        })
    }
}

/// Runs started per second across the tenants while the spread poll is measured.
pub(crate) const CHURN_PER_SEC: u64 = 20;

/// The dashboard's digest poll over HTTP at 64 connections, each request a random one of
/// `tenants`, while [`CHURN_PER_SEC`] runs a second start in random tenants, report progress
/// and finish (a worker pool does them), so answers are the mix a busy workspace gives:
/// mostly "unchanged", a new digest wherever something moved.
pub(crate) async fn digest_spread_figures(
    state: &AppState,
    principal: &Principal,
    tenants: &[TenantId],
    addr: std::net::SocketAddr,
    cookie: &str,
    secs: u64,
) -> anyhow::Result<SpreadFigures> {
    use app::api::DigestPoll;
    use app::domain::RunType;
    let mut known = Vec::with_capacity(tenants.len());
    for t in tenants {
        let poll = app::services::digest::tenant_digest(state, principal, &t.get().to_string(), None)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let DigestPoll::Changed(d) = poll else { bail!("a first poll must carry the digest") };
        known.push((*t, d.version));
    }
    let completed = async || -> anyhow::Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM operation_runs WHERE dedupe_key LIKE 'spread-%' AND status = 'completed'",
        )
        .fetch_one(state.db.pool())
        .await?)
    };
    let finished_before = completed().await?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker =
        app::jobs::worker::Worker::new(state.clone(), "spread-worker").with_handler(RunType::InventorySync, Stepping);
    let pool = tokio::spawn(worker.run_pool(8, stopped.clone(), Duration::from_secs(5)));
    let churn = {
        let (state, principal, tenants, mut stopped) = (state.clone(), principal.clone(), tenants.to_vec(), stopped);
        tokio::spawn(async move {
            let mut started = 0_usize;
            let mut tick = tokio::time::interval(Duration::from_millis(1000 / CHURN_PER_SEC));
            // Tenants in a fixed pseudo-random order (a multiplicative step through them).
            let step = 7_919 % tenants.len().max(1);
            for k in 0_usize.. {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.changed() => break,
                }
                let req = app::jobs::lifecycle::NewRun {
                    workspace_id: principal.workspace_id,
                    tenant_id: Some(tenants[(k * step) % tenants.len()]),
                    run_type: RunType::InventorySync.into(),
                    initiator: Some(principal.user_id),
                    dedupe_key: Some(format!("spread-{}-{k}", std::process::id())),
                    inputs: serde_json::json!({}),
                };
                state.lifecycle().start(req).await?;
                state.work_queued.notify_one();
                started += 1;
            }
            anyhow::Ok(started)
        })
    };
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("spread.lua");
    std::fs::write(&script, digest_poll_script(addr, cookie, &known, None))?;
    let builds_before = state.digests.builds();
    let polls = {
        let (url, script) = (format!("http://{addr}/"), script.display().to_string());
        tokio::task::spawn_blocking(move || {
            wrk_script(&url, &script, 64, 2)?;
            median_of_rounds(|| wrk_script(&url, &script, 64, secs))
        })
        .await?
    };
    let builds = state.digests.builds() - builds_before;
    let _ = stop.send(true);
    let started = churn.await??;
    pool.await?;
    let finished = completed().await? - finished_before;
    Ok(SpreadFigures { polls: polls?, started, finished, builds })
}
