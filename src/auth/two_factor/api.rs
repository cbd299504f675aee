//! `/api/auth/two-factor*` and the second step of an API login, `/api/auth/login/code`: the same services as
//! the account page and `/login/code`.

use axum::{extract::State, http::StatusCode, Json};
use serde::Deserialize;
use tower_cookies::Cookies;
use tower_sessions::Session;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{service, Enrolment, RecoveryCodes};
use crate::{
    api::extract::ApiJson,
    auth::{api::UserResponse, api_user::ApiUser, device::Client, service as accounts, sign_in},
    error::{json::ErrorBody, AppError},
    secret::Secret,
    state::{AppState, ClientIp},
};

/// This module's routes, each documented by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login_code))
        .routes(routes!(begin_setup, disable))
        .routes(routes!(confirm_setup))
        .routes(routes!(renew_recovery_codes))
}

/// Body of `POST /api/auth/login/code`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginCodeRequest {
    /// The 6 digits the authenticator app shows, or a recovery code.
    #[schema(value_type = String)]
    code: Secret,
    /// Spare this client the second step for `two_factor_remember_days` (a signed cookie).
    #[serde(default)]
    remember_browser: bool,
}

/// The second step of a login that answered `second_factor_required`: with the right code the session begins
/// (the answer sets its cookie under a new id), as after a login without two-factor sign-in.
#[utoipa::path(
    post, path = "/api/auth/login/code", tag = "auth",
    request_body = LoginCodeRequest,
    responses(
        (status = 200, body = UserResponse),
        (status = 401, description = "No sign-in waits for its second step in this session, or it expired (5 minutes)", body = ErrorBody),
        (status = 422, description = "Wrong or reused code (`fields.code`)", body = ErrorBody),
        (status = 429, description = "Too many wrong codes or passwords lately; see `Retry-After`", body = ErrorBody),
    )
)]
pub async fn login_code(
    State(state): State<AppState>,
    client: Client,
    session: Session,
    cookies: Cookies,
    ApiJson(request): ApiJson<LoginCodeRequest>,
) -> Result<Json<UserResponse>, AppError> {
    let user = sign_in::finish(
        &state,
        &session,
        &cookies,
        request.code.expose(),
        request.remember_browser,
        &client,
    )
    .await?;
    let user = accounts::public_view(&state.pool, state.email.confirmation, user).await?;
    Ok(Json(UserResponse { user }))
}

/// Body of the requests that need the password.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    /// The account's password: needed with a bearer token, and with a session whose password was entered more
    /// than `reauthenticate_minutes` ago.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    current_password: Option<Secret>,
}

/// Starts setting up two-factor sign-in: a new secret for the authenticator app, which counts only once
/// `POST /api/auth/two-factor/confirm` gives a code it made (within `reauthenticate_minutes`, at least 5 minutes).
#[utoipa::path(
    post, path = "/api/auth/two-factor", tag = "two-factor",
    request_body = PasswordRequest,
    responses(
        (status = 200, description = "The secret, shown now and until the setup is confirmed or expires", body = Enrolment),
        (status = 403, description = "`reauthentication_required`: give `current_password`", body = ErrorBody),
        (status = 409, description = "Already on, or the server has no `two_factor_key`", body = ErrorBody),
        (status = 422, description = "Wrong `current_password`", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords lately; see `Retry-After`", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn begin_setup(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: ApiUser,
    ApiJson(request): ApiJson<PasswordRequest>,
) -> Result<Json<Enrolment>, AppError> {
    let proof = user.proof(request.current_password.as_ref());
    let mut enrolment = service::begin_setup(&state, &user.record, proof, ip.as_deref()).await?;
    enrolment.qr_svg.clear();
    Ok(Json(enrolment))
}

/// Body of `POST /api/auth/two-factor/confirm`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    /// The 6 digits the authenticator app shows for the new secret.
    #[schema(value_type = String)]
    code: Secret,
    /// The account's password: needed with a bearer token, and with a session whose password was entered more
    /// than `reauthenticate_minutes` ago.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    current_password: Option<Secret>,
}

/// Confirms the setup with a code from the app: two-factor sign-in is on, and the answer holds the ten
/// recovery codes, shown only now.
#[utoipa::path(
    post, path = "/api/auth/two-factor/confirm", tag = "two-factor",
    request_body = ConfirmRequest,
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 403, description = "`reauthentication_required`: give `current_password`", body = ErrorBody),
        (status = 409, description = "No setup waits (never started, expired, or already on)", body = ErrorBody),
        (status = 422, description = "Wrong code (`fields.code`)", body = ErrorBody),
        (status = 429, description = "Too many wrong codes lately; see `Retry-After`", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn confirm_setup(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: ApiUser,
    ApiJson(request): ApiJson<ConfirmRequest>,
) -> Result<Json<RecoveryCodes>, AppError> {
    let proof = user.proof(request.current_password.as_ref());
    let codes = service::confirm_setup(
        &state,
        &user.record,
        proof,
        request.code.expose(),
        ip.as_deref(),
    )
    .await?;
    Ok(Json(codes))
}

/// Body of `DELETE /api/auth/two-factor`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisableRequest {
    /// The account's password.
    #[schema(value_type = String)]
    current_password: Secret,
    /// A current code from the app, or a recovery code.
    #[schema(value_type = String)]
    code: Secret,
}

/// Turns two-factor sign-in off; the recovery codes and every remembered browser go with it.
#[utoipa::path(
    delete, path = "/api/auth/two-factor", tag = "two-factor",
    request_body = DisableRequest,
    responses(
        (status = 204, description = "Off"),
        (status = 409, description = "It was not on", body = ErrorBody),
        (status = 422, description = "Wrong password (`fields.current_password`) or code (`fields.code`)", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords or codes lately; see `Retry-After`", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn disable(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: ApiUser,
    ApiJson(request): ApiJson<DisableRequest>,
) -> Result<StatusCode, AppError> {
    service::disable(
        &state,
        &user.record,
        &request.current_password,
        request.code.expose(),
        ip.as_deref(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Makes a new set of ten recovery codes; the old set stops working.
#[utoipa::path(
    post, path = "/api/auth/two-factor/recovery-codes", tag = "two-factor",
    request_body = PasswordRequest,
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 403, description = "`reauthentication_required`: give `current_password`", body = ErrorBody),
        (status = 409, description = "Two-factor sign-in is not on", body = ErrorBody),
        (status = 422, description = "Wrong `current_password`", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords lately; see `Retry-After`", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn renew_recovery_codes(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: ApiUser,
    ApiJson(request): ApiJson<PasswordRequest>,
) -> Result<Json<RecoveryCodes>, AppError> {
    let proof = user.proof(request.current_password.as_ref());
    let codes = service::renew_recovery_codes(&state, &user.record, proof, ip.as_deref()).await?;
    Ok(Json(codes))
}
