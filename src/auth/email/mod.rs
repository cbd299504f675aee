//! Mail between the site and its users: confirming an address, resetting a forgotten password, moving an
//! account to a new address. Every flow has a page (working without JavaScript) and a JSON route under
//! `/api/auth/`; links are single-use tokens stored only as hashes (`queries`).

#[cfg(feature = "ssr")]
pub mod api;
pub mod forms;
pub mod link_pages;
#[cfg(feature = "ssr")]
pub mod messages;
#[cfg(feature = "ssr")]
pub mod policy;
#[cfg(feature = "ssr")]
pub mod queries;
pub mod recovery_pages;
#[cfg(feature = "ssr")]
pub mod service;
pub mod views;

pub use link_pages::{ConfirmPage, ConfirmationBanner, EmailChangeForm, EmailChangePage};
#[cfg(feature = "ssr")]
pub use policy::EmailPolicy;
pub use recovery_pages::{ForgotPage, ResetPage};
