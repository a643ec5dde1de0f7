//! Pages in the reader's language on both databases: a German browser sees no English operator
//! text on any page of the seeded demo, and a person's own choice of language wins over the
//! browser's until they hand it back.

use super::*;

/// The English texts a German page must not show: each plain entry and each enum value's
/// text that German words differently. Formatted entries are covered by the catalog's own
/// coverage test (their samples carry arguments no page shows).
fn english_only_texts() -> Vec<String> {
    /// English entries that are German words as well ("nach dem Start").
    const GERMAN_TOO: [&str; 1] = ["Start"];
    use app::copy::{DE, EN, SAMPLE_SEPARATOR};
    let german = DE.entries();
    let mut out = Vec::new();
    for ((_, _, english), (_, _, deutsch)) in EN.entries().iter().zip(&german) {
        for (e, d) in english.split(SAMPLE_SEPARATOR).zip(deutsch.split(SAMPLE_SEPARATOR)) {
            let formatted = e.contains('X') || e.chars().any(|c| c.is_ascii_digit());
            if e != d && !formatted && e.trim().len() > 2 && !GERMAN_TOO.contains(&e.trim()) {
                out.push(e.trim().to_owned());
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether `phrase` occurs in `text` as whole words ("Start" is not in "Starten").
fn has_phrase(text: &str, phrase: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    text.match_indices(phrase)
        .any(|(i, _)| !word(text[..i].chars().next_back()) && !word(text[i + phrase.len()..].chars().next()))
}

/// What a person reads on a page: its text and the labels of its elements (`aria-label`,
/// `title`, `placeholder`, `alt`), not the stored spellings in `data-*`, `value` or `href`.
fn operator_text(html: &str) -> String {
    const READ: [&str; 4] = ["aria-label", "title", "placeholder", "alt"];
    let (mut out, mut rest) = (String::new(), html);
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        let Some(close) = rest[open..].find('>') else { break };
        let tag = &rest[open..open + close];
        for (i, _) in tag.match_indices("=\"") {
            let name = tag[..i].rsplit([' ', '\n']).next().unwrap_or_default();
            let value = tag[i + 2..].split('"').next().unwrap_or_default();
            if READ.contains(&name) {
                out.push_str(value);
                out.push(' ');
            }
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out.replace("&#x27;", "'").replace("&amp;", "&").replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">")
}

/// The seeded demo's pages for a German browser: German throughout, `<html lang="de">` —
/// failure sentences and notifications included, which jobs stored as typed sentences and
/// the pages word in the reader's language.
pub(crate) async fn german_pages_show_no_english_operator_text(t: &TestDb) {
    use server::seed::DEMO_PEOPLE;
    const GERMAN: &str = "de-DE,de;q=0.9,en;q=0.5";
    let SeededDemo { state, router, demo, owner_cookie, platform_cookie, runs, .. } = seeded_demo(t).await;
    let mut names: Vec<String> = sqlx::query_scalar("SELECT name FROM tenants UNION SELECT name FROM workspaces")
        .fetch_all(state.db.pool())
        .await
        .expect("names");
    // Names are data, not operator text: tenants and workspaces above ("Tenant One"), people
    // here ("Dana Operator").
    names.extend(DEMO_PEOPLE.iter().map(|p| p.name.to_owned()));
    names.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut pages: Vec<(String, &str)> = ["/admin", "/admin/operations", "/admin/operations?status=active"]
        .map(|p| (p.to_owned(), owner_cookie.as_str()))
        .to_vec();
    pages.extend(
        ProblemClass::ALL.iter().map(|c| (format!("/admin/operations?class={}", c.as_str()), owner_cookie.as_str())),
    );
    pages.extend(demo.tenants.iter().map(|t| (format!("/admin/t/{t}"), owner_cookie.as_str())));
    pages.extend(runs.iter().map(|id| (format!("/admin/operations/{id}"), owner_cookie.as_str())));
    pages.push(("/admin/notifications".to_owned(), owner_cookie.as_str()));
    pages
        .extend(["/system", "/system/ops/stuck", "/system/ops/runs"].map(|p| (p.to_owned(), platform_cookie.as_str())));
    pages.push(("/login".to_owned(), ""));
    let english = english_only_texts();
    assert!(english.len() > 150, "the scan looks for {} texts", english.len());
    for (path, cookie) in &pages {
        let cookie = Some(*cookie).filter(|c| !c.is_empty());
        let (status, body) = send(&router, &asking(GERMAN, get(path.clone())), cookie).await;
        assert_eq!(status, 200, "{path}");
        assert!(body.contains("<html lang=\"de\""), "{path} is not marked German");
        let mut body = operator_text(&without_diagnostics(&body));
        for s in &names {
            body = body.replace(s.as_str(), " ");
        }
        let found: Vec<&str> = english.iter().map(String::as_str).filter(|e| has_phrase(&body, e)).collect();
        let context: Vec<&str> = found
            .iter()
            .filter_map(|e| body.find(e).and_then(|i| body.get(i.saturating_sub(60)..(i + 60).min(body.len()))))
            .collect();
        assert!(found.is_empty(), "{path} shows English: {found:?} in {context:?}");
    }
}

/// The user's own choice wins over the browser's, "browser" hands it back, and a language
/// Opshub does not speak is refused calmly in the page's language.
pub(crate) async fn a_users_language_wins_over_the_browsers_until_they_hand_it_back(t: &TestDb) {
    let w = world(t).await;
    let owner = w.cookies[1].as_deref();
    let page = || asking("de", get("/admin/operations".into()));
    let lang = |body: &str| body.split("<html lang=\"").nth(1).and_then(|r| r.split('"').next()).map(str::to_owned);
    assert_eq!(lang(&send(&w.router, &page(), owner).await.1).as_deref(), Some("de"), "the browser's language");
    assert_eq!(lang(&send(&w.router, &get("/admin/operations".into()), owner).await.1).as_deref(), Some("en"));

    let choose = |value: &str| asking("de", post("/api/set_language", format!("language={value}&next=%2Fadmin")));
    let (status, _) = send(&w.router, &choose("en"), owner).await;
    assert_eq!(status, 200);
    assert_eq!(lang(&send(&w.router, &page(), owner).await.1).as_deref(), Some("en"), "the user's choice wins");

    let (status, body) = send(&w.router, &choose("fr"), owner).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains(app::copy::EN.errors.bad_language), "answered in the user's language: {body}");
    assert_eq!(
        lang(&send(&w.router, &page(), owner).await.1).as_deref(),
        Some("en"),
        "a refused choice changes nothing"
    );

    assert_eq!(send(&w.router, &choose("browser"), owner).await.0, 200);
    assert_eq!(lang(&send(&w.router, &page(), owner).await.1).as_deref(), Some("de"), "handed back to the browser");
    let (status, body) = send(&w.router, &asking("de", post("/api/set_language", "language=xx".into())), owner).await;
    assert_eq!(status, 422);
    assert!(body.contains(app::copy::DE.errors.bad_language), "{body}");
}

#[test]
fn a_phrase_is_found_only_as_whole_words() {
    assert!(has_phrase("<p>Start</p>", "Start"));
    assert!(!has_phrase("<p>Starten</p>", "Start"));
    assert!(has_phrase("x. Sign in to continue.", "Sign in"));
    assert!(!has_phrase("Neustart", "Start"));
}
