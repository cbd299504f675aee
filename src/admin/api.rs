//! `/api/admin/…`: the users table and the per-user actions of `/admin`, for scripts. Admins only: other
//! logged-in callers get 403, anonymous ones 401.

use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    access::ApiAdmin,
    queries,
    service::{self, Outcome},
    ManagedUser, UserPage, MAX_SEARCH_CHARS,
};
use crate::{
    api::extract::ApiId,
    domain::RoleName,
    error::{json::ErrorBody, AppError},
    state::AppState,
};

/// This module's routes, each documented by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(activate))
        .routes(routes!(deactivate))
        .routes(routes!(grant_role, revoke_role))
}

/// Query of `GET /api/admin/users`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsersQuery {
    /// Part of an email or username, any case; blank or absent for everyone.
    // utoipa takes a literal only; a test checks it is `MAX_SEARCH_CHARS`.
    #[param(max_length = 254)]
    q: Option<String>,
    /// Page number, from 1 (the default); 50 users a page.
    #[param(minimum = 1)]
    page: Option<u32>,
}

/// Answer of every per-user action.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AdminUserResponse {
    /// The user as they are after the action.
    user: ManagedUser,
    /// `false` when the user already was as asked (nothing was done or logged).
    changed: bool,
}

impl From<Outcome> for Json<AdminUserResponse> {
    fn from(outcome: Outcome) -> Self {
        Json(AdminUserResponse {
            user: outcome.user,
            changed: outcome.changed,
        })
    }
}

/// Users whose email or username contains `q`, 50 a page, oldest account first.
#[utoipa::path(
    get, path = "/api/admin/users", tag = "admin",
    params(UsersQuery),
    responses(
        (status = 200, body = UserPage),
        (status = 400, description = "`page` below 1 or not a number, `q` too long", body = ErrorBody),
        (status = 403, description = "The caller is not an admin", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list_users(
    State(state): State<AppState>,
    _admin: ApiAdmin,
    query: Result<Query<UsersQuery>, QueryRejection>,
) -> Result<Json<UserPage>, AppError> {
    let Query(query) = query.map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    let search = query.q.unwrap_or_default();
    if search.chars().count() > MAX_SEARCH_CHARS {
        return Err(AppError::BadRequest(format!(
            "`q` has at most {MAX_SEARCH_CHARS} characters."
        )));
    }
    let page = match query.page {
        None => 1,
        Some(0) => return Err(AppError::BadRequest("`page` starts at 1.".into())),
        Some(page) => page,
    };
    Ok(Json(
        queries::search_users(&state.pool, &search, page).await?,
    ))
}

/// Lets the user log in again (their old sessions and tokens stay ended).
#[utoipa::path(
    post, path = "/api/admin/users/{id}/activate", tag = "admin",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, body = AdminUserResponse),
        (status = 403, description = "The caller is not an admin", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn activate(
    State(state): State<AppState>,
    ApiAdmin(actor): ApiAdmin,
    ApiId(id): ApiId,
) -> Result<Json<AdminUserResponse>, AppError> {
    Ok(
        service::set_active(&state.pool, &state.live, &actor, id, true)
            .await?
            .into(),
    )
}

/// Stops the user from logging in and ends their sessions and API tokens at once.
#[utoipa::path(
    post, path = "/api/admin/users/{id}/deactivate", tag = "admin",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, body = AdminUserResponse),
        (status = 403, description = "The caller is not an admin", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "The caller's own account, or the last active admin", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn deactivate(
    State(state): State<AppState>,
    ApiAdmin(actor): ApiAdmin,
    ApiId(id): ApiId,
) -> Result<Json<AdminUserResponse>, AppError> {
    Ok(
        service::set_active(&state.pool, &state.live, &actor, id, false)
            .await?
            .into(),
    )
}

/// The user id and role of `/api/admin/users/{id}/roles/{role}`; a malformed one cannot name anything: 404.
fn user_and_role(
    path: Result<Path<(String, String)>, impl Sized>,
) -> Result<(i64, RoleName), AppError> {
    let Ok(Path((id, role))) = path else {
        return Err(AppError::NotFound);
    };
    let id = id
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)?;
    let role = RoleName::parse(&role).map_err(|_| AppError::NotFound)?;
    Ok((id, role))
}

/// Grants the role to the user.
#[utoipa::path(
    post, path = "/api/admin/users/{id}/roles/{role}", tag = "admin",
    params(
        ("id" = i64, Path, description = "User id"),
        ("role" = String, Path, description = "Role name, such as `admin`"),
    ),
    responses(
        (status = 200, body = AdminUserResponse),
        (status = 403, description = "The caller is not an admin", body = ErrorBody),
        (status = 404, description = "No such user or role", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn grant_role(
    State(state): State<AppState>,
    ApiAdmin(actor): ApiAdmin,
    path: Result<Path<(String, String)>, axum::extract::rejection::PathRejection>,
) -> Result<Json<AdminUserResponse>, AppError> {
    let (id, role) = user_and_role(path)?;
    Ok(service::grant_role(&state.pool, &actor, id, &role)
        .await?
        .into())
}

/// Revokes the role from the user.
#[utoipa::path(
    delete, path = "/api/admin/users/{id}/roles/{role}", tag = "admin",
    params(
        ("id" = i64, Path, description = "User id"),
        ("role" = String, Path, description = "Role name, such as `admin`"),
    ),
    responses(
        (status = 200, body = AdminUserResponse),
        (status = 403, description = "The caller is not an admin", body = ErrorBody),
        (status = 404, description = "No such user or role", body = ErrorBody),
        (status = 409, description = "`admin` of the last active admin", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn revoke_role(
    State(state): State<AppState>,
    ApiAdmin(actor): ApiAdmin,
    path: Result<Path<(String, String)>, axum::extract::rejection::PathRejection>,
) -> Result<Json<AdminUserResponse>, AppError> {
    let (id, role) = user_and_role(path)?;
    Ok(service::revoke_role(&state.pool, &actor, id, &role)
        .await?
        .into())
}

#[cfg(test)]
mod tests {
    use utoipa::IntoParams;

    use super::{UsersQuery, MAX_SEARCH_CHARS};

    #[test]
    fn the_documented_search_limit_is_the_one_applied() {
        let params = serde_json::to_value(UsersQuery::into_params(|| None)).expect("JSON");
        let search = params
            .as_array()
            .and_then(|params| params.iter().find(|param| param["name"] == "q"))
            .expect("the q parameter");
        assert_eq!(search["schema"]["maxLength"], MAX_SEARCH_CHARS);
    }
}
