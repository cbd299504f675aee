use serde::{Deserialize, Serialize};

/// A public handle: 3–32 ASCII letters and digits, unique regardless of case.
///
/// ASCII only, on purpose: look-alike letters from other scripts would let "admin" be impersonated, and
/// SQLite's `lower()` and `NOCASE` fold ASCII alone, so case-insensitive uniqueness is exact only for ASCII.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

const MIN_LEN: usize = 3;
const MAX_LEN: usize = 32;

impl Username {
    /// The most characters a valid value has; what is typed is kept (for a form shown again) up to this.
    pub const MAX_CHARS: usize = MAX_LEN;

    /// Parses what the user typed, trimmed; case is kept for display.
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err("Choose a username.".into());
        }
        if !trimmed.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err("A username uses only the letters a–z and digits 0–9.".into());
        }
        if !(MIN_LEN..=MAX_LEN).contains(&trimmed.len()) {
            return Err(format!(
                "A username has {MIN_LEN} to {MAX_LEN} letters or digits."
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }
}

validated_string!(Username);

#[cfg(test)]
mod tests {
    use super::Username;
    use proptest::prelude::*;

    #[test]
    fn accepts_letters_and_digits_and_keeps_case() {
        assert_eq!(Username::parse(" Ann42 ").expect("valid").as_str(), "Ann42");
        assert!(Username::parse("abc").is_ok());
        assert!(Username::parse(&"a".repeat(32)).is_ok());
    }

    #[test]
    fn refuses_wrong_lengths() {
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse(&"a".repeat(33)).is_err());
        assert_eq!(
            Username::parse("").expect_err("empty"),
            "Choose a username."
        );
    }

    #[test]
    fn refuses_anything_but_ascii_letters_and_digits() {
        for bad in [
            "ann lee",
            "ann_lee",
            "ann-lee",
            "ann.lee",
            "jürgen",
            "аdmin",
            "ann'--",
            "<b>ann</b>",
            "ann\0",
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    proptest! {
        #[test]
        fn never_panics(input in ".{0,100}") {
            let _ = Username::parse(&input);
        }

        #[test]
        fn valid_names_round_trip(name in "[A-Za-z0-9]{3,32}") {
            let parsed = Username::parse(&name).expect("valid");
            prop_assert_eq!(parsed.as_str(), name.as_str());
        }
    }
}
