//! The browser bundle on the wire (specs/browser-bundle, "On the wire").
//!
//! Pages load the bundle under a name stamped with a hash of its contents
//! (`/pkg/opshub.<stamp>.js`, `.wasm`, `.css`), so a browser may keep those answers for a year
//! without asking again, and a new build is fetched the moment its pages name it. The files
//! on disk keep their plain names; the stamp exists only in the URL, computed here when the
//! server starts from the files it will actually serve, so a page can never name a file this
//! server does not have.
//!
//! Answers come from the brotli or gzip copy written at build time when the browser accepts
//! it (`cargo leptos build --release --precompress`), so nothing is compressed per request.
//! A plain name (what the server-written calm pages link) is answered too, but must be
//! revalidated.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::path::Path;
use tower_http::services::ServeDir;

/// The bundle's file name without stamp or extension (cargo-leptos's `output-name`).
pub const BASE_NAME: &str = "opshub";

/// The folder of the site root the bundle lives in, and its URL path.
pub const PKG_DIR: &str = "pkg";

/// How long a stamped answer may be kept: a year, never revalidated.
const STAMPED: &str = "public, max-age=31536000, immutable";

/// A plain name's answer may be kept but is asked for again (a 304 when unchanged).
const PLAIN: &str = "no-cache";

/// The name pages load the bundle under: [`BASE_NAME`] stamped with the first 16 hex digits
/// of a SHA-256 over the bundle's files in `site_root`, or the plain name when there is no
/// bundle (a server built without its browser half still answers every page).
pub fn stamped_name(site_root: &str) -> String {
    match stamp(&Path::new(site_root).join(PKG_DIR)) {
        Ok(Some(stamp)) => format!("{BASE_NAME}.{stamp}"),
        Ok(None) => {
            tracing::warn!(site_root, "no browser bundle found; pages will render but not hydrate");
            BASE_NAME.to_owned()
        }
        Err(e) => {
            tracing::warn!(site_root, error = %e, "could not read the browser bundle; serving it under its plain name");
            BASE_NAME.to_owned()
        }
    }
}

/// The hash of every bundle file (`opshub.js`, `opshub.wasm`, `opshub.css`, …; not their
/// compressed copies), names and contents, in name order.
fn stamp(pkg: &Path) -> std::io::Result<Option<String>> {
    let Ok(entries) = std::fs::read_dir(pkg) else { return Ok(None) };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = name.starts_with(BASE_NAME) && !name.ends_with(".br") && !name.ends_with(".gz");
        if ours && entry.file_type()?.is_file() {
            files.push(name);
        }
    }
    if files.is_empty() {
        return Ok(None);
    }
    files.sort();
    let mut hash = Sha256::new();
    for name in &files {
        hash.update(name.as_bytes());
        hash.update(std::fs::read(pkg.join(name))?);
    }
    let digest = hash.finalize();
    Ok(Some(digest.iter().take(8).map(|b| format!("{b:02x}")).collect()))
}

/// Serves `/pkg/…` from the site root.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The site root's files, answered from their compressed copies where accepted.
    files: ServeDir,
    /// `opshub.<stamp>`, or the plain name when unstamped.
    stamped: String,
}

impl Bundle {
    /// The bundle the pages of `options` name.
    pub fn of(options: &leptos::config::LeptosOptions) -> Self {
        Self::in_root(Path::new(options.site_root.as_ref()), options.output_name.to_string())
    }

    fn in_root(root: &Path, stamped: String) -> Self {
        Self { files: ServeDir::new(root).precompressed_br().precompressed_gzip(), stamped }
    }

    /// The file a request path names, and whether it named it by its stamp.
    fn resolve(&self, path: &str) -> Option<(String, bool)> {
        let file = path.strip_prefix('/')?.strip_prefix(PKG_DIR)?.strip_prefix('/')?;
        if self.stamped != BASE_NAME
            && let Some(rest) = file.strip_prefix(self.stamped.as_str())
        {
            return Some((format!("/{PKG_DIR}/{BASE_NAME}{rest}"), true));
        }
        Some((path.to_owned(), false))
    }

    /// Answers a request for a bundle file: the precompressed copy the browser accepts, with
    /// the caching its name allows.
    pub async fn serve(&self, req: Request) -> Response {
        let Some((file, stamped)) = self.resolve(req.uri().path()) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let (mut parts, body) = req.into_parts();
        parts.uri = match Uri::try_from(file) {
            Ok(uri) => uri,
            Err(_) => return StatusCode::NOT_FOUND.into_response(),
        };
        let mut res = match self.files.clone().try_call(Request::from_parts(parts, body)).await {
            Ok(res) => res.map(Body::new),
            Err(e) => {
                tracing::error!(error = %e, "could not read a bundle file");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        };
        let ok = res.status() == StatusCode::OK || res.status() == StatusCode::NOT_MODIFIED;
        let cache = match (ok, stamped) {
            (true, true) => STAMPED,
            (true, false) => PLAIN,
            (false, _) => "no-store",
        };
        let h = res.headers_mut();
        // Every answer here depends on Accept-Encoding, compressed copy or not.
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle_in(dir: &Path) -> Bundle {
        let pkg = dir.join(PKG_DIR);
        std::fs::create_dir_all(&pkg).expect("pkg");
        std::fs::write(pkg.join("opshub.js"), "export default function init() {}\n".repeat(100)).expect("js");
        std::fs::write(pkg.join("opshub.wasm"), b"\0asm wasm bytes").expect("wasm");
        std::fs::write(pkg.join("opshub.wasm.br"), b"brotli bytes").expect("br");
        Bundle::in_root(dir, stamped_name(&dir.to_string_lossy()))
    }

    async fn get(bundle: &Bundle, path: &str, encodings: &str) -> Response {
        let req = Request::builder()
            .uri(path)
            .header(header::ACCEPT_ENCODING, encodings)
            .body(Body::empty())
            .expect("request");
        bundle.serve(req).await
    }

    #[test]
    fn the_stamp_changes_with_any_file_of_the_bundle_and_ignores_its_compressed_copies() {
        let dir = tempfile::tempdir().expect("dir");
        let first = bundle_in(dir.path()).stamped;
        assert!(first.starts_with("opshub.") && first.len() == "opshub.".len() + 16, "{first}");
        std::fs::write(dir.path().join(PKG_DIR).join("opshub.js.gz"), b"whatever").expect("gz");
        assert_eq!(stamped_name(&dir.path().to_string_lossy()), first);
        std::fs::write(dir.path().join(PKG_DIR).join("opshub.css"), b"main{}").expect("css");
        assert_ne!(stamped_name(&dir.path().to_string_lossy()), first);
    }

    #[test]
    fn without_a_bundle_pages_name_it_plainly() {
        let dir = tempfile::tempdir().expect("dir");
        assert_eq!(stamped_name(&dir.path().to_string_lossy()), BASE_NAME);
    }

    #[tokio::test]
    async fn a_stamped_name_is_answered_from_the_compressed_copy_and_kept_for_a_year() {
        let dir = tempfile::tempdir().expect("dir");
        let bundle = bundle_in(dir.path());
        let res = get(&bundle, &format!("/pkg/{}.wasm", bundle.stamped), "gzip, br").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers().get(header::CONTENT_ENCODING).map(HeaderValue::as_bytes), Some(&b"br"[..]));
        assert_eq!(res.headers().get(header::CACHE_CONTROL).map(HeaderValue::as_bytes), Some(STAMPED.as_bytes()));
        assert_eq!(res.headers().get(header::VARY).map(HeaderValue::as_bytes), Some(&b"accept-encoding"[..]));
        let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.expect("body");
        assert_eq!(&body[..], b"brotli bytes");

        // A browser that accepts neither gets the file itself.
        let res = get(&bundle, &format!("/pkg/{}.wasm", bundle.stamped), "identity").await;
        assert!(res.headers().get(header::CONTENT_ENCODING).is_none());
        let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.expect("body");
        assert_eq!(&body[..], b"\0asm wasm bytes");
    }

    #[tokio::test]
    async fn a_plain_name_is_answered_but_revalidated_and_another_build_is_not_found() {
        let dir = tempfile::tempdir().expect("dir");
        let bundle = bundle_in(dir.path());
        let res = get(&bundle, "/pkg/opshub.js", "gzip").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers().get(header::CACHE_CONTROL).map(HeaderValue::as_bytes), Some(PLAIN.as_bytes()));
        for path in ["/pkg/opshub.0123456789abcdef.js", "/pkg/nothing.js", "/pkg/../Cargo.toml"] {
            let res = get(&bundle, path, "gzip").await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
            assert_eq!(res.headers().get(header::CACHE_CONTROL).map(HeaderValue::as_bytes), Some(&b"no-store"[..]));
        }
    }
}
