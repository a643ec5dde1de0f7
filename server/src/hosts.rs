//! The names this server answers as (specs/security, "Allowed hosts").
//!
//! A page on another site can make a browser send requests to a local Opshub by pointing its
//! own DNS name at 127.0.0.1 (DNS rebinding): the browser then treats our answers as that
//! site's and lets its script read them and post forms to us. Two checks stop it, both reading
//! the configured public origins and never trusting what a request says about itself:
//!
//! - a request whose `Host` (or HTTP/2 authority) is not one of those origins' hosts is
//!   answered 400 before any handler, session lookup or sign-in runs;
//! - a state-changing request must name one of those origins exactly (scheme, host and port)
//!   in its `Origin` or, when a browser sends none, its `Referer`.
//!
//! Liveness, readiness and metrics are answered whatever the `Host`: probes and scrapers
//! address a server by its IP, and those endpoints carry no session and no tenant data.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use std::fmt;

/// How many origins `public_origins` may list.
const MAX_ORIGINS: usize = 32;

/// The longest host name DNS allows.
const MAX_HOST: usize = 253;

/// http or https.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP (port 80 unless given).
    Http,
    /// HTTP over TLS (port 443 unless given).
    Https,
}

impl Scheme {
    const fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }

    const fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }
}

/// One origin browsers reach this server at: scheme, host (lower case; an IPv6 address in
/// brackets) and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: Scheme,
    host: String,
    port: u16,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.port == self.scheme.default_port() {
            write!(f, "{}://{}", self.scheme.as_str(), self.host)
        } else {
            write!(f, "{}://{}:{}", self.scheme.as_str(), self.host, self.port)
        }
    }
}

/// Splits `host[:port]` (with `[v6]` brackets) into a lower-case host and the port, if the
/// text is a plausible authority: no user info, path, spaces or control characters.
fn split_authority(text: &str) -> Option<(String, Option<u16>)> {
    if text.is_empty() || text.len() > MAX_HOST + 7 {
        return None;
    }
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        if v6.is_empty() || !v6.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') {
            return None;
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (format!("[{}]", v6.to_ascii_lowercase()), port)
    } else {
        let (host, port) = match text.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (text, None),
        };
        let plausible = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
        if host.is_empty() || host.len() > MAX_HOST || !host.chars().all(plausible) {
            return None;
        }
        (host.to_ascii_lowercase(), port)
    };
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().ok().filter(|p| *p != 0)?)
        }
        Some(_) => return None,
    };
    Some((host, port))
}

impl Origin {
    /// Parses `scheme://host[:port]` (a trailing `/` allowed, nothing else after the host).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (scheme, rest) = if let Some(rest) = text.strip_prefix("https://") {
            (Scheme::Https, rest)
        } else if let Some(rest) = text.strip_prefix("http://") {
            (Scheme::Http, rest)
        } else {
            return Err(format!("{text:?} does not start with http:// or https://"));
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        let (host, port) =
            split_authority(authority).ok_or_else(|| format!("{text:?} is not scheme://host or scheme://host:port"))?;
        Ok(Self { scheme, host, port: port.unwrap_or(scheme.default_port()) })
    }

    /// Parses a comma-separated list (at most 32); empty text is an empty list.
    pub fn parse_list(text: &str) -> Result<Vec<Self>, String> {
        let list: Vec<Self> =
            text.split(',').map(str::trim).filter(|t| !t.is_empty()).map(Self::parse).collect::<Result<_, _>>()?;
        if list.len() > MAX_ORIGINS {
            return Err(format!("at most {MAX_ORIGINS} origins"));
        }
        Ok(list)
    }

    /// Whether this origin's host is a loopback name or address.
    pub fn is_loopback(&self) -> bool {
        matches!(self.host.as_str(), "localhost" | "127.0.0.1" | "[::1]")
    }

    /// Whether a request's `Host` names this origin: the same host, and the same port or none
    /// where the origin's port is its scheme's default.
    fn serves_host(&self, host: &str, port: Option<u16>) -> bool {
        self.host == host && port.map_or(self.port == self.scheme.default_port(), |p| p == self.port)
    }
}

/// The origins this server answers as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origins(Vec<Origin>);

impl Origins {
    /// `configured`, or when that is empty the loopback names at `port`.
    pub fn new(configured: &[Origin], port: u16) -> Self {
        if configured.is_empty() {
            let loopback = |host: &str| Origin { scheme: Scheme::Http, host: host.to_owned(), port };
            Self(vec![loopback("localhost"), loopback("127.0.0.1"), loopback("[::1]")])
        } else {
            Self(configured.to_vec())
        }
    }

    /// The origins, for the start-up line.
    pub fn list(&self) -> &[Origin] {
        &self.0
    }

    /// Whether a request addressed to `authority` (its `Host`) is for this server.
    pub fn allows_host(&self, authority: &str) -> bool {
        split_authority(authority).is_some_and(|(host, port)| self.0.iter().any(|o| o.serves_host(&host, port)))
    }

    /// Whether a state-changing request comes from a page of this server: its `Origin` (or,
    /// when a browser sends none, its `Referer`) is one of the origins. A request naming
    /// neither is refused — every browser sends one of them on a POST.
    pub fn allows_source(&self, headers: &HeaderMap) -> bool {
        let source = headers
            .get(header::ORIGIN)
            .or_else(|| headers.get(header::REFERER))
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        // A Referer is a whole URL: only its scheme://authority part names where it came from.
        let end = source.find("://").map_or(0, |i| i + 3);
        let cut = source[end..].find(['/', '?', '#']).map_or(source.len(), |i| end + i);
        Origin::parse(&source[..cut]).is_ok_and(|o| self.0.contains(&o))
    }
}

/// Paths answered whatever the `Host` (see the module docs).
fn any_host(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// The `Host` check (see the module docs): a calm 400 for any other name, `None` for ours.
pub fn refusal(origins: &Origins, req: &Request) -> Option<Response> {
    if any_host(req.uri().path()) {
        return None;
    }
    let authority = req
        .uri()
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_owned))
        .unwrap_or_default();
    if origins.allows_host(&authority) {
        return None;
    }
    // The name itself is the attacker's choice: logged only as its length.
    tracing::warn!(host_len = authority.len(), "refused a request for a host this server does not answer as");
    let locale = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(app::copy::Locale::negotiate)
        .unwrap_or_default();
    let mut res = (StatusCode::BAD_REQUEST, format!("{}\n", locale.catalog().errors.nothing_here)).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    Some(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(text: &str) -> Origins {
        Origins::new(&Origin::parse_list(text).unwrap_or_default(), 3000)
    }

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("")));
        }
        h
    }

    #[test]
    fn an_origin_is_a_scheme_a_host_and_a_port() {
        let o = Origin::parse("https://Ops.Example.com/").expect("an origin");
        assert_eq!(o.to_string(), "https://ops.example.com");
        assert_eq!(Origin::parse("http://[::1]:3000").map(|o| o.to_string()), Ok("http://[::1]:3000".to_owned()));
        for bad in [
            "ops.example.com",
            "ftp://ops.example.com",
            "https://",
            "https://ops.example.com/admin",
            "https://user@ops.example.com",
            "https://ops.example.com:0",
            "https://ops.example.com:99999",
            "https://ops example.com",
            "https://ops.example.com:80:80",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Origin::parse_list(" , ").map(|l| l.len()), Ok(0));
        assert!(Origin::parse_list(&vec!["http://a.example"; 33].join(",")).is_err());
    }

    #[test]
    fn by_default_only_the_loopback_names_at_the_bound_port_are_answered() {
        let o = origins("");
        for host in ["127.0.0.1:3000", "localhost:3000", "LOCALHOST:3000", "[::1]:3000"] {
            assert!(o.allows_host(host), "{host}");
        }
        for host in ["rebound.example:3000", "127.0.0.1:3001", "127.0.0.1", "localhost", "", "a b:3000", "[::1"] {
            assert!(!o.allows_host(host), "{host}");
        }
    }

    #[test]
    fn a_configured_origin_is_answered_with_or_without_its_default_port() {
        let o = origins("https://ops.example.com, http://ops.internal:8080");
        assert!(o.allows_host("ops.example.com") && o.allows_host("ops.example.com:443"));
        assert!(o.allows_host("ops.internal:8080"));
        assert!(!o.allows_host("ops.internal") && !o.allows_host("127.0.0.1:3000"));
        assert!(!o.allows_host("evil.example") && !o.allows_host("ops.example.com.evil.example"));
    }

    #[test]
    fn a_post_is_accepted_only_from_a_configured_origin() {
        let o = origins("https://ops.example.com");
        assert!(o.allows_source(&headers(&[(header::ORIGIN, "https://ops.example.com")])));
        assert!(o.allows_source(&headers(&[(header::REFERER, "https://ops.example.com/admin/t/1?x#y")])));
        for (name, value) in [
            (header::ORIGIN, "http://ops.example.com"),
            (header::ORIGIN, "https://ops.example.com:8443"),
            (header::ORIGIN, "https://ops.example.com.evil.example"),
            (header::ORIGIN, "https://evil.example"),
            (header::ORIGIN, "null"),
            (header::REFERER, "https://evil.example/https://ops.example.com"),
        ] {
            assert!(!o.allows_source(&headers(&[(name.clone(), value)])), "{name}: {value}");
        }
        assert!(!o.allows_source(&HeaderMap::new()), "a POST naming no source");
    }

    #[test]
    fn the_host_a_request_claims_does_not_make_its_origin_acceptable() {
        // A rebinding page sends Host: evil.example and Origin: http://evil.example:3000.
        let o = origins("");
        let h = headers(&[(header::HOST, "evil.example:3000"), (header::ORIGIN, "http://evil.example:3000")]);
        assert!(!o.allows_source(&h));
        assert!(o.allows_source(&headers(&[(header::ORIGIN, "http://127.0.0.1:3000")])));
    }
}
