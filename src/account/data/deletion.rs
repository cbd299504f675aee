//! Deleting an account: everything of it goes in one transaction, the audit log keeps a tombstone, and the
//! address gets a goodbye mail. Its holder (after re-authentication and typing the username), and an operator
//! (`leptodo users delete`), come here.

use crate::{
    account::devices,
    admin::queries as admin_queries,
    audit::{actor::deleted_account_label, queries as audit, Actor},
    auth::{
        credentials,
        email::{messages, EmailPolicy},
        queries::UserRecord,
        reauth::{self, Proof},
    },
    db::{run, Lock, Pool},
    domain::RoleName,
    error::AppError,
    state::AppState,
    timestamp::Timestamp,
    todos::live::hub::Hub,
};

/// Whether the username typed to confirm a deletion is the account's (as a login is: case aside).
fn confirms(typed: &str, user: &UserRecord) -> bool {
    typed.trim().eq_ignore_ascii_case(&user.username)
}

/// The holder deleting their own account (from `ip`): with a fresh password (`proof`, see [`reauth`]), and
/// `typed_username` their username; then as [`delete`].
pub async fn delete_own(
    state: &AppState,
    proof: Proof<'_>,
    user: &UserRecord,
    typed_username: &str,
    ip: Option<&str>,
) -> Result<(), AppError> {
    reauth::require(state, proof, user, ip).await?;
    if !confirms(typed_username, user) {
        return Err(AppError::invalid(
            "confirm_username",
            "Type your username to confirm.",
        ));
    }
    let actor = Actor::owner(user.id, &user.username, ip);
    delete(&state.pool, &state.live, &state.email, &actor, user).await
}

/// Deletes `user`'s account and everything of it: todos, API tokens, sessions (on every instance: their rows
/// go, and the account's live streams are told to check their login), mail links, two-factor secrets and
/// recovery codes, passkeys; the audit log keeps only a tombstone (`Actor::record_deletion`) and forgets the
/// rest of the account (`audit::forget_account`). The username and the address are free again once it
/// commits. Refused while the account is the last active admin.
#[tracing::instrument(skip_all, fields(user_id = user.id))]
pub async fn delete(
    pool: &Pool,
    live: &Hub,
    email: &EmailPolicy,
    actor: &Actor,
    user: &UserRecord,
) -> Result<(), AppError> {
    // Serialised with every administrative change, so the last-admin check sees what they committed.
    let mut transaction = pool.begin_serialized(&[Lock::Administration]).await?;
    credentials::hold(&mut transaction, user.id).await?;
    // Entries written by requests of the account that commit while this runs are found after the delete.
    let started = Timestamp::from(time::OffsetDateTime::now_utc() - time::Duration::minutes(1));
    let managed = admin_queries::find_user(&mut transaction, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    devices::queries::delete_all_but(&mut transaction, user.id, None).await?;
    audit::forget_account(&mut transaction, user.id, &deleted_account_label(user.id)).await?;
    run!(&mut transaction, |connection| sqlx::query(
        "DELETE FROM users WHERE id = $1"
    )
    .bind(user.id)
    .execute(connection)
    .await
    .map(|_| ()))?;
    audit::forget_late_entries(&mut transaction, &user.username, &started).await?;
    if managed.active
        && managed.has_role(RoleName::ADMIN)
        && admin_queries::active_admin_count(&mut transaction).await? == 0
    {
        return Err(AppError::Refused(format!(
            "{} is the last active admin: make another user an admin first.",
            user.username
        )));
    }
    actor.record_deletion(&mut transaction, user.id).await?;
    transaction.commit().await?;
    live.recheck(pool, user.id).await;
    let by_operator = !matches!(actor, Actor::Owner { .. });
    email
        .mailer
        .send(messages::account_deleted(&user.email, user.id, by_operator));
    tracing::info!(user_id = user.id, "account deleted");
    Ok(())
}
