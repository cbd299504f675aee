//! The database: SQLite (the embedded default) or PostgreSQL (several instances), chosen by the URL's scheme.
//!
//! Queries are written once, with `$1` placeholders that both engines read, and run through [`run!`] on
//! whichever engine the [`Pool`] holds. Dialect-specific SQL lives only where the dialects really differ:
//! the migrations (`migrations/sqlite`, `migrations/postgres`) and [`Pool::begin_serialized`].

pub mod copy;
mod engine;

use std::{str::FromStr, time::Duration};

use sqlx::{
    migrate::{MigrateError, Migrator},
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    Connection, PgPool, SqlitePool,
};

pub(crate) use engine::run;
pub use engine::{Executor, Transaction};

use crate::config::{Settings, Synchronous};

/// The SQLite migrations, compiled into the binary so a deployment is one file.
pub static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
/// The PostgreSQL migrations.
pub static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// How long start-up waits for a PostgreSQL server to answer before giving up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The URL names a database this build cannot open.
    #[error(
        "key `database_url`: expected `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DATABASE`, got `{0}`"
    )]
    UnsupportedUrl(String),
    /// The URL is not one sqlx understands.
    #[error("key `database_url`: {0}")]
    InvalidUrl(#[source] sqlx::Error),
    /// The folder of the SQLite file could not be created.
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        /// The folder that was to be created.
        path: String,
        /// What the file system said.
        source: std::io::Error,
    },
    /// The database refused the connection, or did not answer.
    #[error("cannot connect to the database {url}: {source}")]
    Connect {
        /// The URL without its password.
        url: String,
        /// What the driver said.
        source: sqlx::Error,
    },
    /// A migration failed; the database is left at the last one that succeeded.
    #[error("cannot apply migrations: {0}")]
    Migrate(#[from] MigrateError),
    /// The email keys of accounts made before they existed could not be written.
    #[error("cannot give existing accounts their email keys: {0}")]
    Backfill(#[source] sqlx::Error),
}

/// The two engines Leptodo runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// One file, one process: the embedded default.
    Sqlite,
    /// A server shared by several instances.
    Postgres,
}

impl Engine {
    /// The engine a `database_url` names, or `None` for any other scheme.
    ///
    /// Checked before sqlx sees the URL: sqlx reads any string as a SQLite path, so `mysql://host/db` would
    /// quietly become a local file.
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

/// A pool of connections to one of the engines.
#[derive(Debug, Clone)]
pub enum Pool {
    /// The embedded SQLite file: one connection writes, the others only read.
    ///
    /// SQLite lets one writer at a time commit, and a connection that finds the write lock taken waits by
    /// sleeping (1, 2, 5 … 100 ms) and trying again, however soon the lock is free: under a flood of logins
    /// the pool's connections were all asleep in that loop and plain reads queued behind them. With a single
    /// writing connection, writers wait in the pool's fair line and are woken at once, and readers, which WAL
    /// never blocks, have connections of their own.
    Sqlite {
        /// The one connection that writes; transactions and every query not marked a read run here.
        writer: SqlitePool,
        /// Connections that refuse to write (`query_only`), for [`Pool::reads`].
        readers: SqlitePool,
    },
    /// A PostgreSQL server.
    Postgres(PgPool),
}

impl Pool {
    /// Opens the database `settings.database_url` names (creating a SQLite file and its folder on first
    /// start), without migrating it.
    pub async fn connect(settings: &Settings) -> Result<Self, DatabaseError> {
        Self::connect_url(
            &settings.database_url,
            settings.database_max_connections,
            settings.database_synchronous,
        )
        .await
    }

    /// Opens the database at `url` with at most `max_connections` connections.
    pub async fn connect_url(
        url: &str,
        max_connections: u32,
        synchronous: Synchronous,
    ) -> Result<Self, DatabaseError> {
        match Engine::of_url(url) {
            Some(Engine::Sqlite) => connect_sqlite(url, max_connections, synchronous).await,
            Some(Engine::Postgres) => connect_postgres(url, max_connections).await,
            None => Err(DatabaseError::UnsupportedUrl(redacted(url))),
        }
    }

    /// The migrations of this engine.
    pub fn migrations(&self) -> &'static Migrator {
        match self {
            Self::Sqlite { .. } => &SQLITE_MIGRATIONS,
            Self::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies the pending migrations of this engine.
    ///
    /// On PostgreSQL sqlx holds an advisory lock while it migrates, so instances starting together against an
    /// empty database take turns: the first migrates, the others wait and then find nothing left to do.
    pub async fn migrate(&self) -> Result<(), MigrateError> {
        match self {
            Self::Sqlite { writer, .. } => SQLITE_MIGRATIONS.run(writer).await,
            Self::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        }
    }

    /// Where a query that only reads may run: on SQLite, a reading connection, which never waits for a write.
    /// A query passed `&pool` itself runs on the writer (always correct, but in line behind every write).
    pub fn reads(&self) -> Reads<'_> {
        Reads(self)
    }

    /// Starts a transaction.
    pub async fn begin(&self) -> Result<Transaction, sqlx::Error> {
        Ok(match self {
            Self::Sqlite { writer, .. } => Transaction::Sqlite(writer.begin().await?),
            Self::Postgres(pool) => Transaction::Postgres(pool.begin().await?),
        })
    }

    /// Starts a transaction that runs alone among those asking for any of the same `locks`: what it reads stays
    /// true until it commits, so a rule checked inside it (such as "one active admin remains", or "fewer than
    /// ten recent failures") cannot be broken by a concurrent one.
    ///
    /// SQLite: `BEGIN IMMEDIATE` takes the database's write lock first (this process has one writer anyway;
    /// the lock also keeps out a `leptodo` command writing to the same file). PostgreSQL: transaction-scoped advisory locks, taken first and always in the same order (so two
    /// holders cannot deadlock), serialise the holders of each lock only; in READ COMMITTED each later statement
    /// then sees everything committed before the locks were granted.
    pub async fn begin_serialized(&self, locks: &[Lock<'_>]) -> Result<Transaction, sqlx::Error> {
        match self {
            Self::Sqlite { writer, .. } => Ok(Transaction::Sqlite(
                writer.begin_with("BEGIN IMMEDIATE").await?,
            )),
            Self::Postgres(pool) => {
                let mut transaction = pool.begin().await?;
                let mut names: Vec<String> = locks.iter().map(Lock::name).collect();
                names.sort();
                names.dedup();
                for name in names {
                    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                        .bind(name)
                        .execute(&mut *transaction)
                        .await?;
                }
                Ok(Transaction::Postgres(transaction))
            }
        }
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        run!(self.reads(), |connection| sqlx::query("SELECT 1")
            .execute(connection)
            .await
            .map(|_| ()))
    }

    /// Waits for the connections in use to come back, then closes them all.
    pub async fn close(&self) {
        match self {
            Self::Sqlite { writer, readers } => {
                readers.close().await;
                writer.close().await;
            }
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

/// Read-only queries of a [`Pool`] ([`Pool::reads`]); converts into an [`Executor`].
#[derive(Debug, Clone, Copy)]
pub struct Reads<'a>(&'a Pool);

/// What a [`Pool::begin_serialized`] transaction excludes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock<'a> {
    /// Changes to accounts' `active` flags and roles: the last-active-admin rule.
    Administration,
    /// One account's own rows, such as its API tokens (the per-user cap).
    User(i64),
    /// One throttle count (an action and a subject).
    Throttle(&'a str),
}

impl Lock<'_> {
    /// The advisory lock's name on PostgreSQL (hashed to its key), prefixed so as not to collide with another
    /// application's locks.
    fn name(&self) -> String {
        match self {
            Self::Administration => "leptodo:administration".to_owned(),
            Self::User(id) => format!("leptodo:user:{id}"),
            Self::Throttle(count) => format!("leptodo:throttle:{count}"),
        }
    }
}

async fn connect_sqlite(
    url: &str,
    max_connections: u32,
    synchronous: Synchronous,
) -> Result<Pool, DatabaseError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(DatabaseError::InvalidUrl)?
        .create_if_missing(true)
        // WAL lets readers proceed while one writer commits. `synchronous`: FULL syncs the log at every
        // commit, so what the API acknowledged survives even a power loss; NORMAL survives a crash of the
        // process (the SIGKILL test) but may lose the last commits to a power loss, for more writes a second.
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(match synchronous {
            Synchronous::Full => SqliteSynchronous::Full,
            Synchronous::Normal => SqliteSynchronous::Normal,
        })
        .foreign_keys(true)
        // Writers queue for the lock instead of failing at once with "database is locked".
        .busy_timeout(Duration::from_secs(5));

    let filename = options.get_filename();
    if let Some(folder) = filename.parent().filter(|p| !p.as_os_str().is_empty()) {
        if filename.as_os_str() != ":memory:" {
            std::fs::create_dir_all(folder).map_err(|source| DatabaseError::Folder {
                path: folder.display().to_string(),
                source,
            })?;
        }
    }

    let connect_error = |source| DatabaseError::Connect {
        url: redacted(url),
        source,
    };
    // The writer first: it creates the file and puts it in WAL mode before any reader opens it.
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone())
        .await
        .map_err(connect_error)?;
    let readers = SqlitePoolOptions::new()
        .max_connections(max_connections.saturating_sub(1).max(1))
        .connect_with(options.pragma("query_only", "ON"))
        .await
        .map_err(connect_error)?;
    Ok(Pool::Sqlite { writer, readers })
}

async fn connect_postgres(url: &str, max_connections: u32) -> Result<Pool, DatabaseError> {
    let options = PgConnectOptions::from_str(url)
        .map_err(DatabaseError::InvalidUrl)?
        // Timestamps are written and compared in UTC whatever the server's default zone; the session store's
        // expiry sweep compares `now() at time zone 'utc'` with its `timestamptz` column and relies on it.
        .options([("timezone", "UTC")]);
    let connect_error = |source| DatabaseError::Connect {
        url: redacted(url),
        source,
    };
    // One connection by hand, with its own error: the pool would retry a refused connection until its timeout
    // and then report only that it timed out. It proves the server and the credentials, so the pool opens its
    // connections lazily instead of connecting a second time now.
    let probe = tokio::time::timeout(CONNECT_TIMEOUT, sqlx::PgConnection::connect_with(&options))
        .await
        .map_err(|_| connect_error(sqlx::Error::PoolTimedOut))?
        .map_err(connect_error)?;
    let _ = probe.close().await;
    let pool = PgPoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_lazy_with(options);
    Ok(Pool::Postgres(pool))
}

/// `url` with its password replaced, fit for messages and logs: the user part's, and any parameter whose name
/// says password (`password`, `sslpassword`: libpq and sqlx read both from the query).
pub fn redacted(url: &str) -> String {
    const HIDDEN: &str = "***";
    let Ok(mut parsed) = url::Url::parse(url) else {
        // Not a URL we can take apart: it is shown only if it cannot hold a password.
        let may_hold_one = url.contains('@') || url.to_ascii_lowercase().contains("password");
        return match may_hold_one {
            true => match url.split_once("://") {
                Some((scheme, _)) => format!("{scheme}://{HIDDEN}"),
                None => HIDDEN.to_owned(),
            },
            false => url.to_owned(),
        };
    };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some(HIDDEN));
    }
    let is_secret = |name: &str| name.to_ascii_lowercase().contains("password");
    if parsed.query_pairs().any(|(name, _)| is_secret(&name)) {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(name, value)| {
                let value = match is_secret(&name) {
                    true => HIDDEN.to_owned(),
                    false => value.into_owned(),
                };
                (name.into_owned(), value)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

/// Seconds since the Unix epoch, for deadlines kept as numbers (sessions, throttling).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

#[cfg(test)]
mod tests;
