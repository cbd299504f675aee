//! Queries on `todos`. Every statement is parameterised and names the owner, so a todo of another user is
//! indistinguishable from one that does not exist.

use super::{Todo, TodoFilter};
use crate::{
    auth::repository::UserRecord,
    db::{run, Pool},
    domain::TodoTitle,
    timestamp::Timestamp,
};

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
pub async fn list(pool: &Pool, owner: Owner, filter: TodoFilter) -> Result<Vec<Todo>, sqlx::Error> {
    let completed = match filter {
        TodoFilter::All => None,
        TodoFilter::Active => Some(false),
        TodoFilter::Completed => Some(true),
    };
    run!(pool, |connection| {
        sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM todos WHERE user_id = $1 AND ($2 IS NULL OR completed = $2) ORDER BY id"
    ))
    .bind(owner.0)
    .bind(completed)
    .fetch_all(connection)
    .await
    })
}

/// The owner's todo with this id.
pub async fn find(pool: &Pool, owner: Owner, id: i64) -> Result<Option<Todo>, sqlx::Error> {
    run!(pool, |connection| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM todos WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(owner.0)
    .fetch_optional(connection)
    .await)
}

/// Adds a todo at the end of the owner's list.
pub async fn insert(
    pool: &Pool,
    owner: Owner,
    title: &TodoTitle,
    now: &Timestamp,
) -> Result<Todo, sqlx::Error> {
    run!(pool, |connection| {
        sqlx::query_as(&format!(
        "INSERT INTO todos (user_id, title, completed, created_at, updated_at) VALUES ($1, $2, FALSE, $3, $3)
         RETURNING {COLUMNS}"
    ))
    .bind(owner.0)
    .bind(title.as_str())
    .bind(now)
    .fetch_one(connection)
    .await
    })
}

/// Changes the title, the state, or both; `None` when the owner has no such todo.
pub async fn update(
    pool: &Pool,
    owner: Owner,
    id: i64,
    title: Option<&TodoTitle>,
    completed: Option<bool>,
    now: &Timestamp,
) -> Result<Option<Todo>, sqlx::Error> {
    run!(pool, |connection| {
        sqlx::query_as(&format!(
        "UPDATE todos SET title = COALESCE($1, title), completed = COALESCE($2, completed), updated_at = $3
         WHERE id = $4 AND user_id = $5 RETURNING {COLUMNS}"
    ))
    .bind(title.map(TodoTitle::as_str))
    .bind(completed)
    .bind(now)
    .bind(id)
    .bind(owner.0)
    .fetch_optional(connection)
    .await
    })
}

/// Deletes the todo; `false` when the owner has no such todo.
pub async fn delete(pool: &Pool, owner: Owner, id: i64) -> Result<bool, sqlx::Error> {
    let affected = run!(pool, |connection| sqlx::query(
        "DELETE FROM todos WHERE id = $1 AND user_id = $2"
    )
    .bind(id)
    .bind(owner.0)
    .execute(connection)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(affected > 0)
}

/// Marks every todo of the owner done (or not) and answers the whole list, as one transaction.
pub async fn set_all_completed(
    pool: &Pool,
    owner: Owner,
    completed: bool,
    now: &Timestamp,
) -> Result<Vec<Todo>, sqlx::Error> {
    let mut transaction = pool.begin().await?;
    let todos = run!(&mut transaction, |connection| {
        // Only the todos that change get a new `updated_at`.
        sqlx::query(
            "UPDATE todos SET completed = $1, updated_at = $2 WHERE user_id = $3 AND completed <> $1",
        )
        .bind(completed)
        .bind(now)
        .bind(owner.0)
        .execute(&mut *connection)
        .await?;
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM todos WHERE user_id = $1 ORDER BY id"
        ))
        .bind(owner.0)
        .fetch_all(&mut *connection)
        .await?
    });
    transaction.commit().await?;
    Ok(todos)
}

/// Deletes the owner's completed todos; answers how many there were.
pub async fn delete_completed(pool: &Pool, owner: Owner) -> Result<u64, sqlx::Error> {
    let affected = run!(pool, |connection| sqlx::query(
        "DELETE FROM todos WHERE user_id = $1 AND completed"
    )
    .bind(owner.0)
    .execute(connection)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(affected)
}
