//! The token use cases, for the account page and the JSON API alike: creating one (throttled, capped),
//! listing, revoking (which ends the live streams it opened).

use super::{
    queries::{self, MAX_PER_USER},
    ApiToken, NewApiToken,
};
use crate::{
    audit::{Actor, AuditAction},
    auth::{
        queries::UserRecord,
        reauth::{self, Proof},
        throttle::{Action, Subjects},
    },
    db::Lock,
    domain::TokenName,
    error::AppError,
    state::AppState,
};

/// Creates a token named `name` for `owner`; its secret is in the answer and nowhere else. A lasting way into
/// the account, so it needs a fresh password (`proof`, see [`reauth`]). Throttled: every creation counts as an
/// attempt, so even a session with a fresh password cannot mint tokens in bulk.
///
/// `owner` is the account as this request's session or token found it: the token is issued under that
/// session secret, so if a password change or deactivation commits while it is being created, it is dead on
/// arrival instead of outliving the change.
#[tracing::instrument(skip_all, fields(user_id = owner.id))]
pub async fn create(
    state: &AppState,
    owner: &UserRecord,
    proof: Proof<'_>,
    name: &str,
    ip: Option<&str>,
) -> Result<NewApiToken, AppError> {
    let name = TokenName::parse(name).map_err(|message| AppError::invalid("name", message))?;
    reauth::require(state, proof, owner, ip).await?;
    let reservation = state
        .throttle
        .reserve(Action::TokenCreation, &Subjects::user(owner.id, ip))
        .await?;
    // Counting and inserting under the owner's lock keeps the cap exact under a burst.
    let mut transaction = state.pool.begin_serialized(&[Lock::User(owner.id)]).await?;
    if queries::count(&mut transaction, owner).await? >= MAX_PER_USER {
        drop(transaction);
        state.throttle.release(reservation).await?;
        return Err(AppError::invalid(
            "name",
            format!("You have {MAX_PER_USER} tokens already; revoke one first."),
        ));
    }
    let token = queries::insert(&mut transaction, owner, &name).await?;
    Actor::owner(owner.id, &owner.username, ip)
        .record(
            &mut transaction,
            AuditAction::CreateToken,
            (Some(owner.id), &owner.username),
            Some(&token.name),
        )
        .await?;
    transaction.commit().await?;
    reservation.keep();
    tracing::info!(user_id = owner.id, token_id = token.id, "API token created");
    Ok(token)
}

/// The owner's tokens, oldest first, without secrets.
#[tracing::instrument(skip_all)]
pub async fn list(state: &AppState, owner: &UserRecord) -> Result<Vec<ApiToken>, AppError> {
    Ok(queries::list(&state.pool, owner).await?)
}

/// Revokes one of the owner's tokens (from `ip`, for the security log) and makes the streams it opened check
/// their credentials; `NotFound` when the owner has no such token.
#[tracing::instrument(skip_all, fields(user_id = owner.id, token_id = id))]
pub async fn revoke(
    state: &AppState,
    owner: &UserRecord,
    id: i64,
    ip: Option<&str>,
) -> Result<(), AppError> {
    let mut transaction = state.pool.begin().await?;
    let name = queries::revoke(&mut transaction, owner, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Actor::owner(owner.id, &owner.username, ip)
        .record(
            &mut transaction,
            AuditAction::RevokeToken,
            (Some(owner.id), &owner.username),
            Some(&name),
        )
        .await?;
    transaction.commit().await?;
    state.live.recheck(&state.pool, owner.id).await;
    Ok(())
}
