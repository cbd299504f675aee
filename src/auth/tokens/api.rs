//! `/api/auth/tokens`: create, list and revoke personal access tokens.

use axum::{
    extract::State,
    http::StatusCode,
    routing::{delete, get},
    Json, Router,
};
use serde::Deserialize;

use super::{store, ApiToken, NewApiToken};
use crate::{
    api::extract::{ApiId, ApiJson},
    auth::api_user::ApiUser,
    domain::TokenName,
    error::AppError,
    state::AppState,
    state::ClientIp,
};

/// The routes of this module, to merge into the application router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/auth/tokens", get(list).post(create))
        .route("/api/auth/tokens/{id}", delete(revoke))
}

/// Body of `POST /api/auth/tokens`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    /// What the token is for, 1–100 characters.
    #[schema(min_length = 1, max_length = 100)]
    name: String,
}

/// Creates a token; its secret is in this answer only.
#[utoipa::path(
    post, path = "/api/auth/tokens", tag = "tokens",
    request_body = CreateTokenRequest,
    responses(
        (status = 201, description = "Created; `token` is shown only now", body = NewApiToken),
        (status = 422, description = "Invalid name, or too many tokens", body = crate::error::json::ErrorBody),
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
    let name =
        TokenName::parse(&request.name).map_err(|message| AppError::invalid("name", message))?;
    let token = store::create(
        &state.pool,
        &state.throttle,
        &user.record,
        &name,
        ip.as_deref(),
    )
    .await?;
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
    Ok(Json(store::list(&state.pool, &user.record).await?))
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
    user: ApiUser,
    ApiId(id): ApiId,
) -> Result<StatusCode, AppError> {
    if store::revoke(&state.pool, &user.record, id).await? {
        state.live.recheck(&state.pool, user.record.id).await;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}
