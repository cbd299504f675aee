//! Running one query text on either engine: [`Executor`] names where a query runs, [`run!`] compiles its body
//! once per engine.

use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool};

use super::{Pool, Reads};

/// Where a query runs: a pool (a connection is taken for the query) or a transaction's connection.
///
/// Query functions take `impl Into<Executor>`, so callers pass `&pool` or `&mut transaction` alike.
pub enum Executor<'a> {
    /// Any connection of a SQLite pool.
    SqlitePool(&'a SqlitePool),
    /// Any connection of a PostgreSQL pool.
    PostgresPool(&'a PgPool),
    /// One SQLite connection, usually a transaction's.
    Sqlite(&'a mut SqliteConnection),
    /// One PostgreSQL connection, usually a transaction's.
    Postgres(&'a mut PgConnection),
}

/// A pool itself runs anything, so on SQLite it means the writing connection.
impl<'a> From<&'a Pool> for Executor<'a> {
    fn from(pool: &'a Pool) -> Self {
        match pool {
            Pool::Sqlite { writer, .. } => Self::SqlitePool(writer),
            Pool::Postgres(pool) => Self::PostgresPool(pool),
        }
    }
}

impl<'a> From<Reads<'a>> for Executor<'a> {
    fn from(reads: Reads<'a>) -> Self {
        match reads.0 {
            Pool::Sqlite { readers, .. } => Self::SqlitePool(readers),
            Pool::Postgres(pool) => Self::PostgresPool(pool),
        }
    }
}

impl<'a> From<&'a mut Transaction> for Executor<'a> {
    fn from(transaction: &'a mut Transaction) -> Self {
        match transaction {
            Transaction::Sqlite(transaction) => Self::Sqlite(transaction),
            Transaction::Postgres(transaction) => Self::Postgres(transaction),
        }
    }
}

/// A transaction on either engine; rolled back when dropped without [`Transaction::commit`].
pub enum Transaction {
    /// On SQLite.
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    /// On PostgreSQL.
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Transaction {
    /// Makes every change of the transaction durable and visible.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(transaction) => transaction.commit().await,
            Self::Postgres(transaction) => transaction.commit().await,
        }
    }
}

/// Runs `$body` with `$connection` bound to a `&mut` connection of the engine `$executor` (anything
/// `Into<Executor>`) reaches. The body is compiled once for SQLite and once for PostgreSQL, so it must be
/// valid for both: same SQL text, bind types both encode, row types both decode. A pool's connection is taken
/// with `?`, so the caller's error type converts from `sqlx::Error`.
macro_rules! run {
    ($executor:expr, |$connection:ident| $body:expr) => {
        match ::core::convert::Into::<$crate::db::Executor<'_>>::into($executor) {
            $crate::db::Executor::SqlitePool(pool) => {
                let mut held = pool.acquire().await?;
                let $connection = &mut *held;
                $body
            }
            $crate::db::Executor::PostgresPool(pool) => {
                let mut held = pool.acquire().await?;
                let $connection = &mut *held;
                $body
            }
            $crate::db::Executor::Sqlite($connection) => $body,
            $crate::db::Executor::Postgres($connection) => $body,
        }
    };
}
pub(crate) use run;
