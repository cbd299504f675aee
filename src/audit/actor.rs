//! Who acts, as the audit log names them, and the one way an entry is written.

use super::{queries, AuditAction};
use crate::{auth::queries::UserRecord, db::Transaction, timestamp::Timestamp};

/// How the log names a deleted account.
pub fn deleted_account_label(user_id: i64) -> String {
    format!("deleted account #{user_id}")
}

/// How the log names an operator (followed by their OS user, when known).
pub const COMMAND_LINE: &str = "command line";

/// How the log names a visitor.
pub const VISITOR: &str = "someone";

/// Who is acting, for the rules (nobody deactivates themself) and the audit log.
#[derive(Debug, Clone)]
pub enum Actor {
    /// A logged-in admin, from their client address.
    Admin {
        /// The admin's user id.
        id: i64,
        /// The admin's username.
        username: String,
        /// The admin's client address, if known.
        ip: Option<String>,
    },
    /// The account holder, changing their own account (a confirmed address, a reset password, a new email).
    Owner {
        /// The holder's user id.
        id: i64,
        /// The holder's username.
        username: String,
        /// The holder's client address, if known.
        ip: Option<String>,
    },
    /// Someone not signed in (a failed sign-in): not necessarily the account holder.
    Visitor {
        /// Their client address, if known.
        ip: Option<String>,
    },
    /// An operator on the server's command line.
    CommandLine {
        /// The operating-system user running the command, if known.
        os_user: Option<String>,
    },
}

impl Actor {
    /// The admin `user`, calling from `ip`.
    pub fn admin(user: &UserRecord, ip: Option<String>) -> Self {
        Self::Admin {
            id: user.id,
            username: user.username.clone(),
            ip,
        }
    }

    /// The holder of account `id`, acting on it from `ip`.
    pub fn owner(id: i64, username: &str, ip: Option<&str>) -> Self {
        Self::Owner {
            id,
            username: username.to_owned(),
            ip: ip.map(str::to_owned),
        }
    }

    /// A visitor calling from `ip`.
    pub fn visitor(ip: Option<&str>) -> Self {
        Self::Visitor {
            ip: ip.map(str::to_owned),
        }
    }

    /// Whoever runs this process, as the environment names them.
    pub fn command_line() -> Self {
        Self::CommandLine {
            os_user: ["USER", "LOGNAME"]
                .into_iter()
                .find_map(|var| std::env::var(var).ok().filter(|name| !name.is_empty())),
        }
    }

    /// The acting user's id; `None` on the command line.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Self::Admin { id, .. } | Self::Owner { id, .. } => Some(*id),
            Self::Visitor { .. } | Self::CommandLine { .. } => None,
        }
    }

    fn label(&self) -> String {
        match self {
            Self::Admin { username, .. } | Self::Owner { username, .. } => username.clone(),
            Self::CommandLine {
                os_user: Some(name),
            } => format!("{COMMAND_LINE} ({name})"),
            Self::CommandLine { os_user: None } => COMMAND_LINE.into(),
            Self::Visitor { .. } => VISITOR.into(),
        }
    }

    fn ip(&self) -> Option<&str> {
        match self {
            Self::Admin { ip, .. } | Self::Owner { ip, .. } | Self::Visitor { ip } => ip.as_deref(),
            Self::CommandLine { .. } => None,
        }
    }

    /// Writes the tombstone of deleted account `user_id`: its id and the time, nothing else of it. The holder
    /// deleting their own account is named only as such.
    pub async fn record_deletion(
        &self,
        transaction: &mut Transaction,
        user_id: i64,
    ) -> Result<(), sqlx::Error> {
        let (actor_id, actor, ip) = match self {
            Self::Owner { .. } => (None, "the account's holder".to_owned(), None),
            other => (other.user_id(), other.label(), other.ip()),
        };
        let target = deleted_account_label(user_id);
        let entry = queries::NewAuditEntry {
            actor_id,
            actor: &actor,
            action: AuditAction::DeleteAccount,
            target_user_id: None,
            target: &target,
            detail: None,
            ip,
        };
        queries::insert(transaction, &entry, &Timestamp::now()).await
    }

    /// Writes the entry of `action` on `target` (a user's id and username, or a role's name) with the role
    /// of a role change in `detail`, inside the transaction of the change it records.
    pub async fn record(
        &self,
        transaction: &mut Transaction,
        action: AuditAction,
        target: (Option<i64>, &str),
        detail: Option<&str>,
    ) -> Result<(), sqlx::Error> {
        let actor = self.label();
        let entry = queries::NewAuditEntry {
            actor_id: self.user_id(),
            actor: &actor,
            action,
            target_user_id: target.0,
            target: target.1,
            detail,
            ip: self.ip(),
        };
        queries::insert(transaction, &entry, &Timestamp::now()).await
    }
}
