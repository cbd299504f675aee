//! The audit log's SQL: the one writer of `audit_log` (besides `db copy`, which moves it whole).

use super::{AuditAction, AuditEntry};
use crate::{
    db::{run, Pool, Transaction},
    timestamp::Timestamp,
};

/// An audit entry about to be written.
pub struct NewAuditEntry<'a> {
    /// The acting user's id; `None` for the command line.
    pub actor_id: Option<i64>,
    /// The actor as the log names them.
    pub actor: &'a str,
    /// What was done.
    pub action: AuditAction,
    /// The user acted on, if any.
    pub target_user_id: Option<i64>,
    /// The username acted on, or the role created.
    pub target: &'a str,
    /// The role granted or revoked, if any.
    pub detail: Option<&'a str>,
    /// The actor's client address.
    pub ip: Option<&'a str>,
}

/// Writes an audit entry, in the transaction of the action it records.
pub async fn insert(
    transaction: &mut Transaction,
    entry: &NewAuditEntry<'_>,
    now: &Timestamp,
) -> Result<(), sqlx::Error> {
    run!(transaction, |connection| sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor, action, target_user_id, target, detail, ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(now)
    .bind(entry.actor_id)
    .bind(entry.actor)
    .bind(entry.action.as_str())
    .bind(entry.target_user_id)
    .bind(entry.target)
    .bind(entry.detail)
    .bind(entry.ip)
    .execute(connection)
    .await
    .map(|_| ()))
}

/// Takes account `user_id` out of the log before the account itself is deleted: its holder's own entries and
/// failed sign-ins go (they are its activity: devices, addresses); entries of what admins did to it, and of
/// what it did as an admin, stay, naming it only as `label` and without its address.
pub async fn forget_account(
    transaction: &mut Transaction,
    user_id: i64,
    label: &str,
) -> Result<(), sqlx::Error> {
    run!(&mut *transaction, |connection| sqlx::query(
        "DELETE FROM audit_log WHERE target_user_id = $1
         AND (actor_id = $1 OR (actor_id IS NULL AND action = $2))",
    )
    .bind(user_id)
    .bind(AuditAction::SignInFailed.as_str())
    .execute(connection)
    .await
    .map(|_| ()))?;
    run!(&mut *transaction, |connection| sqlx::query(
        "UPDATE audit_log SET target = $2 WHERE target_user_id = $1"
    )
    .bind(user_id)
    .bind(label)
    .execute(connection)
    .await
    .map(|_| ()))?;
    run!(&mut *transaction, |connection| sqlx::query(
        "UPDATE audit_log SET actor = $2, ip = NULL WHERE actor_id = $1"
    )
    .bind(user_id)
    .bind(label)
    .execute(connection)
    .await
    .map(|_| ()))
}

/// After the account named `username` was deleted in `transaction`: deletes the entries about it that requests
/// of the account committed while the deletion ran (after [`forget_account`], before the account's row was
/// gone), which the delete's cascade left naming it by username only. `since` bounds the search to those
/// moments, and no other entry without an account names a username: a role's creation names the role,
/// deleted accounts are named "deleted account #…".
pub async fn forget_late_entries(
    transaction: &mut Transaction,
    username: &str,
    since: &Timestamp,
) -> Result<(), sqlx::Error> {
    run!(&mut *transaction, |connection| sqlx::query(
        "DELETE FROM audit_log WHERE target_user_id IS NULL AND target = $1 AND at >= $2
         AND action NOT IN ($3, $4)",
    )
    .bind(username)
    .bind(since)
    .bind(AuditAction::CreateRole.as_str())
    .bind(AuditAction::DeleteAccount.as_str())
    .execute(connection)
    .await
    .map(drop))
}

/// `action IN (…)` over [`AuditAction::ACTIVITY`], its placeholders numbered from `$first`.
pub fn activity_condition(first: usize) -> String {
    let placeholders: Vec<String> = (0..AuditAction::ACTIVITY.len())
        .map(|offset| format!("${}", first + offset))
        .collect();
    format!("action IN ({})", placeholders.join(", "))
}

/// The latest `limit` audit entries, newest first, without the accounts' everyday activity
/// ([`AuditAction::ACTIVITY`]), which only each account's security log shows.
pub async fn recent_entries(pool: &Pool, limit: u32) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let sql = format!(
        "SELECT at, actor, action, target, detail, ip FROM audit_log WHERE NOT {}
         ORDER BY id DESC LIMIT $1",
        activity_condition(2)
    );
    run!(pool.reads(), |connection| {
        let mut query = sqlx::query_as(&sql).bind(i64::from(limit));
        for action in AuditAction::ACTIVITY {
            query = query.bind(action.as_str());
        }
        query.fetch_all(connection).await
    })
}
