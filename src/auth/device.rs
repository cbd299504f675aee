//! Where a request comes from, as the signed-in devices page and the security log name it: the client's address
//! and a readable device ("Firefox on Windows 10") made from its user agent.

use axum::{
    extract::FromRequestParts,
    http::{header::USER_AGENT, request::Parts, HeaderMap},
};

use crate::state::{client_ip, AppState, ClientIp};

/// A user agent is read to this many characters: more than any real browser's, and a kilobyte-long header
/// costs the parser no more.
const MAX_USER_AGENT_CHARS: usize = 400;

/// The caller of one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client {
    /// The client's address, read as `client_ip_header` says.
    pub ip: Option<String>,
    /// The `User-Agent` header, shortened to [`MAX_USER_AGENT_CHARS`].
    pub user_agent: Option<String>,
}

impl Client {
    /// The caller at `ip` whose request has `headers`.
    fn of(ip: Option<String>, headers: &HeaderMap) -> Self {
        let user_agent = headers
            .get(USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .filter(|agent| !agent.is_empty())
            .map(|agent| agent.chars().take(MAX_USER_AGENT_CHARS).collect());
        Self { ip, user_agent }
    }

    /// The device as people name it.
    pub fn device(&self) -> String {
        describe(self.user_agent.as_deref())
    }
}

/// Inside a server function: the caller.
pub async fn client() -> Client {
    let ip = client_ip().await;
    match leptos::prelude::use_context::<Parts>() {
        Some(parts) => Client::of(ip, &parts.headers),
        None => Client {
            ip,
            user_agent: None,
        },
    }
}

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state).await?;
        Ok(Self::of(ip, &parts.headers))
    }
}

/// "Firefox on Windows 10", "Safari on iPhone", "curl", or "Unknown device" for a user agent that names nothing
/// known (or none at all).
pub fn describe(user_agent: Option<&str>) -> String {
    const UNKNOWN: &str = "UNKNOWN";
    let Some(found) = user_agent.and_then(|agent| woothee::parser::Parser::new().parse(agent))
    else {
        return "Unknown device".into();
    };
    match (found.name, found.os) {
        (UNKNOWN, _) => "Unknown device".into(),
        (name, UNKNOWN) => name.into(),
        (name, os) => format!("{name} on {os}"),
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn common_browsers_read_as_people_name_them() {
        let firefox =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe(Some(firefox)), "Firefox on Windows 10");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
        assert_eq!(describe(Some(iphone)), "Safari on iPhone");
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                      Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(describe(Some(chrome)), "Chrome on Linux");
    }

    #[test]
    fn nothing_known_is_an_unknown_device() {
        assert_eq!(describe(None), "Unknown device");
        assert_eq!(describe(Some("")), "Unknown device");
        assert_eq!(describe(Some("zzz\u{0}<script>")), "Unknown device");
    }
}
