//! `two_factor` and `recovery_codes`: every statement is parameterised and names the account.

use sqlx::FromRow;

use crate::{
    db::{run, Executor, Transaction},
    timestamp::Timestamp,
};

/// The columns of a [`TwoFactorRecord`].
const COLUMNS: &str = "sealed_secret, enabled_at, last_step, remember_nonce, created_at";

/// An account's `two_factor` row.
#[derive(Clone, FromRow)]
pub struct TwoFactorRecord {
    /// The sealed secret (see `TwoFactorKey`).
    pub sealed_secret: Vec<u8>,
    /// When it was confirmed; `None` while the setup waits for its first code.
    pub enabled_at: Option<Timestamp>,
    /// The newest time step a code was accepted for.
    pub last_step: Option<i64>,
    /// What every remembered browser's cookie is made with.
    pub remember_nonce: String,
    /// When the setup began.
    pub created_at: Timestamp,
}

impl std::fmt::Debug for TwoFactorRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The sealed secret and the nonce stay out of logs.
        f.debug_struct("TwoFactorRecord")
            .field("enabled_at", &self.enabled_at)
            .field("last_step", &self.last_step)
            .finish_non_exhaustive()
    }
}

impl TwoFactorRecord {
    /// Whether sign-in asks for the second step.
    pub fn is_enabled(&self) -> bool {
        self.enabled_at.is_some()
    }
}

/// The account's row, set up or still waiting for its first code.
pub async fn find(
    executor: impl Into<Executor<'_>>,
    user_id: i64,
) -> Result<Option<TwoFactorRecord>, sqlx::Error> {
    run!(executor, |connection| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM two_factor WHERE user_id = $1"
    ))
    .bind(user_id)
    .fetch_optional(connection)
    .await)
}

/// The account's row if two-factor sign-in is on (not a setup still waiting for its first code).
pub async fn find_enabled(
    executor: impl Into<Executor<'_>>,
    user_id: i64,
) -> Result<Option<TwoFactorRecord>, sqlx::Error> {
    run!(executor, |connection| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM two_factor WHERE user_id = $1 AND enabled_at IS NOT NULL"
    ))
    .bind(user_id)
    .fetch_optional(connection)
    .await)
}

/// Stores a setup that waits for its first code, replacing an earlier one that never got it. Answers `false`
/// (and changes nothing) when two-factor sign-in is already on.
pub async fn begin_setup(
    executor: impl Into<Executor<'_>>,
    user_id: i64,
    sealed_secret: &[u8],
    remember_nonce: &str,
    now: &Timestamp,
) -> Result<bool, sqlx::Error> {
    run!(executor, |connection| {
        sqlx::query(
        "INSERT INTO two_factor (user_id, sealed_secret, enabled_at, last_step, remember_nonce, created_at)
         VALUES ($1, $2, NULL, NULL, $3, $4)
         ON CONFLICT (user_id) DO UPDATE
         SET sealed_secret = excluded.sealed_secret, remember_nonce = excluded.remember_nonce,
             created_at = excluded.created_at
         WHERE two_factor.enabled_at IS NULL"
    )
    .bind(user_id)
    .bind(sealed_secret)
    .bind(remember_nonce)
    .bind(now)
    .execute(connection)
    .await
    .map(|done| done.rows_affected() == 1)
    })
}

/// Turns a waiting setup on, with the step of the code that confirmed it taken, unless another request turned
/// it on first or it was replaced (the secret is not `sealed_secret` any more). Answers whether this did.
pub async fn enable(
    transaction: &mut Transaction,
    user_id: i64,
    sealed_secret: &[u8],
    step: i64,
    now: &Timestamp,
) -> Result<bool, sqlx::Error> {
    run!(transaction, |connection| sqlx::query(
        "UPDATE two_factor SET enabled_at = $1, last_step = $2
         WHERE user_id = $3 AND enabled_at IS NULL AND sealed_secret = $4"
    )
    .bind(now)
    .bind(step)
    .bind(user_id)
    .bind(sealed_secret)
    .execute(connection)
    .await
    .map(|done| done.rows_affected() == 1))
}

/// Takes time step `step` for the account: answers `true` only if no code of this step or a later one was
/// accepted before. One statement, so two instances given the same code cannot both take it.
pub async fn take_step(
    executor: impl Into<Executor<'_>>,
    user_id: i64,
    step: i64,
) -> Result<bool, sqlx::Error> {
    run!(executor, |connection| sqlx::query(
        "UPDATE two_factor SET last_step = $1
         WHERE user_id = $2 AND enabled_at IS NOT NULL AND (last_step IS NULL OR last_step < $1)"
    )
    .bind(step)
    .bind(user_id)
    .execute(connection)
    .await
    .map(|done| done.rows_affected() == 1))
}

/// Turns two-factor sign-in off (a waiting setup too) and deletes the recovery codes, inside the caller's
/// transaction. Answers whether it was on.
pub async fn remove(transaction: &mut Transaction, user_id: i64) -> Result<bool, sqlx::Error> {
    let removed = run!(&mut *transaction, |connection| sqlx::query_scalar::<
        _,
        Option<Timestamp>,
    >(
        "DELETE FROM two_factor WHERE user_id = $1 RETURNING enabled_at"
    )
    .bind(user_id)
    .fetch_optional(connection)
    .await)?;
    delete_recovery_codes(transaction, user_id).await?;
    Ok(matches!(removed, Some(Some(_))))
}

async fn delete_recovery_codes(
    transaction: &mut Transaction,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    run!(transaction, |connection| sqlx::query(
        "DELETE FROM recovery_codes WHERE user_id = $1"
    )
    .bind(user_id)
    .execute(connection)
    .await
    .map(|_| ()))
}

/// Replaces the account's recovery codes with `digests`, inside the caller's transaction.
pub async fn replace_recovery_codes(
    transaction: &mut Transaction,
    user_id: i64,
    digests: &[String],
) -> Result<(), sqlx::Error> {
    delete_recovery_codes(transaction, user_id).await?;
    for digest in digests {
        run!(&mut *transaction, |connection| sqlx::query(
            "INSERT INTO recovery_codes (user_id, code_hash, used_at) VALUES ($1, $2, NULL)"
        )
        .bind(user_id)
        .bind(digest)
        .execute(connection)
        .await
        .map(|_| ()))?;
    }
    Ok(())
}

/// Uses up the account's unused recovery code with this digest; answers whether there was one. One
/// statement, so a code used on two instances at once works once.
pub async fn use_recovery_code(
    transaction: &mut Transaction,
    user_id: i64,
    digest: &str,
    now: &Timestamp,
) -> Result<bool, sqlx::Error> {
    run!(transaction, |connection| sqlx::query(
        "UPDATE recovery_codes SET used_at = $1
         WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL"
    )
    .bind(now)
    .bind(user_id)
    .bind(digest)
    .execute(connection)
    .await
    .map(|done| done.rows_affected() == 1))
}

/// How many of the account's recovery codes are unused.
pub async fn recovery_codes_left(
    executor: impl Into<Executor<'_>>,
    user_id: i64,
) -> Result<i64, sqlx::Error> {
    run!(executor, |connection| sqlx::query_scalar(
        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL"
    )
    .bind(user_id)
    .fetch_one(connection)
    .await)
}

/// Replaces the nonce every remembered browser's cookie was made with, so none is remembered any more.
pub async fn forget_browsers(
    executor: impl Into<Executor<'_>>,
    user_id: i64,
    remember_nonce: &str,
) -> Result<bool, sqlx::Error> {
    run!(executor, |connection| sqlx::query(
        "UPDATE two_factor SET remember_nonce = $1 WHERE user_id = $2 AND enabled_at IS NOT NULL"
    )
    .bind(remember_nonce)
    .bind(user_id)
    .execute(connection)
    .await
    .map(|done| done.rows_affected() == 1))
}

/// How many accounts have two-factor sign-in on: a server without `two_factor_key` refuses to start if any do.
pub async fn enabled_count(executor: impl Into<Executor<'_>>) -> Result<i64, sqlx::Error> {
    run!(executor, |connection| sqlx::query_scalar(
        "SELECT COUNT(*) FROM two_factor WHERE enabled_at IS NOT NULL"
    )
    .fetch_one(connection)
    .await)
}
