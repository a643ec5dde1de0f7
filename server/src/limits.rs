//! Bounds on what a request may carry, checked before any handler, session lookup, database
//! query or password hash (specs/security, "Bounded input").
//!
//! - An address (path and query) longer than [`MAX_URI`] is answered 414: none of ours comes
//!   near it, and a page that echoes its own address must not echo an attacker's megabyte.
//! - A header longer than [`MAX_HEADER`] is answered 431.
//! - A body longer than [`MAX_BODY`] is answered 413 (the layer in the router).
//! - Each argument's own shape (ids, filters, languages, return paths) is checked where it
//!   is parsed; a server function whose arguments do not even decode is answered with the
//!   status its typed error names (422), never the 500 the framework would give it.

use app::api::ApiError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};

/// The longest path and query served.
pub const MAX_URI: usize = 2048;
/// The longest single header value read.
pub const MAX_HEADER: usize = 8 * 1024;
/// The largest request body read.
pub const MAX_BODY: usize = 64 * 1024;

/// A calm refusal of a request's shape with `status`, in the browser's language.
fn refuse(req: &Request, status: StatusCode) -> Response {
    let locale = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 256)
        .and_then(app::copy::Locale::negotiate)
        .unwrap_or_default();
    let body = serde_json::json!({ "error": locale.catalog().errors.bad_shape }).to_string();
    let mut res = (status, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}

/// The refusal of an overlong address or header (see the module docs), if the request has one.
pub fn refusal(req: &Request) -> Option<Response> {
    let uri = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri > MAX_URI {
        tracing::warn!(uri_len = uri, "refused an overlong address");
        return Some(refuse(req, StatusCode::URI_TOO_LONG));
    }
    if let Some((name, value)) = req.headers().iter().find(|(_, v)| v.len() > MAX_HEADER) {
        tracing::warn!(header = %name, len = value.len(), "refused an overlong header");
        return Some(refuse(req, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE));
    }
    None
}

/// Whether `req` calls a server function (whose error answers [`typed_status`] corrects).
pub fn is_server_fn(req: &Request) -> bool {
    req.uri().path().starts_with("/api/") && req.method() == axum::http::Method::POST
}

/// Gives a server function's error answer the status its typed error names. The framework
/// answers every error 500; ours say what they are (an argument that does not decode is 422).
pub async fn typed_status(is_server_fn: bool, res: Response) -> Response {
    if !is_server_fn || res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return (parts, Body::empty()).into_response();
    };
    if let Ok(e) = serde_json::from_slice::<ApiError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(e.status())
    {
        parts.status = status;
    }
    (parts, Body::from(bytes)).into_response()
}
