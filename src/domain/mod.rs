//! The rules for what users type, written once: these types compile into the browser bundle for instant
//! feedback and into the server, where they are the authority. Holding one of them means the value is valid;
//! nothing downstream checks again. Each `parse` answers a message fit to show next to the form field.

mod email;
mod password;
mod person_name;
mod username;
mod website;

pub use email::Email;
pub use password::Password;
pub use person_name::PersonName;
pub use username::Username;
pub use website::Website;

/// Counts characters (Unicode scalar values), which is what a person means by "characters" in a limit.
fn char_count(value: &str) -> usize {
    value.chars().count()
}
