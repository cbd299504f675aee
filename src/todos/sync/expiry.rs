//! How long the server remembers an operation: a leaf the sweeper calls, which imports nothing of the todos.

use crate::{
    db::{run, Pool},
    timestamp::Timestamp,
};

/// Forgets the operations applied before `cutoff`; answers how many.
pub async fn forget_older_than(pool: &Pool, cutoff: &Timestamp) -> Result<u64, sqlx::Error> {
    run!(pool, |connection| sqlx::query(
        "DELETE FROM todo_operations WHERE created_at < $1"
    )
    .bind(cutoff)
    .execute(connection)
    .await
    .map(|done| done.rows_affected()))
}
