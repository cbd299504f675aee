use serde::{Deserialize, Serialize};

use super::one_line_text;

/// What a user calls a personal access token ("backup script", "phone"), so they know which one to revoke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TokenName(String);

const MAX_LEN: usize = 100;

impl TokenName {
    /// The most characters a name has; the name input lets no more be typed.
    pub const MAX_CHARS: usize = MAX_LEN;

    /// Parses what the user typed, trimmed.
    pub fn parse(input: &str) -> Result<Self, String> {
        one_line_text(input, MAX_LEN, "Name the token.", "A token name").map(Self)
    }
}

validated_string!(TokenName);

#[cfg(test)]
mod tests {
    use super::TokenName;

    #[test]
    fn one_line_of_at_most_100_characters() {
        assert_eq!(
            TokenName::parse(" backup script ").expect("valid").as_str(),
            "backup script"
        );
        assert_eq!(TokenName::parse("").expect_err("blank"), "Name the token.");
        assert!(TokenName::parse(&"x".repeat(100)).is_ok());
        assert_eq!(
            TokenName::parse(&"x".repeat(101)).expect_err("long"),
            "A token name has at most 100 characters."
        );
        assert!(TokenName::parse("a\nb").is_err());
    }
}
