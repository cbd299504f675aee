//! The mail flows' rules, for the pages and the JSON API alike: confirming an address, resetting a forgotten
//! password, changing the address. Each change commits with its audit entry; mails leave after the commit.

use super::{
    forms::{EmailChangeInput, ForgotInput, ResetInput},
    messages,
    queries::{self as links, Purpose},
};
use crate::{
    audit::{Actor, AuditAction},
    auth::{
        credentials::{self, PasswordOwner},
        identity::email_key,
        queries::{self, UserRecord},
        throttle::{Action, Subjects},
    },
    db::Transaction,
    domain::Email,
    error::AppError,
    state::AppState,
    timestamp::Timestamp,
};

mod address;

pub use address::{apply_email_change, request_email_change};

/// The answer to every request for a reset link, whether an account has the address or not.
pub const RESET_LINK_SENT: &str =
    "If an account uses that address, we have sent it a link to choose a new password. \
     Check your mail; the link works once, for a limited time.";

/// After a registration committed: sends the confirmation link, unless confirmation is off.
pub async fn after_registration(state: &AppState, user: &UserRecord) -> Result<(), AppError> {
    match state.email.confirmation.is_asked() {
        true => send_confirmation(state, user).await,
        false => Ok(()),
    }
}

async fn send_confirmation(state: &AppState, user: &UserRecord) -> Result<(), AppError> {
    let policy = &state.email;
    let link = policy
        .issue_link(&state.pool, user, Purpose::Confirm, &user.email)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    policy.mailer.send(messages::confirm_address(
        &user.email,
        user.id,
        &link,
        policy.confirm_hours,
    ));
    Ok(())
}

/// Sends the confirmation link again (the newest link replaces the older); throttled per account. Answers
/// what to tell the user.
#[tracing::instrument(skip_all)]
pub async fn resend_confirmation(
    state: &AppState,
    user: &UserRecord,
    ip: Option<&str>,
) -> Result<String, AppError> {
    if !state.email.confirmation.is_asked() {
        return Err(AppError::Refused(
            "This site does not ask for email confirmation.".into(),
        ));
    }
    if user.confirmed_at.is_some() {
        return Err(AppError::Refused(
            "Your email address is already confirmed.".into(),
        ));
    }
    state
        .throttle
        .reserve(Action::Mail, &Subjects::user(user.id, ip))
        .await?
        .keep();
    send_confirmation(state, user).await?;
    tracing::info!(user_id = user.id, "confirmation link sent again");
    Ok(format!(
        "We sent a new confirmation link to {}.",
        user.email
    ))
}

/// Uses a confirmation link: the address it was sent to is confirmed, if it is still the account's. Answers
/// whose address it was, and the address.
#[tracing::instrument(skip_all)]
pub async fn confirm(state: &AppState, token: &str) -> Result<links::Redeemed, AppError> {
    let (mut transaction, redeemed) = redeem(state, Purpose::Confirm, token).await?;
    let now = Timestamp::now();
    let confirmed = queries::confirm_address(
        &mut transaction,
        redeemed.user_id,
        Some(&redeemed.sent_to),
        &now,
    )
    .await?;
    // The account moved to another address since the link was sent: the link confirms nothing now.
    let username = confirmed.ok_or(AppError::InvalidLink)?.username;
    Actor::owner(redeemed.user_id, &username, None)
        .record(
            &mut transaction,
            AuditAction::ConfirmEmail,
            (Some(redeemed.user_id), &username),
            None,
        )
        .await?;
    transaction.commit().await?;
    tracing::info!(user_id = redeemed.user_id, "email address confirmed");
    Ok(redeemed)
}

/// Asks for a reset link. Answers the same, after the same work, whether or not an account has the address:
/// the throttle counts the typed address either way, and the lookup and the mail happen after the answer.
#[tracing::instrument(skip_all)]
pub async fn request_reset(
    state: &AppState,
    input: &ForgotInput,
    ip: Option<&str>,
) -> Result<(), AppError> {
    let email = input.validate().map_err(AppError::Validation)?;
    state
        .throttle
        .reserve(
            Action::Mail,
            &Subjects::mailbox(&email_key(email.as_str()), ip),
        )
        .await?
        .keep();
    let state = state.clone();
    state.email.mailer.clone().spawn_work(async move {
        if let Err(error) = send_reset_link(&state, &email).await {
            tracing::error!(?error, "password reset link not sent");
        }
    });
    Ok(())
}

async fn send_reset_link(state: &AppState, email: &Email) -> Result<(), AppError> {
    let user = queries::find_by_login(state.pool.reads(), email.as_str()).await?;
    // A deactivated account cannot log in with a new password either; it gets no link.
    let Some(user) = user.filter(|user| user.active) else {
        tracing::info!("password reset asked for an address with no active account; no mail sent");
        return Ok(());
    };
    let policy = &state.email;
    let Some(link) = policy
        .issue_link(&state.pool, &user, Purpose::Reset, &user.email)
        .await?
    else {
        tracing::info!(
            user_id = user.id,
            "the account's credentials ended meanwhile; no reset link sent"
        );
        return Ok(());
    };
    policy.mailer.send(messages::reset_password(
        &user.email,
        user.id,
        &link,
        policy.reset_minutes,
    ));
    tracing::info!(user_id = user.id, "password reset link sent");
    Ok(())
}

/// The active account a link belongs to and the address the link was sent to, if the link still works,
/// without using it up: for the page a link opens, which changes nothing until its form is posted (a mail
/// scanner that opens every link must not confirm or move an account).
pub async fn link_owner(
    state: &AppState,
    purpose: Purpose,
    token: &str,
) -> Result<(UserRecord, String), AppError> {
    let found = links::find(state.pool.reads(), purpose, token)
        .await?
        .ok_or(AppError::InvalidLink)?;
    let user = queries::find_by_id(state.pool.reads(), found.user_id)
        .await?
        .filter(|user| user.active)
        // A confirmation link confirms only the address it was sent to (see `confirm`).
        .filter(|user| purpose != Purpose::Confirm || user.email == found.sent_to)
        .ok_or(AppError::InvalidLink)?;
    Ok((user, found.sent_to))
}

/// Uses a reset link: sets the new password (by the rules of registration), ends every session and API token
/// of the account, and sends a notice. It logs nobody in: the owner logs in with the new password.
#[tracing::instrument(skip_all)]
pub async fn reset_password(
    state: &AppState,
    input: &ResetInput,
    ip: Option<&str>,
) -> Result<(), AppError> {
    let (user, _) = link_owner(state, Purpose::Reset, &input.token).await?;
    let password = input
        .validate(&[&user.email, &user.username])
        .map_err(AppError::Validation)?;
    let password_hash = state.hasher.turn()?.hash(&password).await?;
    let now = Timestamp::now();
    // Used up here, in the transaction that sets the password: of two submissions at once, one wins.
    let (mut transaction, redeemed) = redeem(state, Purpose::Reset, &input.token).await?;
    if redeemed.user_id != user.id {
        return Err(AppError::InvalidLink);
    }
    credentials::set_password(
        &mut transaction,
        PasswordOwner::Any(user.id),
        &password_hash,
        &now,
    )
    .await?
    .ok_or(AppError::InvalidLink)?;
    // The link reached the account's mailbox: that proves the address as well as a confirmation link would.
    queries::confirm_address(&mut transaction, user.id, Some(&user.email), &now).await?;
    Actor::owner(user.id, &user.username, ip)
        .record(
            &mut transaction,
            AuditAction::ResetPassword,
            (Some(user.id), &user.username),
            None,
        )
        .await?;
    transaction.commit().await?;
    state.live.recheck(&state.pool, user.id).await;
    notify_password_changed(state, &user);
    tracing::info!(
        user_id = user.id,
        "password reset by mail; sessions and tokens ended"
    );
    Ok(())
}

/// Tells the account's address that its password was changed (a change or a reset), so an owner who did not
/// do it learns of it; the mail has no link to follow, only where to go.
pub fn notify_password_changed(state: &AppState, user: &UserRecord) {
    state.email.mailer.send(messages::password_changed(
        &user.email,
        user.id,
        &format!("{}/forgot", state.email.site_url),
    ));
}

/// Opens the transaction that uses a link: the account's row first ([`credentials::hold`]), then the link,
/// the order every change of an account takes, so that using a link and making or voiding one for the same
/// account wait for each other instead of deadlocking. Answers the transaction and what the link says.
async fn redeem(
    state: &AppState,
    purpose: Purpose,
    token: &str,
) -> Result<(Transaction, links::Redeemed), AppError> {
    let found = links::find(state.pool.reads(), purpose, token)
        .await?
        .ok_or(AppError::InvalidLink)?;
    let mut transaction = state.pool.begin().await?;
    credentials::hold(&mut transaction, found.user_id).await?;
    let redeemed = links::consume(&mut transaction, purpose, token)
        .await?
        .filter(|redeemed| redeemed.user_id == found.user_id)
        .ok_or(AppError::InvalidLink)?;
    Ok((transaction, redeemed))
}
