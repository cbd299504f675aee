//! The relying party passkeys are made for: `site_url`'s host, or, without `site_url`, `localhost` (any port)
//! when the server listens on a loopback or every address (development). Browsers refuse passkeys on a bare IP address,
//! so a site reached only by one has none, and says so at startup.

use std::{net::SocketAddr, sync::Arc};

use webauthn_rs::prelude::{Url, Webauthn, WebauthnBuilder};

use crate::config::Settings;

/// The site's relying party, or why it has none.
#[derive(Debug, Clone)]
pub enum RelyingParty {
    /// Passkeys work: the ceremonies are checked against this domain and origin.
    Ready(Arc<Webauthn>),
    /// Passkeys are off, for this reason (logged at startup, answered to a client that asks for them).
    Unavailable(String),
}

impl RelyingParty {
    /// The relying party `settings` (or, without `site_url`, the address listened on) describe.
    pub fn new(settings: &Settings, listening_on: SocketAddr) -> Self {
        match origin(settings, listening_on).and_then(|origin| build(&origin)) {
            Ok(webauthn) => Self::Ready(Arc::new(webauthn)),
            Err(reason) => Self::Unavailable(reason),
        }
    }

    /// The ceremonies' checker, if passkeys work here.
    pub fn webauthn(&self) -> Option<&Webauthn> {
        match self {
            Self::Ready(webauthn) => Some(webauthn),
            Self::Unavailable(_) => None,
        }
    }
}

/// Where pages are served from, as the browser will report it.
struct Origin {
    url: Url,
    /// `localhost` without `site_url`: on any port, since a development proxy (or the test cluster's load
    /// balancer) may stand in front of the port the server listens on.
    any_port: bool,
}

fn origin(settings: &Settings, listening_on: SocketAddr) -> Result<Origin, String> {
    let site_url = settings.site_url.trim();
    if !site_url.is_empty() {
        let url =
            Url::parse(site_url).map_err(|error| format!("`site_url` is not a URL: {error}"))?;
        return Ok(Origin {
            url,
            any_port: false,
        });
    }
    let ip = listening_on.ip();
    if ip.is_loopback() || ip.is_unspecified() {
        let url = Url::parse(&format!("http://localhost:{}", listening_on.port()))
            .map_err(|error| error.to_string())?;
        return Ok(Origin {
            url,
            any_port: true,
        });
    }
    Err(format!(
        "the site is served at the IP address {ip} and `site_url` is empty: browsers offer passkeys only on a \
         domain name (set `site_url`)"
    ))
}

fn build(origin: &Origin) -> Result<Webauthn, String> {
    let url = &origin.url;
    let Some(domain) = url.domain() else {
        return Err(format!(
            "`site_url` {url} names an IP address: browsers offer passkeys only on a domain name"
        ));
    };
    WebauthnBuilder::new(domain, url)
        .map(|builder| builder.rp_name("Leptodo").allow_any_port(origin.any_port))
        .and_then(|builder| builder.build())
        .map_err(|error| format!("passkeys cannot work on {url}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::RelyingParty;
    use crate::config::Settings;

    fn with_site_url(site_url: &str) -> Settings {
        Settings {
            site_url: site_url.into(),
            ..Settings::default()
        }
    }

    #[test]
    fn the_site_url_host_is_the_relying_party() {
        let party = RelyingParty::new(
            &with_site_url("https://todo.example.com"),
            "0.0.0.0:3000".parse().expect("address"),
        );
        assert!(party.webauthn().is_some(), "{party:?}");
    }

    #[test]
    fn without_a_site_url_a_loopback_server_is_localhost_and_an_ip_has_none() {
        let local = RelyingParty::new(
            &with_site_url(""),
            "127.0.0.1:3000".parse().expect("address"),
        );
        assert!(local.webauthn().is_some(), "{local:?}");
        let bare = RelyingParty::new(
            &with_site_url(""),
            "192.0.2.7:3000".parse().expect("address"),
        );
        let RelyingParty::Unavailable(reason) = bare else {
            panic!("an IP address has no passkeys");
        };
        assert!(reason.contains("domain name"), "{reason}");
        let ip_site = RelyingParty::new(
            &with_site_url("http://192.0.2.7:3000"),
            "0.0.0.0:3000".parse().expect("address"),
        );
        assert!(ip_site.webauthn().is_none());
    }
}
