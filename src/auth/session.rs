//! Who is logged in: the user id and the user's session secret, kept in the server-side session.
//!
//! A session is only trusted while its copy of the secret equals the user's current one, so changing the
//! password (which replaces the secret) or deactivating the account ends every session at its next request.

use axum::{extract::Request, middleware::Next, response::Response};
use tower_sessions::{cookie::time, Expiry, Session};

use super::{
    device::Client,
    queries::{self, UserRecord},
};
use crate::{
    db::{unix_now, Pool},
    error::AppError,
    session_store::{SessionPolicy, USER_ID_KEY as USER_ID},
    state::{request_context, AppState},
};

const SECRET: &str = "auth.secret";
/// Unix time of the login; the session ends `session_absolute_hours` later, however busy.
const LOGGED_IN_AT: &str = "auth.logged_in_at";
/// Unix time a "remember me" login's cookie lasts until; absent for a login that ends with the browser.
const REMEMBER_UNTIL: &str = "auth.remember_until";
/// Unix time after which a session without "remember me" counts as idle and ends.
const IDLE_DEADLINE: &str = "auth.idle_deadline";
/// The device the login came from ("Firefox on Windows 10"), its address, and the Unix time of its last request
/// (kept to the minute): what the signed-in devices page shows.
const DEVICE: &str = "auth.device";
const IP: &str = "auth.ip";
const LAST_SEEN: &str = "auth.last_seen";
/// The response header that names the login of the session a page was rendered for (absent for a visitor):
/// the service worker forgets its copy of the todo page when a page of another login, or of none, comes.
pub const LOGIN_HEADER: &str = "leptodo-login";
/// A random name for this login, the same for as long as it lasts: the todo page's offline queue carries it, so
/// changes queued under a login that has ended are never sent under another.
const LOGIN_TAG: &str = "auth.login_tag";
/// The account whose right password was refused for want of a confirmed address: it may ask for the link again.
const UNCONFIRMED_USER: &str = "auth.unconfirmed_user_id";
/// The idle deadline and the last request's time are moved on at most once a minute, so reading pages does not
/// write the session each time.
const REFRESH_SECONDS: i64 = 60;

/// Makes `session` belong to `user`, under a new session id so that an id planted before login is worthless,
/// and from empty (as Django's `flush`): nothing another account left in it (a pending state, a refused
/// login's account) passes to this one.
///
/// With `remember` the cookie persists for `remember_me_days`; without, it is a browser-session cookie and the
/// session also ends after `session_idle_minutes` without a request. Nearly every way in has just been given the
/// password (a login, a registration), so the re-authentication window opens with it; a passkey sign-in closes
/// it again (`reauth::forget`).
///
/// `client` names the device on the signed-in devices page.
pub async fn log_in(
    session: &Session,
    policy: SessionPolicy,
    user: &UserRecord,
    remember: bool,
    client: &Client,
) -> Result<(), AppError> {
    let now = unix_now();
    session.clear().await;
    session.cycle_id().await?;
    session.insert(USER_ID, user.id).await?;
    session.insert(SECRET, &user.session_secret).await?;
    session.insert(LOGGED_IN_AT, now).await?;
    session.insert(LAST_SEEN, now).await?;
    session.insert(DEVICE, client.device()).await?;
    session.insert(IP, &client.ip).await?;
    session
        .insert(LOGIN_TAG, crate::security::random::random_secret())
        .await?;
    super::reauth::mark(session).await?;
    if remember {
        let until = now + (policy.remember_days * 24 * 3600).min(policy.absolute_seconds);
        session.remove_value(IDLE_DEADLINE).await?;
        session.insert(REMEMBER_UNTIL, until).await?;
        set_remembered_expiry(session, until);
    } else {
        session.remove_value(REMEMBER_UNTIL).await?;
        session
            .insert(IDLE_DEADLINE, now + policy.idle_seconds)
            .await?;
        session.set_expiry(Some(Expiry::OnSessionEnd));
    }
    Ok(())
}

fn set_remembered_expiry(session: &Session, until: i64) {
    if let Ok(until) = time::OffsetDateTime::from_unix_timestamp(until) {
        session.set_expiry(Some(Expiry::AtDateTime(until)));
    }
}

/// Middleware inside the session layer: a session about to be saved keeps the cookie lifetime its login chose.
///
/// tower-sessions does not store the lifetime with the session, so every later save would re-issue the cookie
/// with the layer's default: a "remember me" cookie would shrink to a browser-session one, or (with an
/// inactivity default) a browser-session login would become a persistent one. Sessions that are not saved are
/// left alone, so a request that changes nothing re-issues no cookie and writes no row.
pub async fn keep_chosen_lifetime(request: Request, next: Next) -> Response {
    let session = request.extensions().get::<Session>().cloned();
    let response = next.run(request).await;
    if let Some(session) = session.filter(Session::is_modified) {
        if let Ok(Some(until)) = session.get::<i64>(REMEMBER_UNTIL).await {
            set_remembered_expiry(&session, until);
        }
    }
    response
}

/// Middleware: every page names its session's login (`LOGIN_HEADER`).
pub async fn name_the_login(request: Request, next: Next) -> Response {
    let session = request.extensions().get::<Session>().cloned();
    let mut response = next.run(request).await;
    let is_page = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if let (true, Some(session)) = (is_page, session) {
        if let Ok(Some(tag)) = login_tag(&session).await {
            if let Ok(value) = axum::http::HeaderValue::from_str(&tag) {
                response.headers_mut().insert(LOGIN_HEADER, value);
            }
        }
    }
    response
}

/// Keeps this session valid after the user's secret changed (a password change, which was given the current
/// password and so reopens the re-authentication window), under a new id.
pub async fn adopt_new_secret(session: &Session, user: &UserRecord) -> Result<(), AppError> {
    session.cycle_id().await?;
    session.insert(SECRET, &user.session_secret).await?;
    super::reauth::mark(session).await
}

/// This login's name (see `LOGIN_TAG`); `None` for a visitor. A login begun before logins had one is named by its
/// account and start instead, computed rather than stored, so that concurrent requests cannot give it two names.
pub async fn login_tag(session: &Session) -> Result<Option<String>, AppError> {
    use sha2::{Digest, Sha256};

    let Some(user_id) = session.get::<i64>(USER_ID).await? else {
        return Ok(None);
    };
    if let Some(tag) = session.get::<String>(LOGIN_TAG).await? {
        return Ok(Some(tag));
    }
    let logged_in_at = session.get::<i64>(LOGGED_IN_AT).await?.unwrap_or_default();
    let named = Sha256::digest(format!("login:{user_id}:{logged_in_at}"));
    Ok(Some(hex::encode(named)))
}

/// Remembers, after the right password, that this visitor's account `user_id` is unconfirmed, so that they (and
/// only they) may ask for the confirmation link again without being logged in.
pub async fn remember_unconfirmed(session: &Session, user_id: i64) -> Result<(), AppError> {
    session.insert(UNCONFIRMED_USER, user_id).await?;
    Ok(())
}

/// Passes a login's outcome on, except that a refusal for an unconfirmed address (which only comes after the
/// right password) is remembered in the session first, so the login page can offer to send the link again.
pub async fn unless_unconfirmed<T>(
    session: &Session,
    pool: &Pool,
    login: &str,
    outcome: Result<T, AppError>,
) -> Result<T, AppError> {
    if let Err(AppError::Unconfirmed) = &outcome {
        if let Some(user) = queries::find_by_login(pool.reads(), login).await? {
            remember_unconfirmed(session, user.id).await?;
        }
    }
    outcome
}

/// Whether [`remember_unconfirmed`] noted an account for this session.
pub async fn has_unconfirmed(session: &Session) -> Result<bool, AppError> {
    Ok(session.get::<i64>(UNCONFIRMED_USER).await?.is_some())
}

/// The active account [`remember_unconfirmed`] noted for this session; `Unauthenticated` without one.
pub async fn unconfirmed_account(session: &Session, pool: &Pool) -> Result<UserRecord, AppError> {
    let user_id = session
        .get::<i64>(UNCONFIRMED_USER)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    queries::find_by_id(pool.reads(), user_id)
        .await?
        .filter(|user| user.active)
        .ok_or(AppError::Unauthenticated)
}

/// Deletes the session server-side, tells the browser to drop the cookie, and ends the live-update streams
/// this session opened.
#[tracing::instrument(skip_all)]
pub async fn log_out(state: &AppState, session: &Session) -> Result<(), AppError> {
    let user_id = session.get::<i64>(USER_ID).await?;
    session.flush().await?;
    if let Some(user_id) = user_id {
        state.live.recheck(&state.pool, user_id).await;
    }
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
    if has_ended(logged_in_at, deadline, policy, now) {
        session.flush().await?;
        return Ok(None);
    }
    let user = queries::find_by_id(pool.reads(), user_id).await?;
    let Some(user) =
        user.filter(|user| user.active && secret.as_deref() == Some(&user.session_secret))
    else {
        // Password changed, account deactivated or deleted: this session is over.
        session.flush().await?;
        return Ok(None);
    };
    if let Some(deadline) = deadline {
        if deadline - now < policy.idle_seconds - REFRESH_SECONDS {
            session
                .insert(IDLE_DEADLINE, now + policy.idle_seconds)
                .await?;
        }
    }
    let last_seen = session.get::<i64>(LAST_SEEN).await?.unwrap_or(i64::MIN);
    if now.saturating_sub(last_seen) >= REFRESH_SECONDS {
        session.insert(LAST_SEEN, now).await?;
    }
    Ok(Some(user))
}

/// Whether a login that began at `logged_in_at` is over at `now`: older than `session_absolute_hours`, or past
/// its idle deadline (a login without "remember me").
fn has_ended(
    logged_in_at: i64,
    idle_deadline: Option<i64>,
    policy: SessionPolicy,
    now: i64,
) -> bool {
    now.saturating_sub(logged_in_at) > policy.absolute_seconds
        || idle_deadline.is_some_and(|deadline| now > deadline)
}

/// A stored login as the signed-in devices page shows it (Unix times).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLogin {
    /// When the login began.
    pub logged_in_at: i64,
    /// The login's last request, to the minute.
    pub last_seen: i64,
    /// "Firefox on Windows 10".
    pub device: String,
    /// The address the login came from.
    pub ip: Option<String>,
    /// When a "remember me" login ends; `None` for one that ends with the browser.
    pub remember_until: Option<i64>,
}

/// The stored session `data` as a login of `user`, if [`current_user_at`] would still accept it at `now`; `None`
/// for a visitor's session, another account's, or a login that has ended (idle, too old, or from before a
/// password change).
pub fn stored_login(
    data: &std::collections::HashMap<String, serde_json::Value>,
    policy: SessionPolicy,
    user: &UserRecord,
    now: i64,
) -> Option<StoredLogin> {
    let number = |key: &str| data.get(key).and_then(serde_json::Value::as_i64);
    let text = |key: &str| data.get(key).and_then(serde_json::Value::as_str);
    let belongs = number(USER_ID) == Some(user.id) && text(SECRET) == Some(&user.session_secret);
    let logged_in_at = number(LOGGED_IN_AT)?;
    if !belongs || has_ended(logged_in_at, number(IDLE_DEADLINE), policy, now) {
        return None;
    }
    Some(StoredLogin {
        logged_in_at,
        last_seen: number(LAST_SEEN).unwrap_or(logged_in_at),
        device: text(DEVICE).unwrap_or("Unknown device").to_owned(),
        ip: text(IP).map(str::to_owned),
        remember_until: number(REMEMBER_UNTIL),
    })
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
