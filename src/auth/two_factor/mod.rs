//! Two-factor sign-in: after the password, a code from an authenticator app (RFC 6238) or a single-use
//! recovery code. Set up and turned off from the account page or the JSON API, answered on `/login/code`,
//! reset by an operator with `leptodo users reset-2fa`. Turning it on or off, new recovery codes and each
//! recovery code used are audited and mailed by the service.

#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod authenticator;
#[cfg(feature = "ssr")]
mod check;
pub mod code_page;
#[cfg(feature = "ssr")]
pub mod key;
#[cfg(feature = "ssr")]
pub mod messages;
pub mod panel;
#[cfg(feature = "ssr")]
pub mod pending;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod recovery;
#[cfg(feature = "ssr")]
pub mod remembered;
#[cfg(feature = "ssr")]
pub mod service;
pub mod setup_page;

pub use code_page::SecondStepPage;
pub use panel::TwoFactorPanel;
pub use setup_page::{RecoveryCodesPage, TwoFactorSetupPage};

use serde::{Deserialize, Serialize};

/// What the authenticator app is given to learn a new secret, shown while the setup waits for its first code.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Enrolment {
    /// The secret in base 32, in groups of four, for typing into the app.
    pub secret: String,
    /// The `otpauth://totp/…` URI the QR code holds.
    pub otpauth_uri: String,
    /// The QR code as an SVG element (not sent by the JSON API).
    #[serde(skip_serializing_if = "String::is_empty", default)]
    #[cfg_attr(feature = "ssr", schema(ignore))]
    pub qr_svg: String,
}

/// The ten new recovery codes, shown once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RecoveryCodes {
    /// Each code once, as `xxxx-xxxx-xxxx`.
    pub recovery_codes: Vec<String>,
}

// Secrets stay out of logs and panics.
impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Enrolment(<hidden>)")
    }
}

impl std::fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecoveryCodes({} hidden)", self.recovery_codes.len())
    }
}

/// Two-factor sign-in as configured: the key that seals secrets (none: it cannot be set up) and how long a
/// remembered browser is.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone)]
pub struct TwoFactorPolicy {
    /// `two_factor_key`.
    pub key: Option<key::TwoFactorKey>,
    /// `two_factor_remember_days`.
    pub remember_days: i64,
}

#[cfg(feature = "ssr")]
impl TwoFactorPolicy {
    /// Reads `two_factor_key` and `two_factor_remember_days`; a malformed key is refused, naming the problem.
    pub fn new(settings: &crate::config::Settings) -> Result<Self, String> {
        Ok(Self {
            key: key::TwoFactorKey::from_settings(settings)?,
            remember_days: i64::from(settings.two_factor_remember_days),
        })
    }
}
