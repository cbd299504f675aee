//! Response headers: a Content-Security-Policy that lets only our own scripts run, and the usual companions.

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};

/// For responses that are not pages (JSON, files): nothing may load, nothing may frame them.
const STRICT_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/// Two years, the preload list's minimum.
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Which optional headers to send.
#[derive(Debug, Clone, Copy)]
pub struct HeaderPolicy {
    /// `Strict-Transport-Security`, only when the site is served over HTTPS (`cookie_secure`).
    pub hsts: bool,
}

/// Middleware: the headers every response carries. A page has set its own policy (with the nonce of its
/// inline script) while rendering; every other response gets the strict one.
pub async fn add(State(policy): State<HeaderPolicy>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(STRICT_POLICY));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if policy.hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}

/// The policy of an HTML page: our own scripts and the inline scripts carrying this response's `nonce`;
/// `'wasm-unsafe-eval'` lets the bundle compile; styles, images, fonts and requests only from this site (and
/// TodoMVC's inline SVG icons as `data:` images). `live_reload` also allows the WebSocket of
/// `cargo leptos watch`.
pub fn page_policy(nonce: &str, live_reload: bool) -> String {
    let reload = if live_reload { " ws: wss:" } else { "" };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'{reload}; form-action 'self'; base-uri 'none'; \
         object-src 'none'; frame-ancestors 'none'"
    )
}

/// While a page renders: sets its policy, with the nonce Leptos gives this response's inline scripts.
pub fn set_page_policy() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    // cargo-leptos sets LEPTOS_WATCH while `cargo leptos watch` serves the page with live reload.
    let live_reload = std::env::var_os("LEPTOS_WATCH").is_some();
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce, live_reload)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::page_policy;

    #[test]
    fn pages_allow_only_our_scripts_and_the_nonce() {
        let policy = page_policy("abc123", false);
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(!policy.contains("ws:"));
        assert!(page_policy("n", true).contains("connect-src 'self' ws: wss:"));
    }
}
