//! The account use cases: registering, checking a login, changing the password. The pages' server functions
//! and the JSON API both call these, so both follow exactly the same rules, and what each causes (the
//! confirmation mail, the notice of a changed password, ending live streams) happens here, once.

use super::{
    attempts::turn_for,
    credentials::{self, PasswordOwner},
    email,
    hashing::{PasswordHasher, Turn, Verification},
    password_change::PasswordChangeInput,
    queries::{self, InsertUserError, UserRecord},
    registration::{NewAccount, RegistrationInput},
    throttle::{Action, Subjects, Throttle},
    two_factor::{self, remembered::RememberedBrowser},
    User,
};
use crate::{
    audit::{Actor, AuditAction},
    config::EmailConfirmation,
    db::{Pool, Transaction},
    domain::{Password, MAX_LOGIN_CHARS},
    error::{AppError, FieldErrors},
    security::random::random_secret,
    state::AppState,
    timestamp::Timestamp,
};

/// A new account, and whether it is logged in now.
pub struct Registered {
    /// The account as stored.
    pub user: UserRecord,
    /// `false` where addresses must be confirmed before anyone logs in.
    pub logged_in: bool,
}

/// Creates an account from the registration form, records it as logged in from `ip` unless the site requires
/// confirmed addresses, and sends the confirmation link unless the site does not ask for one.
///
/// Throttled per client address: every registration that gets as far as hashing counts, taken or not, and a
/// refused one costs no hash.
#[tracing::instrument(skip_all)]
pub async fn register(
    state: &AppState,
    input: &RegistrationInput,
    ip: Option<&str>,
) -> Result<Registered, AppError> {
    let account = input.validate().map_err(AppError::Validation)?;
    let throttle = &state.throttle;
    let reservation = throttle
        .reserve(Action::Registration, &Subjects::address(ip))
        .await?;
    let (turn, reservation) = turn_for(&state.hasher, throttle, reservation).await?;
    reservation.keep();
    let password_hash = turn.hash(&account.password).await?;
    drop(turn);
    let now = Timestamp::now();
    let mut transaction = state.pool.begin().await?;
    let user = insert_account(&mut transaction, &account, &password_hash, &now).await?;
    transaction.commit().await?;
    tracing::info!(user_id = user.id, "account registered");
    let logged_in = state.email.confirmation != EmailConfirmation::Required;
    let user = match logged_in {
        // Nothing can have changed an account nobody knew of a moment ago; if it did, that change wins.
        true => queries::record_login(&state.pool, &user, ip, &now)
            .await?
            .ok_or(AppError::Unauthenticated)?,
        false => user,
    };
    email::service::after_registration(state, &user).await?;
    Ok(Registered { user, logged_in })
}

/// Inserts a validated account with the `user` role, inside the caller's transaction; a taken email or
/// username is a `Conflict` on that field.
pub async fn insert_account(
    transaction: &mut Transaction,
    account: &NewAccount,
    password_hash: &str,
    now: &Timestamp,
) -> Result<UserRecord, AppError> {
    queries::insert(transaction, account, password_hash, &random_secret(), now)
        .await
        .map_err(|error| match error {
            InsertUserError::EmailTaken => {
                conflict("email", "This email address is already registered.")
            }
            InsertUserError::UsernameTaken => conflict("username", "This username is taken."),
            InsertUserError::Database(error) => error.into(),
        })
}

/// What a login form or request brings.
#[derive(Debug, Clone, Copy)]
pub struct LoginAttempt<'a> {
    /// Email or username, as typed.
    pub login: &'a str,
    /// The password, as typed.
    pub password: &'a str,
    /// The client's address.
    pub ip: Option<&'a str>,
    /// The client's device, as the security log names it (`device::Client::device`).
    pub device: Option<&'a str>,
    /// The browser's "remember this browser" cookie, if it sent one the server signed.
    pub remembered: Option<&'a RememberedBrowser>,
}

/// Where a right password leads.
#[derive(Debug)]
pub enum SignIn {
    /// Logged in (the login is recorded): the session may begin.
    Complete(UserRecord),
    /// The account has two-factor sign-in on and this browser is not remembered for it: nothing is granted
    /// until the second step (`two_factor::pending`).
    SecondStep(UserRecord),
}

/// Checks a login (email or username) and password; on success records the login from `ip`, unless the
/// account has two-factor sign-in on and `remembered` does not vouch for this browser: then the second step
/// decides, and records it.
///
/// Every failure before the password is known to be right gives the same `InvalidCredentials` after the same
/// amount of work, so neither the answer nor its timing tells whether the account exists. Only a right
/// password learns that the account is deactivated, or (when `confirmation` is `Required`) unconfirmed.
///
/// Throttled: too many recent failures for the account or the address refuse the attempt before any check.
#[tracing::instrument(skip_all)]
pub async fn authenticate(
    pool: &Pool,
    hasher: &PasswordHasher,
    throttle: &Throttle,
    attempt: LoginAttempt<'_>,
    confirmation: EmailConfirmation,
) -> Result<SignIn, AppError> {
    let LoginAttempt {
        login,
        password,
        ip,
        device,
        remembered,
    } = attempt;
    both_given(login, password)?;
    let too_long =
        login.chars().count() > MAX_LOGIN_CHARS || password.chars().count() > Password::MAX_CHARS;
    let found = match too_long {
        true => None,
        false => queries::find_by_login(pool.reads(), login).await?,
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
        let mut transaction = pool.begin().await?;
        Actor::visitor(ip)
            .record(
                &mut transaction,
                AuditAction::SignInFailed,
                (Some(user.id), &user.username),
                device,
            )
            .await?;
        transaction.commit().await?;
        return Err(AppError::InvalidCredentials);
    };
    let second_factor = two_factor::queries::find_enabled(pool.reads(), user.id)
        .await?
        .filter(|record| !remembered.is_some_and(|browser| browser.vouches_for(&user, record)));
    // The account's failures are forgiven after the last step only: a right password must not reset the
    // count of wrong codes, or knowing it would allow unlimited guesses at the code.
    match second_factor {
        Some(_) => throttle.release(reservation).await?,
        None => {
            throttle
                .forgive_account(Action::Login, &subjects, reservation)
                .await?
        }
    }
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
        upgrade_hash(pool, turn, &user, password).await?;
    }
    if second_factor.is_some() {
        tracing::info!(user_id = user.id, "password right; second step asked");
        return Ok(SignIn::SecondStep(user));
    }
    // Recorded only if the account is as it was when the password was checked: a password change, reset or
    // deactivation that committed meanwhile wins, and this login gets no session.
    let Some(user) = queries::record_login(pool, &user, ip, &Timestamp::now()).await? else {
        tracing::info!(
            account = user.id,
            address = ip,
            "login refused: the account changed while it was checked"
        );
        return Err(AppError::InvalidCredentials);
    };
    tracing::info!(user_id = user.id, "logged in");
    Ok(SignIn::Complete(user))
}

/// Refuses a login form with either field blank, naming each blank one.
fn both_given(login: &str, password: &str) -> Result<(), AppError> {
    let mut missing = FieldErrors::default();
    if login.trim().is_empty() {
        missing.add("login", "Enter your email address or username.");
    }
    if password.is_empty() {
        missing.add("password", "Enter your password.");
    }
    match missing.is_empty() {
        true => Ok(()),
        false => Err(AppError::Validation(missing)),
    }
}

/// Stores `password` hashed with the current parameters, for an account whose hash used older ones. A failed
/// upgrade must not fail the login: the old hash still works.
async fn upgrade_hash(
    pool: &Pool,
    turn: Turn<'_>,
    user: &UserRecord,
    password: &str,
) -> Result<(), AppError> {
    match turn.rehash(password).await {
        Ok(hash) => queries::upgrade_password_hash(pool, user, &hash).await?,
        Err(error) => tracing::warn!(%error, user_id = user.id, "password hash upgrade failed"),
    }
    Ok(())
}

/// Replaces the password of `user` after checking the current one. The user's session secret is replaced
/// too, which ends every other session and live stream; the caller moves the current session to the new
/// secret. The account's address is told of the change. Wrong current passwords are throttled like failed
/// logins.
#[tracing::instrument(skip_all, fields(user_id = user.id))]
pub async fn change_password(
    state: &AppState,
    user: &UserRecord,
    input: &PasswordChangeInput,
    ip: Option<&str>,
) -> Result<UserRecord, AppError> {
    let (pool, throttle) = (&state.pool, &state.throttle);
    let subjects = Subjects::user(user.id, ip);
    let reservation = throttle.reserve(Action::PasswordChange, &subjects).await?;
    let (turn, reservation) = turn_for(&state.hasher, throttle, reservation).await?;
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
    if updated.is_some() {
        Actor::owner(user.id, &user.username, ip)
            .record(
                &mut transaction,
                AuditAction::ChangePassword,
                (Some(user.id), &user.username),
                None,
            )
            .await?;
    }
    transaction.commit().await?;
    throttle.release(reservation).await?;
    // Another change, a reset or a deactivation committed after this request's session was checked: that one
    // wins, and this session has ended with it.
    let updated = updated.ok_or(AppError::Unauthenticated)?;
    tracing::info!(user_id = user.id, "password changed; other sessions ended");
    state.live.recheck(pool, updated.id).await;
    email::service::notify_password_changed(state, &updated);
    Ok(updated)
}

/// The account as the user may see it, with its roles.
pub async fn public_view(
    pool: &Pool,
    confirmation: EmailConfirmation,
    user: UserRecord,
) -> Result<User, AppError> {
    let roles = queries::role_names(pool.reads(), user.id).await?;
    let two_factor = two_factor::queries::find_enabled(pool.reads(), user.id)
        .await?
        .is_some();
    Ok(user.into_user(roles, confirmation.is_asked(), two_factor))
}

fn conflict(field: &str, message: &str) -> AppError {
    let mut fields = FieldErrors::default();
    fields.add(field, message);
    AppError::Conflict(fields)
}
