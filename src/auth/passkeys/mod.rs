//! Passkeys (WebAuthn): sign in with a fingerprint, a face or a security key instead of a password. Added and
//! removed on the account page (after re-authentication), offered on `/login` by the browser's autofill and by
//! a button, and accepted as the second step of a password sign-in. A passkey sign-in needs no password and no
//! second step: the authenticator checked both something the user has and something they are or know. The
//! ceremonies' state stays on the server (`ceremony`); what changes an account is audited and mailed by
//! `service`.

#[cfg(feature = "ssr")]
pub mod api;
pub mod browser;
#[cfg(feature = "ssr")]
pub mod ceremony;
#[cfg(feature = "ssr")]
pub mod messages;
pub mod panel;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod relying_party;
#[cfg(feature = "ssr")]
pub mod service;
pub mod sign_in_buttons;

pub use panel::PasskeysPanel;
pub use sign_in_buttons::{PasskeySecondStep, PasskeySignIn};

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;

/// The most passkeys one account may hold: enough for every device, too few to fill a table.
pub const MAX_PER_USER: i64 = 10;

/// A passkey as its owner sees it: the key itself never leaves the authenticator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasskeySummary {
    /// Names it in `PATCH`/`DELETE /api/auth/passkeys/{id}`.
    pub id: i64,
    /// What the owner calls it.
    pub name: String,
    /// When it was added (RFC 3339, UTC).
    pub created_at: Timestamp,
    /// When it last signed in or answered a second step.
    pub last_used_at: Option<Timestamp>,
}
