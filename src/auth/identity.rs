//! When two spellings of an email are the same account: Unicode's canonical caseless match, so that
//! `jürgen@example.com`, `JÜRGEN@example.com` and `ju\u{308}rgen@example.com` (a decomposed `ü`) are one account.
//! SQL's `lower()` cannot say this (SQLite's folds ASCII only), so the key is computed here and kept in
//! `users.email_key` under a unique index. Usernames are ASCII, where `lower()` is exact.

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

use crate::db::{run, Pool};

/// The key under which an email is unique: NFD, full case folding, NFD again (Unicode's canonical caseless
/// matching, chapter 3.13), so `ß` matches `ss` and composed letters match decomposed ones.
pub fn email_key(email: &str) -> String {
    email
        .trim()
        .chars()
        .nfd()
        .default_case_fold()
        .nfd()
        .collect()
}

/// Gives every account made before keys existed its key. Two old accounts may turn out to be one email under
/// these rules; the later one keeps no key (it can still log in with its exact spelling) and the operator is
/// told, since only a person can decide which one is real.
pub async fn backfill_email_keys(pool: &Pool) -> Result<(), sqlx::Error> {
    let missing: Vec<(i64, String)> = run!(pool, |connection| sqlx::query_as(
        "SELECT id, email FROM users WHERE email_key IS NULL ORDER BY id"
    )
    .fetch_all(connection)
    .await)?;
    for (id, email) in missing {
        let updated = run!(pool, |connection| sqlx::query(
            "UPDATE users SET email_key = $1 WHERE id = $2"
        )
        .bind(email_key(&email))
        .bind(id)
        .execute(connection)
        .await
        .map(|done| done.rows_affected()));
        match updated {
            Ok(_) => {}
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                tracing::warn!(
                    user_id = id,
                    "this account's email is another account's under Unicode case rules; \
                     it logs in only with its exact spelling until an operator resolves the pair"
                );
            }
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::email_key;

    #[test]
    fn case_and_composition_do_not_make_another_account() {
        let key = email_key("jürgen@example.com");
        assert_eq!(email_key("JÜRGEN@example.com"), key);
        assert_eq!(email_key("ju\u{308}rgen@example.com"), key);
        assert_eq!(email_key("JU\u{308}RGEN@EXAMPLE.COM"), key);
        assert_ne!(email_key("jurgen@example.com"), key);
    }

    #[test]
    fn full_case_folding_is_more_than_lower_casing() {
        assert_eq!(
            email_key("STRASSE@example.de"),
            email_key("straße@example.de")
        );
        assert_eq!(
            email_key("ΣΊΣΥΦΟΣ@example.gr"),
            email_key("σίσυφος@example.gr")
        );
    }
}
