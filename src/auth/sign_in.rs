//! What a sign-in leaves in the session, for the login page and `POST /api/auth/login` alike, and for the two
//! forms of the second step: a login, or the sign-in waiting for its second step. A passkey signs in alone, or
//! answers the second step in place of a code.

use tower_cookies::Cookies;
use tower_sessions::Session;
use webauthn_rs::prelude::{PublicKeyCredential, RequestChallengeResponse};

use super::{
    device::Client,
    passkeys,
    queries::UserRecord,
    service::SignIn,
    session,
    two_factor::{self, pending, remembered, service},
};
use crate::{
    audit::{Actor, AuditAction},
    error::AppError,
    state::AppState,
};

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
    client: &Client,
) -> Result<Started, AppError> {
    match sign_in {
        SignIn::Complete(user) => {
            begin(state, session, &user, remember_me, client).await?;
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
    client: &Client,
) -> Result<UserRecord, AppError> {
    let pending = waiting(session).await?;
    let (user, record) =
        service::complete_sign_in(state, &pending, code, client.ip.as_deref()).await?;
    begin(state, session, &user, pending.remember_me, client).await?;
    if let (true, Some(record)) = (remember_browser, &record) {
        remembered::remember(state, cookies, &user, record);
    }
    Ok(user)
}

/// Signs in with the passkey that answered this session's challenge (`passkeys::service::begin_sign_in`): no
/// password and no second step, since the passkey is both. The re-authentication window stays shut: no password
/// was entered.
pub async fn with_passkey(
    state: &AppState,
    session: &Session,
    answer: &PublicKeyCredential,
    remember_me: bool,
    client: &Client,
) -> Result<UserRecord, AppError> {
    let user =
        passkeys::service::finish_sign_in(state, session, answer, client.ip.as_deref()).await?;
    begin(state, session, &user, remember_me, client).await?;
    super::reauth::forget(session).await?;
    Ok(user)
}

/// Begins answering this session's waiting second step with a passkey. `Unauthenticated` when no second step
/// waits (or it expired).
pub async fn begin_passkey_step(
    state: &AppState,
    session: &Session,
) -> Result<RequestChallengeResponse, AppError> {
    let pending = waiting(session).await?;
    passkeys::service::begin_second_step(state, session, &pending).await
}

/// Answers this session's waiting second step with the passkey that signed its challenge; then as [`finish`].
pub async fn finish_with_passkey(
    state: &AppState,
    session: &Session,
    cookies: &Cookies,
    answer: &PublicKeyCredential,
    remember_browser: bool,
    client: &Client,
) -> Result<UserRecord, AppError> {
    let pending = waiting(session).await?;
    let user = passkeys::service::finish_second_step(
        state,
        session,
        &pending,
        answer,
        client.ip.as_deref(),
    )
    .await?;
    begin(state, session, &user, pending.remember_me, client).await?;
    if remember_browser {
        if let Some(record) = two_factor::queries::find_enabled(state.pool.reads(), user.id).await?
        {
            remembered::remember(state, cookies, &user, &record);
        }
    }
    Ok(user)
}

/// Begins `user`'s session (`session::log_in`) and writes the sign-in, with its device and address, to the
/// account's security log: every way in (a password, a second step, a passkey, a registration) comes here.
pub async fn begin(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    remember_me: bool,
    client: &Client,
) -> Result<(), AppError> {
    // The entry first: a session must not begin if its sign-in cannot be recorded.
    let mut transaction = state.pool.begin().await?;
    Actor::owner(user.id, &user.username, client.ip.as_deref())
        .record(
            &mut transaction,
            AuditAction::SignIn,
            (Some(user.id), &user.username),
            Some(&client.device()),
        )
        .await?;
    transaction.commit().await?;
    session::log_in(session, state.sessions, user, remember_me, client).await
}

async fn waiting(session: &Session) -> Result<pending::PendingSignIn, AppError> {
    pending::current(session)
        .await?
        .ok_or(AppError::Unauthenticated)
}
