//! The built front end (`target/site`): how each file is served — compressed once at build time, and cached as
//! long as its name allows (the names are `fingerprints`').

pub mod fingerprints;

use std::path::PathBuf;

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::{app::shell, state::AppState};
pub use fingerprints::{Fingerprints, PKG_DIR};

/// A fingerprinted file never changes under its name: keep it for a year without asking again.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// A built file without a fingerprint (a debug build) may change at any rebuild: ask every time.
const REVALIDATE: &str = "no-cache";
/// `public/` files (the favicon) keep their names across releases: a day is a fair delay for a change.
const ONE_DAY: &str = "public, max-age=86400";
/// Pages and API answers hold personal data: no cache, in the browser or on the way, may keep them.
const NO_STORE: &str = "no-store";

/// The fallback of the router: a file of the built site, in the encoding the browser prefers among those made
/// at build time (brotli, then gzip) and with the cache policy its name allows; otherwise the not-found page.
pub async fn site_file(State(state): State<AppState>, request: Request) -> Response {
    let options = &state.leptos_options;
    let cache = match request.uri().path().strip_prefix(&format!("/{PKG_DIR}/")) {
        Some(_) if options.hash_files => IMMUTABLE,
        Some(_) => REVALIDATE,
        None => ONE_DAY,
    };
    let mut file_request = Request::new(axum::body::Body::empty());
    *file_request.method_mut() = request.method().clone();
    *file_request.uri_mut() = request.uri().clone();
    *file_request.headers_mut() = request.headers().clone();
    let served = ServeDir::new(PathBuf::from(&*options.site_root))
        .precompressed_br()
        .precompressed_gzip()
        .oneshot(file_request)
        .await;
    match served {
        Ok(response)
            if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED =>
        {
            let mut response = response.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            // The same address answers brotli, gzip or plain bytes depending on the request's Accept-Encoding.
            headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
            response
        }
        _ => {
            let uri = request.uri().clone();
            leptos_axum::file_and_error_handler::<AppState, _>(shell)(uri, State(state), request)
                .await
        }
    }
}

/// Middleware: a response that has not chosen its own cache policy (every page and API answer) is not stored.
pub async fn no_store_by_default(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static(NO_STORE));
    response
}
