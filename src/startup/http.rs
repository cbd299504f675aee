//! What every request passes through on its way in and out: compression, its log span and line, the time
//! limit, the panic answer, and the health check load balancers probe.

use axum::{extract::State, http::StatusCode, middleware};
use tower_http::{
    compression::{
        predicate::{NotForContentType, Predicate, SizeAbove},
        CompressionLayer,
    },
    trace::{DefaultOnResponse, OnResponse},
};
use tracing::Level;

use crate::{auth, state::AppState};

/// Brotli (preferred) or gzip, as the request's Accept-Encoding allows, for bodies over 1 KiB; never for
/// images or server-sent event streams, which must reach the client as each event is written.
pub(super) fn compression() -> CompressionLayer<impl Predicate> {
    let worth_it = SizeAbove::new(1024)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE)
        .and(NotForContentType::GRPC);
    CompressionLayer::new().compress_when(worth_it)
}

/// Where load balancers probe; answered like any route (security headers included) but never logged.
pub(super) const HEALTH_CHECK_PATH: &str = "/healthz";

/// A span per request (method, path and query, version), except the health checks a load balancer sends every
/// few seconds. The token of a mail link in the path is left out: it is a secret until used.
pub(super) fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let uri = request.uri();
    if uri.path() == HEALTH_CHECK_PATH {
        return tracing::Span::none();
    }
    let path = auth::email::queries::redacted_path(uri.path());
    let shown = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.into_owned(),
    };
    tracing::info_span!(
        "request",
        method = %request.method(),
        uri = %shown,
        version = ?request.version(),
    )
}

/// One line per answered request, in its span; health checks have none and are not logged.
pub(super) fn log_response<B>(
    response: &axum::http::Response<B>,
    latency: std::time::Duration,
    span: &tracing::Span,
) {
    if !span.is_none() {
        DefaultOnResponse::new()
            .level(Level::INFO)
            .on_response(response, latency, span);
    }
}

/// How long a health check waits for the database: a load balancer probing every few seconds needs an answer
/// well within its own timeout.
const HEALTH_CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Liveness and readiness: 200 when the database answers, 503 otherwise, so a load balancer takes an instance
/// whose database is gone out of rotation. Probes come every few seconds: they are not logged, only failures
/// are, at most once a minute.
pub(super) async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let answered = tokio::time::timeout(HEALTH_CHECK_TIMEOUT, state.pool.ping()).await;
    let failure = match answered {
        Ok(Ok(())) => return (StatusCode::OK, "ok"),
        Ok(Err(error)) => error.to_string(),
        Err(_) => format!("no answer within {HEALTH_CHECK_TIMEOUT:?}"),
    };
    static LAST_LOGGED: std::sync::Mutex<Option<std::time::Instant>> = std::sync::Mutex::new(None);
    if let Ok(mut last) = LAST_LOGGED.lock() {
        if last.is_none_or(|at| at.elapsed() >= std::time::Duration::from_secs(60)) {
            *last = Some(std::time::Instant::now());
            tracing::error!(error = failure, "health check: database unavailable");
        }
    }
    (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
}

/// A handler panicked: the bug is logged with its message, the client gets the generic 500 and nothing else.
pub(super) fn answer_panic(
    panic: Box<dyn std::any::Any + Send + 'static>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = message, "a request handler panicked");
    crate::error::AppError::Internal.into_response()
}

/// Middleware: a request still unanswered after `limit` is abandoned (its future dropped, so its transaction
/// rolls back) and answered 503 with `Retry-After`, so a stuck database or a flood cannot hold connections open
/// for ever.
pub(super) async fn limit_time(
    State(limit): State<std::time::Duration>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = auth::email::queries::redacted_path(request.uri().path()).into_owned();
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(path, seconds = limit.as_secs(), "request timed out");
            crate::error::AppError::TimedOut.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::Request, routing::get, Router};
    use tower::ServiceExt;
    use tower_http::catch_panic::CatchPanicLayer;

    use super::{answer_panic, limit_time};

    /// Everything logged while a test runs, for asserting on what a log line would show.
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_timed_out_link_is_logged_without_its_token() {
        let captured = Captured::default();
        let writer = captured.clone();
        let _logging = tracing::subscriber::set_default(
            tracing_subscriber::fmt()
                .with_writer(move || writer.clone())
                .finish(),
        );
        // tracing remembers, process-wide, whether a log line has a subscriber: if a test beside this one met
        // the line first without one, it would stay unseen here.
        tracing::callsite::rebuild_interest_cache();
        let router = Router::new()
            .route(
                "/change-email/{token}",
                get(std::future::pending::<&'static str>),
            )
            .layer(axum::middleware::from_fn_with_state(
                std::time::Duration::from_millis(50),
                limit_time,
            ));
        let token = "ab".repeat(32);
        let response = router
            .oneshot(
                Request::get(format!("/change-email/{token}"))
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("an answer");
        assert_eq!(response.status(), 503);
        let logged = String::from_utf8_lossy(&captured.0.lock().expect("log")).into_owned();
        assert!(logged.contains("request timed out"), "{logged}");
        assert!(logged.contains("/change-email/[token]"), "{logged}");
        assert!(!logged.contains(&token), "{logged}");
    }

    #[tokio::test]
    async fn a_panicking_handler_gets_the_generic_500_without_internals() {
        async fn broken() -> &'static str {
            panic!("secret detail: index out of bounds")
        }
        let router = Router::new()
            .route("/boom", get(broken))
            .layer(CatchPanicLayer::custom(answer_panic));
        let response = router
            .oneshot(Request::get("/boom").body(Body::empty()).expect("request"))
            .await
            .expect("an answer, not a dropped connection");
        assert_eq!(response.status(), 500);
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .expect("body");
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains(r#""code":"internal""#), "{body}");
        assert!(!body.contains("secret detail"), "{body}");
    }
}
