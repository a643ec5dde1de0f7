//! The HTTP side of the benchmark: driving the real router with `wrk` (a separate process)
//! as a signed-in browser would, and reading its figures.

use super::*;

#[derive(Default)]
pub(crate) struct WrkResult {
    pub(crate) rps: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) errors: u64,
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
        "| database | seed | hello-world req/s | trivial req/s | trivial p99 | poll req/s | poll p99 | poll / hello-world (goal ≥ 0.6×) | trivial / hello-world |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for f in all {
        let ratio = f.poll.rps / f.hello.rps;
        println!(
            "| {} | {:.0} s | {:.0} | {:.0} | {:.2} ms | {:.0} | {:.2} ms | {:.2}× {} | {:.2}× |",
            f.backend,
            f.seed_secs,
            f.hello.rps,
            f.trivial.rps,
            f.trivial.p99_ms,
            f.poll.rps,
            f.poll.p99_ms,
            ratio,
            holds(ratio >= 0.6 && f.poll.p99_ms < 20.0),
            f.trivial.rps / f.hello.rps,
        );
        if f.trivial.errors + f.poll.errors > 0 {
            eprintln!("warning: {} had {} failed requests", f.backend, f.trivial.errors + f.poll.errors);
        }
        println!("<!-- {}: the polled tenant had {} active runs -->", f.backend, f.poll_runs);
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

/// wrk at 64 connections: a 2 s warm-up, then [`WRK_ROUNDS`] rounds of `secs`; the median
/// round's requests/s, p50 and p99 (each the median over the rounds on its own) and every
/// round's errors.
pub(crate) fn wrk(url: &str, cookie: Option<&str>, secs: u64) -> anyhow::Result<WrkResult> {
    let header: Vec<String> = cookie.map(|c| vec!["-H".to_owned(), format!("Cookie: {c}")]).unwrap_or_default();
    Command::new("wrk").args(["-t2", "-c64", "-d2s"]).args(&header).arg(url).output()?;
    let mut rounds = Vec::with_capacity(WRK_ROUNDS);
    for _ in 0..WRK_ROUNDS {
        let out = Command::new("wrk")
            .args(["-t2", "-c64", &format!("-d{secs}s"), "--latency"])
            .args(&header)
            .arg(url)
            .output()?;
        rounds.push(parse_wrk(&String::from_utf8_lossy(&out.stdout))?);
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
    Ok(WrkResult { rps, p50_ms: p50, p99_ms: p99, errors })
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
