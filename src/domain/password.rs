use std::{collections::HashSet, fmt, sync::LazyLock};

use super::char_count;

/// A password that follows NIST SP 800-63B: 8–128 characters of anything, no composition rules, not one of
/// the most common passwords, and not the account's own email or username.
///
/// It is never serialised, and its `Debug` output hides it, so it cannot end up in a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

const MIN_LEN: usize = 8;
const MAX_LEN: usize = 128;

/// The list and its source are described at the top of the file.
static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("common_passwords.txt")
        .lines()
        .filter(|line| !line.starts_with("# ") && !line.is_empty())
        .collect()
});

impl Password {
    /// The most characters a password has; password inputs let no more be typed.
    pub const MAX_CHARS: usize = MAX_LEN;

    /// Parses a new password for the account with these identifiers (its email and username).
    ///
    /// Unlike the other fields, the password is not trimmed: every character the user typed counts.
    pub fn parse(input: &str, account_identifiers: &[&str]) -> Result<Self, String> {
        let length = char_count(input);
        if length < MIN_LEN {
            return Err(format!("Use at least {MIN_LEN} characters."));
        }
        if length > MAX_LEN {
            return Err(format!("Use at most {MAX_LEN} characters."));
        }
        let lowered = input.to_lowercase();
        if account_identifiers.iter().any(|identifier| {
            !identifier.trim().is_empty() && identifier.trim().to_lowercase() == lowered
        }) {
            return Err("Your password cannot be your email address or username.".into());
        }
        if COMMON_PASSWORDS.contains(lowered.as_str()) {
            return Err("This password is one of the most commonly used: choose another.".into());
        }
        Ok(Self(input.to_owned()))
    }

    /// The password itself, for hashing. Keep the borrow short.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<hidden>)")
    }
}

#[cfg(test)]
mod tests {
    use super::{Password, COMMON_PASSWORDS};
    use proptest::prelude::*;

    #[test]
    fn the_shipped_list_has_a_few_thousand_lower_case_entries() {
        assert!(COMMON_PASSWORDS.len() >= 3000, "{}", COMMON_PASSWORDS.len());
        assert!(COMMON_PASSWORDS
            .iter()
            .all(|p| p.chars().count() >= 8 && *p == p.to_lowercase()));
        assert!(!COMMON_PASSWORDS.iter().any(|p| p.starts_with("# ")));
    }

    #[test]
    fn any_characters_are_allowed_without_composition_rules() {
        for good in [
            "correct horse battery staple",
            "жёлтый-кот-бежит",
            "🦀🦀🦀🦀🦀🦀🦀🦀",
            "  spaced out  ",
            "'; DROP TABLE users;--",
        ] {
            assert!(Password::parse(good, &[]).is_ok(), "{good:?} was refused");
        }
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert!(Password::parse("é".repeat(8).as_str(), &[]).is_ok());
        assert_eq!(
            Password::parse("1a2b3c4", &[]).expect_err("short"),
            "Use at least 8 characters."
        );
        assert!(Password::parse(&"x".repeat(128), &[]).is_ok());
        assert_eq!(
            Password::parse(&"x".repeat(129), &[]).expect_err("long"),
            "Use at most 128 characters."
        );
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        for common in [
            "password",
            "PASSWORD1",
            "iloveyou",
            "qwertyuiop",
            "1q2w3e4r5t",
        ] {
            let message = Password::parse(common, &[]).expect_err("common");
            assert!(
                message.contains("most commonly used"),
                "{common}: {message}"
            );
        }
    }

    #[test]
    fn the_email_or_username_is_refused() {
        let identifiers = ["ann@example.com", "AnnLee42"];
        assert!(Password::parse("ann@example.com", &identifiers).is_err());
        assert!(Password::parse("annlee42", &identifiers).is_err());
        assert!(Password::parse("annlee42 is me", &identifiers).is_ok());
        assert!(Password::parse("whatever-long", &["", "  "]).is_ok());
    }

    #[test]
    fn debug_output_hides_the_password() {
        let password = Password::parse("hunter2-is-my-secret", &[]).expect("valid");
        assert!(!format!("{password:?}").contains("hunter2"));
    }

    proptest! {
        #[test]
        fn never_panics(input in ".{0,300}", other in ".{0,40}") {
            let _ = Password::parse(&input, &[&other]);
        }

        #[test]
        fn long_random_passwords_are_kept_exactly(input in "[^\\p{Cc}]{20,128}") {
            let password = Password::parse(&input, &[]).expect("valid");
            prop_assert_eq!(password.expose(), input.as_str());
        }
    }
}
