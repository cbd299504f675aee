//! The key that signs the site's own cookies (the flash and secret cookies): from `cookie_key`, or made at
//! start.

use base64::Engine as _;
use tower_cookies::Key;

/// The key of `cookie_key` (base64 of at least 64 bytes), or, when it is empty, one made now.
pub fn from_settings(settings: &crate::config::Settings) -> Result<Key, String> {
    let given = settings.cookie_key.expose().trim();
    if given.is_empty() {
        return Key::try_generate()
            .ok_or_else(|| "the system gave no random bytes for a key".into());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(given)
        .map_err(|_| {
            "is not base64; make a key with `head -c 64 /dev/urandom | base64 -w0`".to_owned()
        })?;
    Key::try_from(bytes.as_slice()).map_err(|_| {
        format!(
            "holds {} bytes, at least 64 are needed; make a key with `head -c 64 /dev/urandom | base64 -w0`",
            bytes.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::from_settings;
    use crate::config::Settings;

    fn with_key(key: &str) -> Result<tower_cookies::Key, String> {
        from_settings(&Settings {
            cookie_key: key.into(),
            ..Settings::default()
        })
    }

    #[test]
    fn a_given_key_is_used_and_an_empty_one_is_made() {
        use base64::Engine as _;
        let bytes: Vec<u8> = (0..64).collect();
        let given = base64::engine::general_purpose::STANDARD.encode(&bytes);
        assert_eq!(with_key(&given).expect("a key").master(), &bytes[..]);
        assert_ne!(
            with_key("").expect("made").master(),
            with_key("").expect("made").master(),
            "each start makes its own"
        );
    }

    #[test]
    fn a_key_that_is_not_base64_or_too_short_is_refused_without_quoting_it() {
        let error = with_key("not base64 at all!").expect_err("refused");
        assert!(error.contains("not base64"), "{error}");
        let error = with_key("c2hvcnQ=").expect_err("refused");
        assert!(error.contains("holds 5 bytes"), "{error}");
        assert!(!error.contains("c2hvcnQ"), "{error}");
    }
}
