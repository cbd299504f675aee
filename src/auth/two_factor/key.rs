//! `two_factor_key`: the key that seals each account's authenticator secret before it is stored, so a copy of
//! the database (a backup, a dump) holds no secret that makes codes.

use std::sync::Arc;

use base64::Engine as _;
use ring::{
    aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN},
    rand::{SecureRandom, SystemRandom},
};

/// How an operator makes a key, as every message about a missing or bad one says.
pub const HOW_TO_MAKE_ONE: &str = "make one with `head -c 32 /dev/urandom | base64 -w0`";

/// The AES-256-GCM key of `two_factor_key`.
#[derive(Clone)]
pub struct TwoFactorKey(Arc<LessSafeKey>);

impl std::fmt::Debug for TwoFactorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TwoFactorKey(<hidden>)")
    }
}

impl TwoFactorKey {
    /// The key `two_factor_key` holds (base64 of exactly 32 bytes); `None` when it is empty. The message of a
    /// bad one never quotes it.
    pub fn from_settings(settings: &crate::config::Settings) -> Result<Option<Self>, String> {
        let given = settings.two_factor_key.expose().trim();
        if given.is_empty() {
            return Ok(None);
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(given)
            .map_err(|_| format!("is not base64; {HOW_TO_MAKE_ONE}"))?;
        if bytes.len() != 32 {
            return Err(format!(
                "holds {} bytes, exactly 32 are needed; {HOW_TO_MAKE_ONE}",
                bytes.len()
            ));
        }
        let key = UnboundKey::new(&AES_256_GCM, &bytes)
            .map_err(|_| format!("is not an AES-256 key; {HOW_TO_MAKE_ONE}"))?;
        Ok(Some(Self(Arc::new(LessSafeKey::new(key)))))
    }

    /// `secret` sealed for account `user_id`: a fresh random nonce, then the ciphertext and its tag. The account
    /// id is bound in (as associated data), so a sealed secret copied into another account's row does not open.
    pub fn seal(&self, user_id: i64, secret: &[u8]) -> Option<Vec<u8>> {
        let mut nonce = [0_u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).ok()?;
        let mut sealed = secret.to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(user_id.to_be_bytes()),
                &mut sealed,
            )
            .ok()?;
        let mut stored = nonce.to_vec();
        stored.append(&mut sealed);
        Some(stored)
    }

    /// The secret [`TwoFactorKey::seal`] sealed for `user_id`; `None` if it was sealed by another key, for
    /// another account, or changed since.
    pub fn open(&self, user_id: i64, stored: &[u8]) -> Option<Vec<u8>> {
        let (nonce, sealed) = stored.split_at_checked(NONCE_LEN)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut sealed = sealed.to_vec();
        let opened = self
            .0
            .open_in_place(nonce, Aad::from(user_id.to_be_bytes()), &mut sealed)
            .ok()?;
        Some(opened.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::TwoFactorKey;
    use crate::config::Settings;

    fn key(text: &str) -> Result<Option<TwoFactorKey>, String> {
        TwoFactorKey::from_settings(&Settings {
            two_factor_key: text.into(),
            ..Settings::default()
        })
    }

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_for_its_account() {
        let key = key(KEY).expect("valid").expect("given");
        let sealed = key.seal(7, b"twenty bytes secret!").expect("sealed");
        assert!(!sealed.windows(20).any(|w| w == b"twenty bytes secret!"));
        assert_eq!(
            key.open(7, &sealed).as_deref(),
            Some(&b"twenty bytes secret!"[..])
        );
        assert_eq!(key.open(8, &sealed), None, "another account's row");
        let mut tampered = sealed.clone();
        tampered[20] ^= 1;
        assert_eq!(key.open(7, &tampered), None);
        assert_eq!(key.open(7, &sealed[..10]), None);
        let other = self::key("HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4=")
            .expect("valid")
            .expect("given");
        assert_eq!(other.open(7, &sealed), None);
        assert_ne!(
            key.seal(7, b"same").expect("a"),
            key.seal(7, b"same").expect("b"),
            "fresh nonces"
        );
    }

    #[test]
    fn an_empty_key_is_none_and_a_bad_one_is_refused_without_quoting_it() {
        assert!(key("").expect("empty is allowed").is_none());
        let error = key("c2hvcnQ=").expect_err("short");
        assert!(
            error.contains("holds 5 bytes") && !error.contains("c2hvcnQ"),
            "{error}"
        );
        assert!(key("not base64!").expect_err("bad").contains("not base64"));
    }
}
