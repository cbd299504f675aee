//! The sign-in between its two steps: the right password was given for an account with two-factor sign-in,
//! and the code is still to come. Kept in the server-side session (so it belongs to that browser only and works
//! on every instance), with no user id a request could be served as: nothing is granted before the second step.

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::{auth::queries::UserRecord, db::unix_now, error::AppError};

const PENDING: &str = "auth.second_step";
/// How long the second step may take.
pub const PENDING_SECONDS: i64 = 5 * 60;

/// Who gave the right password, and what the login asked for.
#[derive(Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    /// The account.
    pub user_id: i64,
    /// Its session secret when the password was checked: a password change or reset meanwhile ends this.
    secret: String,
    /// Whether the login asked for "remember me".
    pub remember_me: bool,
    /// Unix time the password was checked.
    started_at: i64,
}

impl std::fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The session secret stays out of logs.
        f.debug_struct("PendingSignIn")
            .field("user_id", &self.user_id)
            .field("started_at", &self.started_at)
            .finish_non_exhaustive()
    }
}

impl PendingSignIn {
    /// Whether `user` is still the account as it was when its password was checked.
    pub fn is_for(&self, user: &UserRecord) -> bool {
        user.id == self.user_id && user.session_secret == self.secret && user.active
    }
}

/// Starts the second step for `user` in `session`, under a new session id and from an empty session, as a
/// login does: whatever the browser held before (another account's login) ends here.
pub async fn begin(
    session: &Session,
    user: &UserRecord,
    remember_me: bool,
) -> Result<(), AppError> {
    session.clear().await;
    session.cycle_id().await?;
    let pending = PendingSignIn {
        user_id: user.id,
        secret: user.session_secret.clone(),
        remember_me,
        started_at: unix_now(),
    };
    session.insert(PENDING, pending).await?;
    Ok(())
}

/// The sign-in waiting for its second step in this session, if it has not expired; an expired one is dropped.
pub async fn current(session: &Session) -> Result<Option<PendingSignIn>, AppError> {
    current_at(session, unix_now()).await
}

/// [`current`] as seen at Unix time `now`: the clock seam for tests.
pub async fn current_at(session: &Session, now: i64) -> Result<Option<PendingSignIn>, AppError> {
    let Some(pending) = session.get::<PendingSignIn>(PENDING).await? else {
        return Ok(None);
    };
    if now.saturating_sub(pending.started_at) > PENDING_SECONDS {
        session.remove_value(PENDING).await?;
        return Ok(None);
    }
    Ok(Some(pending))
}
