//! The security log's SQL: reading an account's audit entries, and the sweeper's deletion of old ones.

use sqlx::FromRow;

use super::{ActivityEntry, ActivityPageOf, Cause};
use crate::{
    audit::{actor::VISITOR, AuditAction},
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
            Some(id) if id == owner => Cause::You,
            Some(_) => Cause::Admin { name: self.actor },
            None if self.actor == VISITOR => Cause::Someone,
            None => Cause::Operator,
        };
        Some(ActivityEntry {
            id: self.id,
            at: self.at,
            action,
            event: action.as_event().to_owned(),
            by,
            detail: self.detail,
            ip: self.ip,
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

/// Deletes the security-log entries older than `cutoff` that the account's holder or a failed sign-in made;
/// answers how many. What admins and operators did stays: it is the audit trail.
pub async fn delete_older_than(pool: &Pool, cutoff: &Timestamp) -> Result<u64, sqlx::Error> {
    run!(pool, |connection| sqlx::query(
        "DELETE FROM audit_log WHERE at < $1 AND target_user_id IS NOT NULL
         AND (actor_id = target_user_id OR (actor_id IS NULL AND action = $2))",
    )
    .bind(cutoff)
    .bind(AuditAction::SignInFailed.as_str())
    .execute(connection)
    .await
    .map(|done| done.rows_affected()))
}
