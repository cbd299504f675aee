//! What administrators may do to accounts and roles, and the rules that hold whoever does it: the admin pages,
//! the JSON API and the command line all call these. Each runs in one transaction with its audit entry, so no
//! change is ever left without its entry. The transaction is serialised against every other administrative
//! one ([`Pool::begin_serialized`]: `BEGIN IMMEDIATE` on SQLite, an advisory lock on PostgreSQL), so the
//! last-admin check sees what a concurrent admin — on this instance or another — committed.

use super::{queries, ManagedUser};
use crate::{
    audit::{Actor, AuditAction},
    auth::{
        credentials::{self, PasswordOwner},
        hashing::PasswordHasher,
        queries::{self as user_queries, UserRecord},
        registration::RegistrationInput,
        service::insert_account,
    },
    db::{Lock, Pool, Transaction},
    domain::{Password, RoleName},
    error::AppError,
    timestamp::Timestamp,
    todos::live::hub::Hub,
};

/// A user after an operation, and whether the operation changed anything (asking twice is not an error).
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The user as they are now.
    pub user: ManagedUser,
    /// `false` when the user already was as asked.
    pub changed: bool,
}

/// Refuses a change that left no active admin while `user` was one: somebody must be able to manage the site.
/// (A site that never had an admin is not stopped from managing its other users.)
async fn keep_an_admin(transaction: &mut Transaction, user: &ManagedUser) -> Result<(), AppError> {
    if queries::active_admin_count(transaction).await? == 0 {
        return Err(AppError::Refused(format!(
            "{} is the last active admin: make another user an admin first.",
            user.username
        )));
    }
    Ok(())
}

/// Activates or deactivates a user. Deactivating ends all their sessions and revokes their API tokens at once,
/// and tells their live streams on every instance to check their login; an admin cannot deactivate themself,
/// and nobody can deactivate the last active admin.
#[tracing::instrument(skip_all, fields(user_id = user_id, active = active))]
pub async fn set_active(
    pool: &Pool,
    live: &Hub,
    actor: &Actor,
    user_id: i64,
    active: bool,
) -> Result<Outcome, AppError> {
    if !active && actor.user_id() == Some(user_id) {
        return Err(AppError::Refused(
            "You cannot deactivate your own account.".into(),
        ));
    }
    let mut transaction = pool.begin_serialized(&[Lock::Administration]).await?;
    let now = Timestamp::now();
    let changed = user_queries::set_active(&mut transaction, user_id, active, &now).await?;
    let user = queries::find_user(&mut transaction, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if changed {
        if !active {
            // Its sessions, tokens and links end, and stay ended if the account is activated again.
            credentials::end_all(&mut transaction, user_id, None, &now).await?;
            if user.has_role(RoleName::ADMIN) {
                keep_an_admin(&mut transaction, &user).await?;
            }
        }
        let action = if active {
            AuditAction::Activate
        } else {
            AuditAction::Deactivate
        };
        actor
            .record(
                &mut transaction,
                action,
                (Some(user.id), &user.username),
                None,
            )
            .await?;
        transaction.commit().await?;
        tracing::info!(user_id, %action, "account {action}d");
        if !active {
            live.recheck(pool, user_id).await;
        }
    }
    Ok(Outcome { user, changed })
}

/// Grants `role` to a user.
#[tracing::instrument(skip_all)]
pub async fn grant_role(
    pool: &Pool,
    actor: &Actor,
    user_id: i64,
    role: &RoleName,
) -> Result<Outcome, AppError> {
    change_role(pool, actor, user_id, role, true).await
}

/// Revokes `role` from a user; nobody can take `admin` from the last active admin.
#[tracing::instrument(skip_all)]
pub async fn revoke_role(
    pool: &Pool,
    actor: &Actor,
    user_id: i64,
    role: &RoleName,
) -> Result<Outcome, AppError> {
    change_role(pool, actor, user_id, role, false).await
}

async fn change_role(
    pool: &Pool,
    actor: &Actor,
    user_id: i64,
    role: &RoleName,
    grant: bool,
) -> Result<Outcome, AppError> {
    let mut transaction = pool.begin_serialized(&[Lock::Administration]).await?;
    let role_id = queries::role_id(&mut transaction, role)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = queries::find_user(&mut transaction, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let changed = match grant {
        true => queries::insert_grant(&mut transaction, user_id, role_id).await?,
        false => queries::delete_grant(&mut transaction, user_id, role_id).await?,
    };
    if !changed {
        return Ok(Outcome {
            user: before,
            changed,
        });
    }
    if !grant && role.as_str() == RoleName::ADMIN && before.active {
        keep_an_admin(&mut transaction, &before).await?;
    }
    let action = if grant {
        AuditAction::GrantRole
    } else {
        AuditAction::RevokeRole
    };
    actor
        .record(
            &mut transaction,
            action,
            (Some(user_id), &before.username),
            Some(role.as_str()),
        )
        .await?;
    let user = queries::find_user(&mut transaction, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    transaction.commit().await?;
    tracing::info!(user_id, role = role.as_str(), %action, "role changed");
    Ok(Outcome { user, changed })
}

/// Adds a role; `false` when one of that name exists already (its description is left as it is).
#[tracing::instrument(skip_all)]
pub async fn create_role(
    pool: &Pool,
    actor: &Actor,
    name: &RoleName,
    description: &str,
) -> Result<bool, AppError> {
    let mut transaction = pool.begin_serialized(&[Lock::Administration]).await?;
    let created = queries::insert_role(&mut transaction, name, description).await?;
    if created {
        actor
            .record(
                &mut transaction,
                AuditAction::CreateRole,
                (None, name.as_str()),
                None,
            )
            .await?;
        transaction.commit().await?;
    }
    Ok(created)
}

/// Creates an account by the registration rules (the password is given once: the caller confirms it), with
/// the `user` role and, if `admin`, the `admin` role.
#[tracing::instrument(skip_all)]
pub async fn create_user(
    pool: &Pool,
    hasher: &PasswordHasher,
    actor: &Actor,
    input: &RegistrationInput,
    admin: bool,
) -> Result<ManagedUser, AppError> {
    let account = input.validate().map_err(AppError::Validation)?;
    // Hashed before the transaction: the write lock is not held through argon2's tens of milliseconds.
    let password_hash = hasher.hash(&account.password).await?;
    let mut transaction = pool.begin_serialized(&[Lock::Administration]).await?;
    let user = insert_account(
        &mut transaction,
        &account,
        &password_hash,
        &Timestamp::now(),
    )
    .await?;
    let target = (Some(user.id), user.username.as_str());
    actor
        .record(&mut transaction, AuditAction::CreateUser, target, None)
        .await?;
    if admin {
        let role_id = queries::role_id(&mut transaction, &RoleName::admin())
            .await?
            .ok_or(AppError::Internal)?;
        queries::insert_grant(&mut transaction, user.id, role_id).await?;
        actor
            .record(
                &mut transaction,
                AuditAction::GrantRole,
                target,
                Some(RoleName::ADMIN),
            )
            .await?;
    }
    let created = queries::find_user(&mut transaction, user.id)
        .await?
        .ok_or(AppError::Internal)?;
    transaction.commit().await?;
    tracing::info!(user_id = user.id, admin, "account created by an operator");
    Ok(created)
}

/// Gives `user` a new password chosen by an operator; like a password change, it ends all the user's sessions
/// and revokes their API tokens, and their live streams are told to check their login.
#[tracing::instrument(skip_all, fields(user_id = user.id))]
pub async fn set_password(
    pool: &Pool,
    live: &Hub,
    hasher: &PasswordHasher,
    actor: &Actor,
    user: &UserRecord,
    password: &str,
) -> Result<(), AppError> {
    let password = Password::parse(password, &[&user.email, &user.username])
        .map_err(|message| AppError::invalid("password", message))?;
    let password_hash = hasher.hash(&password).await?;
    let mut transaction = pool.begin_serialized(&[Lock::Administration]).await?;
    credentials::set_password(
        &mut transaction,
        PasswordOwner::Any(user.id),
        &password_hash,
        &Timestamp::now(),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    actor
        .record(
            &mut transaction,
            AuditAction::SetPassword,
            (Some(user.id), &user.username),
            None,
        )
        .await?;
    transaction.commit().await?;
    tracing::info!(
        user_id = user.id,
        "password set by an operator; sessions ended"
    );
    live.recheck(pool, user.id).await;
    Ok(())
}

/// Marks a user's address as confirmed, as if they had used the link (for an operator who knows it is
/// theirs); `changed` is `false` when it already was.
#[tracing::instrument(skip_all)]
pub async fn confirm_email(
    pool: &Pool,
    actor: &Actor,
    user: &UserRecord,
) -> Result<bool, AppError> {
    let mut transaction = pool.begin_serialized(&[Lock::Administration]).await?;
    let changed = user_queries::confirm_address(&mut transaction, user.id, None, &Timestamp::now())
        .await?
        .ok_or(AppError::NotFound)?
        .newly;
    if changed {
        actor
            .record(
                &mut transaction,
                AuditAction::ConfirmEmail,
                (Some(user.id), &user.username),
                None,
            )
            .await?;
        transaction.commit().await?;
        tracing::info!(user_id = user.id, "email address confirmed by an operator");
    }
    Ok(changed)
}
