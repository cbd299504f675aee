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
            let value = headers.get(name)?.to_str().ok()?;
            // The proxy appends the address it saw; anything before it was written by the client.
            let last = value.rsplit(',').next()?.trim();
            last.parse::<IpAddr>().ok()
        });
        from_header
            .or_else(|| peer.map(|peer| peer.ip()))
            .map(|ip| ip.to_string())
    }
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
}
