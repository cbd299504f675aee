use serde::{Deserialize, Serialize};

use super::one_line_text;

/// How a person wants to be addressed: 1–100 characters of any script, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

const MAX_LEN: usize = 100;

impl PersonName {
    /// The most characters a valid value has; what is typed is kept (for a form shown again) up to this.
    pub const MAX_CHARS: usize = MAX_LEN;

    /// Parses what the user typed, trimmed.
    pub fn parse(input: &str) -> Result<Self, String> {
        one_line_text(input, MAX_LEN, "Enter your name.", "A name").map(Self)
    }
}

validated_string!(PersonName);

#[cfg(test)]
mod tests {
    use super::PersonName;
    use proptest::prelude::*;

    #[test]
    fn accepts_any_script_and_metacharacters_literally() {
        for good in [
            "Ann Lee",
            "李小龙",
            "Zoë O'Brien-Smith",
            "محمد",
            "<script>alert(1)</script>",
            "Robert'); DROP TABLE users;--",
        ] {
            assert_eq!(PersonName::parse(good).expect("valid").as_str(), good);
        }
    }

    #[test]
    fn limits_are_counted_in_characters_not_bytes() {
        assert!(PersonName::parse(&"é".repeat(100)).is_ok());
        assert!(PersonName::parse(&"é".repeat(101)).is_err());
    }

    #[test]
    fn refuses_empty_and_control_characters() {
        assert_eq!(
            PersonName::parse("  ").expect_err("blank"),
            "Enter your name."
        );
        assert!(PersonName::parse("Ann\nLee").is_err());
        assert!(PersonName::parse("Ann\u{0}").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(input in ".{0,300}") {
            let _ = PersonName::parse(&input);
        }

        #[test]
        fn valid_names_round_trip(name in "[^\\p{Cc}\\p{Cf}\\s][^\\p{Cc}\\p{Cf}]{0,98}[^\\p{Cc}\\p{Cf}\\s]") {
            let parsed = PersonName::parse(&name).expect("valid");
            prop_assert_eq!(parsed.as_str(), name.as_str());
        }
    }
}
