//! Accounts: registration, login, sessions and the account page.

#[cfg(feature = "ssr")]
pub mod accounts;
#[cfg(feature = "ssr")]
pub mod hashing;
pub mod registration;
#[cfg(feature = "ssr")]
pub mod repository;
pub mod user;

pub use user::User;
