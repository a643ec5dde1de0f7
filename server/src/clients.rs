//! Who a request comes from, for the sign-in throttle (specs/security, "Sign-in that
//! withstands abuse").
//!
//! The client is the peer of the TCP connection — unless that peer is one of the configured
//! `trusted_proxies`, in which case `X-Forwarded-For` is read from the right, past every
//! trusted hop, to the first address a trusted proxy vouched for. A header from anyone else
//! is ignored: anybody can write one, and a throttle keyed on a header the attacker chooses
//! throttles nobody.

use axum::http::HeaderMap;
use std::net::IpAddr;

/// How many proxies `trusted_proxies` may list.
const MAX_PROXIES: usize = 64;

/// How many `X-Forwarded-For` hops are read at most.
const MAX_HOPS: usize = 16;

/// One trusted proxy: an address or a network in CIDR notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// Parses `10.0.0.5`, `10.0.0.0/8`, `::1` or `fd00::/8`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| format!("{text:?} is not an IP address or network"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => {
                p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("{text:?}: bad prefix length"))?
            }
        };
        Ok(Self { addr, prefix })
    }

    /// Parses a comma-separated list (at most 64); empty text is an empty list.
    pub fn parse_list(text: &str) -> Result<Vec<Self>, String> {
        let list: Vec<Self> =
            text.split(',').map(str::trim).filter(|t| !t.is_empty()).map(Self::parse).collect::<Result<_, _>>()?;
        if list.len() > MAX_PROXIES {
            return Err(format!("at most {MAX_PROXIES} proxies"));
        }
        Ok(list)
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let prefix = u32::from(self.prefix);
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Whose requests' forwarded-for headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

impl TrustedProxies {
    /// Trusts `proxies`.
    pub fn new(proxies: Vec<Network>) -> Self {
        Self(proxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client of a request whose connection came from `peer` (see the module docs).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        let hops = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>();
        let hops = hops.iter().flat_map(|v| v.split(',')).map(str::trim).collect::<Vec<_>>();
        for hop in hops.iter().rev().take(MAX_HOPS) {
            let Ok(ip) = hop.parse::<IpAddr>() else { return client };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).expect("a value"));
        }
        h
    }

    fn proxies(text: &str) -> TrustedProxies {
        TrustedProxies::new(Network::parse_list(text).expect("proxies"))
    }

    #[test]
    fn networks_contain_exactly_their_addresses() {
        let n = Network::parse("10.1.0.0/16").expect("a network");
        assert!(n.contains(ip("10.1.255.3")) && !n.contains(ip("10.2.0.1")) && !n.contains(ip("::1")));
        assert!(Network::parse("0.0.0.0/0").expect("all").contains(ip("203.0.113.9")));
        assert!(Network::parse("192.0.2.7").expect("one").contains(ip("192.0.2.7")));
        assert!(!Network::parse("192.0.2.7").expect("one").contains(ip("192.0.2.8")));
        let v6 = Network::parse("fd00::/8").expect("v6");
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        for bad in ["10.0.0.0/33", "::/129", "proxy.internal", "10.0.0.0/x", ""] {
            assert!(Network::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn without_trusted_proxies_a_forwarded_header_is_ignored() {
        let client = TrustedProxies::default().client(ip("198.51.100.4"), &forwarded(&["203.0.113.1"]));
        assert_eq!(client, ip("198.51.100.4"));
        let client = proxies("10.0.0.0/8").client(ip("198.51.100.4"), &forwarded(&["203.0.113.1"]));
        assert_eq!(client, ip("198.51.100.4"), "from a peer that is not a trusted proxy");
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() {
        let p = proxies("10.0.0.0/8");
        // The client wrote a hop of its own first; only what the proxies appended counts.
        let h = forwarded(&["1.2.3.4, 203.0.113.7, 10.0.0.3"]);
        assert_eq!(p.client(ip("10.0.0.2"), &h), ip("203.0.113.7"));
        let h = forwarded(&["1.2.3.4", "203.0.113.7"]);
        assert_eq!(p.client(ip("10.0.0.2"), &h), ip("203.0.113.7"), "several header lines");
        assert_eq!(p.client(ip("10.0.0.2"), &HeaderMap::new()), ip("10.0.0.2"), "no header: the proxy itself");
        let h = forwarded(&["not-an-address, 10.0.0.9"]);
        assert_eq!(p.client(ip("10.0.0.2"), &h), ip("10.0.0.9"), "a garbled hop stops the walk");
    }
}
