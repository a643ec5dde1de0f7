//! Security headers on every response.
//!
//! Pages get a Content-Security-Policy naming the per-response nonce Leptos puts on its
//! inline hydration script (set while the page renders, see [`page_policy`]); everything
//! else — server-function answers, JSON, downloads, static files — gets a policy that
//! allows nothing, since none of it is meant to run as a page. WebAssembly needs
//! `'wasm-unsafe-eval'` to compile the bundle; `'unsafe-eval'` and `'unsafe-inline'` are
//! never allowed, so the app's views carry no inline style or script. Framing is refused
//! everywhere, and browsers are told to keep to https when the instance is configured for it.

use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;

/// The policy of a rendered page whose inline scripts carry `nonce`.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy of everything that is not a page.
pub const NOT_A_PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The policy of the small server-written pages (a pack that expired or does not exist): the
/// site's stylesheet and icon, nothing that runs.
pub const CALM_PAGE_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'none'";

/// Whether this instance is served over https (the `secure_cookies` setting).
#[derive(Debug, Clone, Copy)]
pub struct Https(pub bool);

/// Adds the headers (see the module docs) that the handler did not set itself.
pub fn secure(res: &mut Response, https: Https) {
    const COOP: HeaderName = HeaderName::from_static("cross-origin-opener-policy");
    let h = res.headers_mut();
    h.reserve(6);
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(NOT_A_PAGE_POLICY));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(COOP, HeaderValue::from_static("same-origin"));
    if https.0 {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_allows_only_nonced_inline_scripts_and_never_eval() {
        let p = page_policy("abc123");
        assert!(p.contains("'nonce-abc123'"));
        assert!(p.contains("frame-ancestors 'none'"));
        assert!(!p.contains("'unsafe-eval'") && !p.contains("'unsafe-inline'"), "{p}");
        assert!(HeaderValue::from_str(&p).is_ok());
    }

    async fn headers_with(https: bool) -> axum::http::HeaderMap {
        let mut res = axum::response::IntoResponse::into_response("x");
        secure(&mut res, Https(https));
        res.headers().clone()
    }

    #[tokio::test]
    async fn browsers_are_told_to_keep_to_https_only_when_the_instance_is_served_over_it() {
        let over_https = headers_with(true).await;
        assert_eq!(
            over_https.get(header::STRICT_TRANSPORT_SECURITY).map(HeaderValue::as_bytes),
            Some(&b"max-age=31536000"[..])
        );
        let plain = headers_with(false).await;
        assert!(plain.get(header::STRICT_TRANSPORT_SECURITY).is_none());
        for h in [&over_https, &plain] {
            assert_eq!(
                h.get(header::CONTENT_SECURITY_POLICY).map(HeaderValue::as_bytes),
                Some(NOT_A_PAGE_POLICY.as_bytes())
            );
            assert_eq!(h.get(header::X_CONTENT_TYPE_OPTIONS).map(HeaderValue::as_bytes), Some(&b"nosniff"[..]));
        }
    }
}
