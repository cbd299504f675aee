//! Signed-in devices (`/account/sessions`): every live login of the account, where it came from and when it
//! was last used, and signing any of them out, for the page and the JSON API alike. API tokens are listed on
//! the same page (`auth::tokens`).

#[cfg(feature = "ssr")]
pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod service;

pub use page::DevicesPage;

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;

/// "1 other device", "3 other devices".
pub fn other_devices(count: usize) -> String {
    match count {
        1 => "1 other device".to_owned(),
        count => format!("{count} other devices"),
    }
}

/// One live login of the account, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SignedInDevice {
    /// Names the login for signing it out: derived from the session id, from which it cannot be turned back.
    pub id: String,
    /// The browser and system, read from the user agent: "Firefox on Windows 10".
    pub device: String,
    /// The client address it signed in from.
    pub ip: Option<String>,
    /// When it signed in (RFC 3339, UTC).
    pub signed_in_at: Timestamp,
    /// Its last request, to the minute.
    pub last_active_at: Timestamp,
    /// When a "remember me" login ends; `null` for one that ends when the browser closes.
    pub remembered_until: Option<Timestamp>,
    /// Whether this is the caller's own login.
    pub current: bool,
}
