//! Assembling the server: state, router, listener, and a graceful stop. The composition root: the one place
//! that imports every feature, to route it.

mod http;
mod signal;

pub use crate::error::startup::StartupError;
pub use signal::shutdown_signal;

use std::{future::Future, net::SocketAddr};

use axum::{middleware, routing::get, Router};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::{net::TcpListener, task::JoinHandle};
use tower_http::{catch_panic::CatchPanicLayer, limit::RequestBodyLimitLayer, trace::TraceLayer};

use self::http::{
    answer_panic, compression, healthz, limit_time, log_response, request_span, HEALTH_CHECK_PATH,
};
use crate::{
    app::{shell, App},
    assets::{self, Fingerprints},
    auth,
    config::Settings,
    connections,
    db::{DatabaseError, Pool},
    security::{
        cross_origin::{self, CrossOriginGuard, CrossOriginPolicy},
        headers::{self, HeaderPolicy},
    },
    session_store,
    state::AppState,
};

/// Without `two_factor_key` no code can be checked: a server that finds accounts using two-factor sign-in
/// refuses to start rather than let them in on their password alone, and one that finds none says how to make a
/// key so the feature can be offered.
async fn check_two_factor_key(settings: &Settings, pool: &Pool) -> Result<(), StartupError> {
    use crate::auth::two_factor::key::HOW_TO_MAKE_ONE;
    if !settings.two_factor_key.expose().trim().is_empty() {
        return Ok(());
    }
    let using = crate::auth::two_factor::queries::enabled_count(pool)
        .await
        .map_err(|error| {
            StartupError::TwoFactorKey(format!(
                "is empty, and which accounts use two-factor sign-in could not be read: {error}"
            ))
        })?;
    if using > 0 {
        return Err(StartupError::TwoFactorKey(format!(
            "is empty, but {using} account(s) use two-factor sign-in and their codes cannot be checked without it; give the key they were set up with (or `leptodo users reset-2fa` each)"
        )));
    }
    tracing::warn!(
        "two_factor_key is empty: nobody can set up two-factor sign-in; {HOW_TO_MAKE_ONE} and set it"
    );
    Ok(())
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
        AppState::check(settings)?;
        let cross_origin =
            CrossOriginPolicy::new(&settings.site_url).map_err(StartupError::SiteUrl)?;
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
        if settings.client_ip_header.trim().is_empty() && !settings.trusted_proxies.is_empty() {
            tracing::warn!(
                "trusted_proxies is set but client_ip_header is empty: every client counts as the TCP peer"
            );
        }
        let pool = open_database(settings).await?;
        if matches!(pool, Pool::Postgres(_)) && settings.cookie_key.expose().trim().is_empty() {
            tracing::warn!(
                "cookie_key is empty: this instance signs its one-time messages with a key of its own; give every instance the same cookie_key, or a message left by one is dropped by another"
            );
        }
        check_two_factor_key(settings, &pool).await?;
        let fingerprints = Fingerprints::load();
        let state = AppState::build(settings, pool.clone(), local_addr, fingerprints.is_some())?;
        match &state.passkeys {
            crate::auth::passkeys::relying_party::RelyingParty::Unavailable(reason) => {
                tracing::warn!("passkeys are off: {reason}");
            }
            _ if settings.site_url.trim().is_empty() && local_addr.ip().is_unspecified() => {
                tracing::warn!(
                    "site_url is empty: passkeys work only on http://localhost, not on this machine's other names; set site_url to the address visitors use"
                );
            }
            _ => {}
        }
        let (session_layer, session_cleanup) =
            session_store::layer(&pool, settings, state.throttle.clone());
        // On PostgreSQL every instance hears the others' changes; on SQLite the one process has them all.
        let notices = match &pool {
            Pool::Postgres(pg) => Some(crate::todos::live::listener::spawn(
                pg.clone(),
                state.live.clone(),
            )),
            Pool::Sqlite { .. } => None,
        };
        fingerprints.unwrap_or_default().install();
        let router = router(settings, &state, cross_origin, session_layer);
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

/// Every route (health check, API, pages, site files) inside the layers each request passes through, outermost
/// last: trace, panic answer, time limit, security headers, body limit, cross-origin guard, session.
fn router(
    settings: &Settings,
    state: &AppState,
    cross_origin: CrossOriginPolicy,
    session_layer: tower_sessions::SessionManagerLayer<session_store::Store>,
) -> Router {
    Router::new()
        .route(HEALTH_CHECK_PATH, get(healthz))
        .route(
            crate::todos::offline::SERVICE_WORKER_PATH,
            get(crate::todos::offline::service_worker::serve),
        )
        .merge(api_routes())
        .leptos_routes(state, route_list(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        // Pages and API answers are compressed as they are sent; the site's files were compressed at build
        // time, so the fallback that serves them (added after this layer) is left out of it.
        .layer(compression())
        .fallback(assets::site_file)
        // Inside the session layer, which it reads.
        .layer(middleware::from_fn(crate::auth::session::name_the_login))
        .layer(middleware::from_fn(
            crate::auth::session::keep_chosen_lifetime,
        ))
        .layer(session_layer)
        .layer(middleware::from_fn_with_state(
            CrossOriginGuard {
                policy: cross_origin,
                pool: state.pool.clone(),
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
        .with_state(state.clone())
}

/// Every `/api/` route and the OpenAPI document of the same routers; a known path asked with another method
/// answers 405 in the API's JSON shape.
fn api_routes() -> Router<AppState> {
    use utoipa::OpenApi;
    let (routes, document) =
        utoipa_axum::router::OpenApiRouter::with_openapi(crate::api::ApiDoc::openapi())
            .merge(auth::api::routes())
            .merge(auth::email::api::routes())
            .merge(auth::tokens::api::routes())
            .merge(auth::two_factor::api::routes())
            .merge(auth::passkeys::api::routes())
            .merge(crate::todos::api::routes())
            .merge(crate::todos::sync::api::routes())
            .merge(crate::todos::live::stream::routes())
            .merge(crate::account::devices::api::routes())
            .merge(crate::account::activity::api::routes())
            .merge(crate::account::data::api::routes())
            .merge(crate::admin::api::routes())
            .split_for_parts();
    routes
        .merge(crate::api::routes(document))
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
