use serde::{Deserialize, Serialize};

use super::one_line_text;

/// What a todo says: 1–500 characters after trimming, one line, shown exactly as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TodoTitle(String);

/// Long enough for a sentence with a link in it; short enough that one row of the list stays a row.
pub const MAX_LEN: usize = 500;

impl TodoTitle {
    /// The most characters a valid value has; what is typed is kept (for a form shown again) up to this.
    pub const MAX_CHARS: usize = MAX_LEN;

    /// Parses what the user typed, trimmed (TodoMVC trims both new and edited titles).
    pub fn parse(input: &str) -> Result<Self, String> {
        one_line_text(input, MAX_LEN, "A todo needs a title.", "A todo").map(Self)
    }
}

validated_string!(TodoTitle);

#[cfg(test)]
mod tests {
    use super::{TodoTitle, MAX_LEN};
    use proptest::prelude::*;

    #[test]
    fn trims_and_keeps_metacharacters_literally() {
        assert_eq!(
            TodoTitle::parse("  buy milk \t").expect("valid").as_str(),
            "buy milk"
        );
        for literal in [
            "<script>alert(1)</script>",
            "'; DROP TABLE todos;--",
            "名前 🎉 &amp;",
        ] {
            assert_eq!(TodoTitle::parse(literal).expect("valid").as_str(), literal);
        }
    }

    #[test]
    fn limits_are_counted_in_characters() {
        assert!(TodoTitle::parse(&"ü".repeat(MAX_LEN)).is_ok());
        assert_eq!(
            TodoTitle::parse(&"ü".repeat(MAX_LEN + 1)).expect_err("too long"),
            "A todo has at most 500 characters."
        );
    }

    #[test]
    fn refuses_blank_and_control_characters() {
        assert_eq!(
            TodoTitle::parse(" \n ").expect_err("blank"),
            "A todo needs a title."
        );
        assert!(TodoTitle::parse("two\nlines").is_err());
        assert!(TodoTitle::parse("nul\u{0}").is_err());
    }

    #[test]
    fn deserialising_applies_the_rules() {
        let parsed: Result<TodoTitle, _> = serde_json::from_str(r#""  ok  ""#);
        assert_eq!(parsed.expect("valid").as_str(), "ok");
        assert!(serde_json::from_str::<TodoTitle>(r#""   ""#).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(input in ".{0,600}") {
            let _ = TodoTitle::parse(&input);
        }
    }
}
