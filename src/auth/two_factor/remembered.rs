//! "Remember this browser": after a second step the user ticked it on, the browser holds a signed, HttpOnly
//! cookie that spares it the second step for `two_factor_remember_days`. The cookie carries a mark made from the
//! account's session secret and its two-factor row's nonce, so it stops working when the password changes or is
//! reset (a new session secret), when two-factor sign-in is turned off (the row goes), and when the user asks
//! to forget every remembered browser (a new nonce). It never replaces the password, only the code.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tower_cookies::{
    cookie::{time::Duration, SameSite},
    Cookie, Cookies,
};

use super::queries::TwoFactorRecord;
use crate::{auth::queries::UserRecord, db::unix_now, state::AppState};

const COOKIE_NAME: &str = "leptodo_trusted_browser";
/// Its name over HTTPS (see `session_store` on the `__Host-` prefix).
const SECURE_COOKIE_NAME: &str = "__Host-leptodo_trusted_browser";

/// What the cookie says, once its signature held.
#[derive(Serialize, Deserialize)]
pub struct RememberedBrowser {
    /// The cookie it was written for, inside the signature so it cannot be moved to another cookie.
    cookie: String,
    user_id: i64,
    mark: String,
    /// Unix time it stops working.
    until: i64,
}

impl std::fmt::Debug for RememberedBrowser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The mark stays out of logs.
        f.debug_struct("RememberedBrowser")
            .field("user_id", &self.user_id)
            .field("until", &self.until)
            .finish_non_exhaustive()
    }
}

impl RememberedBrowser {
    /// Whether this browser may skip the second step for `user`, whose two-factor row is `record`.
    pub fn vouches_for(&self, user: &UserRecord, record: &TwoFactorRecord) -> bool {
        self.user_id == user.id && unix_now() < self.until && self.mark == mark(user, record)
    }
}

/// What ties a cookie to the account's current credentials, and to nothing a reader of the cookie could use.
fn mark(user: &UserRecord, record: &TwoFactorRecord) -> String {
    let digest = Sha256::digest(format!(
        "leptodo remembered browser\n{}\n{}\n{}",
        user.id, user.session_secret, record.remember_nonce
    ));
    hex::encode(&digest[..16])
}

fn cookie_name(state: &AppState) -> &'static str {
    match state.sessions.secure_cookies {
        true => SECURE_COOKIE_NAME,
        false => COOKIE_NAME,
    }
}

/// What the browser's cookie says, if it sent one the server signed.
pub fn read(state: &AppState, cookies: &Cookies) -> Option<RememberedBrowser> {
    let name = cookie_name(state);
    cookies
        .signed(&state.cookie_key)
        .get(name)
        .and_then(|cookie| URL_SAFE_NO_PAD.decode(cookie.value()).ok())
        .and_then(|json| serde_json::from_slice::<RememberedBrowser>(&json).ok())
        .filter(|remembered| remembered.cookie == name)
}

/// Remembers this browser for `user`, whose second step it just passed.
pub fn remember(state: &AppState, cookies: &Cookies, user: &UserRecord, record: &TwoFactorRecord) {
    let name = cookie_name(state);
    let lifetime = Duration::days(state.two_factor.remember_days);
    let remembered = RememberedBrowser {
        cookie: name.to_owned(),
        user_id: user.id,
        mark: mark(user, record),
        until: unix_now() + lifetime.whole_seconds(),
    };
    let Ok(json) = serde_json::to_vec(&remembered) else {
        return;
    };
    cookies.signed(&state.cookie_key).add(
        Cookie::build((name, URL_SAFE_NO_PAD.encode(json)))
            .path("/")
            .http_only(true)
            .secure(state.sessions.secure_cookies)
            .same_site(SameSite::Lax)
            .max_age(lifetime)
            .build(),
    );
}
