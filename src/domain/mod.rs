//! The rules for what users type, written once: these types compile into the browser bundle for instant
//! feedback and into the server, where they are the authority. Holding one of them means the value is valid;
//! nothing downstream checks again. Each `parse` answers a message fit to show next to the form field.

/// The longest login worth checking (an email or a username, whichever may be longer): anything longer cannot
/// name an account.
pub const MAX_LOGIN_CHARS: usize = if Email::MAX_CHARS > Username::MAX_CHARS {
    Email::MAX_CHARS
} else {
    Username::MAX_CHARS
};

/// The conversions every validated string type shares: serde goes through `parse`, so a value deserialised
/// from a request is as valid as one parsed from a form.
macro_rules! validated_string {
    ($type:ident) => {
        impl $type {
            /// The validated, normalised text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $type {
            type Error = String;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$type> for String {
            fn from(value: $type) -> Self {
                value.0
            }
        }

        impl AsRef<str> for $type {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

mod client_id;
mod email;
mod passkey_name;
mod password;
mod person_name;
mod role_name;
pub mod second_factor_code;
pub mod todo_title;
mod token_name;
mod username;
mod website;

pub use client_id::ClientId;
pub use email::Email;
pub use passkey_name::PasskeyName;
pub use password::Password;
pub use person_name::PersonName;
pub use role_name::RoleName;
pub use second_factor_code::SecondFactorCode;
pub use todo_title::TodoTitle;
pub use token_name::TokenName;
pub use username::Username;
pub use website::Website;

/// Control characters (line breaks, escapes) and the invisible marks that reorder text (bidi overrides,
/// embeddings, isolates and direction marks): in an admin's table or a terminal they forge or disguise what a
/// name says, so no name or title may contain them.
fn is_invisible_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// Counts characters (Unicode scalar values), which is what a person means by "characters" in a limit.
fn char_count(value: &str) -> usize {
    value.chars().count()
}

/// Trims `input` and checks that it is one line of 1 to `max` characters. `blank` is the message for empty
/// input; `what` starts the others ("A name has at most …").
///
/// Line breaks and other control characters are refused: these texts are shown on one line (the header, a
/// row of the list) and written to logs, where a control character would garble or forge a line.
fn one_line_text(input: &str, max: usize, blank: &str, what: &str) -> Result<String, String> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(blank.into());
    }
    if char_count(trimmed) > max {
        return Err(format!("{what} has at most {max} characters."));
    }
    if trimmed.chars().any(is_invisible_control) {
        return Err(format!(
            "{what} cannot contain control characters such as line breaks, or text-direction marks."
        ));
    }
    Ok(trimmed.to_owned())
}
