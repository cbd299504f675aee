//! On PostgreSQL, one `LISTEN` connection per instance hands every instance's notices to this instance's
//! streams, this instance's own writes included (so a change is delivered the same way whoever made it).

use std::time::Duration;

use sqlx::{postgres::PgListener, PgPool};
use tokio::task::JoinHandle;

use super::hub::{Hub, Notice, CHANNEL};

/// The first wait before listening again after the database went away.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// The longest wait between two attempts to listen again after the database went away.
const MOST_BACKOFF: Duration = Duration::from_secs(30);

/// Starts the listening task; it runs until the pool is closed.
pub fn spawn(pool: PgPool, hub: Hub) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut backoff = FIRST_BACKOFF;
        loop {
            match listen(&pool, &hub, &mut backoff).await {
                Ok(()) => return,
                Err(error) => {
                    tracing::warn!(%error, "live updates: not listening to the database; trying again");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MOST_BACKOFF);
                }
            }
        }
    })
}

/// Listens until the pool closes (`Ok`) or the connection cannot be made again (`Err`).
async fn listen(pool: &PgPool, hub: &Hub, backoff: &mut Duration) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    *backoff = FIRST_BACKOFF;
    // Whatever was announced while no connection listened is lost: every stream reloads its list once.
    hub.resync_everyone();
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                match serde_json::from_str::<Notice>(notification.payload()) {
                    Ok(notice) => hub.deliver(notice),
                    Err(error) => tracing::warn!(%error, "live updates: unreadable notice ignored"),
                }
            }
            // The connection was lost and made again; notices sent in between are lost.
            Ok(None) => hub.resync_everyone(),
            Err(sqlx::Error::PoolClosed) => return Ok(()),
            Err(error) => return Err(error),
        }
    }
}
