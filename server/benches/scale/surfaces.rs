//! The monitoring surfaces over the whole table: the operations list rendered on the server,
//! filtered to rare classes and outcomes, and its class counts.

use super::*;

/// The monitoring surfaces over the whole table, as a signed-in browser asks for them.
#[derive(Default)]
pub(crate) struct SurfaceFigures {
    /// `GET /admin/operations` rendered on the server (full HTML), median and p99.
    pub(crate) list_p50_ms: f64,
    pub(crate) list_p99_ms: f64,
    /// The same page filtered to the rarest class (reconciled-stale) and a rare outcome.
    pub(crate) rare_class_p50_ms: f64,
    pub(crate) rare_outcome_p50_ms: f64,
    /// The class counts the list shows, median and p99.
    pub(crate) counts_p50_ms: f64,
    pub(crate) counts_p99_ms: f64,
}

/// `OPSHUB_BENCH_ONLY=surfaces`: seed, then measure only the monitoring surfaces.
pub(crate) fn surfaces_only() -> bool {
    std::env::var("OPSHUB_BENCH_ONLY").is_ok_and(|v| v == "surfaces")
}

/// Times `GET /admin/operations` (server-rendered HTML, over a kept-alive connection like a
/// browser's) and the class counts behind it.
pub(crate) async fn surface_figures(
    state: &AppState,
    principal: &Principal,
    addr: std::net::SocketAddr,
    cookie: &str,
) -> anyhow::Result<SurfaceFigures> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut conn = tokio::net::TcpStream::connect(addr).await?;
    let mut get = async |path: &str| -> anyhow::Result<(Duration, String)> {
        let t0 = Instant::now();
        let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/html\r\nCookie: {cookie}\r\n\r\n");
        conn.write_all(req.as_bytes()).await?;
        // Read one response: headers, then a chunked or sized body.
        let mut buf = Vec::new();
        let mut chunk = [0_u8; 65_536];
        loop {
            let n = conn.read(&mut chunk).await?;
            if n == 0 {
                bail!("the server closed the connection");
            }
            buf.extend_from_slice(&chunk[..n]);
            if buf.ends_with(b"0\r\n\r\n") || buf.ends_with(b"</html>") {
                break;
            }
        }
        let text = String::from_utf8_lossy(&buf).into_owned();
        if !text.starts_with("HTTP/1.1 200") {
            bail!("GET {path}: {}", text.lines().next().unwrap_or_default());
        }
        Ok((t0.elapsed(), text))
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut timed = async |path: &str, n: usize| -> anyhow::Result<Vec<f64>> {
        let mut times = Vec::new();
        for i in 0..n + 10 {
            let (took, body) = get(path).await?;
            if !body.contains("data-testid=\"operations-list\"") {
                bail!("GET {path} did not render the list");
            }
            if i >= 10 {
                times.push(ms(took));
            }
        }
        times.sort_by(f64::total_cmp);
        Ok(times)
    };
    let list = timed("/admin/operations", 200).await?;
    let rare_class = timed("/admin/operations?class=reconciled_stale", 50).await?;
    let rare_outcome = timed("/admin/operations?outcome=cancelled&type=restore.execute", 50).await?;
    let mut counts = Vec::new();
    let filter = app::store::runs::RunFilter::default();
    for i in 0..520 {
        let t0 = Instant::now();
        let c = app::services::operations::count_classes(state, principal.workspace_id, &filter)
            .await
            .map_err(|e| anyhow::anyhow!("class counts failed: {e}"))?;
        if i >= 20 {
            counts.push(ms(t0.elapsed()));
        }
        if c.len() != 4 {
            bail!("unexpected class counts: {c:?}");
        }
    }
    counts.sort_by(f64::total_cmp);
    let p = |v: &[f64], q: usize| v[(v.len() * q / 100).min(v.len() - 1)];
    Ok(SurfaceFigures {
        list_p50_ms: p(&list, 50),
        list_p99_ms: p(&list, 99),
        rare_class_p50_ms: p(&rare_class, 50),
        rare_outcome_p50_ms: p(&rare_outcome, 50),
        counts_p50_ms: p(&counts, 50),
        counts_p99_ms: p(&counts, 99),
    })
}

/// One shape of the operations list (the service call behind the page), median and p99.
pub(crate) struct ListFigure {
    pub(crate) shape: &'static str,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
}

/// The list's goal: p99 under this at 1M runs, whatever the shape.
pub(crate) const LIST_P99_GOAL_MS: f64 = 10.0;

/// The operations list as people page through it: the first page, the 100th page (following
/// each page's cursor, as the "next" link does), one tenant's first page and the last seven
/// days' first page; each 200 calls after 20 warm-up.
pub(crate) async fn list_figures(
    state: &AppState,
    principal: &Principal,
    tenant: TenantId,
    runs: i64,
) -> anyhow::Result<Vec<ListFigure>> {
    let list = async |q: &ListQuery| {
        app::services::operations::list_runs(state, principal, q).await.map_err(|e| anyhow::anyhow!("list failed: {e}"))
    };
    // The cursor of page 100, walked to the way the "next" link walks.
    let mut deep = ListQuery::default();
    for _ in 0..99 {
        let page = list(&deep).await?;
        deep.after = Some(page.next.context("the list ended before page 100")?);
    }
    let week_ago = state.clock.now().millis() - 7 * 86_400_000;
    let shapes = [
        ("first page", ListQuery::default()),
        ("page 100 (keyset)", deep),
        ("one tenant, first page", ListQuery { tenant: Some(tenant.get().to_string()), ..ListQuery::default() }),
        ("the last 7 days, first page", ListQuery { since: Some(week_ago.to_string()), ..ListQuery::default() }),
    ];
    let mut figures = Vec::new();
    for (shape, q) in shapes {
        let mut times = Vec::new();
        for i in 0..220 {
            let t0 = Instant::now();
            let page = list(&q).await?;
            if i >= 20 {
                times.push(t0.elapsed().as_secs_f64() * 1000.0);
            }
            if page.runs.len() != 50 || page.total_count == 0 || page.total_count > u64::try_from(runs)? {
                bail!("{shape}: unexpected page of {} rows, total {}", page.runs.len(), page.total_count);
            }
        }
        times.sort_by(f64::total_cmp);
        figures.push(ListFigure { shape, p50_ms: times[times.len() / 2], p99_ms: times[times.len() * 99 / 100] });
    }
    Ok(figures)
}

pub(crate) fn print_list_figures(all: &[Figures], runs: i64) {
    println!("\n## Operations list, the service call behind the page ({runs} runs; 200 calls after 20)\n");
    println!("| database | shape | median | p99 | goal |");
    println!("|---|---|---|---|---|");
    for f in all {
        for l in &f.lists {
            println!(
                "| {} | {} | {:.2} ms | {:.2} ms | p99 < {LIST_P99_GOAL_MS:.0} ms {} |",
                f.backend,
                l.shape,
                l.p50_ms,
                l.p99_ms,
                holds(l.p99_ms < LIST_P99_GOAL_MS)
            );
        }
    }
}
