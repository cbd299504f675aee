//! The ceremonies under way: webauthn-rs's challenge state, kept in the database only (a cookie could be
//! replayed or forged) under a random id this browser's session holds. Taking one deletes it, so each answer is
//! checked against it at most once, on whichever instance gets it; after five minutes it is refused.

use serde::{de::DeserializeOwned, Serialize};
use tower_sessions::{cookie::time, Expiry, Session};

use super::queries;
use crate::{
    db::{unix_now, Pool},
    error::AppError,
    security::random::random_secret,
};

/// How long a browser has to answer.
pub const CEREMONY_SECONDS: i64 = 5 * 60;

/// What a ceremony is for: each has its own slot in the session, so starting one does not end another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Adding a passkey to the logged-in account.
    Register,
    /// Signing in with a passkey the browser offers (the button, or autofill).
    SignIn,
    /// Answering the second step of a password sign-in with one of the account's passkeys.
    SecondStep,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::SignIn => "sign_in",
            Self::SecondStep => "second_step",
        }
    }

    fn session_key(self) -> &'static str {
        match self {
            Self::Register => "passkeys.register",
            Self::SignIn => "passkeys.sign_in",
            Self::SecondStep => "passkeys.second_step",
        }
    }
}

/// A ceremony taken to check its answer.
#[derive(Debug)]
pub struct Taken<T> {
    /// The account it was begun for, if it named one.
    pub user_id: Option<i64>,
    /// webauthn-rs's state.
    pub state: T,
}

/// Keeps `state` for this session's ceremony of `purpose`, replacing one begun before.
pub async fn begin<T: Serialize>(
    pool: &Pool,
    session: &Session,
    purpose: Purpose,
    user_id: Option<i64>,
    state: &T,
) -> Result<(), AppError> {
    let state = serde_json::to_string(state).map_err(|error| {
        tracing::error!(%error, "passkey ceremony state does not serialise");
        AppError::Internal
    })?;
    if let Some(replaced) = session.remove::<String>(purpose.session_key()).await? {
        queries::drop_ceremony(pool, &replaced).await?;
    }
    // A visitor's first request may be the login page's autofill offer: a session begun for it alone lives as
    // long as its ceremony, not the weeks of a login's.
    if session.is_empty().await {
        session.set_expiry(Some(Expiry::OnInactivity(time::Duration::seconds(
            CEREMONY_SECONDS,
        ))));
    }
    let id = random_secret();
    let now = unix_now();
    let mut transaction = pool.begin().await?;
    queries::insert_ceremony(
        &mut transaction,
        &id,
        purpose.as_str(),
        user_id,
        &state,
        now,
        now - CEREMONY_SECONDS,
    )
    .await?;
    transaction.commit().await?;
    session.insert(purpose.session_key(), id).await?;
    Ok(())
}

/// Takes this session's ceremony of `purpose`, once. Refused when none waits: never begun, answered already,
/// begun in another browser, or older than five minutes.
pub async fn take<T: DeserializeOwned>(
    pool: &Pool,
    session: &Session,
    purpose: Purpose,
) -> Result<Taken<T>, AppError> {
    let id = session
        .remove::<String>(purpose.session_key())
        .await?
        .ok_or_else(none_waiting)?;
    let record = queries::take_ceremony(pool, &id, purpose.as_str())
        .await?
        .ok_or_else(none_waiting)?;
    if unix_now().saturating_sub(record.created_at) > CEREMONY_SECONDS {
        return Err(none_waiting());
    }
    let state = serde_json::from_str(&record.state).map_err(|error| {
        tracing::error!(%error, "stored passkey ceremony state does not read back");
        AppError::Internal
    })?;
    Ok(Taken {
        user_id: record.user_id,
        state,
    })
}

fn none_waiting() -> AppError {
    AppError::Refused("This passkey request expired or was answered already. Try again.".into())
}
