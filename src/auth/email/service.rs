//! The mail flows' rules, for the pages and the JSON API alike: confirming an address, resetting a forgotten
//! password, changing the address. Each change commits with its audit entry; mails leave after the commit.

use super::{
    forms::{EmailChangeInput, ForgotInput, ResetInput},
    messages,
    tokens::{self, Purpose},
};
use crate::{
    admin::store::{self as audit, NewAuditEntry},
    auth::{
        accounts,
        credentials::{self, PasswordOwner},
        identity::email_key,
        repository::{self, UserRecord},
        throttle::{Action, Subjects},
    },
    db::{run, Transaction},
    domain::Email,
    error::{AppError, FieldErrors},
    state::AppState,
    timestamp::Timestamp,
};

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
pub async fn confirm(state: &AppState, token: &str) -> Result<tokens::Redeemed, AppError> {
    let (mut transaction, redeemed) = redeem(state, Purpose::Confirm, token).await?;
    let now = Timestamp::now();
    let username: Option<String> = run!(&mut transaction, |connection| sqlx::query_scalar(
        "UPDATE users SET confirmed_at = COALESCE(confirmed_at, $1), updated_at = $1
         WHERE id = $2 AND email = $3 RETURNING username"
    )
    .bind(&now)
    .bind(redeemed.user_id)
    .bind(&redeemed.sent_to)
    .fetch_optional(connection)
    .await)?;
    // The account moved to another address since the link was sent: the link confirms nothing now.
    let username = username.ok_or(AppError::InvalidLink)?;
    record_own(
        &mut transaction,
        redeemed.user_id,
        &username,
        "confirm_email",
        None,
    )
    .await?;
    transaction.commit().await?;
    tracing::info!(user_id = redeemed.user_id, "email address confirmed");
    Ok(redeemed)
}

/// Asks for a reset link. Answers the same, after the same work, whether or not an account has the address:
/// the throttle counts the typed address either way, and the lookup and the mail happen after the answer.
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
    let user = repository::find_by_login(state.pool.reads(), email.as_str()).await?;
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
    let found = tokens::find(state.pool.reads(), purpose, token)
        .await?
        .ok_or(AppError::InvalidLink)?;
    let user = repository::find_by_id(state.pool.reads(), found.user_id)
        .await?
        .filter(|user| user.active)
        // A confirmation link confirms only the address it was sent to (see `confirm`).
        .filter(|user| purpose != Purpose::Confirm || user.email == found.sent_to)
        .ok_or(AppError::InvalidLink)?;
    Ok((user, found.sent_to))
}

/// Uses a reset link: sets the new password (by the rules of registration), ends every session and API token
/// of the account, and sends a notice. It logs nobody in: the owner logs in with the new password.
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
    run!(&mut transaction, |connection| sqlx::query(
        "UPDATE users SET confirmed_at = COALESCE(confirmed_at, $1) WHERE id = $2 AND email = $3"
    )
    .bind(&now)
    .bind(user.id)
    .bind(&user.email)
    .execute(connection)
    .await
    .map(|_| ()))?;
    record_own(
        &mut transaction,
        user.id,
        &user.username,
        "reset_password",
        ip,
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

/// Asks to move the account to `input.new_email`: after the current password is checked, a link goes to the
/// new address and a notice (no link) to the old one. Nothing changes until the link is used. Answers what to
/// tell the user, the same whether or not another account has the address, after the same work: the request
/// is counted first (against the account and against the address asked for), and the lookup, the link and
/// the mails happen after the answer. A taken address gets a notice for its owner instead of a link (as
/// django-allauth does), and the account's earlier change-of-address link is voided either way. (Registration
/// still says that an address is taken: this keeps a signed-in account from testing addresses without limit.)
pub async fn request_email_change(
    state: &AppState,
    user: &UserRecord,
    input: &EmailChangeInput,
    ip: Option<&str>,
) -> Result<String, AppError> {
    let new_email = input.validate().map_err(AppError::Validation)?;
    if email_key(new_email.as_str()) == email_key(&user.email) {
        return Err(AppError::invalid(
            "new_email",
            "This is already your address.",
        ));
    }
    accounts::check_current_password(
        &state.hasher,
        &state.throttle,
        user,
        input.current_password.expose(),
        ip,
    )
    .await?;
    for subjects in [
        Subjects::user(user.id, ip),
        // The address asked for is counted too, so that many accounts cannot flood its owner with notices;
        // without the client's address, which the first subject counts already.
        Subjects::mailbox(&email_key(new_email.as_str()), None),
    ] {
        state
            .throttle
            .reserve(Action::Mail, &subjects)
            .await?
            .keep();
    }
    let message = format!(
        "We sent a link to {}. Your address changes when you open it.",
        new_email.as_str()
    );
    let (state, user) = (state.clone(), user.clone());
    state.email.mailer.clone().spawn_work(async move {
        if let Err(error) = send_email_change(&state, &user, &new_email).await {
            tracing::error!(
                ?error,
                user_id = user.id,
                "change of email address not sent"
            );
        }
    });
    Ok(message)
}

async fn send_email_change(
    state: &AppState,
    user: &UserRecord,
    new_email: &Email,
) -> Result<(), AppError> {
    let policy = &state.email;
    match repository::find_by_login(state.pool.reads(), new_email.as_str()).await? {
        Some(owner) => {
            // As a new link would, the request ends the account's earlier one.
            let mut transaction = state.pool.begin().await?;
            if !credentials::still_current(&mut transaction, user).await? {
                return credentials_ended(user);
            }
            tokens::void(&mut transaction, user.id, Purpose::ChangeEmail).await?;
            transaction.commit().await?;
            if owner.active {
                policy.mailer.send(messages::address_already_registered(
                    &owner.email,
                    owner.id,
                    &format!("{}/forgot", policy.site_url),
                ));
            }
            tracing::info!(
                user_id = user.id,
                "change of email address asked for an address another account has; its owner is told"
            );
        }
        None => {
            let Some(link) = policy
                .issue_link(&state.pool, user, Purpose::ChangeEmail, new_email.as_str())
                .await?
            else {
                return credentials_ended(user);
            };
            policy.mailer.send(messages::confirm_new_address(
                new_email.as_str(),
                user.id,
                &user.email,
                &link,
                policy.change_hours,
            ));
            tracing::info!(user_id = user.id, "change of email address requested");
        }
    }
    policy.mailer.send(messages::address_change_requested(
        &user.email,
        user.id,
        new_email.as_str(),
    ));
    Ok(())
}

/// A change of address asked for under credentials that have ended since (a password change, a reset, a
/// deactivation): an expected race, not a failure; nothing is sent.
fn credentials_ended(user: &UserRecord) -> Result<(), AppError> {
    tracing::info!(
        user_id = user.id,
        "the account's credentials ended meanwhile; no change of address sent"
    );
    Ok(())
}

/// Opens the transaction that uses a link: the account's row first ([`credentials::hold`]), then the link,
/// the order every change of an account takes, so that using a link and making or voiding one for the same
/// account wait for each other instead of deadlocking. Answers the transaction and what the link says.
async fn redeem(
    state: &AppState,
    purpose: Purpose,
    token: &str,
) -> Result<(Transaction, tokens::Redeemed), AppError> {
    let found = tokens::find(state.pool.reads(), purpose, token)
        .await?
        .ok_or(AppError::InvalidLink)?;
    let mut transaction = state.pool.begin().await?;
    credentials::hold(&mut transaction, found.user_id).await?;
    let redeemed = tokens::consume(&mut transaction, purpose, token)
        .await?
        .filter(|redeemed| redeemed.user_id == found.user_id)
        .ok_or(AppError::InvalidLink)?;
    Ok((transaction, redeemed))
}

/// Uses a change-of-address link: the account takes the address the link was sent to, now confirmed, unless
/// another account took it meanwhile (then the link is spent and the answer says why). Answers whose account
/// moved, and where to.
pub async fn apply_email_change(
    state: &AppState,
    token: &str,
) -> Result<tokens::Redeemed, AppError> {
    let (mut transaction, redeemed) = redeem(state, Purpose::ChangeEmail, token).await?;
    let now = Timestamp::now();
    let changed: Result<Option<String>, sqlx::Error> =
        run!(&mut transaction, |connection| sqlx::query_scalar(
            "UPDATE users SET email = $1, email_key = $2, confirmed_at = $3, updated_at = $3
             WHERE id = $4 AND active RETURNING username"
        )
        .bind(&redeemed.sent_to)
        .bind(email_key(&redeemed.sent_to))
        .bind(&now)
        .bind(redeemed.user_id)
        .fetch_optional(connection)
        .await);
    let username = match changed {
        Ok(Some(username)) => username,
        Ok(None) => return Err(AppError::InvalidLink),
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            drop(transaction);
            // The unique index has the last word; the link is spent so it cannot be tried again later.
            tokens::void(&state.pool, redeemed.user_id, Purpose::ChangeEmail).await?;
            return Err(email_taken());
        }
        Err(error) => return Err(error.into()),
    };
    // Reset links went to the old address; they must not outlive the move.
    tokens::void(&mut transaction, redeemed.user_id, Purpose::Reset).await?;
    record_own(
        &mut transaction,
        redeemed.user_id,
        &username,
        "change_email",
        None,
    )
    .await?;
    transaction.commit().await?;
    tracing::info!(user_id = redeemed.user_id, "email address changed");
    Ok(redeemed)
}

fn email_taken() -> AppError {
    let mut fields = FieldErrors::default();
    fields.add(
        "new_email",
        "This email address is already registered to another account.",
    );
    AppError::Conflict(fields)
}

/// An audit entry for what the account holder did to their own account.
async fn record_own(
    transaction: &mut Transaction,
    user_id: i64,
    username: &str,
    action: &str,
    ip: Option<&str>,
) -> Result<(), sqlx::Error> {
    let entry = NewAuditEntry {
        actor_id: Some(user_id),
        actor: username,
        action,
        target_user_id: Some(user_id),
        target: username,
        detail: None,
        ip,
    };
    audit::record(transaction, &entry, &Timestamp::now()).await
}
