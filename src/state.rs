//! What every handler and server function can reach, and how a server function finds it. A leaf of the
//! server: features import it, and it imports no feature's routes or pages (the router is `startup`'s).

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRef, FromRequestParts},
    http::request::Parts,
};
use leptos::prelude::LeptosOptions;

use crate::{
    auth::{email::policy::EmailPolicy, hashing::PasswordHasher, throttle::Throttle},
    db::Pool,
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
    /// The most todos one list may hold.
    pub todos_per_user: i64,
    /// Mail: the mailer, confirmation, links.
    pub email: EmailPolicy,
    /// The live-update streams open on this instance.
    pub live: Hub,
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
