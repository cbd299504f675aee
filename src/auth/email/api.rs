//! The JSON routes of the mail flows, under `/api/auth/`: the same rules as the pages (see `service`).

use axum::{extract::State, http::StatusCode, Json};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    forms::{EmailChangeInput, ForgotInput, ResetInput},
    service,
};
use crate::{
    api::extract::ApiJson,
    auth::{api_user::ApiUser, session},
    error::{json::ErrorBody, AppError},
    state::{AppState, ClientIp},
};

/// This module's routes, each documented by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(confirm))
        .routes(routes!(resend_confirmation))
        .routes(routes!(forgot))
        .routes(routes!(reset))
        .routes(routes!(change_email))
        .routes(routes!(apply_email_change))
}

/// The token of a link from a mail: the last part of its path.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LinkToken {
    /// The 64 hexadecimal digits after `/confirm/` or `/change-email/`.
    token: String,
}

/// A request taken: what happens next, in a sentence for the user.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Accepted {
    message: String,
}

fn accepted(message: impl Into<String>) -> (StatusCode, Json<Accepted>) {
    (
        StatusCode::ACCEPTED,
        Json(Accepted {
            message: message.into(),
        }),
    )
}

/// Confirms the account's address with the token of a confirmation link.
#[utoipa::path(
    post, path = "/api/auth/confirm", tag = "auth",
    request_body = LinkToken,
    responses(
        (status = 204, description = "The address is confirmed"),
        (status = 400, description = "The link is malformed, unknown, expired or used (`invalid_link`)", body = ErrorBody),
    )
)]
pub async fn confirm(
    State(state): State<AppState>,
    ApiJson(link): ApiJson<LinkToken>,
) -> Result<StatusCode, AppError> {
    service::confirm(&state, &link.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends the confirmation link again: to the logged-in caller, or to a visitor whose login was just refused
/// for an unconfirmed address (with the right password, in this session).
#[utoipa::path(
    post, path = "/api/auth/confirm/resend", tag = "auth",
    responses(
        (status = 202, description = "A new link is on its way; older links no longer work", body = Accepted),
        (status = 401, description = "Neither logged in nor just refused for an unconfirmed address", body = ErrorBody),
        (status = 409, description = "Already confirmed, or confirmation is off", body = ErrorBody),
        (status = 429, description = "Too many mails asked for lately; see `Retry-After`", body = ErrorBody),
    ),
    security((), ("session" = []), ("bearer" = []))
)]
pub async fn resend_confirmation(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    caller: Result<ApiUser, AppError>,
    session: Session,
) -> Result<(StatusCode, Json<Accepted>), AppError> {
    let user = match caller {
        Ok(caller) => caller.record,
        Err(AppError::Unauthenticated) => {
            session::unconfirmed_account(&session, &state.pool).await?
        }
        Err(error) => return Err(error),
    };
    let message = service::resend_confirmation(&state, &user, ip.as_deref()).await?;
    Ok(accepted(message))
}

/// Asks for a password-reset link. The answer is the same whether or not an account has the address.
#[utoipa::path(
    post, path = "/api/auth/forgot", tag = "auth",
    request_body = ForgotInput,
    responses(
        (status = 202, description = "If an account has the address, a link is on its way", body = Accepted),
        (status = 429, description = "Too many links asked for this address or from this client; see `Retry-After`", body = ErrorBody),
    )
)]
pub async fn forgot(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<ForgotInput>,
) -> Result<(StatusCode, Json<Accepted>), AppError> {
    service::request_reset(&state, &input, ip.as_deref()).await?;
    Ok(accepted(service::RESET_LINK_SENT))
}

/// Sets a new password with the token of a reset link. Every session and API token of the account ends; the
/// caller is not logged in.
#[utoipa::path(
    post, path = "/api/auth/reset", tag = "auth",
    request_body = ResetInput,
    responses(
        (status = 204, description = "The password is changed; log in with it"),
        (status = 400, description = "The link is malformed, unknown, expired or used (`invalid_link`)", body = ErrorBody),
        (status = 503, description = "Too many passwords are being hashed; see `Retry-After`", body = ErrorBody),
    )
)]
pub async fn reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<ResetInput>,
) -> Result<StatusCode, AppError> {
    service::reset_password(&state, &input, ip.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Asks to change the account's address: a link goes to the new address, a notice to the old one. The address
/// changes when the link is used (`POST /api/auth/email/confirm`).
#[utoipa::path(
    post, path = "/api/auth/email", tag = "auth",
    request_body = EmailChangeInput,
    responses(
        (status = 202, description = "A link is on its way to the new address (or, if another account has it, a notice to its owner: the answer is the same)", body = Accepted),
        (status = 422, description = "Wrong current password, the account's own address, or not an address", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords or mails lately; see `Retry-After`", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn change_email(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: ApiUser,
    ApiJson(input): ApiJson<EmailChangeInput>,
) -> Result<(StatusCode, Json<Accepted>), AppError> {
    let message =
        service::request_email_change(&state, &user.record, &input, ip.as_deref()).await?;
    Ok(accepted(message))
}

/// Moves the account to the new address with the token of a change-of-address link.
#[utoipa::path(
    post, path = "/api/auth/email/confirm", tag = "auth",
    request_body = LinkToken,
    responses(
        (status = 204, description = "The account has its new address, confirmed"),
        (status = 400, description = "The link is malformed, unknown, expired or used (`invalid_link`)", body = ErrorBody),
        (status = 409, description = "Another account took the address meanwhile; the link is spent", body = ErrorBody),
    )
)]
pub async fn apply_email_change(
    State(state): State<AppState>,
    ApiJson(link): ApiJson<LinkToken>,
) -> Result<StatusCode, AppError> {
    service::apply_email_change(&state, &link.token).await?;
    Ok(StatusCode::NO_CONTENT)
}
