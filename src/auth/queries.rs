//! Queries on `users`, `roles` and `roles_users`: what an account is and how it changes. The other writes of
//! `users` are the credentials ending ([`super::credentials`]), the email keys' backfill ([`super::identity`]),
//! the todo list's version (`todos::queries`) and `db copy`. Every statement is parameterised.

use sqlx::FromRow;

use super::{identity::email_key, registration::NewAccount, user::User};
use crate::{
    db::{run, Executor, Transaction},
    timestamp::Timestamp,
};

/// A `users` row as the server needs it, hash and secret included. Never serialised.
#[derive(Clone, FromRow)]
pub struct UserRecord {
    pub id: i64,
    pub email: String,
    pub username: String,
    pub name: String,
    pub website: Option<String>,
    pub password_hash: String,
    pub active: bool,
    pub session_secret: String,
    pub created_at: Timestamp,
    pub confirmed_at: Option<Timestamp>,
    pub last_login_at: Option<Timestamp>,
    pub current_login_at: Option<Timestamp>,
    pub last_login_ip: Option<String>,
    pub current_login_ip: Option<String>,
    pub login_count: i64,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Hash and secret stay out of logs.
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// Why a new user could not be inserted.
#[derive(Debug, thiserror::Error)]
pub enum InsertUserError {
    /// Another account has this email, whatever its case.
    #[error("email already registered")]
    EmailTaken,
    /// Another account has this username, whatever its case.
    #[error("username already registered")]
    UsernameTaken,
    /// Anything else.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub(super) const USER_COLUMNS: &str =
    "id, email, username, name, website, password_hash, active, session_secret, \
     created_at, confirmed_at, last_login_at, current_login_at, last_login_ip, current_login_ip, login_count";

/// The columns of a [`UserRecord`], each prefixed with `table.`, for a query that joins `users` to a table
/// with columns of the same names.
pub fn user_columns_of(table: &str) -> String {
    USER_COLUMNS
        .split(',')
        .map(|column| format!("{table}.{}", column.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Inserts the account and grants it the `user` role. Call it inside a transaction, so that both happen or
/// neither does.
///
/// Uniqueness is left to the database's unique indexes rather than checked first: a check-then-insert would let
/// two simultaneous registrations of the same email both pass.
pub async fn insert(
    executor: impl Into<Executor<'_>>,
    account: &NewAccount,
    password_hash: &str,
    session_secret: &str,
    now: &Timestamp,
) -> Result<UserRecord, InsertUserError> {
    run!(executor, |connection| {
        let inserted = sqlx::query_as::<_, UserRecord>(&format!(
            "INSERT INTO users (email, email_key, username, name, website, password_hash, session_secret,
                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
             RETURNING {USER_COLUMNS}"
        ))
        .bind(account.email.as_str())
        .bind(email_key(account.email.as_str()))
        .bind(account.username.as_str())
        .bind(account.name.as_str())
        .bind(account.website.as_ref().map(|w| w.as_str()))
        .bind(password_hash)
        .bind(session_secret)
        .bind(now)
        .fetch_one(&mut *connection)
        .await;
        let user = unique_violation_as_taken(inserted)?;
        sqlx::query(
            "INSERT INTO roles_users (user_id, role_id) SELECT $1, id FROM roles WHERE name = 'user'",
        )
        .bind(user.id)
        .execute(&mut *connection)
        .await?;
        Ok(user)
    })
}

/// Names the field a unique index refused.
fn unique_violation_as_taken(
    inserted: Result<UserRecord, sqlx::Error>,
) -> Result<UserRecord, InsertUserError> {
    match inserted {
        Ok(user) => Ok(user),
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            // PostgreSQL reports the index as the constraint; SQLite's message names an expression index, or
            // the column (`users.email_key`) of a plain one.
            let names_index =
                |index: &str| error.constraint() == Some(index) || error.message().contains(index);
            Err(
                if names_index("users_email_key") || names_index("users.email_key") {
                    InsertUserError::EmailTaken
                } else if names_index("users_username_key") {
                    InsertUserError::UsernameTaken
                } else {
                    InsertUserError::Database(sqlx::Error::Database(error))
                },
            )
        }
        Err(error) => Err(error.into()),
    }
}

/// Finds the account whose email or username is `login`: emails by their Unicode caseless key, usernames
/// (ASCII) ignoring case.
pub async fn find_by_login(
    executor: impl Into<Executor<'_>>,
    login: &str,
) -> Result<Option<UserRecord>, sqlx::Error> {
    // Emails contain '@' and usernames cannot, so one account matches, except when an account left without a
    // key (see `identity::backfill_email_keys`) is named by its exact spelling: then that one.
    run!(executor, |connection| {
        sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users
             WHERE email_key = $1 OR lower(username) = lower($2) OR (email_key IS NULL AND email = $2)
             ORDER BY CASE WHEN email_key IS NULL AND email = $2 THEN 0 ELSE 1 END LIMIT 1"
        ))
        .bind(email_key(login))
        .bind(login.trim())
        .fetch_optional(connection)
        .await
    })
}

/// Finds the account with this id.
pub async fn find_by_id(
    executor: impl Into<Executor<'_>>,
    id: i64,
) -> Result<Option<UserRecord>, sqlx::Error> {
    run!(executor, |connection| sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(connection)
    .await)
}

/// The names of the roles the user holds, sorted.
pub async fn role_names(
    executor: impl Into<Executor<'_>>,
    user_id: i64,
) -> Result<Vec<String>, sqlx::Error> {
    run!(executor, |connection| sqlx::query_scalar(
        "SELECT roles.name FROM roles JOIN roles_users ON roles_users.role_id = roles.id
         WHERE roles_users.user_id = $1 ORDER BY roles.name",
    )
    .bind(user_id)
    .fetch_all(connection)
    .await)
}

/// Shifts the current login into "last" and records this one (Flask-Security's trackable fields); `None` when
/// `user` is no longer active under the same session secret (its password changed or it was deactivated since
/// it was read), so a login checked against the old password cannot win over the change.
pub async fn record_login(
    executor: impl Into<Executor<'_>>,
    user: &UserRecord,
    ip: Option<&str>,
    now: &Timestamp,
) -> Result<Option<UserRecord>, sqlx::Error> {
    run!(executor, |connection| sqlx::query_as(&format!(
        "UPDATE users SET last_login_at = current_login_at, last_login_ip = current_login_ip,
             current_login_at = $1, current_login_ip = $2, login_count = login_count + 1
         WHERE id = $3 AND session_secret = $4 AND active RETURNING {USER_COLUMNS}"
    ))
    .bind(now)
    .bind(ip)
    .bind(user.id)
    .bind(&user.session_secret)
    .fetch_optional(connection)
    .await)
}

/// Replaces the hash without ending sessions: the same password, hashed with today's parameters. Only if the
/// stored hash is still the one that was verified, so an upgrade never overwrites a newer password.
pub async fn upgrade_password_hash(
    executor: impl Into<Executor<'_>>,
    verified: &UserRecord,
    password_hash: &str,
) -> Result<(), sqlx::Error> {
    run!(executor, |connection| sqlx::query(
        "UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3"
    )
    .bind(password_hash)
    .bind(verified.id)
    .bind(&verified.password_hash)
    .execute(connection)
    .await
    .map(|_| ()))
}

/// Sets `active`; `false` when the user does not exist or already was so. Deactivating must also end the
/// account's credentials ([`crate::auth::credentials::end_all`]), which the caller does in the same transaction.
pub async fn set_active(
    transaction: &mut Transaction,
    user_id: i64,
    active: bool,
    now: &Timestamp,
) -> Result<bool, sqlx::Error> {
    let changed = run!(transaction, |connection| sqlx::query(
        "UPDATE users SET active = $1, updated_at = $2 WHERE id = $3 AND active <> $1",
    )
    .bind(active)
    .bind(now)
    .bind(user_id)
    .execute(connection)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(changed == 1)
}

/// An address marked confirmed: whose, and whether it was unconfirmed until now.
#[derive(Debug)]
pub struct ConfirmedAddress {
    /// The account's username, for the audit log.
    pub username: String,
    /// `false` when the address was confirmed already.
    pub newly: bool,
}

/// Marks account `user_id`'s address confirmed if it is still `address` (whatever it is, with `None`): by a
/// confirmation link, a reset link (it reached the mailbox too) or an operator. `None` when the account does
/// not exist or has moved to another address since.
pub async fn confirm_address(
    transaction: &mut Transaction,
    user_id: i64,
    address: Option<&str>,
    now: &Timestamp,
) -> Result<Option<ConfirmedAddress>, sqlx::Error> {
    let newly: Option<String> = run!(&mut *transaction, |connection| sqlx::query_scalar(
        "UPDATE users SET confirmed_at = $1, updated_at = $1
         WHERE id = $2 AND ($3 IS NULL OR email = $3) AND confirmed_at IS NULL RETURNING username",
    )
    .bind(now)
    .bind(user_id)
    .bind(address)
    .fetch_optional(connection)
    .await)?;
    if let Some(username) = newly {
        return Ok(Some(ConfirmedAddress {
            username,
            newly: true,
        }));
    }
    let already: Option<String> = run!(transaction, |connection| sqlx::query_scalar(
        "SELECT username FROM users WHERE id = $1 AND ($2 IS NULL OR email = $2)",
    )
    .bind(user_id)
    .bind(address)
    .fetch_optional(connection)
    .await)?;
    Ok(already.map(|username| ConfirmedAddress {
        username,
        newly: false,
    }))
}

/// Moves active account `user_id` to `address`, confirmed (its link reached that mailbox). Answers the
/// username, `None` for an account that is gone or deactivated; a unique violation means another account
/// took the address meanwhile.
pub async fn move_to_address(
    transaction: &mut Transaction,
    user_id: i64,
    address: &str,
    now: &Timestamp,
) -> Result<Option<String>, sqlx::Error> {
    run!(transaction, |connection| sqlx::query_scalar(
        "UPDATE users SET email = $1, email_key = $2, confirmed_at = $3, updated_at = $3
         WHERE id = $4 AND active RETURNING username"
    )
    .bind(address)
    .bind(email_key(address))
    .bind(now)
    .bind(user_id)
    .fetch_optional(connection)
    .await)
}

impl UserRecord {
    /// The public view of this account, with its roles; `confirmation_asked`: whether this site asks accounts
    /// to confirm their address.
    pub fn into_user(self, roles: Vec<String>, confirmation_asked: bool, two_factor: bool) -> User {
        User {
            two_factor,
            confirmation_pending: confirmation_asked && self.confirmed_at.is_none(),
            confirmed_at: self.confirmed_at,
            id: self.id,
            email: self.email,
            username: self.username,
            name: self.name,
            website: self.website,
            roles,
            created_at: self.created_at,
            last_login_at: self.last_login_at,
            login_count: self.login_count,
        }
    }
}
