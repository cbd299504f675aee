//! Assembling the server: state, router, listener, and a graceful stop.

use std::{future::Future, io, net::SocketAddr};

use axum::{extract::State, http::StatusCode, middleware, routing::get, Router};
use leptos::prelude::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::{net::TcpListener, task::JoinHandle};
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{
        predicate::{NotForContentType, Predicate, SizeAbove},
        CompressionLayer,
    },
    limit::RequestBodyLimitLayer,
    trace::{DefaultOnResponse, OnResponse, TraceLayer},
};
use tracing::Level;

use crate::{
    app::{shell, App},
    assets::{self, Fingerprints},
    auth::{
        self,
        hashing::{HashingError, PasswordHasher},
        throttle::Throttle,
    },
    config::Settings,
    connections,
    db::{DatabaseError, Pool},
    security::{
        client_ip::ClientIpSource,
        cross_origin::{self, CrossOriginGuard, CrossOriginPolicy},
        headers::{self, HeaderPolicy},
    },
    session_store::{self, SessionPolicy},
    state::AppState,
    todos::live::hub::Hub,
};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// The password hashing parameters are invalid.
    #[error(transparent)]
    Hashing(#[from] HashingError),
    /// `site_url` is not an http(s) URL.
    #[error("configuration: key `site_url`: {0}")]
    SiteUrl(String),
    /// The mail settings are not usable.
    #[error(transparent)]
    Mail(#[from] crate::mail::MailSettingsError),
    /// `client_ip_header` is not a header name.
    #[error("configuration: key `client_ip_header`: {0}")]
    ClientIpHeader(String),
    /// The address is taken or not ours.
    #[error("cannot listen on {addr} (key `site_addr`): {source}")]
    Bind {
        /// The configured address.
        addr: SocketAddr,
        /// What the operating system said.
        source: io::Error,
    },
}

/// A server that is bound and ready to run.
pub struct Application {
    listener: TcpListener,
    limits: connections::Limits,
    local_addr: SocketAddr,
    router: Router,
    state: AppState,
    session_cleanup: JoinHandle<()>,
    notices: Option<JoinHandle<()>>,
}

impl Application {
    /// Opens the database, applies migrations and binds the listener.
    pub async fn build(settings: &Settings) -> Result<Self, StartupError> {
        let hasher = PasswordHasher::new(settings)?;
        let cross_origin =
            CrossOriginPolicy::new(&settings.site_url).map_err(StartupError::SiteUrl)?;
        let client_ips = ClientIpSource::new(&settings.client_ip_header)
            .map_err(StartupError::ClientIpHeader)?;
        let mailer = crate::mail::Mailer::new(settings)?;
        let bind_error = |source| StartupError::Bind {
            addr: settings.site_addr,
            source,
        };
        let listener = TcpListener::bind(settings.site_addr)
            .await
            .map_err(bind_error)?;
        let local_addr = listener.local_addr().map_err(bind_error)?;
        if settings.site_url.trim().is_empty() && !settings.smtp_url.expose().trim().is_empty() {
            tracing::warn!(
                "site_url is empty: links in mails start with http://{local_addr}, which only works on this machine"
            );
        }
        let pool = open_database(settings).await?;
        let throttle = Throttle::new(pool.clone(), settings);
        let (session_layer, session_cleanup) =
            session_store::layer(&pool, settings, throttle.clone());
        let live = Hub::new(settings);
        // On PostgreSQL every instance hears the others' changes; on SQLite the one process has them all.
        let notices = match &pool {
            Pool::Postgres(pg) => Some(crate::todos::live::listener::spawn(
                pg.clone(),
                live.clone(),
            )),
            Pool::Sqlite { .. } => None,
        };
        let fingerprints = Fingerprints::load();
        let state = AppState {
            leptos_options: leptos_options(settings, fingerprints.is_some()),
            pool: pool.clone(),
            hasher,
            sessions: SessionPolicy::new(settings),
            throttle,
            client_ips,
            todos_per_user: i64::from(settings.todos_per_user),
            email: auth::email::EmailPolicy::new(settings, mailer, local_addr),
            live,
        };
        fingerprints.unwrap_or_default().install();
        let routes = route_list();
        let router = Router::new()
            .route(HEALTH_CHECK_PATH, get(healthz))
            .merge(api_routes())
            .leptos_routes(&state, routes, {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            })
            // Pages and API answers are compressed as they are sent; the site's files were compressed at build
            // time, so the fallback that serves them (added after this layer) is left out of it.
            .layer(compression())
            .fallback(assets::site_file)
            .layer(middleware::from_fn(
                crate::auth::session::keep_chosen_lifetime,
            ))
            .layer(session_layer)
            .layer(middleware::from_fn_with_state(
                CrossOriginGuard {
                    policy: cross_origin,
                    pool: pool.clone(),
                },
                cross_origin::protect,
            ))
            .layer(RequestBodyLimitLayer::new(settings.max_body_bytes))
            .layer(middleware::map_response(
                crate::api::explain_payload_too_large,
            ))
            .layer(middleware::from_fn(assets::no_store_by_default))
            .layer(middleware::from_fn_with_state(
                HeaderPolicy {
                    hsts: settings.cookie_secure,
                },
                headers::add,
            ))
            .layer(middleware::from_fn_with_state(
                std::time::Duration::from_secs(u64::from(settings.request_timeout_seconds)),
                limit_time,
            ))
            .layer(CatchPanicLayer::custom(answer_panic))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(request_span)
                    .on_response(log_response),
            )
            .with_state(state.clone());
        Ok(Self {
            listener,
            limits: connections::Limits {
                header_read_timeout: std::time::Duration::from_secs(u64::from(
                    settings.header_read_timeout_seconds.get(),
                )),
                max_pending: usize::try_from(settings.max_pending_connections.get())
                    .unwrap_or(usize::MAX),
                // No request in flight outlives its own time limit.
                drain: std::time::Duration::from_secs(u64::from(settings.request_timeout_seconds)),
            },
            local_addr,
            router,
            state,
            session_cleanup,
            notices,
        })
    }

    /// The address actually bound (useful when the configured port is 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// What every handler reaches, for a caller that arranges what no request can (a test holding the hashing
    /// line full, say).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, lets in-flight requests finish (live-update streams end at once),
    /// then closes the pool.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        let live = self.state.live.clone();
        connections::serve(self.listener, self.router, self.limits, async move {
            shutdown.await;
            live.stop();
        })
        .await;
        self.session_cleanup.abort();
        if let Some(notices) = self.notices {
            notices.abort();
        }
        self.state.pool.close().await;
        tracing::info!("stopped");
    }
}

/// Opens the configured database and applies pending migrations: what the server and every command do first.
pub async fn open_database(settings: &Settings) -> Result<Pool, DatabaseError> {
    let pool = Pool::connect(settings).await?;
    pool.migrate().await?;
    // The one data migration SQL cannot do: emails' Unicode keys (a no-op once every row has one).
    auth::identity::backfill_email_keys(&pool)
        .await
        .map_err(DatabaseError::Backfill)?;
    Ok(pool)
}

/// The options Leptos needs to name and find the built site.
fn leptos_options(settings: &Settings, fingerprinted: bool) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(env!("CARGO_PKG_NAME"))
        .site_root(settings.site_root.as_str())
        .site_pkg_dir(assets::PKG_DIR)
        .site_addr(settings.site_addr)
        .hash_files(fingerprinted)
        .build()
}

/// Brotli (preferred) or gzip, as the request's Accept-Encoding allows, for bodies over 1 KiB; never for
/// images or server-sent event streams, which must reach the client as each event is written.
fn compression() -> CompressionLayer<impl Predicate> {
    let worth_it = SizeAbove::new(1024)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE)
        .and(NotForContentType::GRPC);
    CompressionLayer::new().compress_when(worth_it)
}

/// Where load balancers probe; answered like any route (security headers included) but never logged.
const HEALTH_CHECK_PATH: &str = "/healthz";

/// A span per request (method, path and query, version), except the health checks a load balancer sends every
/// few seconds. The token of a mail link in the path is left out: it is a secret until used.
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let uri = request.uri();
    if uri.path() == HEALTH_CHECK_PATH {
        return tracing::Span::none();
    }
    let path = auth::email::tokens::redacted_path(uri.path());
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
fn log_response<B>(
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
async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
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

/// Takes over SIGINT (Ctrl-C) and SIGTERM, the signals operators and service managers send, at once; the
/// future resolves when one arrives.
///
/// The handlers are installed by this call, not when the future is first polled: a SIGTERM that arrives right
/// after "listening on" (a service manager stopping a server it just started) must still stop it gracefully
/// rather than kill it with the default action.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{signal, Signal, SignalKind};
    async fn received(signal: io::Result<Signal>, name: &str) {
        match signal {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for {name}");
                std::future::pending::<()>().await;
            }
        }
    }
    let interrupt = signal(SignalKind::interrupt());
    let terminate = signal(SignalKind::terminate());
    async move {
        tokio::select! {
            () = received(interrupt, "SIGINT") => {},
            () = received(terminate, "SIGTERM") => {},
        }
        tracing::info!("shutdown signal received; finishing in-flight requests");
    }
}

/// A handler panicked: the bug is logged with its message, the client gets the generic 500 and nothing else.
fn answer_panic(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
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
async fn limit_time(
    State(limit): State<std::time::Duration>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = auth::email::tokens::redacted_path(request.uri().path()).into_owned();
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(path, seconds = limit.as_secs(), "request timed out");
            crate::error::AppError::TimedOut.into_response()
        }
    }
}

/// Every `/api/` route; a known path asked with another method answers 405 in the API's JSON shape.
fn api_routes() -> Router<AppState> {
    Router::new()
        .merge(auth::api::routes())
        .merge(auth::email::api::routes())
        .merge(auth::tokens::api::routes())
        .merge(crate::todos::api::routes())
        .merge(crate::todos::live::stream::routes())
        .merge(crate::admin::api::routes())
        .merge(crate::api::routes())
        .method_not_allowed_fallback(crate::api::method_not_allowed)
}

/// The page routes of [`App`], generated once per process.
///
/// Generating them renders the app with a process-wide switch on that makes every resource first polled
/// meanwhile wait forever (leptos#4773). Generating once, before any server of this process can serve,
/// keeps a second `Application` (tests start many) from stalling pages another one is rendering.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
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
