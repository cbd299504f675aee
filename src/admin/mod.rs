//! The administration section: the users table and roles, for holders of the `admin` role — on `/admin`, in
//! the JSON API under `/api/admin/`, and (the same use cases) on the command line. The audit log it shows on
//! `/admin/audit` is a feature of its own (`crate::audit`).

#[cfg(feature = "ssr")]
pub mod access;
#[cfg(feature = "ssr")]
pub mod api;
pub mod layout;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod service;
pub mod users_page;

pub use users_page::UsersPage;

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;

/// Users shown per page of the table and of `GET /api/admin/users`.
pub const USERS_PER_PAGE: u32 = 50;
/// The longest search of the users worth running: the longest email (a longer one is cut, not refused).
pub const MAX_SEARCH_CHARS: usize = crate::domain::Email::MAX_CHARS;

/// What an admin can do to one user from the users table. The forms send it by its name, so the page and
/// the server function agree on one spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserChange {
    /// Let the user log in again.
    Activate,
    /// Stop the user logging in and end their sessions and tokens.
    Deactivate,
    /// Give the user a role.
    Grant,
    /// Take a role from the user.
    Revoke,
}

impl UserChange {
    /// The name the forms send.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Activate => "activate",
            Self::Deactivate => "deactivate",
            Self::Grant => "grant",
            Self::Revoke => "revoke",
        }
    }

    /// The change a form named, or the sentence for one it cannot have sent.
    pub fn parse(name: &str) -> Result<Self, String> {
        [Self::Activate, Self::Deactivate, Self::Grant, Self::Revoke]
            .into_iter()
            .find(|change| change.as_str() == name)
            .ok_or_else(|| format!("Unknown change “{name}”."))
    }
}

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
    /// Whether signing in asks for a second factor.
    pub two_factor: bool,
    /// How many passkeys the user has.
    pub passkey_count: i64,
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
