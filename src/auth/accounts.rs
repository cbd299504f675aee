//! The account rules that need the database: registering, checking a login, changing the password. The
//! pages' server functions and the JSON API both call these, so both follow exactly the same rules.

use super::{
    credentials::{self, PasswordOwner},
    hashing::{PasswordHasher, Turn, Verification},
    password_change::PasswordChangeInput,
    registration::{NewAccount, RegistrationInput},
    repository::{self, InsertUserError, UserRecord},
    throttle::{Action, Reservation, Subjects, Throttle},
    User,
};
use crate::{
    config::EmailConfirmation,
    db::{Pool, Transaction},
    domain::{Password, MAX_LOGIN_CHARS},
    error::{AppError, FieldErrors},
    security::random::random_secret,
    timestamp::Timestamp,
};

/// Creates an account from the registration form and, with `logs_in`, records it as logged in from `ip` (a
/// site that requires confirmed addresses logs nobody in at registration).
///
/// Throttled per client address: every registration that gets as far as hashing counts, taken or not, and a
/// refused one costs no hash.
pub async fn register(
    pool: &Pool,
    hasher: &PasswordHasher,
    throttle: &Throttle,
    input: &RegistrationInput,
    ip: Option<&str>,
    logs_in: bool,
) -> Result<UserRecord, AppError> {
    let account = input.validate().map_err(AppError::Validation)?;
    let reservation = throttle
        .reserve(Action::Registration, &Subjects::address(ip))
        .await?;
    let (turn, reservation) = turn_for(hasher, throttle, reservation).await?;
    reservation.keep();
    let password_hash = turn.hash(&account.password).await?;
    drop(turn);
    let now = Timestamp::now();
    let mut transaction = pool.begin().await?;
    let user = insert_account(&mut transaction, &account, &password_hash, &now).await?;
    transaction.commit().await?;
    tracing::info!(user_id = user.id, "account registered");
    if !logs_in {
        return Ok(user);
    }
    // Nothing can have changed an account nobody knew of a moment ago; if it did, that change wins.
    repository::record_login(pool, &user, ip, &now)
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// Inserts a validated account with the `user` role, inside the caller's transaction; a taken email or
/// username is a `Conflict` on that field.
pub async fn insert_account(
    transaction: &mut Transaction,
    account: &NewAccount,
    password_hash: &str,
    now: &Timestamp,
) -> Result<UserRecord, AppError> {
    repository::insert(transaction, account, password_hash, &random_secret(), now)
        .await
        .map_err(|error| match error {
            InsertUserError::EmailTaken => {
                conflict("email", "This email address is already registered.")
            }
            InsertUserError::UsernameTaken => conflict("username", "This username is taken."),
            InsertUserError::Database(error) => error.into(),
        })
}

/// Checks a login (email or username) and password; on success records the login from `ip`.
///
/// Every failure before the password is known to be right gives the same `InvalidCredentials` after the same
/// amount of work, so neither the answer nor its timing tells whether the account exists. Only a right
/// password learns that the account is deactivated, or (when `confirmation` is `Required`) unconfirmed.
///
/// Throttled: too many recent failures for the account or the address refuse the attempt before any check.
pub async fn authenticate(
    pool: &Pool,
    hasher: &PasswordHasher,
    throttle: &Throttle,
    login: &str,
    password: &str,
    ip: Option<&str>,
    confirmation: EmailConfirmation,
) -> Result<UserRecord, AppError> {
    let mut missing = FieldErrors::default();
    if login.trim().is_empty() {
        missing.add("login", "Enter your email address or username.");
    }
    if password.is_empty() {
        missing.add("password", "Enter your password.");
    }
    if !missing.is_empty() {
        return Err(AppError::Validation(missing));
    }
    let too_long =
        login.chars().count() > MAX_LOGIN_CHARS || password.chars().count() > Password::MAX_CHARS;
    let found = match too_long {
        true => None,
        false => repository::find_by_login(pool.reads(), login).await?,
    };
    let subjects = match &found {
        Some(user) => Subjects::user(user.id, ip),
        None => Subjects::unknown_login(login, ip),
    };
    let reservation = throttle.reserve(Action::Login, &subjects).await?;
    let (turn, reservation) = turn_for(hasher, throttle, reservation).await?;
    let Some(user) = found else {
        turn.verify_decoy(password).await?;
        reservation.keep();
        tracing::info!(account = "unknown", address = ip, "login failed");
        return Err(AppError::InvalidCredentials);
    };
    let Verification::Match { needs_rehash } = turn.verify(password, &user.password_hash).await?
    else {
        reservation.keep();
        tracing::info!(account = user.id, address = ip, "login failed");
        return Err(AppError::InvalidCredentials);
    };
    throttle
        .forgive_account(Action::Login, &subjects, reservation)
        .await?;
    if !user.active {
        return Err(AppError::Inactive);
    }
    if confirmation == EmailConfirmation::Required && user.confirmed_at.is_none() {
        tracing::info!(
            account = user.id,
            "login refused: email address not confirmed"
        );
        return Err(AppError::Unconfirmed);
    }
    if needs_rehash {
        // A failed upgrade must not fail the login: the old hash still works.
        match turn.rehash(password).await {
            Ok(hash) => repository::upgrade_password_hash(pool, &user, &hash).await?,
            Err(error) => tracing::warn!(%error, user_id = user.id, "password hash upgrade failed"),
        }
    }
    // Recorded only if the account is as it was when the password was checked: a password change, reset or
    // deactivation that committed meanwhile wins, and this login gets no session.
    let Some(user) = repository::record_login(pool, &user, ip, &Timestamp::now()).await? else {
        tracing::info!(
            account = user.id,
            address = ip,
            "login refused: the account changed while it was checked"
        );
        return Err(AppError::InvalidCredentials);
    };
    tracing::info!(user_id = user.id, "logged in");
    Ok(user)
}

/// Replaces the password of `user` after checking the current one. The user's session secret is replaced
/// too, which ends every other session; the caller moves the current session to the new secret. Wrong
/// current passwords are throttled like failed logins.
pub async fn change_password(
    pool: &Pool,
    hasher: &PasswordHasher,
    throttle: &Throttle,
    user: &UserRecord,
    input: &PasswordChangeInput,
    ip: Option<&str>,
) -> Result<UserRecord, AppError> {
    let subjects = Subjects::user(user.id, ip);
    let reservation = throttle.reserve(Action::PasswordChange, &subjects).await?;
    let (turn, reservation) = turn_for(hasher, throttle, reservation).await?;
    let checked = input.validate(&[&user.email, &user.username]);
    let current = input.current_password.expose();
    let current_is_right = !current.is_empty()
        && current.chars().count() <= Password::MAX_CHARS
        && matches!(
            turn.verify(current, &user.password_hash).await?,
            Verification::Match { .. }
        );
    let new_password = match (checked, current_is_right) {
        (Ok(password), true) => password,
        (checked, _) => {
            let mut errors = checked.err().unwrap_or_default();
            if current_is_right {
                throttle.release(reservation).await?;
            } else {
                reservation.keep();
            }
            if !current_is_right && errors.get("current_password").is_none() {
                errors.add("current_password", "This is not your current password.");
            }
            return Err(AppError::Validation(errors));
        }
    };
    let password_hash = turn.hash(&new_password).await?;
    drop(turn);
    let mut transaction = pool.begin().await?;
    let updated = credentials::set_password(
        &mut transaction,
        PasswordOwner::AsSeen(user),
        &password_hash,
        &Timestamp::now(),
    )
    .await?;
    transaction.commit().await?;
    throttle.release(reservation).await?;
    // Another change, a reset or a deactivation committed after this request's session was checked: that one
    // wins, and this session has ended with it.
    let updated = updated.ok_or(AppError::Unauthenticated)?;
    tracing::info!(user_id = user.id, "password changed; other sessions ended");
    Ok(updated)
}

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
async fn turn_for<'a>(
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

/// The account as the user may see it, with its roles.
pub async fn public_view(
    pool: &Pool,
    confirmation: EmailConfirmation,
    user: UserRecord,
) -> Result<User, AppError> {
    let roles = repository::role_names(pool.reads(), user.id).await?;
    Ok(user.into_user(roles, confirmation.is_asked()))
}

fn conflict(field: &str, message: &str) -> AppError {
    let mut fields = FieldErrors::default();
    fields.add(field, message);
    AppError::Conflict(fields)
}
