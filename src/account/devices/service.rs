//! The signed-in devices' use cases: listing an account's live logins, and signing one or all others out.
//! Signing out deletes the session's row, which every instance reads at each request, and tells the account's
//! live streams on every instance to check their login: the device is logged out at its next request and its
//! streams end at once.

use sha2::{Digest, Sha256};
use tower_sessions::session::Id;

use super::{other_devices, queries, SignedInDevice};
use crate::{
    audit::{Actor, AuditAction},
    auth::{queries::UserRecord, session},
    db::unix_now,
    error::AppError,
    session_store,
    state::AppState,
    timestamp::Timestamp,
};

/// The public name of session `id`: enough of its SHA-256 to tell an account's logins apart. Never the id
/// itself, which is the cookie's secret.
fn public_id(session_id: &str) -> String {
    hex::encode(&Sha256::digest(session_id.as_bytes())[..8])
}

fn moment(unix: i64) -> Timestamp {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(Timestamp::from)
        .unwrap_or_else(|_| Timestamp::now())
}

/// One live login: its row's id, and what the page shows of it.
struct Login {
    session_id: String,
    last_seen: i64,
    shown: SignedInDevice,
}

async fn logins(
    state: &AppState,
    user: &UserRecord,
    current: Option<&Id>,
) -> Result<Vec<Login>, AppError> {
    let now = unix_now();
    let current = current.map(Id::to_string);
    let rows = queries::sessions_of(&state.pool, user.id).await?;
    let mut logins: Vec<Login> = rows
        .into_iter()
        .filter_map(|(session_id, data)| {
            let record = session_store::decode(&data).ok()?;
            let login = session::stored_login(&record.data, state.sessions, user, now)?;
            let shown = SignedInDevice {
                id: public_id(&session_id),
                device: login.device,
                ip: login.ip,
                signed_in_at: moment(login.logged_in_at),
                last_active_at: moment(login.last_seen),
                remembered_until: login.remember_until.map(moment),
                current: current.as_deref() == Some(session_id.as_str()),
            };
            Some(Login {
                session_id,
                last_seen: login.last_seen,
                shown,
            })
        })
        .collect();
    // This browser first, then the most recently used.
    logins.sort_by_key(|login| (!login.shown.current, -login.last_seen));
    Ok(logins)
}

/// The account's live logins, the caller's own (`current`, the caller's session id) first, then by last use.
pub async fn list(
    state: &AppState,
    user: &UserRecord,
    current: Option<&Id>,
) -> Result<Vec<SignedInDevice>, AppError> {
    Ok(logins(state, user, current)
        .await?
        .into_iter()
        .map(|login| login.shown)
        .collect())
}

/// Signs out the login named `id` (a [`SignedInDevice::id`]) on every instance, and writes it to the security
/// log (from `ip`). `NotFound` when the account has no such live login. The caller's own login may be named:
/// that is a logout.
pub async fn sign_out(
    state: &AppState,
    user: &UserRecord,
    id: &str,
    ip: Option<&str>,
) -> Result<(), AppError> {
    let login = logins(state, user, None)
        .await?
        .into_iter()
        .find(|login| login.shown.id == id)
        .ok_or(AppError::NotFound)?;
    let mut transaction = state.pool.begin().await?;
    if !queries::delete_one(&mut transaction, user.id, &login.session_id).await? {
        // Signed out meanwhile, by itself or another request.
        return Err(AppError::NotFound);
    }
    Actor::owner(user.id, &user.username, ip)
        .record(
            &mut transaction,
            AuditAction::EndSession,
            (Some(user.id), &user.username),
            Some(&login.shown.device),
        )
        .await?;
    transaction.commit().await?;
    state.live.recheck(&state.pool, user.id).await;
    tracing::info!(user_id = user.id, "a device was signed out");
    Ok(())
}

/// Signs out every login of the account but the caller's (`current`; all of them for a bearer token's caller)
/// on every instance; answers how many live ones there were (rows of logins already over go too).
pub async fn sign_out_others(
    state: &AppState,
    user: &UserRecord,
    current: Option<&Id>,
    ip: Option<&str>,
) -> Result<usize, AppError> {
    let others = logins(state, user, current)
        .await?
        .iter()
        .filter(|login| !login.shown.current)
        .count();
    let keep = current.map(Id::to_string);
    let mut transaction = state.pool.begin().await?;
    queries::delete_all_but(&mut transaction, user.id, keep.as_deref()).await?;
    let detail = other_devices(others);
    Actor::owner(user.id, &user.username, ip)
        .record(
            &mut transaction,
            AuditAction::EndSession,
            (Some(user.id), &user.username),
            Some(&detail),
        )
        .await?;
    transaction.commit().await?;
    state.live.recheck(&state.pool, user.id).await;
    tracing::info!(
        user_id = user.id,
        ended = others,
        "other devices signed out"
    );
    Ok(others)
}
