//! Which address a request comes from: the TCP peer, or — only when the operator says a trusted proxy sets
//! it — a header such as `X-Forwarded-For`, and then only from the proxies of `trusted_proxies`. Trusting such
//! a header from anyone else would let any client claim any address and escape the per-address throttle.
//! Written here, not `axum-client-ip`: that crate reads the header it is told to from every peer alike, and the
//! check of the peer against `trusted_proxies` is the point.

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, HeaderName};

use crate::config::{Settings, TrustedProxies};

/// Why the client-address settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ClientIpError {
    /// `client_ip_header` is not a header name.
    #[error("configuration: key `client_ip_header`: `{0}` is not a header name")]
    Header(String),
    /// A header is named, but not the proxies that set it.
    #[error(
        "configuration: key `trusted_proxies`: `client_ip_header` is set, so name the proxies that set it \
         (addresses or CIDR ranges, e.g. trusted_proxies = [\"127.0.0.1\"]); from any other peer the header \
         is ignored, so that a client reaching the server directly cannot claim another address"
    )]
    NoProxies,
}

/// Where the client's address is read from (`client_ip_header`), and from whom (`trusted_proxies`).
#[derive(Debug, Clone, Default)]
pub struct ClientIpSource {
    header: Option<HeaderName>,
    proxies: TrustedProxies,
}

impl ClientIpSource {
    /// `client_ip_header` and `trusted_proxies`: no header means the TCP peer; a header needs its proxies.
    pub fn new(settings: &Settings) -> Result<Self, ClientIpError> {
        Self::with(&settings.client_ip_header, settings.trusted_proxies.clone())
    }

    fn with(header: &str, proxies: TrustedProxies) -> Result<Self, ClientIpError> {
        let header = header.trim();
        if header.is_empty() {
            return Ok(Self::default());
        }
        let header =
            HeaderName::try_from(header).map_err(|_| ClientIpError::Header(header.to_owned()))?;
        if proxies.is_empty() {
            return Err(ClientIpError::NoProxies);
        }
        Ok(Self {
            header: Some(header),
            proxies,
        })
    }

    /// The client's address for a request from `peer` with these `headers`: the header's only when `peer`
    /// is one of the proxies.
    pub fn resolve(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<String> {
        let from_proxy = peer.is_some_and(|peer| self.proxies.contains(peer.ip()));
        let from_header = self
            .header
            .as_ref()
            .filter(|_| from_proxy)
            .and_then(|name| {
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

    use super::{ClientIpError, ClientIpSource};
    use crate::config::TrustedProxies;

    /// A source that believes `header` from the proxy at 10.0.0.7 (and the range 192.168.0.0/16).
    fn behind_proxy(header: &str) -> Result<ClientIpSource, ClientIpError> {
        let proxies = TrustedProxies::parse("10.0.0.7, 192.168.0.0/16").expect("valid");
        ClientIpSource::with(header, proxies)
    }

    fn forwarded(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn by_default_the_peer_counts_and_headers_are_ignored() {
        let source = ClientIpSource::with("", TrustedProxies::default()).expect("valid");
        let peer = "10.0.0.7:5555".parse().ok();
        assert_eq!(
            source.resolve(&forwarded("1.2.3.4"), peer).as_deref(),
            Some("10.0.0.7")
        );
    }

    #[test]
    fn a_configured_header_counts_its_last_address() {
        let source = behind_proxy("X-Forwarded-For").expect("valid");
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
        assert!(matches!(
            behind_proxy("bad header\n"),
            Err(ClientIpError::Header(_))
        ));
    }

    #[test]
    fn of_several_lines_only_the_last_entry_of_the_last_counts() {
        let source = behind_proxy("X-Forwarded-For").expect("valid");
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
        let source = behind_proxy("X-Forwarded-For").expect("valid");
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

    #[test]
    fn the_header_of_a_peer_that_is_not_a_proxy_is_ignored() {
        let source = behind_proxy("X-Forwarded-For").expect("valid");
        let direct = "203.0.113.50:4444".parse().ok();
        assert_eq!(
            source.resolve(&forwarded("1.2.3.4"), direct).as_deref(),
            Some("203.0.113.50"),
            "a client reaching the server directly cannot claim another address"
        );
        let in_range = "192.168.4.2:4444".parse().ok();
        assert_eq!(
            source.resolve(&forwarded("1.2.3.4"), in_range).as_deref(),
            Some("1.2.3.4")
        );
        let mapped = "[::ffff:10.0.0.7]:4444".parse().ok();
        assert_eq!(
            source.resolve(&forwarded("1.2.3.4"), mapped).as_deref(),
            Some("1.2.3.4"),
            "the IPv4 proxy seen through a dual-stack socket"
        );
        assert_eq!(source.resolve(&forwarded("1.2.3.4"), None), None);
    }

    #[test]
    fn a_header_without_its_proxies_is_refused() {
        assert!(matches!(
            ClientIpSource::with("X-Forwarded-For", TrustedProxies::default()),
            Err(ClientIpError::NoProxies)
        ));
    }
}
