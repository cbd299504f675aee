//! What a sign-in leaves in the session, for the login page and `POST /api/auth/login` alike, and for the two
//! forms of the second step: a login, or the sign-in waiting for its second step.

use tower_cookies::Cookies;
use tower_sessions::Session;

use super::{
    queries::UserRecord,
    service::SignIn,
    session,
    two_factor::{pending, remembered, service},
};
use crate::{error::AppError, state::AppState};

/// Where the password left the visitor.
#[derive(Debug)]
pub enum Started {
    /// Logged in.
    LoggedIn(Box<UserRecord>),
    /// The second step is to come (`/login/code`, `POST /api/auth/login/code`).
    SecondStep,
}

/// Begins what a right password earned: the session of a complete sign-in, or the second step (`remember_me`
/// is kept for the login it will begin).
pub async fn start(
    state: &AppState,
    session: &Session,
    sign_in: SignIn,
    remember_me: bool,
) -> Result<Started, AppError> {
    match sign_in {
        SignIn::Complete(user) => {
            session::log_in(session, state.sessions, &user, remember_me).await?;
            Ok(Started::LoggedIn(Box::new(user)))
        }
        SignIn::SecondStep(user) => {
            pending::begin(session, &user, remember_me).await?;
            Ok(Started::SecondStep)
        }
    }
}

/// Answers this session's waiting second step with `code`; on the right one, logs in and, with
/// `remember_browser`, remembers the browser. `Unauthenticated` when no second step waits (or it expired).
pub async fn finish(
    state: &AppState,
    session: &Session,
    cookies: &Cookies,
    code: &str,
    remember_browser: bool,
    ip: Option<&str>,
) -> Result<UserRecord, AppError> {
    let pending = pending::current(session)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let (user, record) = service::complete_sign_in(state, &pending, code, ip).await?;
    session::log_in(session, state.sessions, &user, pending.remember_me).await?;
    if let (true, Some(record)) = (remember_browser, &record) {
        remembered::remember(state, cookies, &user, record);
    }
    Ok(user)
}
