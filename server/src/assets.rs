//! The browser bundle on the wire (specs/browser-bundle, "On the wire").
//!
//! Pages load the bundle from a folder named by a hash of its contents
//! (`/pkg/<stamp>/opshub.js`, `.wasm`, `.css`, and the chunks of pages loaded on demand), so
//! a browser may keep those answers for a year without asking again, and a new build is
//! fetched the moment its pages name it. The stamp names a folder rather than each file
//! because the bundle's files load one another by relative names (the main module loads the
//! chunk loader, the loader loads the main module and the chunks): inside one stamped folder
//! every such name stays right without rewriting a file. The files on disk keep their plain
//! names in `pkg/`; the stamp exists only in the URL, computed here when the server starts
//! from the files it will actually serve, so a page can never name a file this server does
//! not have.
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

/// The bundle's file name without extension (cargo-leptos's `output-name`).
pub const BUNDLE_NAME: &str = "opshub";

/// The folder of the site root the bundle lives in, and its URL path.
pub const PKG_DIR: &str = "pkg";

/// How long a stamped answer may be kept: a year, never revalidated.
const STAMPED: &str = "public, max-age=31536000, immutable";

/// A plain name's answer may be kept but is asked for again (a 304 when unchanged).
const PLAIN: &str = "no-cache";

/// The URL folder pages load the bundle from: `pkg/<stamp>`, the stamp being the first 16
/// hex digits of a SHA-256 over the bundle's files in `site_root`; or plain `pkg` when there
/// is no bundle (a server built without its browser half still answers every page).
pub fn stamped_pkg_dir(site_root: &str) -> String {
    match stamp(&Path::new(site_root).join(PKG_DIR)) {
        Ok(Some(stamp)) => format!("{PKG_DIR}/{stamp}"),
        Ok(None) => {
            tracing::warn!(site_root, "no browser bundle found; pages will render but not hydrate");
            PKG_DIR.to_owned()
        }
        Err(e) => {
            tracing::warn!(site_root, error = %e, "could not read the browser bundle; serving it under its plain names");
            PKG_DIR.to_owned()
        }
    }
}

/// The hash of every file of the bundle (the main module, its wasm, the stylesheet, the
/// chunk loader, the chunks and their manifest, wasm-bindgen's snippets; not their
/// compressed copies), relative names and contents, in name order.
fn stamp(pkg: &Path) -> std::io::Result<Option<String>> {
    if !pkg.is_dir() {
        return Ok(None);
    }
    let mut files = Vec::new();
    let mut folders = vec![pkg.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let path = entry.path();
            if kind.is_dir() {
                folders.push(path);
            } else if kind.is_file() && !matches!(path.extension().and_then(|e| e.to_str()), Some("br" | "gz")) {
                let name = path.strip_prefix(pkg).unwrap_or(&path).to_string_lossy().into_owned();
                files.push((name, path));
            }
        }
    }
    if files.is_empty() {
        return Ok(None);
    }
    files.sort();
    let mut hash = Sha256::new();
    for (name, path) in &files {
        hash.update(name.as_bytes());
        hash.update([0]);
        hash.update(std::fs::read(path)?);
    }
    let digest = hash.finalize();
    Ok(Some(digest.iter().take(8).map(|b| format!("{b:02x}")).collect()))
}

/// Serves `/pkg/…` from the site root.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The site root's files, answered from their compressed copies where accepted.
    files: ServeDir,
    /// The stamp of the folder pages name, or `None` when unstamped.
    stamp: Option<String>,
}

impl Bundle {
    /// The bundle the pages of `options` name.
    pub fn of(options: &leptos::config::LeptosOptions) -> Self {
        let stamp = options.site_pkg_dir.strip_prefix(PKG_DIR).and_then(|s| s.strip_prefix('/'));
        Self::in_root(Path::new(options.site_root.as_ref()), stamp.map(str::to_owned))
    }

    fn in_root(root: &Path, stamp: Option<String>) -> Self {
        Self { files: ServeDir::new(root).precompressed_br().precompressed_gzip(), stamp }
    }

    /// The file a request path names, and whether it named it inside the stamped folder.
    fn resolve(&self, path: &str) -> Option<(String, bool)> {
        let file = path.strip_prefix('/')?.strip_prefix(PKG_DIR)?.strip_prefix('/')?;
        if let Some(stamp) = &self.stamp
            && let Some(rest) = file.strip_prefix(stamp.as_str()).and_then(|r| r.strip_prefix('/'))
        {
            return Some((format!("/{PKG_DIR}/{rest}"), true));
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
        std::fs::create_dir_all(pkg.join("snippets")).expect("pkg");
        std::fs::write(pkg.join("opshub.js"), "export default function init() {}\n".repeat(100)).expect("js");
        std::fs::write(pkg.join("opshub.wasm"), b"\0asm wasm bytes").expect("wasm");
        std::fs::write(pkg.join("opshub.wasm.br"), b"brotli bytes").expect("br");
        std::fs::write(pkg.join("snippets").join("inline0.js"), b"export function f() {}").expect("snippet");
        bundle_at(dir)
    }

    fn bundle_at(dir: &Path) -> Bundle {
        let options = leptos::config::LeptosOptions::builder()
            .output_name(BUNDLE_NAME)
            .site_root(dir.to_string_lossy().into_owned())
            .site_pkg_dir(stamped_pkg_dir(&dir.to_string_lossy()))
            .build();
        Bundle::of(&options)
    }

    fn stamp_of(bundle: &Bundle) -> String {
        bundle.stamp.clone().expect("a stamped bundle")
    }

    async fn get(bundle: &Bundle, path: &str, encodings: &str) -> Response {
        let req = Request::builder()
            .uri(path)
            .header(header::ACCEPT_ENCODING, encodings)
            .body(Body::empty())
            .expect("request");
        bundle.serve(req).await
    }

    fn cache_control(res: &Response) -> Option<&[u8]> {
        res.headers().get(header::CACHE_CONTROL).map(HeaderValue::as_bytes)
    }

    #[test]
    fn the_stamp_changes_with_any_file_of_the_bundle_and_ignores_its_compressed_copies() {
        let dir = tempfile::tempdir().expect("dir");
        let first = stamp_of(&bundle_in(dir.path()));
        assert!(first.len() == 16 && first.bytes().all(|b| b.is_ascii_hexdigit()), "{first}");
        let pkg = dir.path().join(PKG_DIR);
        std::fs::write(pkg.join("opshub.js.gz"), b"whatever").expect("gz");
        assert_eq!(stamp_of(&bundle_at(dir.path())), first);
        std::fs::write(pkg.join("__wasm_split.______________________.js"), b"import './opshub.js';").expect("loader");
        let with_loader = stamp_of(&bundle_at(dir.path()));
        assert_ne!(with_loader, first);
        std::fs::write(pkg.join("snippets").join("inline0.js"), b"export function g() {}").expect("snippet");
        assert_ne!(stamp_of(&bundle_at(dir.path())), with_loader, "a file in a sub-folder counts too");
    }

    #[test]
    fn without_a_bundle_pages_name_the_plain_folder() {
        let dir = tempfile::tempdir().expect("dir");
        assert_eq!(stamped_pkg_dir(&dir.path().to_string_lossy()), PKG_DIR);
        assert_eq!(bundle_at(dir.path()).stamp, None);
    }

    #[tokio::test]
    async fn a_file_in_the_stamped_folder_is_answered_from_the_compressed_copy_and_kept_for_a_year() {
        let dir = tempfile::tempdir().expect("dir");
        let bundle = bundle_in(dir.path());
        let stamp = stamp_of(&bundle);
        let res = get(&bundle, &format!("/pkg/{stamp}/opshub.wasm"), "gzip, br").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers().get(header::CONTENT_ENCODING).map(HeaderValue::as_bytes), Some(&b"br"[..]));
        assert_eq!(cache_control(&res), Some(STAMPED.as_bytes()));
        assert_eq!(res.headers().get(header::VARY).map(HeaderValue::as_bytes), Some(&b"accept-encoding"[..]));
        let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.expect("body");
        assert_eq!(&body[..], b"brotli bytes");

        // A browser that accepts neither gets the file itself.
        let res = get(&bundle, &format!("/pkg/{stamp}/opshub.wasm"), "identity").await;
        assert!(res.headers().get(header::CONTENT_ENCODING).is_none());
        let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.expect("body");
        assert_eq!(&body[..], b"\0asm wasm bytes");

        // What the bundle loads by a relative name resolves inside the same stamped folder.
        let res = get(&bundle, &format!("/pkg/{stamp}/snippets/inline0.js"), "identity").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(cache_control(&res), Some(STAMPED.as_bytes()));
    }

    #[tokio::test]
    async fn a_plain_name_is_answered_but_revalidated_and_another_build_is_not_found() {
        let dir = tempfile::tempdir().expect("dir");
        let bundle = bundle_in(dir.path());
        let stamp = stamp_of(&bundle);
        let res = get(&bundle, "/pkg/opshub.js", "gzip").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(cache_control(&res), Some(PLAIN.as_bytes()));
        for path in [
            "/pkg/0123456789abcdef/opshub.js".to_owned(),
            format!("/pkg/{stamp}/nothing.js"),
            format!("/pkg/{stamp}opshub.js"),
            "/pkg/nothing.js".to_owned(),
            "/pkg/../Cargo.toml".to_owned(),
            format!("/pkg/{stamp}/../../Cargo.toml"),
        ] {
            let res = get(&bundle, &path, "gzip").await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
            assert_eq!(cache_control(&res), Some(&b"no-store"[..]));
        }
    }
}
