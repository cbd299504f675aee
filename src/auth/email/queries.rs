//! The links sent by mail, in `email_tokens`: random, single-use, expiring, bound to one purpose and to the
//! address they were sent to, and stored only as a hash.

use sha2::{Digest, Sha256};

use crate::{
    db::{run, Executor, Transaction},
    security::random::random_secret,
    timestamp::Timestamp,
};

/// 32 random bytes, hex-encoded: 256 bits, far past guessing.
const TOKEN_HEX_LEN: usize = 64;

/// What a link does; a token made for one cannot be used for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Confirms the account's address.
    Confirm,
    /// Sets a new password without the old one.
    Reset,
    /// Moves the account to the address the link was sent to.
    ChangeEmail,
}

impl Purpose {
    /// The name stored in `email_tokens.purpose`.
    fn name(self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Reset => "reset",
            Self::ChangeEmail => "change_email",
        }
    }

    /// The page the link opens, before the token.
    pub fn path(self) -> &'static str {
        match self {
            Self::Confirm => "/confirm/",
            Self::Reset => "/reset/",
            Self::ChangeEmail => "/change-email/",
        }
    }
}

/// `path` as logs may show it: the token of a mail link is a secret until it is used, so it is left out.
pub fn redacted_path(path: &str) -> std::borrow::Cow<'_, str> {
    [Purpose::Confirm, Purpose::Reset, Purpose::ChangeEmail]
        .into_iter()
        .find(|purpose| path.starts_with(purpose.path()) && path.len() > purpose.path().len())
        .map_or(std::borrow::Cow::Borrowed(path), |purpose| {
            format!("{}[token]", purpose.path()).into()
        })
}

/// What a valid token says: whose it is and where it was sent.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Redeemed {
    /// The account.
    pub user_id: i64,
    /// The address the link went to (the new address, for a change of address).
    pub sent_to: String,
}

/// What the database keeps instead of the token: a fast hash is enough for 256 random bits.
fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `token` has the shape of ours; anything else is refused without a query.
fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_HEX_LEN && token.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// Makes a token for `purpose`, valid for `lifetime`, inside the caller's transaction, and answers it: the
/// only copy, for the mail. It replaces the account's earlier tokens of the same purpose, so only the newest
/// link works; expired tokens of every account are swept on the way.
pub async fn issue(
    transaction: &mut Transaction,
    user_id: i64,
    purpose: Purpose,
    sent_to: &str,
    lifetime: time::Duration,
) -> Result<String, sqlx::Error> {
    let now = time::OffsetDateTime::now_utc();
    run!(&mut *transaction, |connection| sqlx::query(
        "DELETE FROM email_tokens WHERE expires_at <= $1 OR (user_id = $2 AND purpose = $3)"
    )
    .bind(Timestamp::from(now))
    .bind(user_id)
    .bind(purpose.name())
    .execute(connection)
    .await
    .map(|_| ()))?;
    let token = random_secret();
    run!(&mut *transaction, |connection| sqlx::query(
        "INSERT INTO email_tokens (user_id, purpose, token_hash, sent_to, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(user_id)
    .bind(purpose.name())
    .bind(digest(&token))
    .bind(sent_to)
    .bind(Timestamp::from(now))
    .bind(Timestamp::from(now + lifetime))
    .execute(connection)
    .await
    .map(|_| ()))?;
    Ok(token)
}

/// The account a valid, unexpired `token` for `purpose` belongs to, without using it up (to show the form a
/// reset link opens).
pub async fn find(
    executor: impl Into<Executor<'_>>,
    purpose: Purpose,
    token: &str,
) -> Result<Option<Redeemed>, sqlx::Error> {
    if !well_formed(token) {
        return Ok(None);
    }
    run!(executor, |connection| sqlx::query_as(
        "SELECT user_id, sent_to FROM email_tokens
         WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3"
    )
    .bind(digest(token))
    .bind(purpose.name())
    .bind(Timestamp::now())
    .fetch_optional(connection)
    .await)
}

/// Uses up `token` inside the caller's transaction and answers what it says; `None` when it is malformed,
/// unknown, expired, made for another purpose or already used. One statement deletes and answers, so of two
/// uses at once exactly one gets the token.
pub async fn consume(
    transaction: &mut Transaction,
    purpose: Purpose,
    token: &str,
) -> Result<Option<Redeemed>, sqlx::Error> {
    if !well_formed(token) {
        return Ok(None);
    }
    run!(transaction, |connection| sqlx::query_as(
        "DELETE FROM email_tokens WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3
         RETURNING user_id, sent_to"
    )
    .bind(digest(token))
    .bind(purpose.name())
    .bind(Timestamp::now())
    .fetch_optional(connection)
    .await)
}

/// Voids every outstanding token of the account for `purpose`.
pub async fn void(
    executor: impl Into<Executor<'_>>,
    user_id: i64,
    purpose: Purpose,
) -> Result<(), sqlx::Error> {
    run!(executor, |connection| sqlx::query(
        "DELETE FROM email_tokens WHERE user_id = $1 AND purpose = $2"
    )
    .bind(user_id)
    .bind(purpose.name())
    .execute(connection)
    .await
    .map(|_| ()))
}

/// Voids every outstanding token of the account, whatever its purpose (see [`crate::auth::credentials`]).
pub async fn void_all(executor: impl Into<Executor<'_>>, user_id: i64) -> Result<(), sqlx::Error> {
    run!(executor, |connection| sqlx::query(
        "DELETE FROM email_tokens WHERE user_id = $1"
    )
    .bind(user_id)
    .execute(connection)
    .await
    .map(|_| ()))
}

#[cfg(test)]
mod tests {
    use super::{digest, redacted_path, well_formed};

    #[test]
    fn a_links_token_never_reaches_the_log() {
        let token = "a1".repeat(32);
        for path in ["/confirm/", "/reset/", "/change-email/"] {
            let link = format!("{path}{token}");
            assert_eq!(redacted_path(&link), format!("{path}[token]"));
        }
        assert_eq!(redacted_path("/api/todos/7"), "/api/todos/7");
        assert_eq!(redacted_path("/reset/"), "/reset/");
    }

    #[test]
    fn only_64_hex_digits_are_a_token() {
        assert!(well_formed(&"a1".repeat(32)));
        assert!(!well_formed(&"a1".repeat(31)));
        assert!(!well_formed(&format!("{}zz", "a1".repeat(31))));
        assert!(!well_formed(&format!("{}'--", "a".repeat(61))));
    }

    #[test]
    fn the_stored_form_is_not_the_token() {
        let token = "a1".repeat(32);
        assert_ne!(digest(&token), token);
        assert_eq!(digest(&token), digest(&token));
    }
}
