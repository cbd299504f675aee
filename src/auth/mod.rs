//! Accounts: registration, login, sessions and the account page.

#[cfg(feature = "ssr")]
pub mod hashing;
pub mod registration;
