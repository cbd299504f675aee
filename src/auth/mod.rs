//! Accounts: registration, login, sessions and the account page.

#[cfg(feature = "ssr")]
pub mod accounts;
#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod hashing;
pub mod password_change;
pub mod registration;
#[cfg(feature = "ssr")]
pub mod repository;
#[cfg(feature = "ssr")]
pub mod session;
pub mod user;

pub use user::User;
