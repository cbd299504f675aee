//! Changing the account's address: the request (checked against the current password, mailed to the new
//! address as a link and to the old one as a notice) and the link's use, which moves the account.

use super::{redeem, EmailChangeInput};
use crate::{
    audit::{Actor, AuditAction},
    auth::{
        attempts, credentials,
        email::{
            messages,
            queries::{self as links, Purpose},
        },
        identity::email_key,
        queries::{self, UserRecord},
        throttle::{Action, Subjects},
    },
    domain::Email,
    error::{AppError, FieldErrors},
    state::AppState,
    timestamp::Timestamp,
};

/// Asks to move the account to `input.new_email`: after the current password is checked, a link goes to the
/// new address and a notice (no link) to the old one. Nothing changes until the link is used. Answers what to
/// tell the user, the same whether or not another account has the address, after the same work: the request
/// is counted first (against the account and against the address asked for), and the lookup, the link and
/// the mails happen after the answer. A taken address gets a notice for its owner instead of a link (as
/// django-allauth does), and the account's earlier change-of-address link is voided either way. (Registration
/// still says that an address is taken: this keeps a signed-in account from testing addresses without limit.)
#[tracing::instrument(skip_all)]
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
    attempts::check_current_password(
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
    match queries::find_by_login(state.pool.reads(), new_email.as_str()).await? {
        Some(owner) => {
            // As a new link would, the request ends the account's earlier one.
            let mut transaction = state.pool.begin().await?;
            if !credentials::still_current(&mut transaction, user).await? {
                return credentials_ended(user);
            }
            links::void(&mut transaction, user.id, Purpose::ChangeEmail).await?;
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

/// Uses a change-of-address link: the account takes the address the link was sent to, now confirmed, unless
/// another account took it meanwhile (then the link is spent and the answer says why). Answers whose account
/// moved, and where to.
#[tracing::instrument(skip_all)]
pub async fn apply_email_change(
    state: &AppState,
    token: &str,
) -> Result<links::Redeemed, AppError> {
    let (mut transaction, redeemed) = redeem(state, Purpose::ChangeEmail, token).await?;
    let now = Timestamp::now();
    let changed =
        queries::move_to_address(&mut transaction, redeemed.user_id, &redeemed.sent_to, &now).await;
    let username = match changed {
        Ok(Some(username)) => username,
        Ok(None) => return Err(AppError::InvalidLink),
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            drop(transaction);
            // The unique index has the last word; the link is spent so it cannot be tried again later.
            links::void(&state.pool, redeemed.user_id, Purpose::ChangeEmail).await?;
            return Err(email_taken());
        }
        Err(error) => return Err(error.into()),
    };
    // Reset links went to the old address; they must not outlive the move.
    links::void(&mut transaction, redeemed.user_id, Purpose::Reset).await?;
    Actor::owner(redeemed.user_id, &username, None)
        .record(
            &mut transaction,
            AuditAction::ChangeEmail,
            (Some(redeemed.user_id), &username),
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
