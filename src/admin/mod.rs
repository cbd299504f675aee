//! The administration section: the users table, roles and the audit log, for holders of the `admin` role —
//! on `/admin`, in the JSON API under `/api/admin/`, and (the same operations) on the command line.

#[cfg(feature = "ssr")]
pub mod access;
#[cfg(feature = "ssr")]
pub mod api;
pub mod audit_page;
mod layout;
#[cfg(feature = "ssr")]
pub mod operations;
#[cfg(feature = "ssr")]
pub mod store;
pub mod users_page;

pub use audit_page::AuditPage;
pub use users_page::UsersPage;

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;

/// Users shown per page of the table and of `GET /api/admin/users`.
pub const USERS_PER_PAGE: u32 = 50;
/// The longest search of the users worth running: the longest email (a longer one is cut, not refused).
pub const MAX_SEARCH_CHARS: usize = crate::domain::Email::MAX_CHARS;
/// Audit entries shown on `/admin/audit`.
pub const AUDIT_ENTRIES_SHOWN: u32 = 100;

/// A user as an administrator sees them: enough to decide, never the hash or the session secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ManagedUser {
    /// Stable identifier.
    pub id: i64,
    /// Normalised email.
    pub email: String,
    /// Username as registered.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Role names, sorted.
    pub roles: Vec<String>,
    /// Whether the user may log in.
    pub active: bool,
    /// When the account was created (RFC 3339, UTC).
    pub created_at: Timestamp,
    /// The most recent login (RFC 3339, UTC), if any.
    pub last_login_at: Option<Timestamp>,
    /// Whether the user has confirmed their current email address.
    pub confirmed: bool,
    /// How many todos the user keeps.
    pub todo_count: i64,
}

impl ManagedUser {
    /// Whether the user holds `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|held| held == role)
    }
}

/// One page of the users table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserPage {
    /// The users of this page, oldest account first.
    pub users: Vec<ManagedUser>,
    /// The search: part of an email or username; empty for everyone.
    pub query: String,
    /// This page's number, from 1.
    pub page: u32,
    /// Users per page.
    pub per_page: u32,
    /// Users matching the search, on all pages.
    pub total: i64,
}

impl UserPage {
    /// How many pages the matching users fill (at least one, even when empty).
    pub fn page_count(&self) -> u32 {
        let pages = (self.total.max(0) as u64).div_ceil(u64::from(self.per_page.max(1)));
        u32::try_from(pages).unwrap_or(u32::MAX).max(1)
    }
}

/// A role and how many users hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct RoleSummary {
    /// The role's name.
    pub name: String,
    /// What holding it means.
    pub description: String,
    /// How many users hold it.
    pub user_count: i64,
}

/// One administrative action, as `/admin/audit` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditEntry {
    /// When (RFC 3339, UTC).
    pub at: Timestamp,
    /// The admin's username, or `command line (<OS user>)`.
    pub actor: String,
    /// What was done: `activate`, `deactivate`, `grant_role`, …
    pub action: String,
    /// The username acted on, or the role created.
    pub target: String,
    /// The role granted or revoked, if any.
    pub detail: Option<String>,
    /// The admin's client address, if known.
    pub ip: Option<String>,
}
