//! What every handler and server function can reach, and how a server function finds it. A leaf of the
//! server: features import it, and it imports no feature's routes or pages (the router is `startup`'s).

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRef, FromRequestParts},
    http::request::Parts,
};
use leptos::prelude::LeptosOptions;

use crate::{
    assets::fingerprints::PKG_DIR,
    auth::{
        email::policy::EmailPolicy, hashing::PasswordHasher, passkeys::relying_party::RelyingParty,
        throttle::Throttle, two_factor::TwoFactorPolicy,
    },
    config::Settings,
    db::Pool,
    error::startup::StartupError,
    mail::Mailer,
    security::client_ip::ClientIpSource,
    session_store::SessionPolicy,
    todos::live::hub::Hub,
};

/// What every handler and server function can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Where the site files are and how the page names them.
    pub leptos_options: LeptosOptions,
    /// The database.
    pub pool: Pool,
    /// argon2id with the configured parameters and concurrency bound.
    pub hasher: PasswordHasher,
    /// How long logins last.
    pub sessions: SessionPolicy,
    /// Counts of failed attempts, per account and address.
    pub throttle: Throttle,
    /// Where the client's address is read from.
    pub client_ips: ClientIpSource,
    /// What signs the flash and secret cookies (`cookie_key`).
    pub cookie_key: tower_cookies::Key,
    /// The most todos one list may hold.
    pub todos_per_user: i64,
    /// Mail: the mailer, confirmation, links.
    pub email: EmailPolicy,
    /// The live-update streams open on this instance.
    pub live: Hub,
    /// Two-factor sign-in: the key that seals secrets, how long a remembered browser is.
    pub two_factor: TwoFactorPolicy,
    /// The relying party passkeys are made for, if the site has one.
    pub passkeys: RelyingParty,
}

impl AppState {
    /// Refuses the settings [`AppState::build`] would refuse, without opening or starting anything: the server
    /// checks them before it binds its port or touches the database.
    pub fn check(settings: &Settings) -> Result<(), StartupError> {
        PasswordHasher::parameters(settings)?;
        ClientIpSource::new(settings)?;
        crate::security::cookie_key::from_settings(settings).map_err(StartupError::CookieKey)?;
        TwoFactorPolicy::new(settings).map_err(StartupError::TwoFactorKey)?;
        Mailer::new(settings)?;
        Ok(())
    }

    /// Everything handlers reach, as `settings` say, on `pool`. Links in mails start with `local_addr` where
    /// `site_url` is empty; `fingerprinted` when the built site's file names carry their hashes. The server and
    /// the tests that call services directly build it the same way.
    pub fn build(
        settings: &Settings,
        pool: Pool,
        local_addr: SocketAddr,
        fingerprinted: bool,
    ) -> Result<Self, StartupError> {
        let client_ips = ClientIpSource::new(settings)?;
        let cookie_key = crate::security::cookie_key::from_settings(settings)
            .map_err(StartupError::CookieKey)?;
        let mailer = Mailer::new(settings)?;
        Ok(Self {
            leptos_options: LeptosOptions::builder()
                .output_name(env!("CARGO_PKG_NAME"))
                .site_root(settings.site_root.as_str())
                .site_pkg_dir(PKG_DIR)
                .site_addr(settings.site_addr)
                .hash_files(fingerprinted)
                .build(),
            hasher: PasswordHasher::new(settings)?,
            sessions: SessionPolicy::new(settings),
            throttle: Throttle::new(pool.clone(), settings),
            client_ips,
            cookie_key,
            todos_per_user: i64::from(settings.todos_per_user),
            email: EmailPolicy::new(settings, mailer, local_addr),
            live: Hub::new(settings),
            two_factor: TwoFactorPolicy::new(settings).map_err(StartupError::TwoFactorKey)?,
            passkeys: RelyingParty::new(settings, local_addr),
            pool,
        })
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
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

/// Inside a server function: the request's cookies, through the cookie layer (the site's own cookies are
/// signed with `cookie_key`).
pub async fn request_cookies() -> Result<tower_cookies::Cookies, crate::error::AppError> {
    leptos_axum::extract::<tower_cookies::Cookies>()
        .await
        .map_err(|error| {
            tracing::error!(%error, "cookie layer missing");
            crate::error::AppError::Internal
        })
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

/// Extractor: the client's address, read as `client_ip_header` says, for the JSON API.
pub struct ClientIp(pub Option<String>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| *peer);
        Ok(Self(state.client_ips.resolve(&parts.headers, peer)))
    }
}
