//! The SQL of the signed-in devices: an account's rows of `tower_sessions`, found by the `user_id` the session
//! store keeps (`session_store::USER_ID_KEY`).

use time::OffsetDateTime;

use crate::db::{run, Pool, Transaction};

/// The unexpired session rows of account `user_id`: their ids and stored records.
pub async fn sessions_of(pool: &Pool, user_id: i64) -> Result<Vec<(String, Vec<u8>)>, sqlx::Error> {
    run!(pool.reads(), |connection| sqlx::query_as(
        "SELECT id, data FROM tower_sessions WHERE user_id = $1 AND expiry_date > $2 ORDER BY id",
    )
    .bind(user_id)
    .bind(OffsetDateTime::now_utc())
    .fetch_all(connection)
    .await)
}

/// Deletes the session `id` of account `user_id`; `false` when the account has no such session.
pub async fn delete_one(
    transaction: &mut Transaction,
    user_id: i64,
    id: &str,
) -> Result<bool, sqlx::Error> {
    run!(transaction, |connection| sqlx::query(
        "DELETE FROM tower_sessions WHERE user_id = $1 AND id = $2"
    )
    .bind(user_id)
    .bind(id)
    .execute(connection)
    .await
    .map(|done| done.rows_affected() == 1))
}

/// Deletes every session of account `user_id` but `keep` (the caller's own, if any); answers how many.
pub async fn delete_all_but(
    transaction: &mut Transaction,
    user_id: i64,
    keep: Option<&str>,
) -> Result<u64, sqlx::Error> {
    run!(transaction, |connection| sqlx::query(
        "DELETE FROM tower_sessions WHERE user_id = $1 AND id <> $2"
    )
    .bind(user_id)
    .bind(keep.unwrap_or(""))
    .execute(connection)
    .await
    .map(|done| done.rows_affected()))
}
