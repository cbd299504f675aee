//! The operations an account has had applied: what makes a resent operation harmless.

use super::Receipt;
use crate::{
    db::{run, Transaction},
    domain::ClientId,
    timestamp::Timestamp,
    todos::queries::Owner,
};

/// The owner's list version, read under the lock every change of the list takes first (the user's row, on
/// PostgreSQL; SQLite has one writer): until the commit no other change of this list can begin, so what this
/// transaction checks stays true. Unlike raising the version, it changes nothing.
pub async fn hold_version(transaction: &mut Transaction, owner: Owner) -> Result<i64, sqlx::Error> {
    run!(transaction, |connection| sqlx::query_scalar(
        "UPDATE users SET todos_version = todos_version WHERE id = $1 RETURNING todos_version"
    )
    .bind(owner.id())
    .fetch_one(connection)
    .await)
}

/// What the owner's operation `id` came to, if it was applied before.
pub async fn applied_before(
    transaction: &mut Transaction,
    owner: Owner,
    id: &ClientId,
) -> Result<Option<Receipt>, sqlx::Error> {
    let row: Option<(i64, Option<String>)> = run!(transaction, |connection| sqlx::query_as(
        "SELECT version, dropped FROM todo_operations WHERE user_id = $1 AND id = $2"
    )
    .bind(owner.id())
    .bind(id.as_str())
    .fetch_optional(connection)
    .await)?;
    Ok(row.map(|(version, dropped)| Receipt {
        id: id.clone(),
        version,
        repeated: true,
        dropped,
    }))
}

/// Remembers what became of an operation, in the transaction that applied it.
pub async fn remember(
    transaction: &mut Transaction,
    owner: Owner,
    receipt: &Receipt,
    now: &Timestamp,
) -> Result<(), sqlx::Error> {
    run!(transaction, |connection| sqlx::query(
        "INSERT INTO todo_operations (user_id, id, version, dropped, created_at)
         VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(owner.id())
    .bind(receipt.id.as_str())
    .bind(receipt.version)
    .bind(receipt.dropped.as_deref())
    .bind(now)
    .execute(connection)
    .await
    .map(drop))
}

/// Whether the owner has a todo its client named `client_id`.
pub async fn has_client_todo(
    transaction: &mut Transaction,
    owner: Owner,
    client_id: &ClientId,
) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = run!(transaction, |connection| sqlx::query_scalar(
        "SELECT id FROM todos WHERE user_id = $1 AND client_id = $2"
    )
    .bind(owner.id())
    .bind(client_id.as_str())
    .fetch_optional(connection)
    .await)?;
    Ok(found.is_some())
}
