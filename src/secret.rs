//! A password as it arrives, before any rule has run: a string whose `Debug` never shows it, so a server
//! function's arguments or a request body can be logged or printed in a panic without leaking it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Typed text that must not appear in logs: a password or its confirmation.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The text, for the code that checks or hashes it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Self {
        Self(text.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.is_empty() {
            true => f.write_str("Secret(<empty>)"),
            false => f.write_str("Secret(<hidden>)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_output_never_shows_the_text() {
        let secret = Secret::from("correct horse battery staple");
        assert_eq!(format!("{secret:?}"), "Secret(<hidden>)");
        assert_eq!(
            serde_json::to_string(&secret).expect("JSON"),
            "\"correct horse battery staple\""
        );
    }
}
