//! Queries on `todos`. Every statement is parameterised and names the owner, so a todo of another user is
//! indistinguishable from one that does not exist.

use super::{
    live::{hub::Hub, Change, TodoEvent},
    Todo, TodoFilter, TodoRef,
};
use crate::{
    auth::queries::UserRecord,
    db::{run, Lock, Pool, Transaction},
    domain::{ClientId, TodoTitle},
    error::AppError,
    state::AppState,
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

impl Owner {
    /// The owner's user id, for the queries of the todos' own modules.
    pub(super) fn id(self) -> i64 {
        self.0
    }
}

const COLUMNS: &str = "id, title, completed, created_at, updated_at, client_id";

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

/// Where one request's changes go: the database, then the owner's live streams.
#[derive(Debug, Clone, Copy)]
pub struct Writer<'a> {
    pool: &'a Pool,
    live: &'a Hub,
}

impl<'a> Writer<'a> {
    /// Changes made through `state`.
    pub fn new(state: &'a AppState) -> Self {
        Self {
            pool: &state.pool,
            live: &state.live,
        }
    }

    /// The database the changes go to.
    pub fn pool(&self) -> &'a Pool {
        self.pool
    }

    /// Commits `transaction`, whose change raised the owner's list to `version`, and announces `change`.
    pub async fn commit(
        &self,
        transaction: Transaction,
        owner: Owner,
        version: i64,
        change: Change,
    ) -> Result<(), sqlx::Error> {
        let event = TodoEvent { version, change };
        self.live.commit(transaction, owner.0, event).await
    }
}

/// The owner's list version, which every change raises by one.
pub async fn version(pool: &Pool, owner: Owner) -> Result<i64, sqlx::Error> {
    run!(pool.reads(), |connection| sqlx::query_scalar(
        "SELECT todos_version FROM users WHERE id = $1"
    )
    .bind(owner.0)
    .fetch_optional(connection)
    .await)
    .map(Option::unwrap_or_default)
}

/// Raises the owner's list version by one, first thing in a transaction that changes the list; answers the new
/// version. On PostgreSQL it also locks the user's row until the commit, so the owner's changes commit (and
/// are announced) in the order of their versions; taking it first keeps the lock order of deleting a user
/// (user, then todos), so the two cannot deadlock.
pub(super) async fn next_version(
    transaction: &mut Transaction,
    owner: Owner,
) -> Result<i64, sqlx::Error> {
    run!(transaction, |connection| sqlx::query_scalar(
        "UPDATE users SET todos_version = todos_version + 1 WHERE id = $1 RETURNING todos_version"
    )
    .bind(owner.0)
    .fetch_one(connection)
    .await)
}

/// The owner's whole list and the version it is at, read as one statement so the two agree.
pub async fn list_with_version(pool: &Pool, owner: Owner) -> Result<(Vec<Todo>, i64), sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        version: i64,
        id: Option<i64>,
        title: Option<String>,
        completed: Option<bool>,
        created_at: Option<Timestamp>,
        updated_at: Option<Timestamp>,
        client_id: Option<ClientId>,
    }
    let rows: Vec<Row> = run!(pool.reads(), |connection| {
        sqlx::query_as(
        "SELECT users.todos_version AS version, todos.id, todos.title, todos.completed, todos.created_at,
                todos.updated_at, todos.client_id
         FROM users LEFT JOIN todos ON todos.user_id = users.id
         WHERE users.id = $1 ORDER BY todos.id"
    )
    .bind(owner.0)
    .fetch_all(connection)
    .await
    })?;
    let version = rows.first().map_or(0, |row| row.version);
    let todos = rows
        .into_iter()
        .filter_map(|row| {
            Some(Todo {
                id: row.id?,
                title: row.title?,
                completed: row.completed?,
                created_at: row.created_at?,
                updated_at: row.updated_at?,
                client_id: row.client_id,
            })
        })
        .collect();
    Ok((todos, version))
}

/// Why a list cannot take another todo.
pub fn list_full(most: i64) -> String {
    format!("Your list holds {most} todos, the most it can; delete some first.")
}

/// Adds a todo at the end of the owner's list, unless the list already holds `most` todos (422 on the title).
/// Counted and inserted under the owner's lock, so a burst cannot overshoot the bound.
pub async fn insert(
    writer: &Writer<'_>,
    owner: Owner,
    title: &TodoTitle,
    now: &Timestamp,
    most: i64,
) -> Result<Todo, AppError> {
    let mut transaction = writer.pool.begin_serialized(&[Lock::User(owner.0)]).await?;
    let version = next_version(&mut transaction, owner).await?;
    if count(&mut transaction, owner).await? >= most {
        return Err(AppError::invalid("title", list_full(most)));
    }
    let todo = insert_row(&mut transaction, owner, title, None, now).await?;
    let change = Change::TodoCreated { todo: todo.clone() };
    writer.commit(transaction, owner, version, change).await?;
    Ok(todo)
}

/// How many todos the owner has.
pub(super) async fn count(transaction: &mut Transaction, owner: Owner) -> Result<i64, sqlx::Error> {
    run!(transaction, |connection| sqlx::query_scalar(
        "SELECT COUNT(*) FROM todos WHERE user_id = $1"
    )
    .bind(owner.0)
    .fetch_one(connection)
    .await)
}

/// Inserts a todo, named `client_id` by its client if it has one.
pub(super) async fn insert_row(
    transaction: &mut Transaction,
    owner: Owner,
    title: &TodoTitle,
    client_id: Option<&ClientId>,
    now: &Timestamp,
) -> Result<Todo, sqlx::Error> {
    run!(transaction, |connection| {
        sqlx::query_as(&format!(
            "INSERT INTO todos (user_id, title, completed, created_at, updated_at, client_id)
             VALUES ($1, $2, FALSE, $3, $3, $4)
             RETURNING {COLUMNS}"
        ))
        .bind(owner.0)
        .bind(title.as_str())
        .bind(now)
        .bind(client_id.map(ClientId::as_str))
        .fetch_one(connection)
        .await
    })
}

/// `todo` as the two parameters `(id = $a OR client_id = $b)` compares: one of them is NULL, which matches
/// nothing.
fn named(todo: &TodoRef) -> (Option<i64>, Option<&str>) {
    match todo {
        TodoRef::Id(id) => (Some(*id), None),
        TodoRef::Client(client_id) => (None, Some(client_id.as_str())),
    }
}

/// Changes the title, the state, or both; `None` when the owner has no such todo.
pub async fn update(
    writer: &Writer<'_>,
    owner: Owner,
    id: i64,
    title: Option<&TodoTitle>,
    completed: Option<bool>,
    now: &Timestamp,
) -> Result<Option<Todo>, sqlx::Error> {
    let mut transaction = writer.pool.begin().await?;
    let version = next_version(&mut transaction, owner).await?;
    let todo = update_row(
        &mut transaction,
        owner,
        &TodoRef::Id(id),
        title,
        completed,
        now,
    )
    .await?;
    // No such todo: dropping the transaction rolls the version back too.
    let Some(todo) = todo else { return Ok(None) };
    let change = Change::TodoUpdated { todo: todo.clone() };
    writer.commit(transaction, owner, version, change).await?;
    Ok(Some(todo))
}

/// Sets the fields given of the owner's `todo`; `None` when the owner has no such todo.
pub(super) async fn update_row(
    transaction: &mut Transaction,
    owner: Owner,
    todo: &TodoRef,
    title: Option<&TodoTitle>,
    completed: Option<bool>,
    now: &Timestamp,
) -> Result<Option<Todo>, sqlx::Error> {
    let (id, client_id) = named(todo);
    run!(transaction, |connection| {
        sqlx::query_as(&format!(
            "UPDATE todos SET title = COALESCE($1, title), completed = COALESCE($2, completed), updated_at = $3
             WHERE user_id = $4 AND (id = $5 OR client_id = $6) RETURNING {COLUMNS}"
        ))
        .bind(title.map(TodoTitle::as_str))
        .bind(completed)
        .bind(now)
        .bind(owner.0)
        .bind(id)
        .bind(client_id)
        .fetch_optional(connection)
        .await
    })
}

/// Deletes the todo; `false` when the owner has no such todo.
pub async fn delete(writer: &Writer<'_>, owner: Owner, id: i64) -> Result<bool, sqlx::Error> {
    let mut transaction = writer.pool.begin().await?;
    let version = next_version(&mut transaction, owner).await?;
    let Some(id) = delete_row(&mut transaction, owner, &TodoRef::Id(id)).await? else {
        return Ok(false);
    };
    let change = Change::TodoDeleted { id };
    writer.commit(transaction, owner, version, change).await?;
    Ok(true)
}

/// Deletes the owner's `todo`; answers its id, or `None` when the owner has no such todo.
pub(super) async fn delete_row(
    transaction: &mut Transaction,
    owner: Owner,
    todo: &TodoRef,
) -> Result<Option<i64>, sqlx::Error> {
    let (id, client_id) = named(todo);
    run!(transaction, |connection| sqlx::query_scalar(
        "DELETE FROM todos WHERE user_id = $1 AND (id = $2 OR client_id = $3) RETURNING id"
    )
    .bind(owner.0)
    .bind(id)
    .bind(client_id)
    .fetch_optional(connection)
    .await)
}

/// Marks every todo of the owner done (or not) and answers the whole list, as one transaction.
pub async fn set_all_completed(
    writer: &Writer<'_>,
    owner: Owner,
    completed: bool,
    now: &Timestamp,
) -> Result<Vec<Todo>, sqlx::Error> {
    let mut transaction = writer.pool.begin().await?;
    let version = next_version(&mut transaction, owner).await?;
    let (ids, todos) = run!(&mut transaction, |connection| {
        // Only the todos that change get a new `updated_at`.
        let ids: Vec<i64> = sqlx::query_scalar(
            "UPDATE todos SET completed = $1, updated_at = $2 WHERE user_id = $3 AND completed <> $1
             RETURNING id",
        )
        .bind(completed)
        .bind(now)
        .bind(owner.0)
        .fetch_all(&mut *connection)
        .await?;
        let todos: Vec<Todo> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM todos WHERE user_id = $1 ORDER BY id"
        ))
        .bind(owner.0)
        .fetch_all(&mut *connection)
        .await?;
        (ids, todos)
    });
    // Nothing changed: nothing to announce, and the version stays.
    if !ids.is_empty() {
        let change = Change::TodosToggled { completed, ids };
        writer.commit(transaction, owner, version, change).await?;
    }
    Ok(todos)
}

/// Marks the owner's `todo` done (or not) unless it already is; answers its id when it changed.
pub(super) async fn set_completed_row(
    transaction: &mut Transaction,
    owner: Owner,
    todo: &TodoRef,
    completed: bool,
    now: &Timestamp,
) -> Result<Option<i64>, sqlx::Error> {
    let (id, client_id) = named(todo);
    run!(transaction, |connection| sqlx::query_scalar(
        "UPDATE todos SET completed = $1, updated_at = $2
         WHERE user_id = $3 AND (id = $4 OR client_id = $5) AND completed <> $1 RETURNING id"
    )
    .bind(completed)
    .bind(now)
    .bind(owner.0)
    .bind(id)
    .bind(client_id)
    .fetch_optional(connection)
    .await)
}

/// Deletes the owner's completed todos; answers how many there were.
pub async fn delete_completed(writer: &Writer<'_>, owner: Owner) -> Result<u64, sqlx::Error> {
    let mut transaction = writer.pool.begin().await?;
    let version = next_version(&mut transaction, owner).await?;
    let ids: Vec<i64> = run!(&mut transaction, |connection| sqlx::query_scalar(
        "DELETE FROM todos WHERE user_id = $1 AND completed RETURNING id"
    )
    .bind(owner.0)
    .fetch_all(connection)
    .await)?;
    let deleted = ids.len() as u64;
    if !ids.is_empty() {
        let change = Change::TodosCleared { ids };
        writer.commit(transaction, owner, version, change).await?;
    }
    Ok(deleted)
}
