//! `/api/auth/tokens`: create, list and revoke personal access tokens.

use axum::{extract::State, http::StatusCode, Json};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{service, ApiToken, NewApiToken};
use crate::{
    api::extract::{ApiId, ApiJson},
    auth::api_user::ApiUser,
    error::AppError,
    secret::Secret,
    state::AppState,
    state::ClientIp,
};

/// This module's routes, each documented by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(revoke))
}

/// Body of `POST /api/auth/tokens`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    /// What the token is for, 1–100 characters.
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    /// The account's password: needed with a bearer token, and with a session whose password was entered more
    /// than `reauthenticate_minutes` ago.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    current_password: Option<Secret>,
}

/// Creates a token; its secret is in this answer only.
#[utoipa::path(
    post, path = "/api/auth/tokens", tag = "tokens",
    request_body = CreateTokenRequest,
    responses(
        (status = 201, description = "Created; `token` is shown only now", body = NewApiToken),
        (status = 403, description = "`reauthentication_required`: give `current_password` (see `POST /api/auth/reauthenticate`)", body = crate::error::json::ErrorBody),
        (status = 422, description = "Invalid name, too many tokens, or a wrong `current_password`", body = crate::error::json::ErrorBody),
        (status = 429, description = "Too many tokens created lately; see `Retry-After`", body = crate::error::json::ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: ApiUser,
    ApiJson(request): ApiJson<CreateTokenRequest>,
) -> Result<(StatusCode, Json<NewApiToken>), AppError> {
    let proof = user.proof(request.current_password.as_ref());
    let token = service::create(&state, &user.record, proof, &request.name, ip.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(token)))
}

/// The caller's tokens, without secrets.
#[utoipa::path(
    get, path = "/api/auth/tokens", tag = "tokens",
    responses(
        (status = 200, body = [ApiToken]),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<ApiToken>>, AppError> {
    Ok(Json(service::list(&state, &user.record).await?))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(
    delete, path = "/api/auth/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such token of yours", body = crate::error::json::ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn revoke(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: ApiUser,
    ApiId(id): ApiId,
) -> Result<StatusCode, AppError> {
    service::revoke(&state, &user.record, id, ip.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}
