//! The two-factor use cases, for the pages, the JSON API and the command line alike: setting up, confirming,
//! answering the second step of a sign-in, renewing recovery codes, turning off. Each change commits with its
//! audit entry; its mail leaves after the commit. Codes are checked in `check`.

use super::{
    authenticator,
    check::{
        account_url, check_code, matched_step, open, record_owner, reserve, wrong_code, CodeUse,
        NOT_THE_CODE,
    },
    messages,
    pending::PendingSignIn,
    queries::{self, TwoFactorRecord},
    recovery, Enrolment, RecoveryCodes,
};
use crate::{
    audit::{Actor, AuditAction},
    auth::{
        attempts::check_current_password,
        email::EmailPolicy,
        queries::{self as users, UserRecord},
        reauth::{self, Proof},
        throttle::{Action, Subjects},
    },
    domain::SecondFactorCode,
    error::AppError,
    secret::Secret,
    security::random::random_secret,
    session_store::SessionPolicy,
    state::AppState,
    timestamp::Timestamp,
};

/// Whether an account has two-factor sign-in on, and how many recovery codes it has left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    /// Sign-in asks for a code.
    pub enabled: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: i64,
}

/// The account's two-factor status.
pub async fn status(state: &AppState, user: &UserRecord) -> Result<Status, AppError> {
    let enabled = queries::find_enabled(state.pool.reads(), user.id)
        .await?
        .is_some();
    let recovery_codes_left = match enabled {
        true => queries::recovery_codes_left(state.pool.reads(), user.id).await?,
        false => 0,
    };
    Ok(Status {
        enabled,
        recovery_codes_left,
    })
}

/// Starts a setup: a new secret, sealed and stored as waiting for its first code (replacing an earlier setup
/// that never got one), and what the app is given to learn it. Needs a fresh password.
#[tracing::instrument(skip_all, fields(user_id = user.id))]
pub async fn begin_setup(
    state: &AppState,
    user: &UserRecord,
    proof: Proof<'_>,
    ip: Option<&str>,
) -> Result<Enrolment, AppError> {
    let key = state.two_factor.key.as_ref().ok_or_else(unavailable)?;
    reauth::require(state, proof, user, ip).await?;
    let secret = authenticator::new_secret();
    let sealed = key.seal(user.id, &secret).ok_or_else(|| {
        tracing::error!("no random bytes to seal a two-factor secret");
        AppError::Internal
    })?;
    let begun = queries::begin_setup(
        &state.pool,
        user.id,
        &sealed,
        &random_secret(),
        &Timestamp::now(),
    )
    .await?;
    if !begun {
        return Err(already_on());
    }
    tracing::info!(user_id = user.id, "two-factor setup begun");
    enrolment(&secret, user)
}

/// The setup waiting for its first code, if one is and it has not expired (it lasts as long as the
/// re-authentication window that let it begin). Only for a caller whose password is fresh: the page checks.
pub async fn waiting_setup(
    state: &AppState,
    user: &UserRecord,
) -> Result<Option<Enrolment>, AppError> {
    let Some((_, secret)) = waiting(state, user).await? else {
        return Ok(None);
    };
    enrolment(&secret, user).map(Some)
}

/// Confirms the waiting setup with a code from the app: two-factor sign-in is on from now, the code's step is
/// taken, and the first set of recovery codes is made and answered (shown once). Audited and mailed. Needs a
/// fresh password too: a setup waits for the account, and another of its sessions (a borrowed browser) must not
/// finish it with an app of its own.
#[tracing::instrument(skip_all, fields(user_id = user.id))]
pub async fn confirm_setup(
    state: &AppState,
    user: &UserRecord,
    proof: Proof<'_>,
    code: &str,
    ip: Option<&str>,
) -> Result<RecoveryCodes, AppError> {
    let SecondFactorCode::App(code) = SecondFactorCode::parse(code).map_err(wrong_code)? else {
        return Err(wrong_code(
            "Enter the 6-digit code your authenticator app shows now.".into(),
        ));
    };
    reauth::require(state, proof, user, ip).await?;
    let (record, secret) = waiting(state, user).await?.ok_or_else(|| {
        AppError::Refused(
            "This setup has expired or was not started. Start it again from your account page."
                .into(),
        )
    })?;
    let reservation = reserve(state, user, ip).await?;
    let Some(step) = matched_step(&secret, user, &code)? else {
        reservation.keep();
        return Err(wrong_code(NOT_THE_CODE.into()));
    };
    let mut transaction = state.pool.begin().await?;
    if !queries::enable(
        &mut transaction,
        user.id,
        &record.sealed_secret,
        step,
        &Timestamp::now(),
    )
    .await?
    {
        drop(transaction);
        state.throttle.release(reservation).await?;
        return Err(already_on());
    }
    let codes = new_recovery_codes(&mut transaction, user).await?;
    record_owner(&mut transaction, user, ip, AuditAction::EnableTwoFactor).await?;
    transaction.commit().await?;
    state.throttle.release(reservation).await?;
    tracing::info!(user_id = user.id, "two-factor sign-in turned on");
    state
        .email
        .mailer
        .send(messages::enabled(&user.email, user.id, &account_url(state)));
    Ok(codes)
}

/// Turns two-factor sign-in off: needs the password and a current code (or a recovery code). The recovery
/// codes go, and with the row every remembered browser. Audited and mailed.
#[tracing::instrument(skip_all, fields(user_id = user.id))]
pub async fn disable(
    state: &AppState,
    user: &UserRecord,
    password: &Secret,
    code: &str,
    ip: Option<&str>,
) -> Result<(), AppError> {
    check_current_password(&state.hasher, &state.throttle, user, password.expose(), ip).await?;
    let record = enabled_record(state, user).await?;
    let reservation = check_code(state, user, &record, code, ip, CodeUse::TurnOff).await?;
    let mut transaction = state.pool.begin().await?;
    queries::remove(&mut transaction, user.id).await?;
    record_owner(&mut transaction, user, ip, AuditAction::DisableTwoFactor).await?;
    transaction.commit().await?;
    state.throttle.release(reservation).await?;
    tracing::info!(user_id = user.id, "two-factor sign-in turned off");
    state.email.mailer.send(messages::disabled(
        &user.email,
        user.id,
        &account_url(state),
        false,
    ));
    Ok(())
}

/// Makes a new set of recovery codes; the old set stops working. Needs a fresh password. Audited and mailed.
#[tracing::instrument(skip_all, fields(user_id = user.id))]
pub async fn renew_recovery_codes(
    state: &AppState,
    user: &UserRecord,
    proof: Proof<'_>,
    ip: Option<&str>,
) -> Result<RecoveryCodes, AppError> {
    reauth::require(state, proof, user, ip).await?;
    enabled_record(state, user).await?;
    let mut transaction = state.pool.begin().await?;
    let codes = new_recovery_codes(&mut transaction, user).await?;
    record_owner(&mut transaction, user, ip, AuditAction::RenewRecoveryCodes).await?;
    transaction.commit().await?;
    tracing::info!(user_id = user.id, "recovery codes renewed");
    state.email.mailer.send(messages::recovery_codes_renewed(
        &user.email,
        user.id,
        &account_url(state),
    ));
    Ok(codes)
}

/// Forgets every browser the account's owner asked to be remembered: each one asks for a code again.
#[tracing::instrument(skip_all, fields(user_id = user.id))]
pub async fn forget_browsers(state: &AppState, user: &UserRecord) -> Result<(), AppError> {
    if !queries::forget_browsers(&state.pool, user.id, &random_secret()).await? {
        return Err(not_on());
    }
    tracing::info!(user_id = user.id, "remembered browsers forgotten");
    Ok(())
}

/// Answers the second step of `pending` with `code`: on the right one, the login is recorded and the account
/// answered (with its two-factor row, for a browser to be remembered by). The account must be as it was when
/// its password was checked: a password change, reset or deactivation since ends the sign-in.
#[tracing::instrument(skip_all, fields(user_id = pending.user_id))]
pub async fn complete_sign_in(
    state: &AppState,
    pending: &PendingSignIn,
    code: &str,
    ip: Option<&str>,
) -> Result<(UserRecord, Option<TwoFactorRecord>), AppError> {
    let user = users::find_by_id(state.pool.reads(), pending.user_id)
        .await?
        .filter(|user| pending.is_for(user))
        .ok_or(AppError::Unauthenticated)?;
    let record = queries::find_enabled(state.pool.reads(), user.id).await?;
    // Turned off meanwhile (by an operator): the password was all the account asks for.
    let reservation = match &record {
        Some(record) => Some(check_code(state, &user, record, code, ip, CodeUse::SignIn).await?),
        None => None,
    };
    let recorded = users::record_login(&state.pool, &user, ip, &Timestamp::now())
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if let Some(reservation) = reservation {
        state
            .throttle
            .forgive_account(Action::Login, &Subjects::user(user.id, ip), reservation)
            .await?;
    }
    tracing::info!(user_id = user.id, "logged in with a second factor");
    Ok((recorded, record))
}

/// An operator turns two-factor sign-in off for `user` (`leptodo users reset-2fa`): audited as theirs and
/// mailed to the account. Answers whether it was on.
#[tracing::instrument(skip_all, fields(user_id = user.id))]
pub async fn reset(
    pool: &crate::db::Pool,
    email: &EmailPolicy,
    actor: &Actor,
    user: &UserRecord,
) -> Result<bool, AppError> {
    let mut transaction = pool.begin().await?;
    let was_on = queries::remove(&mut transaction, user.id).await?;
    if was_on {
        actor
            .record(
                &mut transaction,
                AuditAction::DisableTwoFactor,
                (Some(user.id), &user.username),
                None,
            )
            .await?;
    }
    transaction.commit().await?;
    if was_on {
        tracing::info!(user_id = user.id, "two-factor sign-in reset by an operator");
        email.mailer.send(messages::disabled(
            &user.email,
            user.id,
            &format!("{}/account", email.site_url),
            true,
        ));
    }
    Ok(was_on)
}

/// The waiting setup's row and its opened secret, if a setup waits and has not expired.
async fn waiting(
    state: &AppState,
    user: &UserRecord,
) -> Result<Option<(TwoFactorRecord, Vec<u8>)>, AppError> {
    let Some(record) = queries::find(state.pool.reads(), user.id).await? else {
        return Ok(None);
    };
    if record.is_enabled() || is_expired(state, &record.created_at) {
        return Ok(None);
    }
    Ok(open(state, user, &record).map(|secret| (record, secret)))
}

/// The shortest time a setup waits for its first code, however short the re-authentication window: scanning the
/// QR code and typing a code takes a minute or two, and a window of a few seconds must not make setup impossible.
const SETUP_FLOOR_SECONDS: i64 = 5 * 60;

/// How long a setup waits for its first code: the re-authentication window, since only a fresh session sees the
/// key or confirms without the password, but never less than [`SETUP_FLOOR_SECONDS`].
pub fn setup_lifetime_seconds(policy: SessionPolicy) -> i64 {
    policy.reauthenticate_seconds.max(SETUP_FLOOR_SECONDS)
}

fn is_expired(state: &AppState, created_at: &Timestamp) -> bool {
    let Ok(created_at) = created_at.to_date_time() else {
        return true;
    };
    let age = time::OffsetDateTime::now_utc() - created_at;
    age.whole_seconds() > setup_lifetime_seconds(state.sessions)
}

async fn enabled_record(state: &AppState, user: &UserRecord) -> Result<TwoFactorRecord, AppError> {
    queries::find_enabled(state.pool.reads(), user.id)
        .await?
        .ok_or_else(not_on)
}

fn enrolment(secret: &[u8], user: &UserRecord) -> Result<Enrolment, AppError> {
    let generator = authenticator::generator(secret, &user.username).ok_or(AppError::Internal)?;
    let (secret, otpauth_uri, qr_svg) =
        authenticator::enrolment(&generator).ok_or(AppError::Internal)?;
    Ok(Enrolment {
        secret,
        otpauth_uri,
        qr_svg,
    })
}

/// A new set of recovery codes for `user`, replacing the old set inside `transaction`; answered as shown.
async fn new_recovery_codes(
    transaction: &mut crate::db::Transaction,
    user: &UserRecord,
) -> Result<RecoveryCodes, sqlx::Error> {
    let codes = recovery::new_set();
    let digests: Vec<String> = codes
        .iter()
        .map(|code| recovery::digest(user.id, &recovery::normalised(code)))
        .collect();
    queries::replace_recovery_codes(transaction, user.id, &digests).await?;
    Ok(RecoveryCodes {
        recovery_codes: codes,
    })
}

fn unavailable() -> AppError {
    AppError::Refused(
        "Two-factor sign-in is not available on this server yet: its operator has to set `two_factor_key`."
            .into(),
    )
}

fn already_on() -> AppError {
    AppError::Refused("Two-factor sign-in is already on for your account.".into())
}

fn not_on() -> AppError {
    AppError::Refused("Two-factor sign-in is not on for your account.".into())
}
