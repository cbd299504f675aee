//! Queries of the administration section. Every statement is parameterised; the ones that change something
//! take a transaction's connection, so an operation and its audit entry commit together or not at all.

use sqlx::FromRow;

use super::{ManagedUser, RoleSummary, UserPage, USERS_PER_PAGE};
use crate::{
    db::{run, Executor, Pool, Transaction},
    domain::RoleName,
    timestamp::Timestamp,
};

/// The columns of [`ManagedUser`]; roles come comma-joined (role names cannot hold commas) and unsorted.
const MANAGED_USER_COLUMNS: &str = "users.id, users.email, users.username, users.name, users.active, \
     users.created_at, users.current_login_at AS last_login_at, users.confirmed_at, \
     (SELECT COUNT(*) FROM todos WHERE todos.user_id = users.id) AS todo_count, \
     EXISTS (SELECT 1 FROM two_factor WHERE two_factor.user_id = users.id \
             AND two_factor.enabled_at IS NOT NULL) AS two_factor, \
     (SELECT COUNT(*) FROM passkeys WHERE passkeys.user_id = users.id) AS passkey_count, \
     (SELECT string_agg(roles.name, ',') FROM roles JOIN roles_users ON roles_users.role_id = roles.id \
      WHERE roles_users.user_id = users.id) AS roles";

#[derive(FromRow)]
struct ManagedUserRow {
    id: i64,
    email: String,
    username: String,
    name: String,
    active: bool,
    created_at: Timestamp,
    last_login_at: Option<Timestamp>,
    confirmed_at: Option<Timestamp>,
    todo_count: i64,
    two_factor: bool,
    passkey_count: i64,
    roles: Option<String>,
}

impl From<ManagedUserRow> for ManagedUser {
    fn from(row: ManagedUserRow) -> Self {
        let mut roles: Vec<String> = row
            .roles
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect();
        roles.sort();
        Self {
            id: row.id,
            email: row.email,
            username: row.username,
            name: row.name,
            roles,
            active: row.active,
            created_at: row.created_at,
            last_login_at: row.last_login_at,
            confirmed: row.confirmed_at.is_some(),
            todo_count: row.todo_count,
            two_factor: row.two_factor,
            passkey_count: row.passkey_count,
        }
    }
}

/// `query` as a LIKE pattern matching it anywhere, case-insensitively, with `%`, `_` and `\` taken literally.
fn contains_pattern(query: &str) -> String {
    let mut pattern = String::from("%");
    for c in query.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Page `page` (from 1) of the users whose email or username contains `query` (all users when blank).
pub async fn search_users(pool: &Pool, query: &str, page: u32) -> Result<UserPage, sqlx::Error> {
    let query = query.trim();
    let pattern = contains_pattern(query);
    let filter = "$1 = '' OR lower(users.email) LIKE $2 ESCAPE '\\' \
                  OR lower(users.username) LIKE $2 ESCAPE '\\'";
    let page = page.max(1);
    let offset = i64::from(page - 1) * i64::from(USERS_PER_PAGE);
    let (total, rows): (i64, Vec<ManagedUserRow>) = run!(pool.reads(), |connection| {
        let total = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM users WHERE {filter}"))
            .bind(query)
            .bind(&pattern)
            .fetch_one(&mut *connection)
            .await?;
        let rows = sqlx::query_as(&format!(
            "SELECT {MANAGED_USER_COLUMNS} FROM users WHERE {filter} ORDER BY users.id LIMIT $3 OFFSET $4"
        ))
        .bind(query)
        .bind(&pattern)
        .bind(i64::from(USERS_PER_PAGE))
        .bind(offset)
        .fetch_all(&mut *connection)
        .await?;
        (total, rows)
    });
    Ok(UserPage {
        users: rows.into_iter().map(ManagedUser::from).collect(),
        query: query.to_owned(),
        page,
        per_page: USERS_PER_PAGE,
        total,
    })
}

/// Every user, oldest account first (the command line's `users list`).
pub async fn all_users(pool: &Pool) -> Result<Vec<ManagedUser>, sqlx::Error> {
    let rows: Vec<ManagedUserRow> = run!(pool.reads(), |connection| sqlx::query_as(&format!(
        "SELECT {MANAGED_USER_COLUMNS} FROM users ORDER BY users.id"
    ))
    .fetch_all(connection)
    .await)?;
    Ok(rows.into_iter().map(ManagedUser::from).collect())
}

/// The user with this id, as an administrator sees them.
pub async fn find_user(
    executor: impl Into<Executor<'_>>,
    id: i64,
) -> Result<Option<ManagedUser>, sqlx::Error> {
    let row: Option<ManagedUserRow> = run!(executor, |connection| sqlx::query_as(&format!(
        "SELECT {MANAGED_USER_COLUMNS} FROM users WHERE users.id = $1"
    ))
    .bind(id)
    .fetch_optional(connection)
    .await)?;
    Ok(row.map(ManagedUser::from))
}

/// Every role with its number of holders, by name.
pub async fn roles(pool: &Pool) -> Result<Vec<RoleSummary>, sqlx::Error> {
    run!(pool.reads(), |connection| sqlx::query_as(
        "SELECT roles.name, roles.description,
             (SELECT COUNT(*) FROM roles_users WHERE roles_users.role_id = roles.id) AS user_count
         FROM roles ORDER BY roles.name",
    )
    .fetch_all(connection)
    .await)
}

/// The id of the role called `name`, if there is one.
pub async fn role_id(
    executor: impl Into<Executor<'_>>,
    name: &RoleName,
) -> Result<Option<i64>, sqlx::Error> {
    run!(executor, |connection| sqlx::query_scalar(
        "SELECT id FROM roles WHERE name = $1"
    )
    .bind(name.as_str())
    .fetch_optional(connection)
    .await)
}

/// Adds a role; `false` when one of that name exists already (left as it is).
pub async fn insert_role(
    transaction: &mut Transaction,
    name: &RoleName,
    description: &str,
) -> Result<bool, sqlx::Error> {
    let inserted = run!(transaction, |connection| sqlx::query(
        "INSERT INTO roles (name, description) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name.as_str())
    .bind(description)
    .execute(connection)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(inserted == 1)
}

/// Grants a role; `false` when the user already held it.
pub async fn insert_grant(
    transaction: &mut Transaction,
    user_id: i64,
    role_id: i64,
) -> Result<bool, sqlx::Error> {
    let inserted = run!(transaction, |connection| sqlx::query(
        "INSERT INTO roles_users (user_id, role_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(role_id)
    .execute(connection)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(inserted == 1)
}

/// Revokes a role; `false` when the user did not hold it.
pub async fn delete_grant(
    transaction: &mut Transaction,
    user_id: i64,
    role_id: i64,
) -> Result<bool, sqlx::Error> {
    let deleted = run!(transaction, |connection| sqlx::query(
        "DELETE FROM roles_users WHERE user_id = $1 AND role_id = $2"
    )
    .bind(user_id)
    .bind(role_id)
    .execute(connection)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(deleted == 1)
}

/// How many active users hold the `admin` role.
pub async fn active_admin_count(transaction: &mut Transaction) -> Result<i64, sqlx::Error> {
    run!(transaction, |connection| sqlx::query_scalar(
        "SELECT COUNT(*) FROM users JOIN roles_users ON roles_users.user_id = users.id
         JOIN roles ON roles.id = roles_users.role_id
         WHERE roles.name = $1 AND users.active",
    )
    .bind(RoleName::ADMIN)
    .fetch_one(connection)
    .await)
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn wildcards_in_a_search_are_taken_literally() {
        assert_eq!(contains_pattern("Ann"), "%ann%");
        assert_eq!(contains_pattern("a_b%c\\"), "%a\\_b\\%c\\\\%");
    }
}
