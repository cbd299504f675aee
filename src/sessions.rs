//! Server-side sessions: rows in the database, an opaque id in an HttpOnly cookie.

use std::time::Duration;

use async_trait::async_trait;
use tokio::task::JoinHandle;
use tower_sessions::{
    cookie::{time, SameSite},
    session::{Id, Record},
    session_store::{self, ExpiredDeletion},
    Expiry, SessionManagerLayer, SessionStore,
};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use crate::{auth::throttle::Throttle, config::Settings, db::Pool};

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "leptodo_session";
/// Its name over HTTPS. Browsers accept a `__Host-` cookie only with `Secure`, `Path=/` and no `Domain`, so no
/// other host (a subdomain, a plain-HTTP page) can plant or overwrite it.
pub const SECURE_COOKIE_NAME: &str = "__Host-leptodo_session";
/// How often expired session rows and old throttle counts are deleted.
const CLEANUP_INTERVAL: Duration = Duration::from_secs(10 * 60);
/// The table both engines keep sessions in; the migrations create it.
const TABLE: &str = "tower_sessions";

/// How long logins last, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub(crate) idle_seconds: i64,
    pub(crate) absolute_seconds: i64,
    pub(crate) remember_days: i64,
}

impl SessionPolicy {
    /// Reads `session_idle_minutes`, `session_absolute_hours` and `remember_me_days`.
    pub fn new(settings: &Settings) -> Self {
        Self {
            idle_seconds: i64::from(settings.session_idle_minutes) * 60,
            absolute_seconds: i64::from(settings.session_absolute_hours) * 3600,
            remember_days: i64::from(settings.remember_me_days),
        }
    }
}

/// The session store of the configured engine. On PostgreSQL every instance reads and writes the same rows,
/// so a session made through one instance works through all, and a logout ends it everywhere at once.
#[derive(Debug, Clone)]
pub enum Store {
    /// Sessions in the SQLite file.
    Sqlite(SqliteStore),
    /// Sessions on the PostgreSQL server.
    Postgres(PostgresStore),
}

impl Store {
    /// The store for `pool`'s engine, on the `tower_sessions` table.
    pub fn new(pool: &Pool) -> Self {
        // The names are constants that pass the stores' identifier checks, hence `expect`.
        match pool {
            Pool::Sqlite(pool) => Self::Sqlite(
                SqliteStore::new(pool.clone())
                    .with_table_name(TABLE)
                    .expect("a valid table name"),
            ),
            Pool::Postgres(pool) => Self::Postgres(
                PostgresStore::new(pool.clone())
                    .with_schema_name("public")
                    .and_then(|store| store.with_table_name(TABLE))
                    .expect("valid schema and table names"),
            ),
        }
    }
}

#[async_trait]
impl SessionStore for Store {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.create(record).await,
            Self::Postgres(store) => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.save(record).await,
            Self::Postgres(store) => store.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Self::Sqlite(store) => store.load(id).await,
            Self::Postgres(store) => store.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.delete(id).await,
            Self::Postgres(store) => store.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for Store {
    /// Deletes the expired rows. Several instances may sweep at once: each deletes what is expired by then,
    /// and deleting a row twice is not an error.
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.delete_expired().await,
            Self::Postgres(store) => store.delete_expired().await,
        }
    }
}

/// The session layer, and the task that deletes expired rows (and, with them, the throttle's old counts). The
/// table is the migrations' work.
pub fn layer(
    pool: &Pool,
    settings: &Settings,
    throttle: Throttle,
) -> (SessionManagerLayer<Store>, JoinHandle<()>) {
    let store = Store::new(pool);
    let cleanup = tokio::spawn({
        let store = store.clone();
        async move {
            // Not the store's own `continuously_delete_expired`, which stops at the first error: a database that
            // is away for a moment must not end the sweeping for good.
            let mut interval = tokio::time::interval(CLEANUP_INTERVAL);
            loop {
                interval.tick().await;
                if let Err(error) = store.delete_expired().await {
                    tracing::warn!(%error, "deleting expired sessions failed; trying again later");
                }
                if let Err(error) = throttle.sweep().await {
                    tracing::warn!(%error, "deleting old throttle counts failed; trying again later");
                }
            }
        }
    });
    let layer = SessionManagerLayer::new(store)
        .with_name(if settings.cookie_secure {
            SECURE_COOKIE_NAME
        } else {
            COOKIE_NAME
        })
        .with_path("/")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.cookie_secure)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(i64::from(
            settings.session_idle_minutes,
        ))));
    (layer, cleanup)
}
