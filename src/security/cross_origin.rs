//! Refuses unsafe requests (POST, PUT, PATCH, DELETE) that a browser sends on behalf of another site: the
//! cross-site request forgery of a form or `fetch` on an attacker's page. The same rule as Go's
//! `http.CrossOriginProtection`: trust `Sec-Fetch-Site` when the browser sends it, else compare `Origin` with the
//! site; a request with neither comes from a program, not a browser, and has no ambient cookie to abuse.

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, Method},
    middleware::Next,
    response::{Html, IntoResponse, Response},
};

use crate::error::AppError;

/// Which origin unsafe requests must come from.
#[derive(Debug, Clone, Default)]
pub struct CrossOriginPolicy {
    /// `scheme://host[:port]` of `site_url`; `None` compares `Origin` with the request's own `Host`.
    site_origin: Option<String>,
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

    /// Whether this request may go on.
    fn allows(&self, method: &Method, headers: &HeaderMap) -> bool {
        if matches!(
            *method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
        ) {
            return true;
        }
        // A bearer token is sent deliberately by its holder; no browser attaches one on its own.
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("Bearer "));
        if bearer {
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

/// Middleware: 403 for a cross-site unsafe request — JSON for API clients, a page for browsers asking for HTML.
pub async fn protect(
    State(policy): State<CrossOriginPolicy>,
    request: Request,
    next: Next,
) -> Response {
    if policy.allows(request.method(), request.headers()) {
        return next.run(request).await;
    }
    tracing::warn!(
        method = %request.method(),
        path = request.uri().path(),
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
    fn programs_without_browser_headers_and_bearer_tokens_pass() {
        let policy = CrossOriginPolicy::default();
        assert!(policy.allows(&Method::POST, &headers(&[("host", "todo.example")])));
        let token = headers(&[
            ("authorization", "Bearer ltd_x"),
            ("sec-fetch-site", "cross-site"),
        ]);
        assert!(policy.allows(&Method::POST, &token));
    }
}
