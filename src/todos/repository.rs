//! Queries on `todos`. Every statement is parameterised and names the owner, so a todo of another user is
//! indistinguishable from one that does not exist.

use super::{Todo, TodoFilter};
use crate::{
    auth::repository::UserRecord,
    db::{run, Lock, Pool},
    domain::TodoTitle,
    error::AppError,
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

/// Which part of a list to read: the todos after the one with id `after` (the cursor), at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Only todos with a greater id; 0 from the start.
    pub after: i64,
    /// At most this many; `None` for all of them (a list is bounded by `todos_per_user`).
    pub limit: Option<i64>,
}

impl Page {
    /// The whole list.
    pub const ALL: Self = Self {
        after: 0,
        limit: None,
    };
}

/// The owner's todos that pass `filter`, in creation order, from `page`; and whether more follow it.
pub async fn list(
    pool: &Pool,
    owner: Owner,
    filter: TodoFilter,
    page: Page,
) -> Result<(Vec<Todo>, bool), sqlx::Error> {
    let completed = match filter {
        TodoFilter::All => None,
        TodoFilter::Active => Some(false),
        TodoFilter::Completed => Some(true),
    };
    // One more than asked for tells whether another page follows.
    let fetch = page.limit.map_or(i64::MAX, |limit| limit.saturating_add(1));
    let mut todos: Vec<Todo> = run!(pool.reads(), |connection| {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM todos WHERE user_id = $1 AND ($2 IS NULL OR completed = $2) AND id > $3
             ORDER BY id LIMIT $4"
        ))
        .bind(owner.0)
        .bind(completed)
        .bind(page.after)
        .bind(fetch)
        .fetch_all(connection)
        .await
    })?;
    let more = page.limit.is_some_and(|limit| todos.len() as i64 > limit);
    if more {
        todos.pop();
    }
    Ok((todos, more))
}

/// The owner's todo with this id.
pub async fn find(pool: &Pool, owner: Owner, id: i64) -> Result<Option<Todo>, sqlx::Error> {
    run!(pool.reads(), |connection| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM todos WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(owner.0)
    .fetch_optional(connection)
    .await)
}

/// Adds a todo at the end of the owner's list, unless the list already holds `most` todos (422 on the title).
/// Counted and inserted under the owner's lock, so a burst cannot overshoot the bound.
pub async fn insert(
    pool: &Pool,
    owner: Owner,
    title: &TodoTitle,
    now: &Timestamp,
    most: i64,
) -> Result<Todo, AppError> {
    let mut transaction = pool.begin_serialized(&[Lock::User(owner.0)]).await?;
    let count: i64 = run!(&mut transaction, |connection| sqlx::query_scalar(
        "SELECT COUNT(*) FROM todos WHERE user_id = $1"
    )
    .bind(owner.0)
    .fetch_one(connection)
    .await)?;
    if count >= most {
        return Err(AppError::invalid(
            "title",
            format!("Your list holds {most} todos, the most it can; delete some first."),
        ));
    }
    let todo = run!(&mut transaction, |connection| {
        sqlx::query_as(&format!(
            "INSERT INTO todos (user_id, title, completed, created_at, updated_at)
             VALUES ($1, $2, FALSE, $3, $3)
             RETURNING {COLUMNS}"
        ))
        .bind(owner.0)
        .bind(title.as_str())
        .bind(now)
        .fetch_one(connection)
        .await
    })?;
    transaction.commit().await?;
    Ok(todo)
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
