//! Queries on `todos`. Every statement is parameterised and names the owner, so a todo of another user is
//! indistinguishable from one that does not exist.

use sqlx::SqlitePool;

use super::{Todo, TodoFilter};
use crate::{auth::repository::UserRecord, domain::TodoTitle};

/// The user whose todos a query may touch. Only an authenticated [`UserRecord`] gives one, so no query can be
/// written without an owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner(i64);

impl From<&UserRecord> for Owner {
    fn from(user: &UserRecord) -> Self {
        Self(user.id)
    }
}

const COLUMNS: &str = "id, title, completed, created_at, updated_at";

/// The owner's todos that pass `filter`, in creation order.
pub async fn list(
    pool: &SqlitePool,
    owner: Owner,
    filter: TodoFilter,
) -> Result<Vec<Todo>, sqlx::Error> {
    let completed = match filter {
        TodoFilter::All => None,
        TodoFilter::Active => Some(false),
        TodoFilter::Completed => Some(true),
    };
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM todos WHERE user_id = ?1 AND (?2 IS NULL OR completed = ?2) ORDER BY id"
    ))
    .bind(owner.0)
    .bind(completed)
    .fetch_all(pool)
    .await
}

/// The owner's todo with this id.
pub async fn find(pool: &SqlitePool, owner: Owner, id: i64) -> Result<Option<Todo>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM todos WHERE id = ? AND user_id = ?"
    ))
    .bind(id)
    .bind(owner.0)
    .fetch_optional(pool)
    .await
}

/// Adds a todo at the end of the owner's list.
pub async fn insert(
    pool: &SqlitePool,
    owner: Owner,
    title: &TodoTitle,
    now: &str,
) -> Result<Todo, sqlx::Error> {
    sqlx::query_as(&format!(
        "INSERT INTO todos (user_id, title, completed, created_at, updated_at) VALUES (?, ?, FALSE, ?, ?)
         RETURNING {COLUMNS}"
    ))
    .bind(owner.0)
    .bind(title.as_str())
    .bind(now)
    .bind(now)
    .fetch_one(pool)
    .await
}

/// Changes the title, the state, or both; `None` when the owner has no such todo.
pub async fn update(
    pool: &SqlitePool,
    owner: Owner,
    id: i64,
    title: Option<&TodoTitle>,
    completed: Option<bool>,
    now: &str,
) -> Result<Option<Todo>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE todos SET title = COALESCE(?, title), completed = COALESCE(?, completed), updated_at = ?
         WHERE id = ? AND user_id = ? RETURNING {COLUMNS}"
    ))
    .bind(title.map(TodoTitle::as_str))
    .bind(completed)
    .bind(now)
    .bind(id)
    .bind(owner.0)
    .fetch_optional(pool)
    .await
}

/// Deletes the todo; `false` when the owner has no such todo.
pub async fn delete(pool: &SqlitePool, owner: Owner, id: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("DELETE FROM todos WHERE id = ? AND user_id = ?")
        .bind(id)
        .bind(owner.0)
        .execute(pool)
        .await?;
    Ok(result.rows_affected() > 0)
}

/// Marks every todo of the owner done (or not) and answers the whole list, as one transaction.
pub async fn set_all_completed(
    pool: &SqlitePool,
    owner: Owner,
    completed: bool,
    now: &str,
) -> Result<Vec<Todo>, sqlx::Error> {
    let mut transaction = pool.begin().await?;
    // Only the todos that change get a new `updated_at`.
    sqlx::query(
        "UPDATE todos SET completed = ?, updated_at = ? WHERE user_id = ? AND completed <> ?",
    )
    .bind(completed)
    .bind(now)
    .bind(owner.0)
    .bind(completed)
    .execute(&mut *transaction)
    .await?;
    let todos = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM todos WHERE user_id = ? ORDER BY id"
    ))
    .bind(owner.0)
    .fetch_all(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(todos)
}

/// Deletes the owner's completed todos; answers how many there were.
pub async fn delete_completed(pool: &SqlitePool, owner: Owner) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("DELETE FROM todos WHERE user_id = ? AND completed")
        .bind(owner.0)
        .execute(pool)
        .await?;
    Ok(result.rows_affected())
}
