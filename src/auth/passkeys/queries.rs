//! `passkeys` and `passkey_ceremonies`: every statement is parameterised, and every statement on passkeys names
//! the account (a sign-in by autofill names it by its user handle, which only that account's passkeys carry).

use sqlx::FromRow;

use crate::{
    db::{run, Executor, Transaction},
    timestamp::Timestamp,
};

/// The columns of a [`PasskeyRecord`].
const COLUMNS: &str =
    "id, user_id, credential_id, user_handle, name, credential, created_at, last_used_at";

/// One registered passkey.
#[derive(Clone, FromRow)]
pub struct PasskeyRecord {
    /// Its row id, as the account page and the API name it.
    pub id: i64,
    /// The account.
    pub user_id: i64,
    /// The authenticator's credential id.
    pub credential_id: Vec<u8>,
    /// The account's handle, as the authenticator keeps it.
    pub user_handle: Vec<u8>,
    /// What the owner calls it.
    pub name: String,
    /// webauthn-rs's `Passkey` as JSON.
    pub credential: String,
    /// When it was added.
    pub created_at: Timestamp,
    /// When it last signed in (or answered a second step).
    pub last_used_at: Option<Timestamp>,
}

impl std::fmt::Debug for PasskeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The public key is no secret, but a log has no use for it.
        f.debug_struct("PasskeyRecord")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The account's passkeys, oldest first.
pub async fn list(
    executor: impl Into<Executor<'_>>,
    user_id: i64,
) -> Result<Vec<PasskeyRecord>, sqlx::Error> {
    run!(executor, |connection| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY id"
    ))
    .bind(user_id)
    .fetch_all(connection)
    .await)
}

/// How many passkeys the account has.
pub async fn count(executor: impl Into<Executor<'_>>, user_id: i64) -> Result<i64, sqlx::Error> {
    run!(executor, |connection| sqlx::query_scalar(
        "SELECT COUNT(*) FROM passkeys WHERE user_id = $1"
    )
    .bind(user_id)
    .fetch_one(connection)
    .await)
}

/// The passkey with `credential_id` that carries `user_handle`: what a sign-in by autofill answered with.
pub async fn find_by_handle(
    executor: impl Into<Executor<'_>>,
    user_handle: &[u8],
    credential_id: &[u8],
) -> Result<Option<PasskeyRecord>, sqlx::Error> {
    run!(executor, |connection| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM passkeys WHERE user_handle = $1 AND credential_id = $2"
    ))
    .bind(user_handle)
    .bind(credential_id)
    .fetch_optional(connection)
    .await)
}

/// What a new passkey is stored as.
#[derive(Debug)]
pub struct NewPasskey<'a> {
    /// The account.
    pub user_id: i64,
    /// The authenticator's credential id.
    pub credential_id: &'a [u8],
    /// The account's handle.
    pub user_handle: &'a [u8],
    /// What the owner calls it.
    pub name: &'a str,
    /// webauthn-rs's `Passkey` as JSON.
    pub credential: &'a str,
}

/// Stores a new passkey inside the caller's transaction; `None` when its credential id is registered already
/// (to this account or another).
pub async fn insert(
    transaction: &mut Transaction,
    passkey: &NewPasskey<'_>,
    now: &Timestamp,
) -> Result<Option<PasskeyRecord>, sqlx::Error> {
    let inserted: Result<PasskeyRecord, sqlx::Error> = run!(transaction, |connection| {
        sqlx::query_as(&format!(
            "INSERT INTO passkeys (user_id, credential_id, user_handle, name, credential, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
        ))
        .bind(passkey.user_id)
        .bind(passkey.credential_id)
        .bind(passkey.user_handle)
        .bind(passkey.name)
        .bind(passkey.credential)
        .bind(now)
        .fetch_one(connection)
        .await
    });
    match inserted {
        Ok(record) => Ok(Some(record)),
        // The credential id is the table's only unique key.
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(None),
        Err(error) => Err(error),
    }
}

/// The handle the account's passkeys carry, if it has any.
pub async fn user_handle(
    transaction: &mut Transaction,
    user_id: i64,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    run!(transaction, |connection| sqlx::query_scalar(
        "SELECT user_handle FROM passkeys WHERE user_id = $1 ORDER BY id LIMIT 1"
    )
    .bind(user_id)
    .fetch_optional(connection)
    .await)
}

/// Renames the account's passkey `id`; `None` when it has no such passkey.
pub async fn rename(
    executor: impl Into<Executor<'_>>,
    user_id: i64,
    id: i64,
    name: &str,
) -> Result<Option<PasskeyRecord>, sqlx::Error> {
    run!(executor, |connection| sqlx::query_as(&format!(
        "UPDATE passkeys SET name = $1 WHERE user_id = $2 AND id = $3 RETURNING {COLUMNS}"
    ))
    .bind(name)
    .bind(user_id)
    .bind(id)
    .fetch_optional(connection)
    .await)
}

/// Stores what a use changed (the signature counter, the backup flags) and when it was.
pub async fn record_use(
    executor: impl Into<Executor<'_>>,
    user_id: i64,
    id: i64,
    credential: &str,
    now: &Timestamp,
) -> Result<(), sqlx::Error> {
    run!(executor, |connection| sqlx::query(
        "UPDATE passkeys SET credential = $1, last_used_at = $2 WHERE user_id = $3 AND id = $4"
    )
    .bind(credential)
    .bind(now)
    .bind(user_id)
    .bind(id)
    .execute(connection)
    .await
    .map(|_| ()))
}

/// Removes the account's passkey `id` inside the caller's transaction; answers it, or `None` when it had none.
pub async fn remove(
    transaction: &mut Transaction,
    user_id: i64,
    id: i64,
) -> Result<Option<PasskeyRecord>, sqlx::Error> {
    run!(transaction, |connection| sqlx::query_as(&format!(
        "DELETE FROM passkeys WHERE user_id = $1 AND id = $2 RETURNING {COLUMNS}"
    ))
    .bind(user_id)
    .bind(id)
    .fetch_optional(connection)
    .await)
}

/// Removes all the account's passkeys inside the caller's transaction; answers how many there were.
pub async fn remove_all(transaction: &mut Transaction, user_id: i64) -> Result<u64, sqlx::Error> {
    run!(transaction, |connection| sqlx::query(
        "DELETE FROM passkeys WHERE user_id = $1"
    )
    .bind(user_id)
    .execute(connection)
    .await
    .map(|done| done.rows_affected()))
}

/// A ceremony as stored.
#[derive(Debug, FromRow)]
pub struct CeremonyRecord {
    /// The account it is for, if it names one.
    pub user_id: Option<i64>,
    /// webauthn-rs's state as JSON.
    pub state: String,
    /// Unix seconds it began.
    pub created_at: i64,
}

/// Stores a ceremony under `id`, and sweeps those begun before `stale_before` (abandoned ones).
pub async fn insert_ceremony(
    transaction: &mut Transaction,
    id: &str,
    purpose: &str,
    user_id: Option<i64>,
    state: &str,
    now: i64,
    stale_before: i64,
) -> Result<(), sqlx::Error> {
    run!(transaction, |connection| {
        sqlx::query("DELETE FROM passkey_ceremonies WHERE created_at < $1")
            .bind(stale_before)
            .execute(&mut *connection)
            .await?;
        sqlx::query(
            "INSERT INTO passkey_ceremonies (id, purpose, user_id, state, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(purpose)
        .bind(user_id)
        .bind(state)
        .bind(now)
        .execute(connection)
        .await
        .map(|_| ())
    })
}

/// Deletes the ceremony `id` of `purpose` and answers it: one statement, so of two requests answering the same
/// ceremony, on any instances, one gets it and the other nothing.
pub async fn take_ceremony(
    executor: impl Into<Executor<'_>>,
    id: &str,
    purpose: &str,
) -> Result<Option<CeremonyRecord>, sqlx::Error> {
    run!(executor, |connection| sqlx::query_as(
        "DELETE FROM passkey_ceremonies WHERE id = $1 AND purpose = $2
         RETURNING user_id, state, created_at"
    )
    .bind(id)
    .bind(purpose)
    .fetch_optional(connection)
    .await)
}

/// Deletes the ceremony `id` (one the session replaced with a newer one).
pub async fn drop_ceremony(executor: impl Into<Executor<'_>>, id: &str) -> Result<(), sqlx::Error> {
    run!(executor, |connection| sqlx::query(
        "DELETE FROM passkey_ceremonies WHERE id = $1"
    )
    .bind(id)
    .execute(connection)
    .await
    .map(|_| ()))
}
