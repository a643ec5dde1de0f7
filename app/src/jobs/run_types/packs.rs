//! `review_pack.generate`, the retention sweep and downloads.
//!
//! A pack is a real ZIP stored in the database — `summary.html` (the review's sections),
//! `findings.csv` (the drift findings its evidence refers to) and `review.json` — with a
//! record going queued → generating → ready | failed, and to expired once its retention period
//! (default seven days) has passed, when the sweep also deletes its contents. Progress is
//! counted over the review's sections. specs/lifecycle-and-storage says why packs live in the
//! database rather than on one instance's disk.

use crate::copy::Locale;
use crate::domain::Sentence;
use crate::domain::reconcile::{Decision, PackFact, decide_pack};
use crate::domain::refusal::Thing;
use crate::domain::review::StoredSection;
use crate::domain::{Run, RunId, RunOutcome, TenantId, WorkspaceId};
use crate::jobs::provider::{Injected, begin};
use crate::jobs::run_types::{InputError, StartOptions};
use crate::jobs::worker::{BoxFuture, Handler, HandlerResult, Job};
use crate::runtime::state::AppState;
use crate::store::db::Db;
use crate::store::packs::{self as stored, PackSource};
use anyhow::Context as _;
use serde_json::{Map, Value, json};
use sqlx::AnyConnection;
use std::io::Write as _;

/// The review_pack.generate handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct GeneratePack;

/// A pack takes no snapshot, and an optional review of the tenant that is ready or
/// published (`review_id`; when none is named the handler exports the published review,
/// else the latest ready one).
pub(super) async fn inputs(
    state: &AppState,
    tenant: TenantId,
    o: &StartOptions<'_>,
) -> Result<Map<String, Value>, InputError> {
    o.takes_no_snapshot()?;
    let mut inputs = Map::new();
    if let Some(spelled) = o.review() {
        let not_found = || InputError::NotFound(Thing::ReviewForPack);
        let id = RunId::parse(spelled).ok_or_else(not_found)?.get();
        if !crate::store::workbench::review_ready_for_pack(&state.db, tenant, id).await? {
            return Err(not_found());
        }
        inputs.insert("review_id".to_owned(), json!(id));
    }
    Ok(inputs)
}

impl Handler for GeneratePack {
    fn run(&self, job: Job) -> BoxFuture<anyhow::Result<HandlerResult>> {
        Box::pin(generate(job))
    }
}

/// The reconciliation adapter: what each run's own pack says — a pack made (ready, or expired
/// since) proves the run did its work, decided by the domain. One query per chunk of runs.
pub(super) async fn adapter(state: &AppState, runs: &[&Run]) -> Result<Vec<(RunId, Decision)>, sqlx::Error> {
    let mut decided = Vec::new();
    for chunk in runs.chunks(super::ADAPTER_CHUNK) {
        let ids: Vec<RunId> = chunk.iter().map(|run| run.id).collect();
        let facts: Vec<PackFact> = crate::store::sweeps::packs(&state.db, &ids)
            .await?
            .into_iter()
            .map(|p| PackFact {
                id: p.id,
                run: RunId(p.run_id),
                workspace: WorkspaceId(p.workspace_id),
                tenant: TenantId(p.tenant_id),
                made: matches!(p.status.as_str(), "ready" | "expired"),
            })
            .collect();
        decided.extend(chunk.iter().filter_map(|run| decide_pack(run, &facts).map(|d| (run.id, d))));
    }
    Ok(decided)
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

/// Quotes a CSV field when it needs it (RFC 4180). A field a spreadsheet would read as a
/// formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`,
/// so an item name chosen in the customer's cloud cannot run anything on the reader's machine.
pub fn csv_field(text: &str) -> String {
    let inert = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() };
    if inert.contains([',', '"', '\n', '\r']) { format!("\"{}\"", inert.replace('"', "\"\"")) } else { inert }
}

/// The language of the person who asked for the pack (their chosen one; English when they
/// chose none, since no browser is asking): the pack is a document for them to share.
async fn reader_locale(job: &Job) -> Result<Locale, sqlx::Error> {
    let Some(user) = job.run.initiator else { return Ok(Locale::En) };
    let chosen = crate::store::people::user(&job.state.db, user).await?.and_then(|u| u.locale);
    Ok(chosen.and_then(|code| Locale::parse(&code).ok()).unwrap_or(Locale::En))
}

async fn generate(job: Job) -> anyhow::Result<HandlerResult> {
    let (tenant, injected) = match begin(&job).await? {
        Ok(ready) => ready,
        Err(end) => return Ok(end),
    };
    let db = &job.state.db;
    let wanted = job.run.context.inputs().and_then(|i| i.get("review_id")).and_then(Value::as_i64);
    let review = stored::source_review(db, tenant, wanted).await?;
    let Some(review) = review else {
        return Ok(HandlerResult::ended(RunOutcome::Blocked, "no_review", Sentence::NothingToExport, None));
    };
    // Opened while the run holds its lease: a run the reconciler already decided opens none.
    let mut tx = db.begin_write().await?;
    job.hold(&mut tx).await?;
    let pack =
        stored::begin(&mut tx, job.run.workspace_id, tenant, review.id, job.run.id, job.state.clock.now()).await?;
    tx.commit().await?;
    match build(&job, tenant, pack, &review, &injected).await {
        Ok(result) => Ok(result),
        Err(e) => {
            stored::fail(db, pack).await?;
            Err(e)
        }
    }
}

async fn build(
    job: &Job,
    tenant: TenantId,
    pack: i64,
    review: &PackSource,
    injected: &Injected,
) -> anyhow::Result<HandlerResult> {
    let sections: Vec<Value> = match serde_json::from_str(&review.sections) {
        Ok(Value::Array(s)) => s,
        _ => Vec::new(),
    };
    let total = i64::try_from(sections.len()).unwrap_or(i64::MAX);
    job.counts(&[("total", total), ("processed", 0)]).await?;
    let locale = reader_locale(job).await?;
    let c = locale.catalog();
    let heading = html_escape(&(c.records.pack_heading)(review.id));
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{heading}</title></head>\
         <body><h1>{heading}</h1><p>{lede}</p>",
        lang = locale.code(),
        lede = html_escape(&(c.records.pack_lede)(&review.status, &review.fingerprint)),
    );
    for (i, section) in sections.iter().enumerate() {
        injected.checkpoint(job).await;
        injected.pace(1).await;
        let (title, body) = c.review_section(&StoredSection::read(section));
        html.push_str(&format!("<h2>{}</h2><p>{}</p>", html_escape(&title), html_escape(&body)));
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
    let findings = match compare {
        Some(run) => stored::findings(&job.state.db, run, tenant).await?,
        None => Vec::new(),
    };
    let mut csv = String::from("item,change,name,changed_settings\r\n");
    for f in &findings {
        let fields = [&f.external_id, &f.change, &f.display_name, &f.changed_settings];
        csv.push_str(&fields.map(|s| csv_field(s)).join(","));
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
    let now = job.state.clock.now();
    let expires = now.plus(job.state.config.pack_retention);
    // Stored and ready only while the run still holds its lease; otherwise its ending failed
    // the pack and nothing is stored.
    let mut tx = job.state.db.begin_write().await?;
    job.hold(&mut tx).await?;
    stored::ready(&mut tx, pack, &file_name, &bytes, now, expires).await?;
    tx.commit().await?;
    injected.crash_point(job);
    Ok(HandlerResult::succeeded())
}

/// How many due packs one sweep step looks at: each is expired in its own short transaction.
const EXPIRE_BATCH: i64 = 100;

/// Expires every ready pack past its retention period and deletes its contents, a bounded
/// batch at a time. Returns how many this instance expired.
pub async fn sweep_expired(state: &AppState) -> anyhow::Result<usize> {
    let mut expired = 0;
    loop {
        let due = stored::due(&state.db, state.clock.now(), EXPIRE_BATCH).await?;
        for &id in &due {
            if stored::expire(&state.db, id).await? {
                expired += 1;
            }
        }
        if i64::try_from(due.len()).unwrap_or(i64::MAX) < EXPIRE_BATCH {
            break;
        }
    }
    if expired > 0 {
        tracing::info!(expired, "review packs expired");
    }
    Ok(expired)
}

/// Fails the packs `runs` were still making: their runs ended without finishing them.
pub(super) async fn end_with_runs(db: &Db, conn: &mut AnyConnection, runs: &[RunId]) -> Result<(), sqlx::Error> {
    stored::end_with_runs(db, conn, runs).await
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

    #[test]
    fn csv_cells_a_spreadsheet_would_run_as_formulas_are_neutralised() {
        assert_eq!(csv_field("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
        for (cell, inert) in [("+1", "'+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx")] {
            assert_eq!(csv_field(cell), inert, "{cell:?}");
        }
        assert_eq!(csv_field("\r=1"), "\"'\r=1\"");
        assert_eq!(csv_field("a=b"), "a=b", "only a leading sign is a formula");
    }
}
