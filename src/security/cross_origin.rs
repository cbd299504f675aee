//! Refuses unsafe requests (POST, PUT, PATCH, DELETE) that a browser sends on behalf of another site: the
//! cross-site request forgery of a form or `fetch` on an attacker's page. The same rule as Go's
//! `http.CrossOriginProtection`: trust `Sec-Fetch-Site` when the browser sends it, else compare `Origin` with the
//! site; a request with neither comes from a program, not a browser, and has no ambient cookie to abuse.
//!
//! A cross-site request that carries a valid API token passes (a page may call the API with a token its user
//! pasted), but without its cookies: it is the token's, not the browser's session. A bogus token exempts
//! nothing, or any attacker's page could add `Authorization: Bearer x` to ride the victim's cookie.
//!
//! Written here, not taken from a CSRF-token crate: a token per form would need the session that an anonymous
//! visitor must not create, and none of them knows that a request with a valid API token carries no cookies.

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, Method},
    middleware::Next,
    response::{Html, IntoResponse, Response},
};

use crate::{auth::tokens::queries as tokens, db::Pool, error::AppError};

/// Which origin unsafe requests must come from.
#[derive(Debug, Clone, Default)]
pub struct CrossOriginPolicy {
    /// `scheme://host[:port]` of `site_url`; `None` compares `Origin` with the request's own `Host`.
    site_origin: Option<String>,
}

/// The policy, and the database where a cross-site request's API token is checked.
#[derive(Debug, Clone)]
pub struct CrossOriginGuard {
    /// Which origin unsafe requests must come from.
    pub policy: CrossOriginPolicy,
    /// Where API tokens are looked up.
    pub pool: Pool,
}

impl CrossOriginPolicy {
    /// The policy for the configured `site_url` (empty: trust the `Host` header).
    pub fn new(site_url: &str) -> Result<Self, String> {
        if site_url.trim().is_empty() {
            return Ok(Self::default());
        }
        let url = url::Url::parse(site_url.trim())
            .map_err(|error| format!("`site_url` is not a URL: {error}"))?;
        match url.origin() {
            origin @ url::Origin::Tuple(..) => Ok(Self {
                site_origin: Some(origin.ascii_serialization()),
            }),
            url::Origin::Opaque(_) => Err("`site_url` must be an http or https URL".into()),
        }
    }

    /// Whether this request may go on as it is (its API token aside).
    fn allows(&self, method: &Method, headers: &HeaderMap) -> bool {
        if matches!(
            *method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
        ) {
            return true;
        }
        if let Some(site) = headers.get("sec-fetch-site") {
            // `none`: the user typed or bookmarked the URL; nothing on another page asked for it.
            return matches!(site.as_bytes(), b"same-origin" | b"none");
        }
        let Some(origin) = headers.get(header::ORIGIN) else {
            return true;
        };
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        match &self.site_origin {
            Some(site) => origin == site,
            None => {
                let host = headers
                    .get(header::HOST)
                    .and_then(|host| host.to_str().ok());
                let origin_host = origin
                    .split_once("://")
                    .map(|(_, rest)| rest)
                    .filter(|rest| !rest.contains('/'));
                origin_host.is_some() && origin_host == host
            }
        }
    }
}

/// The bearer token a request names, if any.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Middleware: 403 for a cross-site unsafe request — JSON for API clients, a page for browsers asking for HTML.
pub async fn protect(
    State(guard): State<CrossOriginGuard>,
    mut request: Request,
    next: Next,
) -> Response {
    if guard.policy.allows(request.method(), request.headers()) {
        return next.run(request).await;
    }
    if let Some(token) = bearer_token(request.headers()) {
        if matches!(tokens::authenticate(&guard.pool, token).await, Ok(Some(_))) {
            // The token's holder sent it on purpose; the browser's cookies ride along on their own, so drop them.
            request.headers_mut().remove(header::COOKIE);
            return next.run(request).await;
        }
    }
    tracing::warn!(
        method = %request.method(),
        path = %crate::auth::email::queries::redacted_path(request.uri().path()),
        origin = ?request.headers().get(header::ORIGIN),
        sec_fetch_site = ?request.headers().get("sec-fetch-site"),
        "cross-site request refused"
    );
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html {
        (axum::http::StatusCode::FORBIDDEN, Html(REFUSED_PAGE)).into_response()
    } else {
        AppError::CrossSite.into_response()
    }
}

const REFUSED_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Refused · Leptodo</title></head><body><h1>Request refused</h1>\
<p>This form was sent from another site, so Leptodo did not act on it. \
<a href=\"/\">Go to Leptodo</a> and try again from there.</p></body></html>";

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, Method};

    use super::CrossOriginPolicy;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    axum::http::HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    #[test]
    fn safe_methods_always_pass() {
        let policy = CrossOriginPolicy::default();
        let cross = headers(&[("sec-fetch-site", "cross-site")]);
        assert!(policy.allows(&Method::GET, &cross));
        assert!(policy.allows(&Method::HEAD, &cross));
    }

    #[test]
    fn sec_fetch_site_decides_when_present() {
        let policy = CrossOriginPolicy::default();
        for (site, allowed) in [
            ("same-origin", true),
            ("none", true),
            ("same-site", false),
            ("cross-site", false),
            ("bogus", false),
        ] {
            let request = headers(&[("sec-fetch-site", site), ("host", "todo.example")]);
            assert_eq!(policy.allows(&Method::POST, &request), allowed, "{site}");
        }
    }

    #[test]
    fn without_sec_fetch_site_the_origin_must_match_the_host() {
        let policy = CrossOriginPolicy::default();
        let request = |origin| headers(&[("origin", origin), ("host", "todo.example:8080")]);
        assert!(policy.allows(&Method::POST, &request("http://todo.example:8080")));
        assert!(policy.allows(&Method::DELETE, &request("https://todo.example:8080")));
        assert!(!policy.allows(&Method::POST, &request("https://evil.example")));
        assert!(!policy.allows(&Method::POST, &request("http://todo.example")));
        assert!(!policy.allows(&Method::POST, &request("null")));
    }

    #[test]
    fn a_configured_site_url_is_the_only_origin_accepted() {
        let policy = CrossOriginPolicy::new("https://todo.example/app").expect("valid");
        let request = |origin| headers(&[("origin", origin), ("host", "internal:3000")]);
        assert!(policy.allows(&Method::PATCH, &request("https://todo.example")));
        assert!(!policy.allows(&Method::PATCH, &request("http://todo.example")));
        assert!(!policy.allows(&Method::PATCH, &request("http://internal:3000")));
        assert!(CrossOriginPolicy::new("not a url").is_err());
        assert!(CrossOriginPolicy::new("mailto:x@example.com").is_err());
    }

    #[test]
    fn programs_without_browser_headers_pass() {
        let policy = CrossOriginPolicy::default();
        assert!(policy.allows(&Method::POST, &headers(&[("host", "todo.example")])));
    }

    #[test]
    fn a_bearer_header_alone_exempts_nothing() {
        let policy = CrossOriginPolicy::default();
        let token = headers(&[
            ("authorization", "Bearer ltd_x"),
            ("sec-fetch-site", "cross-site"),
        ]);
        assert!(!policy.allows(&Method::POST, &token));
    }
}
