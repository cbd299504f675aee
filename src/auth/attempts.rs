//! A password attempt's way in: counted by the throttle, then given a place in the hashing line. The services
//! that check a password (logging in, changing the password or the address) all enter this way.

use super::{
    hashing::{PasswordHasher, Turn, Verification},
    queries::UserRecord,
    throttle::{Action, Reservation, Subjects, Throttle},
};
use crate::{domain::Password, error::AppError};

/// Checks that `password` is the current password of `user`, as a change of address asks; wrong answers are
/// throttled like wrong current passwords for a password change, and are answered on `current_password`.
pub async fn check_current_password(
    hasher: &PasswordHasher,
    throttle: &Throttle,
    user: &UserRecord,
    password: &str,
    ip: Option<&str>,
) -> Result<(), AppError> {
    let reservation = throttle
        .reserve(Action::PasswordChange, &Subjects::user(user.id, ip))
        .await?;
    let (turn, reservation) = turn_for(hasher, throttle, reservation).await?;
    let right = !password.is_empty()
        && password.chars().count() <= Password::MAX_CHARS
        && matches!(
            turn.verify(password, &user.password_hash).await?,
            Verification::Match { .. }
        );
    if !right {
        reservation.keep();
        return Err(AppError::invalid(
            "current_password",
            "This is not your current password.",
        ));
    }
    throttle.release(reservation).await
}

/// A place in the hashing line for an attempt the throttle has just counted. When the line is full the attempt
/// is given back before the 503: an overloaded server must not cost anyone one of their attempts.
pub async fn turn_for<'a>(
    hasher: &'a PasswordHasher,
    throttle: &Throttle,
    reservation: Reservation,
) -> Result<(Turn<'a>, Reservation), AppError> {
    match hasher.turn() {
        Ok(turn) => Ok((turn, reservation)),
        Err(error) => {
            throttle.release(reservation).await?;
            Err(error.into())
        }
    }
}
