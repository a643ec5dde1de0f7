//! `review_pack.generate`, the retention sweep and downloads.
//!
//! A pack is a real ZIP under the data directory — `summary.html` (the review's sections),
//! `findings.csv` (the drift findings its evidence refers to) and `review.json` — with a
//! record going queued → generating → ready | failed, and to expired once its retention period
//! (default seven days) has passed, when the sweep also deletes its file. Progress is counted
//! over the review's sections.

use crate::domain::Sentence;
use crate::domain::{RunOutcome, TenantId};
use crate::jobs::provider::{Injected, begin};
use crate::jobs::worker::{BoxFuture, Handler, HandlerResult, Job};
use crate::runtime::state::AppState;
use crate::services::principal::Principal;
use anyhow::Context as _;
use serde_json::{Value, json};
use std::io::Write as _;

/// The review_pack.generate handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct GeneratePack;

impl Handler for GeneratePack {
    fn run(&self, job: Job) -> BoxFuture<anyhow::Result<HandlerResult>> {
        Box::pin(generate(job))
    }
}

#[derive(Debug, sqlx::FromRow)]
struct Review {
    id: i64,
    status: String,
    fingerprint: String,
    sections: String,
    evidence: String,
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// Quotes a CSV field when it needs it (RFC 4180).
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

fn pack_path(state: &AppState, file_name: &str) -> std::path::PathBuf {
    state.config.data_dir.join("packs").join(file_name)
}

async fn generate(job: Job) -> anyhow::Result<HandlerResult> {
    let (tenant, injected) = match begin(&job).await? {
        Ok(ready) => ready,
        Err(end) => return Ok(end),
    };
    let db = &job.state.db;
    let wanted = job.run.context.inputs().and_then(|i| i.get("review_id")).and_then(Value::as_i64);
    let review: Option<Review> = sqlx::query_as(
        "SELECT id, status, fingerprint, sections, evidence FROM environment_reviews \
         WHERE tenant_id = $1 AND status IN ('ready', 'published') AND ($2 = 0 OR id = $2) \
         ORDER BY CASE status WHEN 'published' THEN 0 ELSE 1 END, updated_at DESC, id DESC LIMIT 1",
    )
    .bind(tenant.get())
    .bind(wanted.unwrap_or(0))
    .fetch_optional(db.pool())
    .await?;
    let Some(review) = review else {
        return Ok(HandlerResult::ended(RunOutcome::Blocked, "no_review", Sentence::NothingToExport, None));
    };
    let now = job.state.clock.now().millis();
    let pack: i64 = sqlx::query_scalar(
        "INSERT INTO review_packs (workspace_id, tenant_id, review_id, run_id, status, created_at) \
         VALUES ($1, $2, $3, $4, 'generating', $5) RETURNING id",
    )
    .bind(job.run.workspace_id.get())
    .bind(tenant.get())
    .bind(review.id)
    .bind(job.run.id.get())
    .bind(now)
    .fetch_one(db.pool())
    .await?;
    match build(&job, tenant, pack, &review, &injected).await {
        Ok(result) => Ok(result),
        Err(e) => {
            sqlx::query("UPDATE review_packs SET status = 'failed' WHERE id = $1 AND status = 'generating'")
                .bind(pack)
                .execute(db.pool())
                .await?;
            Err(e)
        }
    }
}

async fn build(
    job: &Job,
    tenant: TenantId,
    pack: i64,
    review: &Review,
    injected: &Injected,
) -> anyhow::Result<HandlerResult> {
    let sections: Vec<Value> = match serde_json::from_str(&review.sections) {
        Ok(Value::Array(s)) => s,
        _ => Vec::new(),
    };
    let total = i64::try_from(sections.len()).unwrap_or(i64::MAX);
    job.counts(&[("total", total), ("processed", 0)]).await?;
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Environment review #{id}</title></head>\
         <body><h1>Environment review #{id}</h1><p>Status: {status}. Evidence fingerprint: {fp}.</p>",
        id = review.id,
        status = html_escape(&review.status),
        fp = html_escape(&review.fingerprint)
    );
    for (i, section) in sections.iter().enumerate() {
        injected.checkpoint(job).await;
        injected.pace(1).await;
        let text = |k: &str| section.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
        html.push_str(&format!("<h2>{}</h2><p>{}</p>", html_escape(&text("title")), html_escape(&text("body"))));
        let done = i64::try_from(i + 1).unwrap_or(i64::MAX);
        job.counts(&[("processed", done), ("succeeded", done), ("sections", done)]).await?;
    }
    html.push_str("</body></html>");

    // The findings the review's evidence refers to (basis entry `fnd:<compare run>:…`).
    let evidence: Value = serde_json::from_str(&review.evidence).unwrap_or(Value::Null);
    let compare = evidence
        .get("basis")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .find_map(|b| b.strip_prefix("fnd:")?.split(':').next()?.parse::<i64>().ok());
    let findings: Vec<(String, String, String, String)> = match compare {
        Some(run) => {
            sqlx::query_as(
                "SELECT external_id, change, display_name, changed_settings FROM drift_findings \
                 WHERE run_id = $1 AND tenant_id = $2 ORDER BY external_id",
            )
            .bind(run)
            .bind(tenant.get())
            .fetch_all(job.state.db.pool())
            .await?
        }
        None => Vec::new(),
    };
    let mut csv = String::from("item,change,name,changed_settings\r\n");
    for (id, change, name, settings) in &findings {
        csv.push_str(&[csv_field(id), csv_field(change), csv_field(name), csv_field(settings)].join(","));
        csv.push_str("\r\n");
    }
    let review_json = serde_json::to_string_pretty(&json!({
        "id": review.id,
        "status": review.status,
        "fingerprint": review.fingerprint,
        "sections": sections,
        "evidence": evidence,
    }))?;

    // Building the archive is blocking work.
    let bytes = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, body) in
            [("summary.html", html.as_str()), ("findings.csv", csv.as_str()), ("review.json", review_json.as_str())]
        {
            zip.start_file(name, options)?;
            zip.write_all(body.as_bytes())?;
        }
        Ok(zip.finish()?.into_inner())
    })
    .await
    .context("building the review pack")??;
    let file_name = format!("review-pack-{pack}.zip");
    let path = pack_path(&job.state, &file_name);
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await.with_context(|| format!("creating {}", dir.display()))?;
    }
    tokio::fs::write(&path, &bytes).await.with_context(|| format!("writing {}", path.display()))?;
    let now = job.state.clock.now();
    let expires = now.plus(job.state.config.pack_retention);
    sqlx::query(
        "UPDATE review_packs SET status = 'ready', file_name = $1, size_bytes = $2, ready_at = $3, expires_at = $4 \
         WHERE id = $5 AND status = 'generating'",
    )
    .bind(&file_name)
    .bind(i64::try_from(bytes.len()).unwrap_or(i64::MAX))
    .bind(now.millis())
    .bind(expires.millis())
    .bind(pack)
    .execute(job.state.db.pool())
    .await?;
    injected.crash_point(job);
    Ok(HandlerResult::succeeded())
}

/// Expires every ready pack past its retention period and deletes its file. Returns how many.
pub async fn sweep_expired(state: &AppState) -> anyhow::Result<usize> {
    let now = state.clock.now().millis();
    let due: Vec<(i64, Option<String>)> =
        sqlx::query_as("SELECT id, file_name FROM review_packs WHERE status = 'ready' AND expires_at <= $1")
            .bind(now)
            .fetch_all(state.db.pool())
            .await?;
    let mut expired = 0;
    for (id, file) in due {
        let done = sqlx::query("UPDATE review_packs SET status = 'expired' WHERE id = $1 AND status = 'ready'")
            .bind(id)
            .execute(state.db.pool())
            .await?;
        if done.rows_affected() == 1 {
            expired += 1;
            if let Some(file) = file {
                match tokio::fs::remove_file(pack_path(state, &file)).await {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => tracing::warn!(pack = id, error = %e, "could not delete an expired review pack"),
                }
            }
        }
    }
    if expired > 0 {
        tracing::info!(expired, "review packs expired");
    }
    Ok(expired)
}

/// What a download request finds.
#[derive(Debug)]
pub enum PackDownload {
    /// The archive.
    Ready {
        /// The file name to offer.
        file_name: String,
        /// Its bytes.
        bytes: Vec<u8>,
    },
    /// Past its retention period; the file is gone.
    Expired,
    /// Queued, generating or failed.
    NotReady(String),
    /// No such pack in the caller's workspace.
    NotFound,
}

/// Looks up pack `id` for the caller.
pub async fn download(state: &AppState, p: &Principal, id: &str) -> anyhow::Result<PackDownload> {
    let Some(id) = id.trim().parse::<i64>().ok().filter(|i| *i > 0) else { return Ok(PackDownload::NotFound) };
    let row: Option<(String, Option<String>, i64)> =
        sqlx::query_as("SELECT status, file_name, tenant_id FROM review_packs WHERE id = $1 AND workspace_id = $2")
            .bind(id)
            .bind(p.workspace_id.get())
            .fetch_optional(state.db.pool())
            .await?;
    // A pack of a tenant outside the caller's entitlement does not exist for them.
    let row = row.filter(|(_, _, tenant)| p.access().sees_tenant(p.workspace_id, TenantId(*tenant)));
    let row = row.map(|(status, file, _)| (status, file));
    Ok(match row {
        None => PackDownload::NotFound,
        Some((status, _)) if status == "expired" => PackDownload::Expired,
        Some((status, Some(file))) if status == "ready" => match tokio::fs::read(pack_path(state, &file)).await {
            Ok(bytes) => PackDownload::Ready { file_name: file, bytes },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(pack = id, "a ready review pack's file is missing");
                PackDownload::Expired
            }
            Err(e) => return Err(e.into()),
        },
        Some((status, _)) => PackDownload::NotReady(status),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_and_csv_escaping_keep_text_inert() {
        assert_eq!(html_escape("<b>\"x\" & 'y'</b>"), "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;");
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }
}
