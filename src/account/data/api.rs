//! `GET /api/account/export` and `DELETE /api/account`: the caller's data, and the end of their account.

use axum::{
    body::Body,
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{deletion, export};
use crate::{
    api::extract::ApiJson,
    auth::{api_user::ApiUser, reauth},
    error::{json::ErrorBody, AppError},
    secret::Secret,
    state::{AppState, ClientIp},
    timestamp::Timestamp,
};

/// This module's routes, each documented by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_data))
        .routes(routes!(delete_account))
}

/// Everything the site holds about the caller, as a JSON file: the account, its passkeys (names and dates),
/// API tokens (names and dates, never a secret), signed-in devices, security log, and every todo. No hash or
/// secret is in it. A session needs a fresh password first (`POST /api/auth/reauthenticate`); a bearer token,
/// made with one, does not.
#[utoipa::path(
    get, path = "/api/account/export", tag = "account",
    responses(
        (status = 200, description = "The export, as an attachment (`leptodo-export/1`)", content_type = "application/json", body = Object),
        (status = 303, description = "A browser's navigation (`Accept: text/html`) with a stale password: back to `/account/data`, which asks for it"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`reauthentication_required`: enter the password again first", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn export_data(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if let Some(session) = &user.session {
        if !reauth::is_fresh(state.sessions, session).await? {
            // The page's link followed after the window closed: back to the page, which asks for the password.
            let navigating = headers
                .get(header::ACCEPT)
                .and_then(|accept| accept.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"));
            if navigating {
                return Ok(Redirect::to("/account/data").into_response());
            }
            return Err(AppError::ReauthenticationRequired);
        }
    }
    let current = user.session_id();
    let body = export::export(&state, &user.record, current.as_ref()).await?;
    let day = Timestamp::now()
        .as_str()
        .get(..10)
        .unwrap_or("today")
        .to_owned();
    let disposition = format!("attachment; filename=\"leptodo-export-{day}.json\"");
    let mut response = Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(disposition) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

/// Body of `DELETE /api/account`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteAccountRequest {
    /// The account's username, typed to confirm.
    confirm_username: String,
    /// The account's password: needed with a bearer token, and with a session whose password was entered more
    /// than `reauthenticate_minutes` ago.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    current_password: Option<Secret>,
}

/// Deletes the caller's account and everything of it, for good: todos, tokens, passkeys, two-factor secrets,
/// mail links, and every session on every instance. The address is mailed a goodbye; the username and address
/// are free again.
#[utoipa::path(
    delete, path = "/api/account", tag = "account",
    request_body = DeleteAccountRequest,
    responses(
        (status = 204, description = "Deleted; the session has ended"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`reauthentication_required`: give `current_password`", body = ErrorBody),
        (status = 409, description = "The account is the last active admin", body = ErrorBody),
        (status = 422, description = "`confirm_username` is not the username, or `current_password` is wrong", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords lately; see `Retry-After`", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn delete_account(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: ApiUser,
    ApiJson(request): ApiJson<DeleteAccountRequest>,
) -> Result<StatusCode, AppError> {
    deletion::delete_own(
        &state,
        user.proof(request.current_password.as_ref()),
        &user.record,
        &request.confirm_username,
        ip.as_deref(),
    )
    .await?;
    if let Some(session) = &user.session {
        session.flush().await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
