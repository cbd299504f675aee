//! Accounts: registration, login, sessions and the account page.

pub mod account_page;
#[cfg(feature = "ssr")]
pub mod accounts;
#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod api_user;
#[cfg(feature = "ssr")]
pub mod credentials;
pub mod current_user;
pub mod email;
#[cfg(feature = "ssr")]
pub mod hashing;
#[cfg(feature = "ssr")]
pub mod identity;
pub mod login_page;
pub mod logout;
pub mod next_path;
pub mod password_change;
pub mod register_page;
pub mod registration;
#[cfg(feature = "ssr")]
pub mod repository;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod throttle;
pub mod tokens;
pub mod user;

pub use account_page::AccountPage;
pub use current_user::Auth;
pub use login_page::LoginPage;
pub use logout::LogoutButton;
pub use register_page::RegisterPage;
pub use user::User;
