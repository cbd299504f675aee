//! The database pool: connection settings, first-start creation and migrations.

use std::{str::FromStr, time::Duration};

use sqlx::{
    migrate::{MigrateError, Migrator},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    SqlitePool,
};

use crate::config::{Settings, Synchronous};

/// The migrations of `migrations/`, compiled into the binary so a deployment is one file.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The URL names a database this build cannot open.
    #[error(
        "key `database_url`: expected a `sqlite:` URL such as sqlite://data/leptodo.db, got `{0}`"
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
    /// The database refused the connection.
    #[error("cannot open the database: {0}")]
    Connect(#[source] sqlx::Error),
    /// A migration failed; the database is left at the last one that succeeded.
    #[error("cannot apply migrations: {0}")]
    Migrate(#[from] MigrateError),
}

/// Opens (creating on first start) the configured SQLite database and applies pending migrations.
pub async fn connect_and_migrate(settings: &Settings) -> Result<SqlitePool, DatabaseError> {
    // sqlx reads any string as a SQLite path, so `postgres://host/db` would quietly become a local file.
    if !settings.database_url.starts_with("sqlite:") {
        return Err(DatabaseError::UnsupportedUrl(settings.database_url.clone()));
    }
    let options = SqliteConnectOptions::from_str(&settings.database_url)
        .map_err(DatabaseError::InvalidUrl)?
        .create_if_missing(true)
        // WAL lets readers proceed while one writer commits. `synchronous`: FULL syncs the log at every
        // commit, so what the API acknowledged survives even a power loss; NORMAL survives a crash of the
        // process (the SIGKILL test) but may lose the last commits to a power loss, for more writes a second.
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(match settings.database_synchronous {
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

    let pool = SqlitePoolOptions::new()
        .max_connections(settings.database_max_connections.max(1))
        .connect_with(options)
        .await
        .map_err(DatabaseError::Connect)?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// The current time as stored in the database: RFC 3339 in UTC, whole seconds, so text order is time order.
pub fn now_timestamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}

/// Seconds since the Unix epoch, for deadlines kept as numbers (sessions, throttling).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}
