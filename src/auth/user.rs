//! The account as the pages and the JSON API show it: never the password hash or the session secret.

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;

/// A user as shown to themself, to admins, and in `/api/auth/*` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct User {
    /// Stable identifier.
    pub id: i64,
    /// Normalised email.
    pub email: String,
    /// Username as registered.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Personal web page, if any.
    pub website: Option<String>,
    /// Role names, sorted.
    pub roles: Vec<String>,
    /// When the account confirmed its current email address (RFC 3339, UTC), if it has.
    pub confirmed_at: Option<Timestamp>,
    /// The site asks for confirmation and this account has not given it yet: pages offer to send the link again.
    pub confirmation_pending: bool,
    /// When the account was created (RFC 3339, UTC).
    pub created_at: Timestamp,
    /// When the user logged in before the current login (RFC 3339, UTC), if ever.
    pub last_login_at: Option<Timestamp>,
    /// How many times the user has logged in.
    pub login_count: i64,
    /// Whether signing in asks for a second factor (two-factor sign-in is on).
    pub two_factor: bool,
}

impl User {
    /// Whether the user holds `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|held| held == role)
    }
}
