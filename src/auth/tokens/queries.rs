//! Creating, finding and revoking tokens in `api_tokens`. Every statement is parameterised and names the owner.

use std::sync::LazyLock;

use sha2::{Digest, Sha256};

use super::{ApiToken, NewApiToken};
use crate::{
    auth::queries::{self, UserRecord},
    db::{run, Executor, Pool, Transaction},
    domain::TokenName,
    error::AppError,
    security::random::random_secret,
    timestamp::Timestamp,
};

/// Marks our tokens, so a secret pasted somewhere can be recognised (and found by secret scanners).
const PREFIX: &str = "ltd_";
/// 32 random bytes, hex-encoded.
const SECRET_HEX_LEN: usize = 64;
/// A bound on tokens per user, so a script stuck in a loop cannot fill the table.
pub const MAX_PER_USER: i64 = 50;
/// `last_used_at` is written at most once a minute per token, so scripts do not turn every read into a write.
const LAST_USED_RESOLUTION_SECONDS: i64 = 60;

fn new_secret() -> String {
    format!("{PREFIX}{}", random_secret())
}

/// What the database keeps instead of the token. A fast hash is enough: the input is 256 random bits, not a
/// password someone could guess.
fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `token` has our shape; anything else is refused without a database query.
fn well_formed(token: &str) -> bool {
    token.strip_prefix(PREFIX).is_some_and(|secret| {
        secret.len() == SECRET_HEX_LEN && secret.bytes().all(|byte| byte.is_ascii_hexdigit())
    })
}

/// How many tokens `owner` holds, inside the transaction that may add one.
pub async fn count(transaction: &mut Transaction, owner: &UserRecord) -> Result<i64, sqlx::Error> {
    run!(transaction, |connection| sqlx::query_scalar(
        "SELECT COUNT(*) FROM api_tokens WHERE user_id = $1"
    )
    .bind(owner.id)
    .fetch_one(connection)
    .await)
}

/// Stores a new token named `name` for `owner`, issued under the session secret `owner` was found with (so a
/// password change or deactivation that commits meanwhile leaves it dead on arrival). Answers the token with
/// its secret, which is kept only as a digest.
pub async fn insert(
    transaction: &mut Transaction,
    owner: &UserRecord,
    name: &TokenName,
) -> Result<NewApiToken, sqlx::Error> {
    let token = new_secret();
    let (id, created_at): (i64, Timestamp) = run!(transaction, |connection| sqlx::query_as(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at, issued_under)
         VALUES ($1, $2, $3, $4, $5)
         RETURNING id, created_at",
    )
    .bind(owner.id)
    .bind(name.as_str())
    .bind(digest(&token))
    .bind(Timestamp::now())
    .bind(&owner.session_secret)
    .fetch_one(connection)
    .await)?;
    Ok(NewApiToken {
        id,
        name: name.as_str().to_owned(),
        token,
        created_at,
    })
}

/// The owner's tokens, oldest first.
pub async fn list(pool: &Pool, owner: &UserRecord) -> Result<Vec<ApiToken>, sqlx::Error> {
    run!(pool.reads(), |connection| sqlx::query_as(
        "SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY id",
    )
    .bind(owner.id)
    .fetch_all(connection)
    .await)
}

/// Revokes one of the owner's tokens and answers its name; `None` when the owner has no such token.
pub async fn revoke(
    transaction: &mut Transaction,
    owner: &UserRecord,
    id: i64,
) -> Result<Option<String>, sqlx::Error> {
    let name: Option<String> = run!(transaction, |connection| sqlx::query_scalar(
        "DELETE FROM api_tokens WHERE id = $1 AND user_id = $2 RETURNING name"
    )
    .bind(id)
    .bind(owner.id)
    .fetch_optional(connection)
    .await)?;
    if name.is_some() {
        tracing::info!(user_id = owner.id, token_id = id, "API token revoked");
    }
    Ok(name)
}

/// Revokes every token of the user: the password changed or the account was deactivated.
pub async fn revoke_all(
    executor: impl Into<Executor<'_>>,
    user_id: i64,
) -> Result<u64, sqlx::Error> {
    let affected = run!(executor, |connection| sqlx::query(
        "DELETE FROM api_tokens WHERE user_id = $1"
    )
    .bind(user_id)
    .execute(connection)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(affected)
}

/// A token's row joined with its owner's.
#[derive(sqlx::FromRow)]
struct TokenOwner {
    token_id: i64,
    token_last_used_at: Option<Timestamp>,
    #[sqlx(flatten)]
    user: UserRecord,
}

/// The active user this token belongs to, or `None` for an unknown, revoked or malformed token, or one issued
/// before the owner's password last changed.
pub async fn authenticate(pool: &Pool, token: &str) -> Result<Option<UserRecord>, AppError> {
    if !well_formed(token) {
        return Ok(None);
    }
    // One query for the token and its owner: every API call makes it.
    static TOKEN_OWNER: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT api_tokens.id AS token_id, api_tokens.last_used_at AS token_last_used_at, {}
             FROM api_tokens JOIN users ON users.id = api_tokens.user_id
             WHERE api_tokens.token_hash = $1 AND api_tokens.issued_under = users.session_secret
                 AND users.active",
            queries::user_columns_of("users")
        )
    });
    let found: Option<TokenOwner> = run!(pool.reads(), |connection| sqlx::query_as(
        TOKEN_OWNER.as_str()
    )
    .bind(digest(token))
    .fetch_optional(connection)
    .await)?;
    let Some(TokenOwner {
        token_id,
        token_last_used_at: last_used_at,
        user,
    }) = found
    else {
        return Ok(None);
    };
    let now = Timestamp::now();
    if last_used_at.is_none_or(|last| stale(&last, &now)) {
        run!(pool, |connection| sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2"
        )
        .bind(&now)
        .bind(token_id)
        .execute(connection)
        .await
        .map(|done| done.rows_affected()))?;
    }
    Ok(Some(user))
}

/// Whether `last` is a minute or more before `now`; an unreadable time counts as stale.
fn stale(last: &Timestamp, now: &Timestamp) -> bool {
    match (last.to_date_time(), now.to_date_time()) {
        (Ok(last), Ok(now)) => (now - last).whole_seconds() >= LAST_USED_RESOLUTION_SECONDS,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::{digest, new_secret, stale, well_formed, Timestamp};

    #[test]
    fn secrets_are_prefixed_random_and_well_formed() {
        let (first, second) = (new_secret(), new_secret());
        assert_ne!(first, second);
        assert!(first.starts_with("ltd_") && first.len() == 68);
        assert!(well_formed(&first));
    }

    #[test]
    fn malformed_tokens_are_recognised_without_the_database() {
        let good = new_secret();
        for bad in [
            "",
            "ltd_",
            "ltd_xyz",
            &good[..good.len() - 1],
            &format!("{good}0"),
            &good.replacen("ltd_", "abc_", 1),
            &format!("ltd_{}", "g".repeat(64)),
        ] {
            assert!(!well_formed(bad), "{bad}");
        }
    }

    #[test]
    fn the_stored_digest_is_not_the_token() {
        let token = new_secret();
        assert_eq!(digest(&token).len(), 64);
        assert!(!digest(&token).contains(&token[4..]));
        assert_eq!(digest(&token), digest(&token));
    }

    #[test]
    fn last_used_is_rewritten_once_a_minute() {
        let at = |text: &str| -> Timestamp {
            serde_json::from_value(serde_json::Value::String(text.into())).expect("a timestamp")
        };
        assert!(!stale(
            &at("2026-11-22T10:00:00Z"),
            &at("2026-11-22T10:00:59Z")
        ));
        assert!(stale(
            &at("2026-11-22T10:00:00Z"),
            &at("2026-11-22T10:01:00Z")
        ));
        assert!(stale(&at("garbage"), &at("2026-11-22T10:01:00Z")));
    }
}
