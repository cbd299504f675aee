//! The JSON API for accounts: `/api/auth/*`. Same services and rules as the pages; errors are
//! `{"error": {"code", "message", "fields"?}}` with the status of [`AppError::status`].

use axum::{extract::State, http::StatusCode, Json};
use serde::{Deserialize, Serialize};
use tower_cookies::Cookies;
use tower_sessions::Session;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    api_user::ApiUser,
    attempts::check_current_password,
    device::Client,
    password_change::PasswordChangeInput,
    reauth,
    registration::RegistrationInput,
    service::{self, LoginAttempt},
    session,
    sign_in::{self, Started},
    two_factor::remembered,
    User,
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
        .routes(routes!(reauthenticate))
}

/// The answer to `POST /api/auth/login`: the account, or that the second step is to come.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum LoginResponse {
    /// Logged in.
    LoggedIn(Box<UserResponse>),
    /// The account has two-factor sign-in: send a code to `POST /api/auth/login/code` with this session's
    /// cookie, within 5 minutes.
    SecondFactorRequired {
        /// Always `true`.
        second_factor_required: bool,
    },
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
    /// The account.
    pub user: User,
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
    client: Client,
    session: Session,
    ApiJson(input): ApiJson<RegistrationInput>,
) -> Result<(StatusCode, Json<UserResponse>), AppError> {
    let registered = service::register(&state, &input, client.ip.as_deref()).await?;
    if registered.logged_in {
        sign_in::begin(&state, &session, &registered.user, false, &client).await?;
    }
    let record = registered.user;
    let user = service::public_view(&state.pool, state.email.confirmation, record).await?;
    Ok((StatusCode::CREATED, Json(UserResponse { user })))
}

/// Logs in with email or username; the answer sets the session cookie under a new session id. For an account
/// with two-factor sign-in (unless this client was remembered) the answer is `{"second_factor_required": true}`
/// instead, and the session cookie carries the sign-in to `POST /api/auth/login/code`.
#[utoipa::path(
    post, path = "/api/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in (`user`), or the second step is to come (`second_factor_required`)", body = LoginResponse),
        (status = 401, description = "Wrong login or password (one message for both)", body = ErrorBody),
        (status = 403, description = "Right password, but the account is deactivated (`inactive`) or its address unconfirmed where the site requires it (`unconfirmed`; `POST /api/auth/confirm/resend` then sends the link again)", body = ErrorBody),
        (status = 429, description = "Too many recent failures; see `Retry-After`", body = ErrorBody),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    client: Client,
    session: Session,
    cookies: Cookies,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, AppError> {
    let remembered = remembered::read(&state, &cookies);
    let device = client.device();
    let attempt = LoginAttempt {
        login: &request.login,
        password: request.password.expose(),
        ip: client.ip.as_deref(),
        device: Some(&device),
        remembered: remembered.as_ref(),
    };
    let outcome = service::authenticate(
        &state.pool,
        &state.hasher,
        &state.throttle,
        attempt,
        state.email.confirmation,
    )
    .await;
    let outcome =
        session::unless_unconfirmed(&session, &state.pool, &request.login, outcome).await?;
    let Started::LoggedIn(record) =
        sign_in::start(&state, &session, outcome, request.remember, &client).await?
    else {
        return Ok(Json(LoginResponse::SecondFactorRequired {
            second_factor_required: true,
        }));
    };
    let user = service::public_view(&state.pool, state.email.confirmation, *record).await?;
    Ok(Json(LoginResponse::LoggedIn(Box::new(UserResponse {
        user,
    }))))
}

/// Body of `POST /api/auth/reauthenticate`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReauthenticateRequest {
    /// The account's password.
    #[schema(value_type = String)]
    current_password: Secret,
}

/// Enters the password again in this session, so that for `reauthenticate_minutes` it may create API tokens
/// and change two-factor sign-in without sending `current_password` each time. Session callers only: a
/// bearer token's caller sends `current_password` with those requests.
#[utoipa::path(
    post, path = "/api/auth/reauthenticate", tag = "auth",
    request_body = ReauthenticateRequest,
    responses(
        (status = 204, description = "The password is fresh in this session"),
        (status = 401, description = "No session", body = ErrorBody),
        (status = 422, description = "Wrong password (`fields.current_password`)", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords lately; see `Retry-After`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn reauthenticate(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: ApiUser,
    ApiJson(request): ApiJson<ReauthenticateRequest>,
) -> Result<StatusCode, AppError> {
    let session = user.session.as_ref().ok_or(AppError::Unauthenticated)?;
    check_current_password(
        &state.hasher,
        &state.throttle,
        &user.record,
        request.current_password.expose(),
        ip.as_deref(),
    )
    .await?;
    reauth::mark(session).await?;
    Ok(StatusCode::NO_CONTENT)
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
