//! `POST /api/todos/sync`: the operations of the todo page's outbox, for API clients too: a script that
//! names its changes gets the same once-only guarantee as the page.

use axum::{extract::State, Json};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{service, Receipt, SyncRequest};
use crate::{
    api::extract::ApiJson,
    auth::api_user::ApiUser,
    error::{json::ErrorBody, AppError},
    state::AppState,
    todos::queries::{Owner, Writer},
};

/// This module's route, documented by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sync))
}

/// Applies operations to the caller's list, in order, each once.
///
/// An operation whose `id` the server has applied before is not applied again: its receipt is answered from
/// memory (`repeated`), so a client may resend a batch whose answer it lost. Per field, the last write to reach
/// the server wins; a delete wins over an edit; an edit of a todo deleted elsewhere is dropped (`dropped` says
/// why). Operation ids are remembered for `session_absolute_hours`.
#[utoipa::path(
    post, path = "/api/todos/sync", tag = "todos",
    request_body = SyncRequest,
    responses(
        (status = 200, description = "One receipt per operation, in order", body = [Receipt]),
        (status = 400, description = "Malformed, more than 100 operations, or more than 500 todos in one", body = ErrorBody),
        (status = 409, description = "`login` is not this session's login: nothing was applied", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn sync(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<SyncRequest>,
) -> Result<Json<Vec<Receipt>>, AppError> {
    let receipts = service::apply(
        &Writer::new(&state),
        Owner::from(&user.record),
        body.login.as_deref(),
        user.session.as_ref(),
        &body.operations,
        state.todos_per_user,
    )
    .await?;
    Ok(Json(receipts))
}
