//! `/api/auth/passkeys*` (the account's passkeys) and the passkey sign-ins, `/api/auth/passkey-login*` and
//! `/api/auth/login/passkey*`: the same services as the pages. The ceremonies' options and answers are
//! WebAuthn's JSON (binary fields in unpadded base64url), as `navigator.credentials` takes and gives them
//! through `PublicKeyCredential.parse…OptionsFromJSON` and `toJSON()`.

use axum::{extract::State, http::StatusCode, Json};
use serde::Deserialize;
use tower_cookies::Cookies;
use tower_sessions::Session;
use utoipa_axum::{router::OpenApiRouter, routes};
use webauthn_rs::prelude::{
    CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse,
};

use super::{service, PasskeySummary};
use crate::{
    api::extract::{ApiId, ApiJson},
    auth::{api::UserResponse, api_user::ApiUser, device::Client, service as accounts, sign_in},
    error::{json::ErrorBody, AppError},
    secret::Secret,
    state::{AppState, ClientIp},
};

/// This module's routes, each documented by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, add))
        .routes(routes!(begin_registration))
        .routes(routes!(rename, remove))
        .routes(routes!(begin_sign_in))
        .routes(routes!(sign_in))
        .routes(routes!(begin_second_step))
        .routes(routes!(second_step))
}

/// Lists the caller's passkeys, oldest first.
#[utoipa::path(
    get, path = "/api/auth/passkeys", tag = "passkeys",
    responses((status = 200, body = Vec<PasskeySummary>)),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<PasskeySummary>>, AppError> {
    Ok(Json(service::list(&state, &user.record).await?))
}

/// Body of `POST /api/auth/passkeys/registration` and `DELETE /api/auth/passkeys/{id}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyPasswordRequest {
    /// The account's password: needed with a session whose password was entered more than
    /// `reauthenticate_minutes` ago, and always with a bearer token.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    current_password: Option<Secret>,
}

/// Begins adding a passkey from this browser session: answers the options to pass to
/// `navigator.credentials.create` (as `{publicKey}`), valid for 5 minutes. Needs a session: the authenticator
/// is the browser's.
#[utoipa::path(
    post, path = "/api/auth/passkeys/registration", tag = "passkeys",
    request_body = PasskeyPasswordRequest,
    responses(
        (status = 200, description = "WebAuthn `PublicKeyCredentialCreationOptionsJSON` under `publicKey`", body = Object),
        (status = 401, description = "Not logged in with a session (a bearer token cannot add a passkey)", body = ErrorBody),
        (status = 403, description = "`reauthentication_required`: give `current_password`", body = ErrorBody),
        (status = 409, description = "10 passkeys already, or passkeys are not available on this site", body = ErrorBody),
        (status = 422, description = "Wrong `current_password`", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords lately; see `Retry-After`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn begin_registration(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: ApiUser,
    ApiJson(request): ApiJson<PasskeyPasswordRequest>,
) -> Result<Json<CreationChallengeResponse>, AppError> {
    let session = user.session.as_ref().ok_or(AppError::Unauthenticated)?;
    let proof = user.proof(request.current_password.as_ref());
    let options =
        service::begin_registration(&state, session, &user.record, proof, ip.as_deref()).await?;
    Ok(Json(options))
}

/// Body of `POST /api/auth/passkeys`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddPasskeyRequest {
    /// What to call it ("MacBook Touch ID"), 1–64 characters.
    name: String,
    /// What `navigator.credentials.create` answered, as its `toJSON()`.
    #[schema(value_type = Object)]
    credential: RegisterPublicKeyCredential,
}

/// Finishes adding the passkey of this session's registration.
#[utoipa::path(
    post, path = "/api/auth/passkeys", tag = "passkeys",
    request_body = AddPasskeyRequest,
    responses(
        (status = 201, body = PasskeySummary),
        (status = 401, description = "Not logged in with the session that began the registration", body = ErrorBody),
        (status = 409, description = "No registration waits (expired after 5 minutes, or answered already), the passkey is registered already (`fields.credential`), or 10 passkeys already", body = ErrorBody),
        (status = 422, description = "Bad `name`, or the answer is not a valid passkey for this site (`fields.credential`)", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn add(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: ApiUser,
    ApiJson(request): ApiJson<AddPasskeyRequest>,
) -> Result<(StatusCode, Json<PasskeySummary>), AppError> {
    let session = user.session.as_ref().ok_or(AppError::Unauthenticated)?;
    let added = service::finish_registration(
        &state,
        session,
        &user.record,
        &request.name,
        &request.credential,
        ip.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// Body of `PATCH /api/auth/passkeys/{id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenamePasskeyRequest {
    /// The new name, 1–64 characters.
    name: String,
}

/// Renames one of the caller's passkeys.
#[utoipa::path(
    patch, path = "/api/auth/passkeys/{id}", tag = "passkeys",
    params(("id" = i64, Path, description = "The passkey's id")),
    request_body = RenamePasskeyRequest,
    responses(
        (status = 200, body = PasskeySummary),
        (status = 404, description = "No such passkey of the caller's", body = ErrorBody),
        (status = 422, description = "Bad `name`", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn rename(
    State(state): State<AppState>,
    user: ApiUser,
    ApiId(id): ApiId,
    ApiJson(request): ApiJson<RenamePasskeyRequest>,
) -> Result<Json<PasskeySummary>, AppError> {
    Ok(Json(
        service::rename(&state, &user.record, id, &request.name).await?,
    ))
}

/// Removes one of the caller's passkeys: it no longer signs in.
#[utoipa::path(
    delete, path = "/api/auth/passkeys/{id}", tag = "passkeys",
    params(("id" = i64, Path, description = "The passkey's id")),
    request_body = PasskeyPasswordRequest,
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "`reauthentication_required`: give `current_password`", body = ErrorBody),
        (status = 404, description = "No such passkey of the caller's", body = ErrorBody),
        (status = 422, description = "Wrong `current_password`", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords lately; see `Retry-After`", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn remove(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: ApiUser,
    ApiId(id): ApiId,
    ApiJson(request): ApiJson<PasskeyPasswordRequest>,
) -> Result<StatusCode, AppError> {
    let proof = user.proof(request.current_password.as_ref());
    service::remove(&state, &user.record, proof, id, ip.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Begins a sign-in with a passkey: answers the options for `navigator.credentials.get` (as `{publicKey,
/// mediation: "conditional"}`, for autofill; drop `mediation` for a button), valid for 5 minutes.
#[utoipa::path(
    post, path = "/api/auth/passkey-login/options", tag = "auth",
    responses(
        (status = 200, description = "WebAuthn `PublicKeyCredentialRequestOptionsJSON` under `publicKey`", body = Object),
        (status = 409, description = "Passkeys are not available on this site", body = ErrorBody),
    )
)]
pub async fn begin_sign_in(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<RequestChallengeResponse>, AppError> {
    Ok(Json(service::begin_sign_in(&state, &session).await?))
}

/// Body of `POST /api/auth/passkey-login`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeySignInRequest {
    /// What `navigator.credentials.get` answered, as its `toJSON()`.
    #[schema(value_type = Object)]
    credential: PublicKeyCredential,
    /// Keep the session for `remember_me_days` instead of until the browser closes.
    #[serde(default)]
    remember: bool,
}

/// Signs in with the passkey that answered this session's options: no password and no second step. The answer
/// sets the session cookie under a new id. The session has not entered the password, so what needs a fresh one
/// (tokens, passkeys, two-factor changes) asks for it.
#[utoipa::path(
    post, path = "/api/auth/passkey-login", tag = "auth",
    request_body = PasskeySignInRequest,
    responses(
        (status = 200, body = UserResponse),
        (status = 401, description = "The account changed (a password change or reset) while the answer was checked: sign in again", body = ErrorBody),
        (status = 403, description = "The account is deactivated (`inactive`) or its address unconfirmed where the site requires it (`unconfirmed`)", body = ErrorBody),
        (status = 409, description = "No sign-in waits in this session (expired after 5 minutes, or answered already)", body = ErrorBody),
        (status = 422, description = "The passkey was not accepted (`fields.credential`)", body = ErrorBody),
        (status = 429, description = "Too many refused sign-ins from this address lately; see `Retry-After`", body = ErrorBody),
    )
)]
pub async fn sign_in(
    State(state): State<AppState>,
    client: Client,
    session: Session,
    ApiJson(request): ApiJson<PasskeySignInRequest>,
) -> Result<Json<UserResponse>, AppError> {
    let user = sign_in::with_passkey(
        &state,
        &session,
        &request.credential,
        request.remember,
        &client,
    )
    .await?;
    let user = accounts::public_view(&state.pool, state.email.confirmation, user).await?;
    Ok(Json(UserResponse { user }))
}

/// Begins answering the second step of a login (after `second_factor_required`) with one of the account's
/// passkeys: answers the options for `navigator.credentials.get`, valid for 5 minutes.
#[utoipa::path(
    post, path = "/api/auth/login/passkey/options", tag = "auth",
    responses(
        (status = 200, description = "WebAuthn `PublicKeyCredentialRequestOptionsJSON` under `publicKey`", body = Object),
        (status = 401, description = "No sign-in waits for its second step in this session, or it expired (5 minutes)", body = ErrorBody),
        (status = 409, description = "The account has no passkey, or passkeys are not available on this site", body = ErrorBody),
    )
)]
pub async fn begin_second_step(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<RequestChallengeResponse>, AppError> {
    Ok(Json(sign_in::begin_passkey_step(&state, &session).await?))
}

/// Body of `POST /api/auth/login/passkey`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeySecondStepRequest {
    /// What `navigator.credentials.get` answered, as its `toJSON()`.
    #[schema(value_type = Object)]
    credential: PublicKeyCredential,
    /// Spare this client the second step for `two_factor_remember_days` (a signed cookie).
    #[serde(default)]
    remember_browser: bool,
}

/// Answers the second step of a login with a passkey in place of a code: the session begins.
#[utoipa::path(
    post, path = "/api/auth/login/passkey", tag = "auth",
    request_body = PasskeySecondStepRequest,
    responses(
        (status = 200, body = UserResponse),
        (status = 401, description = "No sign-in waits for its second step in this session, or it expired (5 minutes)", body = ErrorBody),
        (status = 409, description = "No passkey request waits (expired, or answered already)", body = ErrorBody),
        (status = 422, description = "The passkey was not accepted (`fields.credential`)", body = ErrorBody),
        (status = 429, description = "Too many wrong codes or passwords lately; see `Retry-After`", body = ErrorBody),
    )
)]
pub async fn second_step(
    State(state): State<AppState>,
    client: Client,
    session: Session,
    cookies: Cookies,
    ApiJson(request): ApiJson<PasskeySecondStepRequest>,
) -> Result<Json<UserResponse>, AppError> {
    let user = sign_in::finish_with_passkey(
        &state,
        &session,
        &cookies,
        &request.credential,
        request.remember_browser,
        &client,
    )
    .await?;
    let user = accounts::public_view(&state.pool, state.email.confirmation, user).await?;
    Ok(Json(UserResponse { user }))
}
