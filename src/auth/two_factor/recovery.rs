//! Recovery codes: ten single-use codes shown once, for the day the authenticator app is lost. Only their
//! digests are stored. They do not depend on `two_factor_key`, so a lost key still leaves every account a way
//! in.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

use crate::domain::second_factor_code::{RECOVERY_ALPHABET, RECOVERY_CODE_CHARS};

/// Codes in a set.
pub const CODES_PER_SET: usize = 10;

/// A new set of codes, as shown to the user: `xxxx-xxxx-xxxx`, 60 random bits each, so a digest of one is not
/// worth reversing by trying them all.
pub fn new_set() -> Vec<String> {
    (0..CODES_PER_SET).map(|_| new_code()).collect()
}

fn new_code() -> String {
    let mut code = String::with_capacity(RECOVERY_CODE_CHARS + 2);
    for position in 0..RECOVERY_CODE_CHARS {
        if position > 0 && position % 4 == 0 {
            code.push('-');
        }
        // 32 symbols: the low five bits of a random byte pick one without bias.
        let index = (OsRng.next_u32() & 31) as usize;
        code.push(char::from(RECOVERY_ALPHABET[index]));
    }
    code
}

/// What is stored of a code of account `user_id`, given normalised (see `SecondFactorCode`): SHA-256 over the
/// account and the code, so the same code of two accounts does not look alike.
pub fn digest(user_id: i64, normalised: &str) -> String {
    hex::encode(Sha256::digest(format!(
        "leptodo recovery code\n{user_id}\n{normalised}"
    )))
}

/// A code as shown ([`new_set`]) in the form [`digest`] takes.
pub fn normalised(shown: &str) -> String {
    shown.replace('-', "")
}

#[cfg(test)]
mod tests {
    use super::{digest, new_set, normalised};
    use crate::domain::SecondFactorCode;

    #[test]
    fn a_set_is_ten_distinct_codes_that_read_back_as_recovery_codes() {
        let set = new_set();
        assert_eq!(set.len(), 10);
        let mut distinct = set.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 10);
        for code in &set {
            assert_eq!(code.len(), 14, "{code}");
            assert_eq!(
                SecondFactorCode::parse(code),
                Ok(SecondFactorCode::Recovery(normalised(code)))
            );
        }
    }

    #[test]
    fn a_digest_depends_on_the_account() {
        assert_ne!(digest(1, "0123456789ab"), digest(2, "0123456789ab"));
        assert_eq!(digest(1, "0123456789ab"), digest(1, "0123456789ab"));
    }
}
