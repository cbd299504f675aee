//! The security log's SQL: reading an account's audit entries, and the sweeper's deletion of old activity.

use sqlx::FromRow;

use super::{ActivityEntry, ActivityPageOf, Cause};
use crate::{
    audit::{
        actor::{COMMAND_LINE, VISITOR},
        queries::activity_condition,
        AuditAction,
    },
    db::{run, Pool},
    timestamp::Timestamp,
};

#[derive(FromRow)]
struct Row {
    id: i64,
    at: Timestamp,
    actor_id: Option<i64>,
    actor: String,
    action: String,
    detail: Option<String>,
    ip: Option<String>,
}

impl Row {
    fn into_entry(self, owner: i64) -> Option<ActivityEntry> {
        let action = AuditAction::try_from(self.action).ok()?;
        let by = match self.actor_id {
            // Whoever held the copied passkey, which may not be the holder.
            _ if action == AuditAction::PasskeyCloneWarning => Cause::Someone,
            Some(id) if id == owner => Cause::You,
            None if self.actor == VISITOR => Cause::Someone,
            None if self.actor.starts_with(COMMAND_LINE) => Cause::Operator,
            // An admin, perhaps since deleted (then named "deleted account #…").
            _ => Cause::Admin { name: self.actor },
        };
        // An admin's or operator's address is theirs, not the holder's to see.
        let ip = match by {
            Cause::You | Cause::Someone => self.ip,
            Cause::Admin { .. } | Cause::Operator => None,
        };
        Some(ActivityEntry {
            id: self.id,
            at: self.at,
            action,
            event: action.as_event().to_owned(),
            by,
            detail: self.detail,
            ip,
        })
    }
}

/// Up to `limit` entries about account `owner` older than entry `before` (all, without), newest first.
pub async fn page(
    pool: &Pool,
    owner: i64,
    before: Option<i64>,
    limit: u32,
) -> Result<ActivityPageOf, sqlx::Error> {
    let mut rows: Vec<Row> = run!(pool.reads(), |connection| sqlx::query_as(
        "SELECT id, at, actor_id, actor, action, detail, ip FROM audit_log
         WHERE target_user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
    )
    .bind(owner)
    .bind(before.unwrap_or(i64::MAX))
    .bind(i64::from(limit) + 1)
    .fetch_all(connection)
    .await)?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let older = more.then(|| rows.last().map(|row| row.id)).flatten();
    Ok(ActivityPageOf {
        entries: rows
            .into_iter()
            .filter_map(|row| row.into_entry(owner))
            .collect(),
        older,
    })
}

/// Every entry about account `owner`, newest first (for the export).
pub async fn all(pool: &Pool, owner: i64) -> Result<Vec<ActivityEntry>, sqlx::Error> {
    let rows: Vec<Row> = run!(pool.reads(), |connection| sqlx::query_as(
        "SELECT id, at, actor_id, actor, action, detail, ip FROM audit_log
         WHERE target_user_id = $1 ORDER BY id DESC",
    )
    .bind(owner)
    .fetch_all(connection)
    .await)?;
    Ok(rows
        .into_iter()
        .filter_map(|row| row.into_entry(owner))
        .collect())
}

/// Deletes the accounts' everyday activity ([`AuditAction::ACTIVITY`]: sign-ins, failed sign-ins, tokens,
/// devices signed out) older than `cutoff`; answers how many. The changes that make the audit trail (what
/// admins and operators did, a holder's change of address or of two-factor sign-in) stay.
pub async fn delete_older_than(pool: &Pool, cutoff: &Timestamp) -> Result<u64, sqlx::Error> {
    let sql = format!(
        "DELETE FROM audit_log WHERE at < $1 AND {}",
        activity_condition(2)
    );
    run!(pool, |connection| {
        let mut query = sqlx::query(&sql).bind(cutoff);
        for action in AuditAction::ACTIVITY {
            query = query.bind(action.as_str());
        }
        query
            .execute(connection)
            .await
            .map(|done| done.rows_affected())
    })
}
