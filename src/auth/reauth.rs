//! Re-authentication ("sudo mode"): what could take an account over for good — a lasting API token, a second
//! factor set up, new recovery codes — needs the password entered within the last `reauthenticate_minutes` in this
//! session, so a browser left logged in (or a stolen session cookie) is not enough. Logging in with the password
//! opens the window; entering the password again on a form that asks for it reopens it. A passkey sign-in does
//! not: whoever holds a synced copy of a passkey must not lock the owner out or mint tokens without knowing the
//! password. A bearer token has no
//! session and no window: its caller gives the password with each such request.
//!
//! Changing the address and turning two-factor sign-in off ask for the password every time, which is
//! stricter still.

use crate::form_errors::Input;

#[cfg(feature = "ssr")]
pub use server::{forget, is_fresh, is_fresh_at, mark, require, Proof};

/// The password input of a form whose action needs a fresh password, shown when this session's is not.
pub fn reauth_input() -> Input {
    Input::password("Your password, to confirm it is you", "current-password").required()
}

#[cfg(feature = "ssr")]
mod server {
    use crate::{
        auth::{attempts::check_current_password, queries::UserRecord},
        db::unix_now,
        error::AppError,
        secret::Secret,
        session_store::SessionPolicy,
        state::AppState,
    };
    use tower_sessions::Session;

    /// Unix time the password was last entered in this session.
    const PASSWORD_AT: &str = "auth.password_at";

    /// Notes that the password was entered in this session just now.
    pub async fn mark(session: &Session) -> Result<(), AppError> {
        session.insert(PASSWORD_AT, unix_now()).await?;
        Ok(())
    }

    /// Closes the window: this session has not entered the password (a passkey sign-in).
    pub async fn forget(session: &Session) -> Result<(), AppError> {
        session.remove_value(PASSWORD_AT).await?;
        Ok(())
    }

    /// Whether the password was entered in this session within the window.
    pub async fn is_fresh(policy: SessionPolicy, session: &Session) -> Result<bool, AppError> {
        is_fresh_at(policy, session, unix_now()).await
    }

    /// [`is_fresh`] as seen at Unix time `now`: the clock seam for tests.
    pub async fn is_fresh_at(
        policy: SessionPolicy,
        session: &Session,
        now: i64,
    ) -> Result<bool, AppError> {
        let entered = session.get::<i64>(PASSWORD_AT).await?;
        Ok(entered.is_some_and(|at| {
            (0..=policy.reauthenticate_seconds).contains(&now.saturating_sub(at))
        }))
    }

    /// What a caller brings to an action that needs a fresh password.
    #[derive(Debug, Clone, Copy)]
    pub struct Proof<'a> {
        /// The caller's session; `None` for a bearer token's caller, who always gives the password.
        pub session: Option<&'a Session>,
        /// The password typed with this request, if any.
        pub password: Option<&'a Secret>,
    }

    /// Lets an action that could take the account over go ahead: at once while this session's password is fresh;
    /// otherwise only with the password given (checked and throttled like a wrong current password, answered on
    /// `current_password`), which reopens the window. Without either, `ReauthenticationRequired`.
    pub async fn require(
        state: &AppState,
        proof: Proof<'_>,
        user: &UserRecord,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let Proof { session, password } = proof;
        if let Some(session) = session {
            if is_fresh(state.sessions, session).await? {
                return Ok(());
            }
        }
        let password = password
            .map(Secret::expose)
            .filter(|password| !password.is_empty())
            .ok_or(AppError::ReauthenticationRequired)?;
        check_current_password(&state.hasher, &state.throttle, user, password, ip).await?;
        if let Some(session) = session {
            mark(session).await?;
        }
        Ok(())
    }
}
