//! Checking a second factor: an app code, whose time step is taken so it works once on any instance, or a
//! recovery code, used up. Every check counts in the login throttle, so guessing codes is as slow as guessing
//! passwords.

use super::{
    authenticator, messages,
    queries::{self, TwoFactorRecord},
    recovery,
};
use crate::{
    audit::{Actor, AuditAction},
    auth::{
        queries::UserRecord,
        throttle::{Action, Reservation, Subjects},
    },
    domain::SecondFactorCode,
    error::AppError,
    state::AppState,
    timestamp::Timestamp,
};

/// What a code is given for, as the mail about a used recovery code says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CodeUse {
    /// The second step of signing in.
    SignIn,
    /// Turning two-factor sign-in off.
    TurnOff,
}

impl CodeUse {
    fn words(self) -> &'static str {
        match self {
            Self::SignIn => "to sign in to",
            Self::TurnOff => "to turn off two-factor sign-in for",
        }
    }
}

/// Checks `code` for an account with two-factor sign-in on, counted in the login throttle: an app code whose
/// step is taken now (so it works once, on any instance), or an unused recovery code, used up now (audited,
/// and mailed with how many are left). Answers the throttle's reservation for the caller to release.
pub(super) async fn check_code(
    state: &AppState,
    user: &UserRecord,
    record: &TwoFactorRecord,
    code: &str,
    ip: Option<&str>,
    purpose: CodeUse,
) -> Result<Reservation, AppError> {
    let code = SecondFactorCode::parse(code).map_err(wrong_code)?;
    let reservation = reserve(state, user, ip).await?;
    let accepted = match &code {
        SecondFactorCode::App(code) => take_app_code(state, user, record, code).await?,
        SecondFactorCode::Recovery(code) => {
            use_recovery_code(state, user, code, ip, purpose).await?
        }
    };
    if !accepted {
        reservation.keep();
        tracing::info!(user_id = user.id, address = ip, "second factor refused");
        return Err(wrong_code(match code {
            SecondFactorCode::App(_) => NOT_THE_CODE.into(),
            SecondFactorCode::Recovery(_) => {
                "That recovery code is not one of yours, or was used already.".into()
            }
        }));
    }
    Ok(reservation)
}

async fn take_app_code(
    state: &AppState,
    user: &UserRecord,
    record: &TwoFactorRecord,
    code: &str,
) -> Result<bool, AppError> {
    let Some(secret) = open(state, user, record) else {
        return Ok(false);
    };
    let Some(step) = matched_step(&secret, user, code)? else {
        return Ok(false);
    };
    Ok(queries::take_step(&state.pool, user.id, step).await?)
}

/// The time step an app `code` of `secret` matches now (the current one or a neighbour); `None` for a wrong
/// code. Taking the step is the caller's.
pub(super) fn matched_step(
    secret: &[u8],
    user: &UserRecord,
    code: &str,
) -> Result<Option<i64>, AppError> {
    let generator = authenticator::generator(secret, &user.username).ok_or(AppError::Internal)?;
    let now = u64::try_from(crate::db::unix_now()).unwrap_or_default();
    authenticator::matched_step(&generator, code, now)
        .map(|step| i64::try_from(step).map_err(|_| AppError::Internal))
        .transpose()
}

async fn use_recovery_code(
    state: &AppState,
    user: &UserRecord,
    normalised: &str,
    ip: Option<&str>,
    purpose: CodeUse,
) -> Result<bool, AppError> {
    let now = Timestamp::now();
    let mut transaction = state.pool.begin().await?;
    let digest = recovery::digest(user.id, normalised);
    if !queries::use_recovery_code(&mut transaction, user.id, &digest, &now).await? {
        return Ok(false);
    }
    record_owner(&mut transaction, user, ip, AuditAction::UseRecoveryCode).await?;
    let left = queries::recovery_codes_left(&mut transaction, user.id).await?;
    transaction.commit().await?;
    tracing::info!(user_id = user.id, left, "recovery code used");
    state.email.mailer.send(messages::recovery_code_used(
        &user.email,
        user.id,
        &account_url(state),
        left,
        purpose.words(),
    ));
    Ok(true)
}

/// The account's secret, opened with `two_factor_key`; `None` (logged) when it does not open: no key, or
/// another key than the one that sealed it.
pub(super) fn open(
    state: &AppState,
    user: &UserRecord,
    record: &TwoFactorRecord,
) -> Option<Vec<u8>> {
    let opened = state
        .two_factor
        .key
        .as_ref()
        .and_then(|key| key.open(user.id, &record.sealed_secret));
    if opened.is_none() {
        tracing::error!(
            user_id = user.id,
            "the two-factor secret does not open with two_factor_key: was the key changed?"
        );
    }
    opened
}

pub(super) async fn reserve(
    state: &AppState,
    user: &UserRecord,
    ip: Option<&str>,
) -> Result<Reservation, AppError> {
    state
        .throttle
        .reserve(Action::Login, &Subjects::user(user.id, ip))
        .await
}

pub(super) async fn record_owner(
    transaction: &mut crate::db::Transaction,
    user: &UserRecord,
    ip: Option<&str>,
    action: AuditAction,
) -> Result<(), sqlx::Error> {
    Actor::owner(user.id, &user.username, ip)
        .record(transaction, action, (Some(user.id), &user.username), None)
        .await
}

pub(super) fn account_url(state: &AppState) -> String {
    format!("{}/account", state.email.site_url)
}

pub(super) const NOT_THE_CODE: &str =
    "That code is not right, or was used already: enter the code your app shows now.";

pub(super) fn wrong_code(message: String) -> AppError {
    AppError::invalid("code", message)
}
