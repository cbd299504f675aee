//! `GET /api/account/activity`: the caller's security log.

use axum::{
    extract::{Query, State},
    Json,
};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{queries, ActivityPageOf, PAGE_SIZE};
use crate::{
    auth::api_user::ApiUser,
    error::{json::ErrorBody, AppError},
    state::AppState,
};

/// This module's route, documented by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(activity))
}

/// The query of `GET /api/account/activity`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    /// Only entries older than this one (the previous page's `older`).
    before: Option<i64>,
    /// Entries per page, 1–100 (25 without).
    limit: Option<u32>,
}

/// The caller's security log, newest first: sign-ins (with device and address), failed sign-ins, changes of
/// password, address, two-factor sign-in and passkeys, tokens created and revoked, devices signed out, and
/// what admins did to the account (`by.kind` = `admin`).
#[utoipa::path(
    get, path = "/api/account/activity", tag = "account",
    params(ActivityQuery),
    responses(
        (status = 200, body = ActivityPageOf),
        (status = 400, description = "`before` or `limit` is not a number", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 422, description = "`limit` is not within 1–100", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn activity(
    State(state): State<AppState>,
    user: ApiUser,
    query: Result<Query<ActivityQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ActivityPageOf>, AppError> {
    let Query(query) = query.map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    let limit = query.limit.unwrap_or(PAGE_SIZE);
    if !(1..=100).contains(&limit) {
        return Err(AppError::invalid("limit", "Give a limit from 1 to 100."));
    }
    Ok(Json(
        queries::page(&state.pool, user.record.id, query.before, limit).await?,
    ))
}
