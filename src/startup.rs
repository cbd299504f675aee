//! Assembling the server: state, router, listener, and a graceful stop.

use std::{future::Future, io, net::SocketAddr};

use axum::{extract::FromRef, extract::State, http::StatusCode, middleware, routing::get, Router};
use leptos::prelude::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sqlx::SqlitePool;
use tokio::{net::TcpListener, task::JoinHandle};
use tower_http::{
    catch_panic::CatchPanicLayer,
    limit::RequestBodyLimitLayer,
    trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use crate::{
    app::{shell, App},
    auth::{
        self,
        hashing::{HashingError, PasswordHasher},
        session::SessionPolicy,
        throttle::Throttle,
    },
    config::Settings,
    db::{self, DatabaseError},
    security::{
        client_ip::ClientIpSource,
        cross_origin::{self, CrossOriginPolicy},
        headers::{self, HeaderPolicy},
    },
    sessions,
};

/// What every handler and server function can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Where the site files are and how the page names them.
    pub leptos_options: LeptosOptions,
    /// The database.
    pub pool: SqlitePool,
    /// argon2id with the configured parameters and concurrency bound.
    pub hasher: PasswordHasher,
    /// How long logins last.
    pub sessions: SessionPolicy,
    /// Counts of failed attempts, per account and address.
    pub throttle: Throttle,
    /// Where the client's address is read from.
    pub client_ips: ClientIpSource,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

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
    /// `client_ip_header` is not a header name.
    #[error("configuration: key `client_ip_header`: {0}")]
    ClientIpHeader(String),
    /// The session table could not be created.
    #[error("cannot prepare the session store: {0}")]
    Sessions(#[source] sqlx::Error),
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
    local_addr: SocketAddr,
    router: Router,
    pool: SqlitePool,
    session_cleanup: JoinHandle<()>,
}

impl Application {
    /// Opens the database, applies migrations and binds the listener.
    pub async fn build(settings: &Settings) -> Result<Self, StartupError> {
        let hasher = PasswordHasher::new(settings)?;
        let cross_origin =
            CrossOriginPolicy::new(&settings.site_url).map_err(StartupError::SiteUrl)?;
        let client_ips = ClientIpSource::new(&settings.client_ip_header)
            .map_err(StartupError::ClientIpHeader)?;
        let pool = db::connect_and_migrate(settings).await?;
        let (session_layer, session_cleanup) = sessions::layer(&pool, settings)
            .await
            .map_err(StartupError::Sessions)?;
        let state = AppState {
            leptos_options: leptos_options(settings),
            pool: pool.clone(),
            hasher,
            sessions: SessionPolicy::new(settings),
            throttle: Throttle::new(pool.clone(), settings),
            client_ips,
        };
        let routes = route_list();
        let router = Router::new()
            .route("/healthz", get(healthz))
            .merge(api_routes())
            .leptos_routes(&state, routes, {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            })
            .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
            .layer(session_layer)
            .layer(middleware::from_fn_with_state(
                cross_origin,
                cross_origin::protect,
            ))
            .layer(RequestBodyLimitLayer::new(settings.max_body_bytes))
            .layer(middleware::map_response(
                crate::api::explain_payload_too_large,
            ))
            .layer(middleware::from_fn_with_state(
                HeaderPolicy {
                    hsts: settings.cookie_secure,
                },
                headers::add,
            ))
            .layer(CatchPanicLayer::custom(answer_panic))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                    .on_response(DefaultOnResponse::new().level(Level::INFO)),
            )
            .with_state(state);
        let bind_error = |source| StartupError::Bind {
            addr: settings.site_addr,
            source,
        };
        let listener = TcpListener::bind(settings.site_addr)
            .await
            .map_err(bind_error)?;
        let local_addr = listener.local_addr().map_err(bind_error)?;
        Ok(Self {
            listener,
            local_addr,
            router,
            pool,
            session_cleanup,
        })
    }

    /// The address actually bound (useful when the configured port is 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until `shutdown` resolves, lets in-flight requests finish, then closes the pool.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        // Connection info gives handlers the peer address, recorded at login.
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        self.session_cleanup.abort();
        self.pool.close().await;
        tracing::info!("stopped");
        served
    }
}

/// The options Leptos needs to name and find the built site.
fn leptos_options(settings: &Settings) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(env!("CARGO_PKG_NAME"))
        .site_root(settings.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(settings.site_addr)
        .build()
}

/// Liveness and readiness: 200 when the database answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match sqlx::query("SELECT 1").execute(&state.pool).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(error) => {
            tracing::error!(%error, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM, the signals operators and service managers send.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
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

/// Every `/api/` route; a known path asked with another method answers 405 in the API's JSON shape.
fn api_routes() -> Router<AppState> {
    Router::new()
        .merge(auth::api::routes())
        .merge(auth::tokens::api::routes())
        .merge(crate::todos::api::routes())
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

/// Inside a server function or a page rendered on the server: the shared state and the caller's session.
pub async fn request_context() -> Result<(AppState, tower_sessions::Session), crate::error::AppError>
{
    use crate::error::AppError;
    let state = leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function context");
        AppError::Internal
    })?;
    let session = leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|error| {
            tracing::error!(%error, "session layer missing");
            AppError::Internal
        })?;
    Ok((state, session))
}

/// Inside a server function: the client's address, read as `client_ip_header` says.
pub async fn client_ip() -> Option<String> {
    let state = leptos::prelude::use_context::<AppState>()?;
    let parts = leptos::prelude::use_context::<axum::http::request::Parts>()?;
    let peer = leptos_axum::extract::<axum::extract::ConnectInfo<SocketAddr>>()
        .await
        .ok()
        .map(|axum::extract::ConnectInfo(peer)| peer);
    state.client_ips.resolve(&parts.headers, peer)
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::Request, routing::get, Router};
    use tower::ServiceExt;
    use tower_http::catch_panic::CatchPanicLayer;

    use super::answer_panic;

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
