//! The passkey use cases, for the pages, the JSON API and the command line alike: adding, renaming and removing
//! a passkey, signing in with one, and answering a second step with one. Each change commits with its audit
//! entry; its mail leaves after the commit.

use ring::rand::{SecureRandom, SystemRandom};
use tower_sessions::Session;
use webauthn_rs::prelude::{
    AuthenticationResult, CreationChallengeResponse, DiscoverableAuthentication, Passkey,
    PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse, Uuid, Webauthn, WebauthnError,
};
use webauthn_rs_proto::ResidentKeyRequirement;

use super::{
    ceremony::{self, Purpose},
    messages,
    queries::{self, NewPasskey, PasskeyRecord},
    PasskeySummary, MAX_PER_USER,
};
use crate::{
    audit::{Actor, AuditAction},
    auth::{
        email::EmailPolicy,
        queries::{self as users, UserRecord},
        reauth::{self, Proof},
        throttle::{Action, Subjects},
        two_factor::pending::PendingSignIn,
    },
    config::EmailConfirmation,
    db::{Lock, Transaction},
    domain::PasskeyName,
    error::{AppError, FieldErrors},
    state::AppState,
    timestamp::Timestamp,
};

/// The account's passkeys, oldest first.
pub async fn list(state: &AppState, user: &UserRecord) -> Result<Vec<PasskeySummary>, AppError> {
    Ok(queries::list(state.pool.reads(), user.id)
        .await?
        .into_iter()
        .map(summary)
        .collect())
}

/// Begins adding a passkey to `user`'s account from this browser: needs a fresh password, and room for one
/// more. Answers the options for `navigator.credentials.create`; the account's passkeys are excluded, so an
/// authenticator that holds one already says so instead of making a second.
#[tracing::instrument(skip_all, fields(user_id = user.id))]
pub async fn begin_registration(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    proof: Proof<'_>,
    ip: Option<&str>,
) -> Result<CreationChallengeResponse, AppError> {
    let webauthn = webauthn(state)?;
    reauth::require(state, proof, user, ip).await?;
    let existing = queries::list(state.pool.reads(), user.id).await?;
    if existing.len() as i64 >= MAX_PER_USER {
        return Err(too_many());
    }
    let handle = match existing.first() {
        Some(record) => record.user_handle.clone(),
        None => new_user_handle()?,
    };
    let uuid = Uuid::from_slice(&handle).map_err(|_| AppError::Internal)?;
    let excluded = existing
        .iter()
        .map(|record| record.credential_id.clone())
        .collect();
    let (mut options, registration) = webauthn
        .start_passkey_registration(uuid, &user.username, &user.username, Some(excluded))
        .map_err(|error| internal("start a passkey registration", &error))?;
    // A discoverable credential is what lets `/login` offer the passkey before anyone types a name.
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(ResidentKeyRequirement::Preferred);
    }
    ceremony::begin(
        &state.pool,
        session,
        Purpose::Register,
        Some(user.id),
        &(handle, registration),
    )
    .await?;
    Ok(options)
}

/// Finishes adding the passkey this browser's authenticator made, under `name`. A credential registered to any
/// account already is refused. Audited and mailed.
#[tracing::instrument(skip_all, fields(user_id = user.id))]
pub async fn finish_registration(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    name: &str,
    answer: &RegisterPublicKeyCredential,
    ip: Option<&str>,
) -> Result<PasskeySummary, AppError> {
    let name = PasskeyName::parse(name).map_err(|message| AppError::invalid("name", message))?;
    let webauthn = webauthn(state)?;
    let taken =
        ceremony::take::<(Vec<u8>, PasskeyRegistration)>(&state.pool, session, Purpose::Register)
            .await?;
    if taken.user_id != Some(user.id) {
        return Err(AppError::Unauthenticated);
    }
    let (handle, registration) = taken.state;
    let passkey = webauthn
        .finish_passkey_registration(answer, &registration)
        .map_err(|error| {
            tracing::info!(user_id = user.id, %error, "passkey registration refused");
            not_accepted()
        })?;
    let credential = to_json(&passkey)?;
    let mut transaction = state.pool.begin_serialized(&[Lock::User(user.id)]).await?;
    if queries::count(&mut transaction, user.id).await? >= MAX_PER_USER {
        return Err(too_many());
    }
    // Two registrations begun at once on an account without passkeys chose two handles; the authenticator keeps
    // the one it was given, and all the account's passkeys must share one, so the later one starts again.
    if queries::user_handle(&mut transaction, user.id)
        .await?
        .is_some_and(|stored| stored != handle)
    {
        return Err(AppError::Refused(
            "Another passkey was added meanwhile. Add this one again.".into(),
        ));
    }
    let new = NewPasskey {
        user_id: user.id,
        credential_id: passkey.cred_id(),
        user_handle: &handle,
        name: name.as_str(),
        credential: &credential,
    };
    let Some(record) = queries::insert(&mut transaction, &new, &Timestamp::now()).await? else {
        let mut fields = FieldErrors::default();
        fields.add(
            "credential",
            "This passkey is registered already. Use another, or sign in with it.",
        );
        return Err(AppError::Conflict(fields));
    };
    record_owner(
        &mut transaction,
        user,
        ip,
        AuditAction::AddPasskey,
        &record.name,
    )
    .await?;
    transaction.commit().await?;
    tracing::info!(user_id = user.id, passkey_id = record.id, "passkey added");
    state.email.mailer.send(messages::added(
        &user.email,
        user.id,
        &record.name,
        &account_url(state),
    ));
    Ok(summary(record))
}

/// Renames the account's passkey `id`.
pub async fn rename(
    state: &AppState,
    user: &UserRecord,
    id: i64,
    name: &str,
) -> Result<PasskeySummary, AppError> {
    let name = PasskeyName::parse(name).map_err(|message| AppError::invalid("name", message))?;
    queries::rename(&state.pool, user.id, id, name.as_str())
        .await?
        .map(summary)
        .ok_or(AppError::NotFound)
}

/// Removes the account's passkey `id`: needs a fresh password (a borrowed browser must not take away the
/// owner's way in, nor quietly swap in its own). Audited and mailed.
#[tracing::instrument(skip_all, fields(user_id = user.id))]
pub async fn remove(
    state: &AppState,
    user: &UserRecord,
    proof: Proof<'_>,
    id: i64,
    ip: Option<&str>,
) -> Result<(), AppError> {
    reauth::require(state, proof, user, ip).await?;
    let mut transaction = state.pool.begin().await?;
    let record = queries::remove(&mut transaction, user.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    record_owner(
        &mut transaction,
        user,
        ip,
        AuditAction::RemovePasskey,
        &record.name,
    )
    .await?;
    transaction.commit().await?;
    tracing::info!(user_id = user.id, passkey_id = record.id, "passkey removed");
    state.email.mailer.send(messages::removed(
        &user.email,
        user.id,
        &record.name,
        &account_url(state),
    ));
    Ok(())
}

/// An operator removes every passkey of `user` (`leptodo users reset-2fa`): audited as theirs and mailed to the
/// account. Answers how many there were.
#[tracing::instrument(skip_all, fields(user_id = user.id))]
pub async fn reset(
    pool: &crate::db::Pool,
    email: &EmailPolicy,
    actor: &Actor,
    user: &UserRecord,
) -> Result<u64, AppError> {
    let mut transaction = pool.begin().await?;
    let removed = queries::remove_all(&mut transaction, user.id).await?;
    if removed > 0 {
        actor
            .record(
                &mut transaction,
                AuditAction::RemovePasskey,
                (Some(user.id), &user.username),
                Some(&format!("all {removed}")),
            )
            .await?;
    }
    transaction.commit().await?;
    if removed > 0 {
        tracing::info!(
            user_id = user.id,
            removed,
            "passkeys removed by an operator"
        );
        email.mailer.send(messages::all_removed(
            &user.email,
            user.id,
            removed,
            &format!("{}/account", email.site_url),
        ));
    }
    Ok(removed)
}

/// Begins a sign-in with whichever passkey the browser offers (autofill or the button): answers the options for
/// `navigator.credentials.get`, naming no account.
pub async fn begin_sign_in(
    state: &AppState,
    session: &Session,
) -> Result<RequestChallengeResponse, AppError> {
    let (options, authentication) = webauthn(state)?
        .start_discoverable_authentication()
        .map_err(|error| internal("start a passkey sign-in", &error))?;
    ceremony::begin(&state.pool, session, Purpose::SignIn, None, &authentication).await?;
    Ok(options)
}

/// Finishes a sign-in with a passkey: the account is the one whose passkey signed this session's challenge.
/// Records the login and answers the account; the session is the caller's to begin. Refused answers count in
/// the login throttle of the address.
#[tracing::instrument(skip_all)]
pub async fn finish_sign_in(
    state: &AppState,
    session: &Session,
    answer: &PublicKeyCredential,
    ip: Option<&str>,
) -> Result<UserRecord, AppError> {
    let webauthn = webauthn(state)?;
    let taken =
        ceremony::take::<DiscoverableAuthentication>(&state.pool, session, Purpose::SignIn).await?;
    let reservation = state
        .throttle
        .reserve(Action::Login, &Subjects::address(ip))
        .await?;
    let found = match webauthn.identify_discoverable_authentication(answer) {
        Ok((handle, credential_id)) => {
            queries::find_by_handle(state.pool.reads(), handle.as_bytes(), credential_id).await?
        }
        Err(_) => None,
    };
    let Some(record) = found else {
        reservation.keep();
        tracing::info!(address = ip, "passkey sign-in refused: unknown passkey");
        return Err(not_accepted());
    };
    let mut passkey = from_json(&record)?;
    let checked = webauthn.finish_discoverable_authentication_v2(answer, taken.state, &passkey);
    let result = match checked {
        Ok(result) => result,
        Err(error) => {
            reservation.keep();
            return Err(refused_answer(state, &record, &error, ip).await);
        }
    };
    let user = users::find_by_id(state.pool.reads(), record.user_id)
        .await?
        .ok_or_else(not_accepted)?;
    state.throttle.release(reservation).await?;
    may_sign_in(state, &user)?;
    note_use(state, &record, &mut passkey, &result).await?;
    let recorded = users::record_login(&state.pool, &user, ip, &Timestamp::now())
        .await?
        .ok_or(AppError::Unauthenticated)?;
    tracing::info!(user_id = user.id, "logged in with a passkey");
    Ok(recorded)
}

/// Begins answering the second step of `pending` with one of its account's passkeys.
pub async fn begin_second_step(
    state: &AppState,
    session: &Session,
    pending: &PendingSignIn,
) -> Result<RequestChallengeResponse, AppError> {
    let webauthn = webauthn(state)?;
    let user = pending_user(state, pending).await?;
    let passkeys = queries::list(state.pool.reads(), user.id)
        .await?
        .iter()
        .map(from_json)
        .collect::<Result<Vec<_>, _>>()?;
    if passkeys.is_empty() {
        return Err(AppError::Refused(
            "This account has no passkey. Enter a code instead.".into(),
        ));
    }
    let (options, authentication) = webauthn
        .start_passkey_authentication(&passkeys)
        .map_err(|error| internal("start a passkey second step", &error))?;
    ceremony::begin(
        &state.pool,
        session,
        Purpose::SecondStep,
        Some(user.id),
        &authentication,
    )
    .await?;
    Ok(options)
}

/// Answers the second step of `pending` with a passkey of its account: the login is recorded and the account
/// answered, as after a right code. Refused answers count in the login throttle like wrong codes.
#[tracing::instrument(skip_all, fields(user_id = pending.user_id))]
pub async fn finish_second_step(
    state: &AppState,
    session: &Session,
    pending: &PendingSignIn,
    answer: &PublicKeyCredential,
    ip: Option<&str>,
) -> Result<UserRecord, AppError> {
    let webauthn = webauthn(state)?;
    let taken =
        ceremony::take::<PasskeyAuthentication>(&state.pool, session, Purpose::SecondStep).await?;
    let user = pending_user(state, pending).await?;
    if taken.user_id != Some(user.id) {
        return Err(AppError::Unauthenticated);
    }
    let subjects = Subjects::user(user.id, ip);
    let reservation = state.throttle.reserve(Action::Login, &subjects).await?;
    let record = queries::list(state.pool.reads(), user.id)
        .await?
        .into_iter()
        .find(|record| record.credential_id == answer.raw_id);
    let Some(record) = record else {
        reservation.keep();
        return Err(not_accepted());
    };
    let mut passkey = from_json(&record)?;
    let result = match webauthn.finish_passkey_authentication(answer, &taken.state) {
        Ok(result) => result,
        Err(error) => {
            reservation.keep();
            return Err(refused_answer(state, &record, &error, ip).await);
        }
    };
    note_use(state, &record, &mut passkey, &result).await?;
    let recorded = users::record_login(&state.pool, &user, ip, &Timestamp::now())
        .await?
        .ok_or(AppError::Unauthenticated)?;
    state
        .throttle
        .forgive_account(Action::Login, &subjects, reservation)
        .await?;
    tracing::info!(
        user_id = user.id,
        "logged in with a passkey as the second step"
    );
    Ok(recorded)
}

/// The passkeys' checker, or why this site has none.
fn webauthn(state: &AppState) -> Result<&Webauthn, AppError> {
    state.passkeys.webauthn().ok_or_else(|| {
        AppError::Refused(
            "Passkeys are not available on this site (it needs a domain name).".into(),
        )
    })
}

/// Only an account that may sign in at all signs in with a passkey: as after a right password.
fn may_sign_in(state: &AppState, user: &UserRecord) -> Result<(), AppError> {
    if !user.active {
        return Err(AppError::Inactive);
    }
    if state.email.confirmation == EmailConfirmation::Required && user.confirmed_at.is_none() {
        return Err(AppError::Unconfirmed);
    }
    Ok(())
}

async fn pending_user(state: &AppState, pending: &PendingSignIn) -> Result<UserRecord, AppError> {
    users::find_by_id(state.pool.reads(), pending.user_id)
        .await?
        .filter(|user| pending.is_for(user))
        .ok_or(AppError::Unauthenticated)
}

/// Stores the new signature counter and backup flags, and the time of use.
async fn note_use(
    state: &AppState,
    record: &PasskeyRecord,
    passkey: &mut Passkey,
    result: &AuthenticationResult,
) -> Result<(), AppError> {
    passkey.update_credential(result);
    queries::record_use(
        &state.pool,
        record.user_id,
        record.id,
        &to_json(&*passkey)?,
        &Timestamp::now(),
    )
    .await?;
    Ok(())
}

/// What a refused answer is told; a counter that went backwards (a cloned authenticator, maybe) is logged as a
/// warning and audited on the account.
async fn refused_answer(
    state: &AppState,
    record: &PasskeyRecord,
    error: &WebauthnError,
    ip: Option<&str>,
) -> AppError {
    if matches!(error, WebauthnError::CredentialPossibleCompromise) {
        tracing::warn!(
            user_id = record.user_id,
            passkey_id = record.id,
            "passkey signature counter went backwards: the authenticator may have been cloned"
        );
        if let Err(error) = audit_clone_warning(state, record, ip).await {
            tracing::error!(%error, "the passkey clone warning could not be audited");
        }
    } else {
        tracing::info!(user_id = record.user_id, %error, "passkey answer refused");
    }
    not_accepted()
}

async fn audit_clone_warning(
    state: &AppState,
    record: &PasskeyRecord,
    ip: Option<&str>,
) -> Result<(), AppError> {
    let user = users::find_by_id(state.pool.reads(), record.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut transaction = state.pool.begin().await?;
    record_owner(
        &mut transaction,
        &user,
        ip,
        AuditAction::PasskeyCloneWarning,
        &record.name,
    )
    .await?;
    transaction.commit().await?;
    Ok(())
}

async fn record_owner(
    transaction: &mut Transaction,
    user: &UserRecord,
    ip: Option<&str>,
    action: AuditAction,
    passkey_name: &str,
) -> Result<(), sqlx::Error> {
    Actor::owner(user.id, &user.username, ip)
        .record(
            transaction,
            action,
            (Some(user.id), &user.username),
            Some(passkey_name),
        )
        .await
}

fn summary(record: PasskeyRecord) -> PasskeySummary {
    PasskeySummary {
        id: record.id,
        name: record.name,
        created_at: record.created_at,
        last_used_at: record.last_used_at,
    }
}

/// 16 random bytes: the handle the authenticator keeps for the account, which says nothing about it.
fn new_user_handle() -> Result<Vec<u8>, AppError> {
    let mut handle = vec![0_u8; 16];
    SystemRandom::new()
        .fill(&mut handle)
        .map_err(|_| AppError::Internal)?;
    Ok(handle)
}

fn to_json(passkey: &Passkey) -> Result<String, AppError> {
    serde_json::to_string(passkey).map_err(|error| {
        tracing::error!(%error, "a passkey does not serialise");
        AppError::Internal
    })
}

fn from_json(record: &PasskeyRecord) -> Result<Passkey, AppError> {
    serde_json::from_str(&record.credential).map_err(|error| {
        tracing::error!(%error, passkey_id = record.id, "a stored passkey does not read back");
        AppError::Internal
    })
}

fn internal(what: &str, error: &WebauthnError) -> AppError {
    tracing::error!(%error, "could not {what}");
    AppError::Internal
}

fn account_url(state: &AppState) -> String {
    format!("{}/account", state.email.site_url)
}

fn too_many() -> AppError {
    AppError::Refused(format!(
        "You have {MAX_PER_USER} passkeys already; remove one first."
    ))
}

/// One answer for every refused passkey, so a caller learns nothing of which check failed.
fn not_accepted() -> AppError {
    AppError::invalid(
        "credential",
        "This passkey was not accepted. Try again, or use your password.",
    )
}
