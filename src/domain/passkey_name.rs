use serde::{Deserialize, Serialize};

use super::one_line_text;

/// What the owner calls a passkey ("MacBook Touch ID", "YubiKey on my keys"), so they know which to remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PasskeyName(String);

/// Enough for a device and where it lives; a row of the account page stays a row.
const MAX_LEN: usize = 64;

impl PasskeyName {
    /// The most characters a name has; the name input lets no more be typed.
    pub const MAX_CHARS: usize = MAX_LEN;

    /// Parses what the user typed, trimmed.
    pub fn parse(input: &str) -> Result<Self, String> {
        one_line_text(input, MAX_LEN, "Name the passkey.", "A passkey name").map(Self)
    }
}

validated_string!(PasskeyName);

#[cfg(test)]
mod tests {
    use super::PasskeyName;

    #[test]
    fn one_line_of_at_most_64_characters() {
        assert_eq!(
            PasskeyName::parse("  MacBook Touch ID ")
                .expect("valid")
                .as_str(),
            "MacBook Touch ID"
        );
        assert!(PasskeyName::parse(&"ü".repeat(64)).is_ok());
        assert_eq!(
            PasskeyName::parse(&"ü".repeat(65)).expect_err("too long"),
            "A passkey name has at most 64 characters."
        );
        assert_eq!(
            PasskeyName::parse("  ").expect_err("blank"),
            "Name the passkey."
        );
        assert!(PasskeyName::parse("two\nlines").is_err());
    }
}
