//! Server-side sessions: rows in the database, an opaque id in an HttpOnly cookie.

use std::time::Duration;

use async_trait::async_trait;
use tokio::task::JoinHandle;
use tower_sessions::{
    cookie::{time::OffsetDateTime, SameSite},
    session::{Id, Record},
    session_store::{self, Error as StoreError, ExpiredDeletion},
    Expiry, SessionManagerLayer, SessionStore,
};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use crate::{
    auth::throttle::Throttle,
    config::Settings,
    db::{run, Pool},
};

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
    /// How long after the password was entered the session may do what could take the account over.
    pub(crate) reauthenticate_seconds: i64,
    /// Whether cookies carry `Secure` (and the `__Host-` prefix): `cookie_secure`.
    pub(crate) secure_cookies: bool,
}

impl SessionPolicy {
    /// Reads `session_idle_minutes`, `session_absolute_hours`, `remember_me_days` and `reauthenticate_minutes`.
    pub fn new(settings: &Settings) -> Self {
        Self {
            idle_seconds: i64::from(settings.session_idle_minutes) * 60,
            absolute_seconds: i64::from(settings.session_absolute_hours) * 3600,
            remember_days: i64::from(settings.remember_me_days),
            reauthenticate_seconds: i64::from(settings.reauthenticate_minutes) * 60,
            secure_cookies: settings.cookie_secure,
        }
    }
}

/// The session store of the configured engine. On PostgreSQL every instance reads and writes the same rows,
/// so a session made through one instance works through all, and a logout ends it everywhere at once.
///
/// Creating and deleting are tower-sessions' own stores'; saving is ours (see [`Store::save`]), and so is
/// loading, which every request with a cookie does: it runs on a reading connection ([`Pool::reads`]), so a
/// page or API read never waits in line behind logins' writes.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
    engine: EngineStore,
}

#[derive(Debug, Clone)]
enum EngineStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Store {
    /// The store for `pool`'s engine, on the `tower_sessions` table.
    pub fn new(pool: &Pool) -> Self {
        // The names are constants that pass the stores' identifier checks, hence `expect`.
        let engine = match pool {
            Pool::Sqlite { writer, .. } => EngineStore::Sqlite(
                SqliteStore::new(writer.clone())
                    .with_table_name(TABLE)
                    .expect("a valid table name"),
            ),
            Pool::Postgres(pool) => EngineStore::Postgres(
                PostgresStore::new(pool.clone())
                    .with_schema_name("public")
                    .and_then(|store| store.with_table_name(TABLE))
                    .expect("valid schema and table names"),
            ),
        };
        Self {
            pool: pool.clone(),
            engine,
        }
    }

    /// Writes the record over its row if the row still exists; `false` when it does not.
    async fn update(&self, record: &Record) -> Result<bool, StoreError> {
        let data =
            rmp_serde::to_vec(record).map_err(|error| StoreError::Encode(error.to_string()))?;
        let id = record.id.to_string();
        let updated = async {
            run!(&self.pool, |connection| sqlx::query(
                "UPDATE tower_sessions SET data = $1, expiry_date = $2 WHERE id = $3"
            )
            .bind(&data)
            .bind(record.expiry_date)
            .bind(&id)
            .execute(connection)
            .await
            .map(|done| done.rows_affected()))
        }
        .await
        .map_err(|error: sqlx::Error| StoreError::Backend(error.to_string()))?;
        Ok(updated == 1)
    }
}

#[async_trait]
impl SessionStore for Store {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match &self.engine {
            EngineStore::Sqlite(store) => store.create(record).await,
            EngineStore::Postgres(store) => store.create(record).await,
        }
    }

    /// Saves a session that was loaded from its row. Only ever an update, unlike the stores' upsert: a request
    /// that loaded the session before a logout (or a password change's flush) deleted the row must not write it
    /// back when it ends, or the logged-out cookie would work again.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        if !self.update(record).await? {
            tracing::debug!("session ended while a request was using it; not written back");
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let id = id.to_string();
        let now = OffsetDateTime::now_utc();
        let data: Option<Vec<u8>> = async {
            run!(self.pool.reads(), |connection| sqlx::query_scalar(
                "SELECT data FROM tower_sessions WHERE id = $1 AND expiry_date > $2"
            )
            .bind(&id)
            .bind(now)
            .fetch_optional(connection)
            .await)
        }
        .await
        .map_err(|error: sqlx::Error| StoreError::Backend(error.to_string()))?;
        data.map(|data| {
            rmp_serde::from_slice(&data).map_err(|error| StoreError::Decode(error.to_string()))
        })
        .transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match &self.engine {
            EngineStore::Sqlite(store) => store.delete(id).await,
            EngineStore::Postgres(store) => store.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for Store {
    /// Deletes the expired rows. Several instances may sweep at once: each deletes what is expired by then,
    /// and deleting a row twice is not an error.
    async fn delete_expired(&self) -> session_store::Result<()> {
        match &self.engine {
            EngineStore::Sqlite(store) => store.delete_expired().await,
            EngineStore::Postgres(store) => store.delete_expired().await,
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
        // A cookie ends with the browser unless the login chose "remember me" (see `keep_chosen_lifetime`).
        .with_expiry(Expiry::OnSessionEnd);
    (layer, cleanup)
}
