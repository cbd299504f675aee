//! The security log (`/account/activity`): the account's own entries of the audit log, newest first, paged,
//! for the page and the JSON API alike. The everyday activity (`AuditAction::ACTIVITY`: sign-ins, failed
//! sign-ins, tokens, devices signed out) is kept `security_log_days` (the sweeper deletes older entries); the
//! changes that make the audit trail stay.

#[cfg(feature = "ssr")]
pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod queries;

pub use page::ActivityPage;

use serde::{Deserialize, Serialize};

use crate::{audit::AuditAction, timestamp::Timestamp};

/// Entries on one page of the log.
pub const PAGE_SIZE: u32 = 25;

/// Who caused an entry, as the account's holder reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cause {
    /// The holder, signed in.
    You,
    /// Someone not signed in: a failed sign-in, or a refused copy of a passkey.
    Someone,
    /// An administrator, by username ("deleted account #…" once the admin's own account is gone).
    Admin {
        /// The admin's username when they acted.
        name: String,
    },
    /// An operator on the server's command line.
    Operator,
}

impl Cause {
    /// As the page says it.
    pub fn label(&self) -> String {
        match self {
            Self::You => "You".into(),
            Self::Someone => "Someone".into(),
            Self::Admin { name } => format!("Admin {name}"),
            Self::Operator => "An operator (command line)".into(),
        }
    }
}

/// One entry of the security log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActivityEntry {
    /// Its place in the log: pass it as `before` for the entries older than it.
    pub id: i64,
    /// When (RFC 3339, UTC).
    pub at: Timestamp,
    /// What was done (the audit log's action name).
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub action: AuditAction,
    /// What was done, as a sentence: "Signed in".
    pub event: String,
    /// Who did it.
    pub by: Cause,
    /// The device of a sign-in, the name of a token or passkey, the role of a role change.
    pub detail: Option<String>,
    /// The address it came from, if known: only for the holder's own entries and someone's attempts, never an
    /// admin's or operator's address.
    pub ip: Option<String>,
}

/// One page of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActivityPageOf {
    /// The entries, newest first.
    pub entries: Vec<ActivityEntry>,
    /// The `before` of the next, older page; `null` on the last.
    pub older: Option<i64>,
}
