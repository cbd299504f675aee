//! The end of an account's credentials: what a password change, a reset, an operator's new password and a
//! deactivation have in common, written once so that none of them can leave a way back in.

use super::queries::{UserRecord, USER_COLUMNS};
use crate::{
    db::{run, Transaction},
    security::random::random_secret,
    timestamp::Timestamp,
};

/// Ends everything the account's old credentials let anyone do, inside the caller's transaction: a new session
/// secret (every session ends), every API token revoked, and every outstanding mail link voided — reset,
/// confirmation and change of address alike, since a link asked for while the old credentials held must not
/// outlive them (otherwise a change-of-address link asked for by someone who once knew the password moves the
/// account to their address after the owner has changed it).
///
/// It is the only statement that replaces `session_secret`, which is how sessions end; so any new way of ending
/// an account's credentials has to come through here, and gets the rest with it. `only_if_secret`: change
/// nothing unless the account still has this secret (a change the user makes, as their session saw them).
/// Answers whether the account was changed.
pub async fn end_all(
    transaction: &mut Transaction,
    user_id: i64,
    only_if_secret: Option<&str>,
    now: &Timestamp,
) -> Result<bool, sqlx::Error> {
    // The user row is written first: on PostgreSQL its lock makes a token insert racing this change wait, and
    // the token then carries the old secret, which no longer matches (see tokens::queries).
    let changed = run!(&mut *transaction, |connection| sqlx::query(
        "UPDATE users SET session_secret = $1, updated_at = $2
         WHERE id = $3 AND ($4 IS NULL OR session_secret = $4)"
    )
    .bind(random_secret())
    .bind(now)
    .bind(user_id)
    .bind(only_if_secret)
    .execute(connection)
    .await
    .map(|done| done.rows_affected()))?;
    if changed == 0 {
        return Ok(false);
    }
    super::tokens::queries::revoke_all(&mut *transaction, user_id).await?;
    super::email::queries::void_all(&mut *transaction, user_id).await?;
    Ok(true)
}

/// Holds the account's row for the rest of `transaction`. Every change of an account takes its row first and
/// its links after ([`end_all`], [`still_current`], a link being used), so two changes of one account meet at
/// the row and one waits for the other, instead of each holding what the other needs (on PostgreSQL, a
/// deadlock). SQLite has one writer, which orders them anyway.
pub async fn hold(transaction: &mut Transaction, user_id: i64) -> Result<(), sqlx::Error> {
    run!(&mut *transaction, |connection| sqlx::query(
        "UPDATE users SET session_secret = session_secret WHERE id = $1"
    )
    .bind(user_id)
    .execute(connection)
    .await
    .map(|_| ()))
}

/// Holds the account's row for the rest of `transaction` if its credentials are still the ones `user` was read
/// with, and answers whether they are. What the transaction then makes for the account (a mail link) cannot
/// outlive a concurrent [`end_all`]: either that one committed first and this answers `false`, or it waits for
/// this transaction and then voids what it made.
pub async fn still_current(
    transaction: &mut Transaction,
    user: &UserRecord,
) -> Result<bool, sqlx::Error> {
    let held = run!(&mut *transaction, |connection| sqlx::query(
        "UPDATE users SET session_secret = session_secret
         WHERE id = $1 AND session_secret = $2 AND active"
    )
    .bind(user.id)
    .bind(&user.session_secret)
    .execute(connection)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(held == 1)
}

/// Whose password [`set_password`] replaces.
#[derive(Debug, Clone, Copy)]
pub enum PasswordOwner<'a> {
    /// The user changing their own password, as their session found them: the change only applies if no other
    /// change, reset or deactivation has replaced the session secret since.
    AsSeen(&'a UserRecord),
    /// An operator's reset, which wins whatever happened before.
    Any(i64),
}

/// Sets a new password hash and ends the account's old credentials with it ([`end_all`]: sessions, API tokens
/// and mail links). `None` when the user does not exist or (for [`PasswordOwner::AsSeen`]) changed meanwhile.
/// Call it inside a transaction.
pub async fn set_password(
    transaction: &mut Transaction,
    owner: PasswordOwner<'_>,
    password_hash: &str,
    now: &Timestamp,
) -> Result<Option<UserRecord>, sqlx::Error> {
    let (user_id, expected_secret) = match owner {
        PasswordOwner::AsSeen(user) => (user.id, Some(user.session_secret.as_str())),
        PasswordOwner::Any(user_id) => (user_id, None),
    };
    if !end_all(transaction, user_id, expected_secret, now).await? {
        return Ok(None);
    }
    run!(&mut *transaction, |connection| sqlx::query_as(&format!(
        "UPDATE users SET password_hash = $1, updated_at = $2
         WHERE id = $3 RETURNING {USER_COLUMNS}"
    ))
    .bind(password_hash)
    .bind(now)
    .bind(user_id)
    .fetch_optional(connection)
    .await)
}
