//! Accounts, sessions, logins, tokens and the mail flows of `src/auth/`.

mod accounts;
mod api;
mod email;
mod identity;
mod passkeys;
mod reauth;
mod recovery;
mod session_cookies;
mod session_deadlines;
mod throttle;
mod tokens;
mod two_factor;
