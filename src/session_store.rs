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
    account::activity::queries as security_log,
    auth::throttle::Throttle,
    config::Settings,
    db::{run, Pool},
    timestamp::Timestamp,
    todos::sync::expiry as operations,
};

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "leptodo_session";
/// Its name over HTTPS. Browsers accept a `__Host-` cookie only with `Secure`, `Path=/` and no `Domain`, so no
/// other host (a subdomain, a plain-HTTP page) can plant or overwrite it.
pub const SECURE_COOKIE_NAME: &str = "__Host-leptodo_session";
/// How often expired session rows, old throttle counts and old security-log activity are deleted (and
/// sessions stored before `user_id` existed are given theirs), the first time at start-up.
const CLEANUP_INTERVAL: Duration = Duration::from_secs(10 * 60);
/// The table both engines keep sessions in; the migrations create it.
const TABLE: &str = "tower_sessions";
/// The session value naming the logged-in account; the store copies it into the row's `user_id`, so an
/// account's sessions can be found (listed, ended) without decoding every row.
pub const USER_ID_KEY: &str = "auth.user_id";

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
/// Deleting is tower-sessions' own stores'; creating and saving are ours (they keep the row's `user_id`, see
/// [`Store::save`]), and so is loading, which every request with a cookie does: it runs on a reading connection ([`Pool::reads`]), so a
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
        let data = encode(record)?;
        let id = record.id.to_string();
        let user_id = owner_of(record);
        let updated = async {
            run!(&self.pool, |connection| sqlx::query(
                "UPDATE tower_sessions SET data = $1, expiry_date = $2, user_id = $3 WHERE id = $4"
            )
            .bind(&data)
            .bind(record.expiry_date)
            .bind(user_id)
            .bind(&id)
            .execute(connection)
            .await
            .map(|done| done.rows_affected()))
        }
        .await
        .map_err(backend)?;
        Ok(updated == 1)
    }

    /// Inserts the record under its id; `false` when a row already has that id.
    async fn insert(&self, record: &Record) -> Result<bool, StoreError> {
        let data = encode(record)?;
        let id = record.id.to_string();
        let user_id = owner_of(record);
        let inserted = async {
            run!(&self.pool, |connection| {
                sqlx::query(
                "INSERT INTO tower_sessions (id, data, expiry_date, user_id) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO NOTHING"
            )
            .bind(&id)
            .bind(&data)
            .bind(record.expiry_date)
            .bind(user_id)
            .execute(connection)
            .await
            .map(|done| done.rows_affected())
            })
        }
        .await
        .map_err(backend)?;
        Ok(inserted == 1)
    }
}

impl Store {
    /// Gives each login stored before the `user_id` column existed (NULL there, a login inside) its account's
    /// id, so the signed-in devices page lists it and "sign out all other devices" or a deletion reaches it.
    /// Runs with the sweep, the first time at start-up; visitors' rows (no login) stay NULL.
    async fn fill_in_owners(&self) -> Result<(), sqlx::Error> {
        let rows: Vec<(String, Vec<u8>)> = run!(self.pool.reads(), |connection| sqlx::query_as(
            "SELECT id, data FROM tower_sessions WHERE user_id IS NULL"
        )
        .fetch_all(connection)
        .await)?;
        for (id, data) in rows {
            let Some(owner) = decode(&data).ok().as_ref().and_then(owner_of) else {
                continue;
            };
            run!(&self.pool, |connection| sqlx::query(
                "UPDATE tower_sessions SET user_id = $1 WHERE id = $2 AND user_id IS NULL"
            )
            .bind(owner)
            .bind(&id)
            .execute(connection)
            .await
            .map(drop))?;
        }
        Ok(())
    }
}

/// A stored session's record from its row's `data`.
pub fn decode(data: &[u8]) -> Result<Record, StoreError> {
    rmp_serde::from_slice(data).map_err(|error| StoreError::Decode(error.to_string()))
}

fn encode(record: &Record) -> Result<Vec<u8>, StoreError> {
    rmp_serde::to_vec(record).map_err(|error| StoreError::Encode(error.to_string()))
}

fn backend(error: sqlx::Error) -> StoreError {
    StoreError::Backend(error.to_string())
}

/// The account a session belongs to, as its data says; `None` for a visitor's.
fn owner_of(record: &Record) -> Option<i64> {
    record
        .data
        .get(USER_ID_KEY)
        .and_then(serde_json::Value::as_i64)
}

#[async_trait]
impl SessionStore for Store {
    /// Inserts a new session (ours, not the stores', to fill in `user_id`), under a new random id in the
    /// astronomically unlikely case that its id is taken.
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        while !self.insert(record).await? {
            record.id = Id::default();
        }
        Ok(())
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
        .map_err(backend)?;
        data.as_deref().map(decode).transpose()
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

/// The session layer, and the task that deletes expired rows (and, with them, the throttle's old counts and
/// the security log's activity older than `security_log_days`). The table is the migrations' work.
pub fn layer(
    pool: &Pool,
    settings: &Settings,
    throttle: Throttle,
) -> (SessionManagerLayer<Store>, JoinHandle<()>) {
    let store = Store::new(pool);
    // At least a day: 0 would delete each sign-in minutes after it was made.
    let log_days = i64::from(settings.security_log_days.max(1));
    let operations_kept = time::Duration::hours(i64::from(settings.session_absolute_hours.max(1)));
    let cleanup = tokio::spawn({
        let store = store.clone();
        let pool = pool.clone();
        async move {
            // Not the store's own `continuously_delete_expired`, which stops at the first error: a database that
            // is away for a moment must not end the sweeping for good.
            let mut interval = tokio::time::interval(CLEANUP_INTERVAL);
            loop {
                interval.tick().await;
                if let Err(error) = store.delete_expired().await {
                    tracing::warn!(%error, "deleting expired sessions failed; trying again later");
                }
                if let Err(error) = store.fill_in_owners().await {
                    tracing::warn!(%error, "naming the accounts of older sessions failed; trying again later");
                }
                if let Err(error) = throttle.sweep().await {
                    tracing::warn!(%error, "deleting old throttle counts failed; trying again later");
                }
                // An operation id matters while a page of a login that could still resend it may: no login
                // outlives `session_absolute_hours` (and a page's queue is refused under another login).
                let forget = OffsetDateTime::now_utc().checked_sub(operations_kept);
                if let Some(cutoff) = forget.map(Timestamp::from) {
                    if let Err(error) = operations::forget_older_than(&pool, &cutoff).await {
                        tracing::warn!(%error, "forgetting old todo operations failed; trying again later");
                    }
                }
                // A number of days past year -9999 keeps everything.
                let cutoff = OffsetDateTime::now_utc().checked_sub(time::Duration::days(log_days));
                if let Some(cutoff) = cutoff.map(Timestamp::from) {
                    if let Err(error) = security_log::delete_older_than(&pool, &cutoff).await {
                        tracing::warn!(%error, "deleting old security-log entries failed; trying again later");
                    }
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
