//! Who is logged in: the user id and the user's session secret, kept in the server-side session.
//!
//! A session is only trusted while its copy of the secret equals the user's current one, so changing the
//! password (which replaces the secret) or deactivating the account ends every session at its next request.

use tower_sessions::{cookie::time, Expiry, Session};

use super::repository::{self, UserRecord};
use crate::{
    db::{unix_now, Pool},
    error::AppError,
    sessions::SessionPolicy,
    state::{request_context, AppState},
};

const USER_ID: &str = "auth.user_id";
const SECRET: &str = "auth.secret";
const FLASH: &str = "flash";
/// Unix time of the login; the session ends `session_absolute_hours` later, however busy.
const LOGGED_IN_AT: &str = "auth.logged_in_at";
/// Unix time after which a session without "remember me" counts as idle and ends.
const IDLE_DEADLINE: &str = "auth.idle_deadline";
/// The deadline is pushed back at most once a minute, so reading pages does not write the session each time.
const DEADLINE_REFRESH_SECONDS: i64 = 60;

/// Makes `session` belong to `user`, under a new session id so that an id planted before login is worthless.
///
/// With `remember` the cookie persists for `remember_me_days`; without, it is a browser-session cookie and the
/// session also ends after `session_idle_minutes` without a request.
pub async fn log_in(
    session: &Session,
    policy: SessionPolicy,
    user: &UserRecord,
    remember: bool,
) -> Result<(), AppError> {
    session.cycle_id().await?;
    session.insert(USER_ID, user.id).await?;
    session.insert(SECRET, &user.session_secret).await?;
    session.insert(LOGGED_IN_AT, unix_now()).await?;
    if remember {
        session.remove_value(IDLE_DEADLINE).await?;
        session.set_expiry(Some(Expiry::AtDateTime(
            time::OffsetDateTime::now_utc() + time::Duration::days(policy.remember_days),
        )));
    } else {
        session
            .insert(IDLE_DEADLINE, unix_now() + policy.idle_seconds)
            .await?;
        session.set_expiry(Some(Expiry::OnSessionEnd));
    }
    Ok(())
}

/// Keeps this session valid after the user's secret changed (a password change), under a new id.
pub async fn adopt_new_secret(session: &Session, user: &UserRecord) -> Result<(), AppError> {
    session.cycle_id().await?;
    session.insert(SECRET, &user.session_secret).await?;
    Ok(())
}

/// Deletes the session server-side and tells the browser to drop the cookie.
pub async fn log_out(session: &Session) -> Result<(), AppError> {
    session.flush().await?;
    Ok(())
}

/// The logged-in user, or `None` when the session is anonymous, idle, or no longer valid for its user.
pub async fn current_user(
    session: &Session,
    policy: SessionPolicy,
    pool: &Pool,
) -> Result<Option<UserRecord>, AppError> {
    current_user_at(session, policy, pool, unix_now()).await
}

/// [`current_user`] as seen at Unix time `now`: the clock seam that lets tests step past deadlines without
/// waiting.
pub async fn current_user_at(
    session: &Session,
    policy: SessionPolicy,
    pool: &Pool,
    now: i64,
) -> Result<Option<UserRecord>, AppError> {
    let Some(user_id) = session.get::<i64>(USER_ID).await? else {
        return Ok(None);
    };
    let secret = session.get::<String>(SECRET).await?;
    let deadline = session.get::<i64>(IDLE_DEADLINE).await?;
    // A login without a recorded time predates the absolute limit: it ends too, once.
    let logged_in_at = session.get::<i64>(LOGGED_IN_AT).await?.unwrap_or(i64::MIN);
    let too_old = now.saturating_sub(logged_in_at) > policy.absolute_seconds;
    if too_old || deadline.is_some_and(|deadline| now > deadline) {
        session.flush().await?;
        return Ok(None);
    }
    let user = repository::find_by_id(pool, user_id).await?;
    let Some(user) =
        user.filter(|user| user.active && secret.as_deref() == Some(&user.session_secret))
    else {
        // Password changed, account deactivated or deleted: this session is over.
        session.flush().await?;
        return Ok(None);
    };
    if let Some(deadline) = deadline {
        if deadline - now < policy.idle_seconds - DEADLINE_REFRESH_SECONDS {
            session
                .insert(IDLE_DEADLINE, now + policy.idle_seconds)
                .await?;
        }
    }
    Ok(Some(user))
}

/// Inside a server function: the shared state, the caller's session and the logged-in user; `Unauthenticated`
/// for a visitor.
pub async fn logged_in() -> Result<(AppState, Session, UserRecord), AppError> {
    let (state, session) = request_context().await?;
    let user = current_user(&session, state.sessions, &state.pool)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok((state, session, user))
}

/// Leaves a message for the next page this session shows (e.g. "You have been logged out.").
pub async fn set_flash(session: &Session, message: &str) -> Result<(), AppError> {
    session.insert(FLASH, message).await?;
    Ok(())
}

/// Takes the message left for this session, if any; it is shown once.
pub async fn take_flash(session: &Session) -> Result<Option<String>, AppError> {
    Ok(session.remove::<String>(FLASH).await?)
}
