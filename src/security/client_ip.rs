//! Which address a request comes from: the TCP peer, or — only when the operator says a trusted proxy sets
//! it — a header such as `X-Forwarded-For`. Trusting such a header without a proxy would let any client claim
//! any address and escape the per-address throttle.

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, HeaderName};

/// Where the client's address is read from (`client_ip_header`).
#[derive(Debug, Clone, Default)]
pub struct ClientIpSource {
    header: Option<HeaderName>,
}

impl ClientIpSource {
    /// Empty: the TCP peer. Otherwise the header a trusted proxy sets.
    pub fn new(header: &str) -> Result<Self, String> {
        let header = header.trim();
        if header.is_empty() {
            return Ok(Self::default());
        }
        HeaderName::try_from(header)
            .map(|name| Self { header: Some(name) })
            .map_err(|_| format!("`{header}` is not a header name"))
    }

    /// The client's address for a request from `peer` with these `headers`.
    pub fn resolve(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<String> {
        let from_header = self.header.as_ref().and_then(|name| {
            // The trusted proxy writes the address it saw last: at the end of the header's last line (HAProxy's
            // `option forwardfor` adds a line of its own, others append to the line). Every line and entry before
            // it may have come from the client, whatever it claims.
            let value = headers.get_all(name).iter().next_back()?.to_str().ok()?;
            address(value.rsplit(',').next()?.trim())
        });
        from_header
            .or_else(|| peer.map(|peer| peer.ip()))
            .map(|ip| ip.to_string())
    }
}

/// An entry of a forwarding header: a bare address (`203.0.113.9`, `2001:db8::1`), or one with a port or in
/// brackets as some proxies write it (`203.0.113.9:4711`, `[2001:db8::1]`, `[2001:db8::1]:4711`).
fn address(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
        .or_else(|| {
            entry
                .strip_prefix('[')?
                .strip_suffix(']')?
                .parse::<IpAddr>()
                .ok()
        })
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    use super::ClientIpSource;

    fn forwarded(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn by_default_the_peer_counts_and_headers_are_ignored() {
        let source = ClientIpSource::new("").expect("valid");
        let peer = "10.0.0.7:5555".parse().ok();
        assert_eq!(
            source.resolve(&forwarded("1.2.3.4"), peer).as_deref(),
            Some("10.0.0.7")
        );
    }

    #[test]
    fn a_configured_header_counts_its_last_address() {
        let source = ClientIpSource::new("X-Forwarded-For").expect("valid");
        let peer = "10.0.0.7:5555".parse().ok();
        let spoofed_then_real = forwarded("6.6.6.6, 203.0.113.9");
        assert_eq!(
            source.resolve(&spoofed_then_real, peer).as_deref(),
            Some("203.0.113.9")
        );
        assert_eq!(
            source.resolve(&forwarded("not an ip"), peer).as_deref(),
            Some("10.0.0.7")
        );
        assert_eq!(
            source.resolve(&HeaderMap::new(), peer).as_deref(),
            Some("10.0.0.7")
        );
        assert!(ClientIpSource::new("bad header\n").is_err());
    }

    #[test]
    fn of_several_lines_only_the_last_entry_of_the_last_counts() {
        let source = ClientIpSource::new("X-Forwarded-For").expect("valid");
        let peer = "10.0.0.7:5555".parse().ok();
        let mut headers = HeaderMap::new();
        headers.append("x-forwarded-for", HeaderValue::from_static("6.6.6.6"));
        headers.append(
            "x-forwarded-for",
            HeaderValue::from_static("7.7.7.7, 198.51.100.4"),
        );
        headers.append("x-forwarded-for", HeaderValue::from_static("203.0.113.9"));
        assert_eq!(
            source.resolve(&headers, peer).as_deref(),
            Some("203.0.113.9")
        );
        // A last line that is no address counts as none: the peer, never an earlier, client-written line.
        headers.append("x-forwarded-for", HeaderValue::from_static("garbage"));
        assert_eq!(source.resolve(&headers, peer).as_deref(), Some("10.0.0.7"));
        let mut binary = HeaderMap::new();
        binary.append("x-forwarded-for", HeaderValue::from_static("6.6.6.6"));
        binary.append(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"\xff\xfe").expect("bytes"),
        );
        assert_eq!(source.resolve(&binary, peer).as_deref(), Some("10.0.0.7"));
    }

    #[test]
    fn ipv6_and_ports_are_read_as_proxies_write_them() {
        let source = ClientIpSource::new("X-Forwarded-For").expect("valid");
        let peer = "10.0.0.7:5555".parse().ok();
        for (written, address) in [
            ("2001:db8::1", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("[2001:db8::1]:4711", "2001:db8::1"),
            ("203.0.113.9:4711", "203.0.113.9"),
            ("6.6.6.6,2001:DB8:0:0::2", "2001:db8::2"),
        ] {
            assert_eq!(
                source.resolve(&forwarded(written), peer).as_deref(),
                Some(address),
                "{written}"
            );
        }
    }
}
