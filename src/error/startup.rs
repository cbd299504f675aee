//! Why the server could not start: each configuration or system failure, named after the key to fix.

use std::{io, net::SocketAddr};

use crate::{auth::hashing::HashingError, db::DatabaseError};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// The password hashing parameters are invalid.
    #[error(transparent)]
    Hashing(#[from] HashingError),
    /// `site_url` is not an http(s) URL.
    #[error("configuration: key `site_url`: {0}")]
    SiteUrl(String),
    /// The mail settings are not usable.
    #[error(transparent)]
    Mail(#[from] crate::mail::MailSettingsError),
    /// `cookie_key` is not a usable key.
    #[error("configuration: key `cookie_key`: {0}")]
    CookieKey(String),
    /// `two_factor_key` is not a usable key, or is missing while accounts use two-factor sign-in.
    #[error("configuration: key `two_factor_key`: {0}")]
    TwoFactorKey(String),
    /// `client_ip_header` or `trusted_proxies` cannot be used.
    #[error(transparent)]
    ClientIp(#[from] crate::security::client_ip::ClientIpError),
    /// The address is taken or not ours.
    #[error("cannot listen on {addr} (key `site_addr`): {source}")]
    Bind {
        /// The configured address.
        addr: SocketAddr,
        /// What the operating system said.
        source: io::Error,
    },
}
