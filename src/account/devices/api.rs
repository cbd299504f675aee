//! `/api/account/sessions`: the caller's signed-in devices, and signing them out.

use axum::{
    extract::{rejection::PathRejection, Path, State},
    http::StatusCode,
    Json,
};
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{service, SignedInDevice};
use crate::{
    auth::api_user::ApiUser,
    error::{json::ErrorBody, AppError},
    state::{AppState, ClientIp},
};

/// This module's routes, each documented by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(sign_out))
        .routes(routes!(sign_out_others))
}

/// The answer of `GET /api/account/sessions`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionList {
    /// The live logins, the caller's own first, then by last use.
    sessions: Vec<SignedInDevice>,
}

/// The caller's live logins: browsers signed in with or without "remember me". API tokens are at
/// `GET /api/auth/tokens`.
#[utoipa::path(
    get, path = "/api/account/sessions", tag = "account",
    responses(
        (status = 200, body = SessionList),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<SessionList>, AppError> {
    let current = user.session_id();
    let sessions = service::list(&state, &user.record, current.as_ref()).await?;
    Ok(Json(SessionList { sessions }))
}

/// Signs one login out on every instance: its next request is logged out and its live streams end now.
/// Naming the caller's own login logs it out.
#[utoipa::path(
    delete, path = "/api/account/sessions/{id}", tag = "account",
    params(("id" = String, Path, description = "The login's `id` from `GET /api/account/sessions`")),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such live login of yours", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn sign_out(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: ApiUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, AppError> {
    // A path that does not decode names no login, like any other that is not the caller's.
    let Path(id) = id.map_err(|_| AppError::NotFound)?;
    service::sign_out(&state, &user.record, &id, ip.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The answer of `POST /api/account/sessions/sign-out-others`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignedOut {
    /// How many logins ended.
    ended: usize,
}

/// Signs out every login but the caller's own (every one, for a bearer token), on every instance.
#[utoipa::path(
    post, path = "/api/account/sessions/sign-out-others", tag = "account",
    responses(
        (status = 200, body = SignedOut),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn sign_out_others(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: ApiUser,
) -> Result<Json<SignedOut>, AppError> {
    let current = user.session_id();
    let ended =
        service::sign_out_others(&state, &user.record, current.as_ref(), ip.as_deref()).await?;
    Ok(Json(SignedOut { ended }))
}
