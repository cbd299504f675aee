//! The JSON API for accounts: `/api/auth/*`. Same services and rules as the pages; errors are
//! `{"error": {"code", "message", "fields"?}}` with the status of [`AppError::status`].

use axum::{extract::State, http::StatusCode, Json};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    api_user::ApiUser, password_change::PasswordChangeInput, registration::RegistrationInput,
    service, session, User,
};
use crate::{
    api::extract::ApiJson,
    error::{json::ErrorBody, AppError},
    secret::Secret,
    state::AppState,
    state::ClientIp,
};

/// This module's routes, each documented by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
}

/// Body of `POST /api/auth/login`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    /// Email or username, in any case.
    login: String,
    #[schema(value_type = String)]
    password: Secret,
    /// Keep the session for `remember_me_days` instead of until the browser closes.
    #[serde(default)]
    remember: bool,
}

/// Every successful answer about an account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserResponse {
    user: User,
}

/// Creates an account and logs it in (the answer sets the session cookie), and sends the confirmation link
/// unless the site does not ask for one. Where confirmation is required, nobody is logged in until the link
/// is used.
#[utoipa::path(
    post, path = "/api/auth/register", tag = "auth",
    request_body = RegistrationInput,
    responses(
        (status = 201, body = UserResponse),
        (status = 409, description = "Email or username taken (`fields` says which)", body = ErrorBody),
        (status = 422, description = "Rules broken (`fields` says which)", body = ErrorBody),
    )
)]
pub async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    session: Session,
    ApiJson(input): ApiJson<RegistrationInput>,
) -> Result<(StatusCode, Json<UserResponse>), AppError> {
    let registered = service::register(&state, &input, ip.as_deref()).await?;
    if registered.logged_in {
        session::log_in(&session, state.sessions, &registered.user, false).await?;
    }
    let record = registered.user;
    let user = service::public_view(&state.pool, state.email.confirmation, record).await?;
    Ok((StatusCode::CREATED, Json(UserResponse { user })))
}

/// Logs in with email or username; the answer sets the session cookie under a new session id.
#[utoipa::path(
    post, path = "/api/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = UserResponse),
        (status = 401, description = "Wrong login or password (one message for both)", body = ErrorBody),
        (status = 403, description = "Right password, but the account is deactivated (`inactive`) or its address unconfirmed where the site requires it (`unconfirmed`; `POST /api/auth/confirm/resend` then sends the link again)", body = ErrorBody),
        (status = 429, description = "Too many recent failures; see `Retry-After`", body = ErrorBody),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    session: Session,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<UserResponse>, AppError> {
    let outcome = service::authenticate(
        &state.pool,
        &state.hasher,
        &state.throttle,
        &request.login,
        request.password.expose(),
        ip.as_deref(),
        state.email.confirmation,
    )
    .await;
    let record =
        session::unless_unconfirmed(&session, &state.pool, &request.login, outcome).await?;
    session::log_in(&session, state.sessions, &record, request.remember).await?;
    let user = service::public_view(&state.pool, state.email.confirmation, record).await?;
    Ok(Json(UserResponse { user }))
}

/// Ends the session, server-side; harmless without one.
#[utoipa::path(
    post, path = "/api/auth/logout", tag = "auth",
    responses((status = 204, description = "Logged out"))
)]
pub async fn logout(
    State(state): State<AppState>,
    session: Session,
) -> Result<StatusCode, AppError> {
    session::log_out(&state, &session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the password. Every other session and every token of the user ends; a session making the call
/// continues under a new id.
#[utoipa::path(
    post, path = "/api/auth/password", tag = "auth",
    request_body = PasswordChangeInput,
    responses(
        (status = 204, description = "Changed"),
        (status = 422, description = "Wrong current password or a weak new one", body = ErrorBody),
        (status = 429, description = "Too many wrong current passwords; see `Retry-After`", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn change_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: ApiUser,
    ApiJson(input): ApiJson<PasswordChangeInput>,
) -> Result<StatusCode, AppError> {
    let updated = service::change_password(&state, &user.record, &input, ip.as_deref()).await?;
    if let Some(session) = &user.session {
        session::adopt_new_secret(session, &updated).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's account.
#[utoipa::path(
    get, path = "/api/auth/me", tag = "auth",
    responses(
        (status = 200, body = UserResponse),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn me(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<UserResponse>, AppError> {
    let user = service::public_view(&state.pool, state.email.confirmation, user.record).await?;
    Ok(Json(UserResponse { user }))
}
