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
