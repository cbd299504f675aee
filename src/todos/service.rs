//! The todo list's use cases, for the page's server functions and the JSON API alike, so the two cannot
//! differ: each writes through `queries` (whose [`Writer`] announces the change to the owner's live
//! streams after its commit) and answers "not found" for a todo the owner does not have.

use super::{
    queries::{self, Owner, Writer},
    Todo,
};
use crate::{domain::TodoTitle, error::AppError, timestamp::Timestamp};

/// A title as typed, or the field error that says why it cannot be one.
pub fn parse_title(input: &str) -> Result<TodoTitle, AppError> {
    TodoTitle::parse(input).map_err(|message| AppError::invalid("title", message))
}

/// Adds a todo at the end of the owner's list, which holds at most `most`.
#[tracing::instrument(skip_all)]
pub async fn add(
    writer: &Writer<'_>,
    owner: Owner,
    title: &TodoTitle,
    most: i64,
) -> Result<Todo, AppError> {
    queries::insert(writer, owner, title, &Timestamp::now(), most).await
}

/// One of the owner's todos.
#[tracing::instrument(skip_all)]
pub async fn find(pool: &crate::db::Pool, owner: Owner, id: i64) -> Result<Todo, AppError> {
    queries::find(pool, owner, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Changes a todo's title, its completion, or both.
#[tracing::instrument(skip_all)]
pub async fn update(
    writer: &Writer<'_>,
    owner: Owner,
    id: i64,
    title: Option<&TodoTitle>,
    completed: Option<bool>,
) -> Result<Todo, AppError> {
    queries::update(writer, owner, id, title, completed, &Timestamp::now())
        .await?
        .ok_or(AppError::NotFound)
}

/// Renames a todo; a blank title deletes it (TodoMVC's rule). Answers the todo, or `None` once deleted.
#[tracing::instrument(skip_all)]
pub async fn rename(
    writer: &Writer<'_>,
    owner: Owner,
    id: i64,
    title: &str,
) -> Result<Option<Todo>, AppError> {
    if title.trim().is_empty() {
        return delete(writer, owner, id).await.map(|()| None);
    }
    let title = parse_title(title)?;
    update(writer, owner, id, Some(&title), None)
        .await
        .map(Some)
}

/// Deletes a todo.
#[tracing::instrument(skip_all)]
pub async fn delete(writer: &Writer<'_>, owner: Owner, id: i64) -> Result<(), AppError> {
    match queries::delete(writer, owner, id).await? {
        true => Ok(()),
        false => Err(AppError::NotFound),
    }
}

/// Marks every todo of the owner done or not done; answers the whole list.
#[tracing::instrument(skip_all)]
pub async fn set_all_completed(
    writer: &Writer<'_>,
    owner: Owner,
    completed: bool,
) -> Result<Vec<Todo>, AppError> {
    Ok(queries::set_all_completed(writer, owner, completed, &Timestamp::now()).await?)
}

/// Deletes every completed todo of the owner; answers how many there were.
#[tracing::instrument(skip_all)]
pub async fn clear_completed(writer: &Writer<'_>, owner: Owner) -> Result<u64, AppError> {
    Ok(queries::delete_completed(writer, owner).await?)
}
