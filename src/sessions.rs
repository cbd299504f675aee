//! Server-side sessions: rows in the database, an opaque id in an HttpOnly cookie.

use std::time::Duration;

use sqlx::SqlitePool;
use tokio::task::JoinHandle;
use tower_sessions::{
    cookie::{time, SameSite},
    session_store::ExpiredDeletion,
    Expiry, SessionManagerLayer,
};
use tower_sessions_sqlx_store::SqliteStore;

use crate::config::Settings;

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "leptodo_session";
/// Its name over HTTPS. Browsers accept a `__Host-` cookie only with `Secure`, `Path=/` and no `Domain`, so no
/// other host (a subdomain, a plain-HTTP page) can plant or overwrite it.
pub const SECURE_COOKIE_NAME: &str = "__Host-leptodo_session";
/// How often expired session rows are deleted.
const CLEANUP_INTERVAL: Duration = Duration::from_secs(10 * 60);

/// Creates the session table if needed and starts the task that deletes expired rows.
pub async fn layer(
    pool: &SqlitePool,
    settings: &Settings,
) -> Result<(SessionManagerLayer<SqliteStore>, JoinHandle<()>), sqlx::Error> {
    let store = SqliteStore::new(pool.clone());
    store.migrate().await?;
    let cleanup = tokio::spawn({
        let store = store.clone();
        async move {
            if let Err(error) = store.continuously_delete_expired(CLEANUP_INTERVAL).await {
                tracing::error!(%error, "deleting expired sessions stopped");
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
    Ok((layer, cleanup))
}
