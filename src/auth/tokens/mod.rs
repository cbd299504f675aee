//! Personal access tokens: what API clients send as `Authorization: Bearer …` instead of a session cookie.
//!
//! A token is 256 random bits shown to its owner once; the database keeps only its SHA-256, which is enough to
//! recognise it and useless for calling the API. Tokens end when revoked, when the password changes, and stop
//! working while the account is deactivated.

#[cfg(feature = "ssr")]
pub mod api;
pub mod panel;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod service;

pub use panel::TokensPanel;

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;

/// A token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct ApiToken {
    /// Identifier, for revoking.
    pub id: i64,
    /// What the owner called it.
    pub name: String,
    /// When it was created (RFC 3339, UTC).
    pub created_at: Timestamp,
    /// When it last authenticated a request, to the minute; `null` if never.
    pub last_used_at: Option<Timestamp>,
}

/// A token just created: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewApiToken {
    /// Identifier, for revoking.
    pub id: i64,
    /// What the owner called it.
    pub name: String,
    /// The secret to send as `Authorization: Bearer <token>`; it cannot be shown again.
    pub token: String,
    /// When it was created (RFC 3339, UTC).
    pub created_at: Timestamp,
}
