//! `/api/todos`: the REST API of the seed's Backbone client, for scripts and other clients. Same rules and
//! queries as the page; every route answers only about the caller's own todos.

use axum::{
    extract::{rejection::QueryRejection, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    queries::{self, Owner, Page, Writer},
    service, Todo, TodoFilter,
};
use crate::{
    api::extract::{ApiId, ApiJson},
    auth::api_user::ApiUser,
    domain::TodoTitle,
    error::{json::ErrorBody, AppError},
    state::AppState,
};

/// This module's routes, each documented by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(toggle_all))
        .routes(routes!(clear_completed))
        .routes(routes!(show, update, replace, destroy))
}

/// Query of `GET /api/todos`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `all` (the default), `active` or `completed`.
    #[param(value_type = Option<TodoFilter>)]
    filter: Option<String>,
    /// At most this many todos (1 to 1000); without it, the whole list. When more follow, the answer's `Link`
    /// header names the next page (`rel="next"`).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// The cursor: only todos created after the one with this id (the last id of the previous page).
    after: Option<i64>,
}

/// The largest page `GET /api/todos?limit=` serves.
const MAX_PAGE: i64 = 1000;

/// Body of `POST /api/todos`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTodo {
    /// 1–500 characters after trimming.
    #[schema(min_length = 1, max_length = 500)]
    title: String,
}

/// Body of `PATCH /api/todos/{id}`: at least one field.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchTodo {
    /// New title, 1–500 characters after trimming.
    #[schema(min_length = 1, max_length = 500)]
    title: Option<String>,
    /// New state.
    completed: Option<bool>,
}

/// Body of `PUT /api/todos/{id}`: both fields.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutTodo {
    /// New title, 1–500 characters after trimming.
    #[schema(min_length = 1, max_length = 500)]
    title: String,
    /// New state.
    completed: bool,
}

/// Body of `POST /api/todos/toggle-all`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToggleAll {
    /// The state every todo gets.
    completed: bool,
}

/// Answer of `POST /api/todos/clear-completed`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Cleared {
    /// How many completed todos were deleted.
    deleted: u64,
}

/// The caller's todos in creation order, optionally filtered, all at once or a page at a time.
#[utoipa::path(
    get, path = "/api/todos", tag = "todos",
    params(ListQuery),
    responses(
        (status = 200, body = [Todo], headers(
            ("Link" = String, description = "`</api/todos?…&after=ID>; rel=\"next\"` when another page follows")
        )),
        (status = 400, description = "Unknown filter, or a limit outside 1–1000", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<(HeaderMap, Json<Vec<Todo>>), AppError> {
    let Query(query) = query.map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    let filter = match query.filter.as_deref() {
        None => TodoFilter::All,
        Some(name) => TodoFilter::parse(name).map_err(AppError::BadRequest)?,
    };
    if query
        .limit
        .is_some_and(|limit| !(1..=MAX_PAGE).contains(&limit))
    {
        return Err(AppError::BadRequest(format!(
            "`limit` is a number from 1 to {MAX_PAGE}."
        )));
    }
    let page = Page {
        after: query.after.unwrap_or(0),
        limit: query.limit,
    };
    let owner = Owner::from(&user.record);
    let (todos, more) = queries::list(&state.pool, owner, filter, page).await?;
    let mut headers = HeaderMap::new();
    if let (true, Some(last), Some(limit)) = (more, todos.last(), query.limit) {
        let next = format!(
            "</api/todos?filter={}&limit={limit}&after={}>; rel=\"next\"",
            filter.name(),
            last.id
        );
        if let Ok(value) = HeaderValue::from_str(&next) {
            headers.insert(header::LINK, value);
        }
    }
    Ok((headers, Json(todos)))
}

/// Adds a todo at the end of the list.
#[utoipa::path(
    post, path = "/api/todos", tag = "todos",
    request_body = CreateTodo,
    responses(
        (status = 201, body = Todo),
        (status = 422, description = "Invalid title, or the list already holds `todos_per_user` todos", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<CreateTodo>,
) -> Result<(StatusCode, Json<Todo>), AppError> {
    let title = service::parse_title(&body.title)?;
    let owner = Owner::from(&user.record);
    let todo = service::add(&Writer::new(&state), owner, &title, state.todos_per_user).await?;
    Ok((StatusCode::CREATED, Json(todo)))
}

/// One of the caller's todos.
#[utoipa::path(
    get, path = "/api/todos/{id}", tag = "todos",
    params(("id" = i64, Path, description = "Todo id")),
    responses(
        (status = 200, body = Todo),
        (status = 404, description = "No such todo of yours", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn show(
    State(state): State<AppState>,
    user: ApiUser,
    ApiId(id): ApiId,
) -> Result<Json<Todo>, AppError> {
    let owner = Owner::from(&user.record);
    service::find(&state.pool, owner, id).await.map(Json)
}

/// Changes the title, the state, or both.
#[utoipa::path(
    patch, path = "/api/todos/{id}", tag = "todos",
    params(("id" = i64, Path, description = "Todo id")),
    request_body = PatchTodo,
    responses(
        (status = 200, body = Todo),
        (status = 400, description = "Malformed JSON, no or unknown fields", body = ErrorBody),
        (status = 404, description = "No such todo of yours", body = ErrorBody),
        (status = 422, description = "Invalid title", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    user: ApiUser,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<PatchTodo>,
) -> Result<Json<Todo>, AppError> {
    if body.title.is_none() && body.completed.is_none() {
        return Err(AppError::BadRequest(
            "Send `title`, `completed`, or both.".into(),
        ));
    }
    let title = body
        .title
        .as_deref()
        .map(service::parse_title)
        .transpose()?;
    save(&state, &user, id, title.as_ref(), body.completed).await
}

/// Sets both the title and the state.
#[utoipa::path(
    put, path = "/api/todos/{id}", tag = "todos",
    params(("id" = i64, Path, description = "Todo id")),
    request_body = PutTodo,
    responses(
        (status = 200, body = Todo),
        (status = 404, description = "No such todo of yours", body = ErrorBody),
        (status = 422, description = "Invalid title", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn replace(
    State(state): State<AppState>,
    user: ApiUser,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<PutTodo>,
) -> Result<Json<Todo>, AppError> {
    let title = service::parse_title(&body.title)?;
    save(&state, &user, id, Some(&title), Some(body.completed)).await
}

async fn save(
    state: &AppState,
    user: &ApiUser,
    id: i64,
    title: Option<&TodoTitle>,
    completed: Option<bool>,
) -> Result<Json<Todo>, AppError> {
    let owner = Owner::from(&user.record);
    let writer = Writer::new(state);
    service::update(&writer, owner, id, title, completed)
        .await
        .map(Json)
}

/// Deletes one of the caller's todos.
#[utoipa::path(
    delete, path = "/api/todos/{id}", tag = "todos",
    params(("id" = i64, Path, description = "Todo id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such todo of yours", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn destroy(
    State(state): State<AppState>,
    user: ApiUser,
    ApiId(id): ApiId,
) -> Result<StatusCode, AppError> {
    let owner = Owner::from(&user.record);
    service::delete(&Writer::new(&state), owner, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Marks every todo done or not done; answers the whole list.
#[utoipa::path(
    post, path = "/api/todos/toggle-all", tag = "todos",
    request_body = ToggleAll,
    responses(
        (status = 200, body = [Todo]),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn toggle_all(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<ToggleAll>,
) -> Result<Json<Vec<Todo>>, AppError> {
    let owner = Owner::from(&user.record);
    let writer = Writer::new(&state);
    let todos = service::set_all_completed(&writer, owner, body.completed).await?;
    Ok(Json(todos))
}

/// Deletes every completed todo.
#[utoipa::path(
    post, path = "/api/todos/clear-completed", tag = "todos",
    responses(
        (status = 200, body = Cleared),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn clear_completed(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Cleared>, AppError> {
    let owner = Owner::from(&user.record);
    let deleted = service::clear_completed(&Writer::new(&state), owner).await?;
    Ok(Json(Cleared { deleted }))
}
