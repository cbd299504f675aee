//! The JSON API for accounts: `/api/auth/*`. Same services and rules as the pages; errors are
//! `{"error": {"code", "message", "fields"?}}` with the status of [`AppError::status`].

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, State},
    http::StatusCode,
    routing::{any, get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::{
    accounts, password_change::PasswordChangeInput, registration::RegistrationInput, session, User,
};
use crate::{
    error::{ApiJson, AppError},
    startup::AppState,
};

/// The routes of this module, to merge into the application router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/auth/register", post(register))
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/me", get(me))
        .route("/api/auth/password", post(change_password))
        .route("/api/{*rest}", any(not_found))
}

/// Unknown `/api/` paths answer in the API's JSON shape, not with the HTML 404 page.
async fn not_found() -> AppError {
    AppError::NotFound
}

/// Body of `POST /api/auth/login`.
#[derive(Debug, Deserialize)]
struct LoginRequest {
    login: String,
    password: String,
    #[serde(default)]
    remember: bool,
}

/// Every successful answer about an account.
#[derive(Debug, Serialize)]
struct UserResponse {
    user: User,
}

async fn register(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    ApiJson(input): ApiJson<RegistrationInput>,
) -> Result<(StatusCode, Json<UserResponse>), AppError> {
    let ip = peer.ip().to_string();
    let record = accounts::register(&state.pool, &state.hasher, &input, Some(&ip)).await?;
    session::log_in(&session, state.sessions, &record, false).await?;
    let user = accounts::public_view(&state.pool, record).await?;
    Ok((StatusCode::CREATED, Json(UserResponse { user })))
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<UserResponse>, AppError> {
    let ip = peer.ip().to_string();
    let record = accounts::authenticate(
        &state.pool,
        &state.hasher,
        &request.login,
        &request.password,
        Some(&ip),
    )
    .await?;
    session::log_in(&session, state.sessions, &record, request.remember).await?;
    let user = accounts::public_view(&state.pool, record).await?;
    Ok(Json(UserResponse { user }))
}

async fn logout(session: Session) -> Result<StatusCode, AppError> {
    session::log_out(&session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the password; every other session of the user ends, this one continues under a new id.
async fn change_password(
    State(state): State<AppState>,
    session: Session,
    ApiJson(input): ApiJson<PasswordChangeInput>,
) -> Result<StatusCode, AppError> {
    let record = session::current_user(&session, state.sessions, &state.pool)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let updated = accounts::change_password(&state.pool, &state.hasher, &record, &input).await?;
    session::adopt_new_secret(&session, &updated).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<UserResponse>, AppError> {
    let record = session::current_user(&session, state.sessions, &state.pool)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let user = accounts::public_view(&state.pool, record).await?;
    Ok(Json(UserResponse { user }))
}
