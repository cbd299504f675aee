use email_address::{EmailAddress, Options};
use serde::{Deserialize, Serialize};

/// An email address in normalised form: trimmed, domain lower-cased.
///
/// The local part keeps its case: RFC 5321 lets a server treat `Ann@` and `ann@` as different mailboxes, so
/// we store what the user typed, and uniqueness is checked case-insensitively in the database instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

/// RFC 5321's limit on a forward path, which every mail server enforces.
const MAX_LEN: usize = 254;

impl Email {
    /// The most characters a valid value has; what is typed is kept (for a form shown again) up to this.
    pub const MAX_CHARS: usize = MAX_LEN;

    /// Parses and normalises what the user typed: NFC on the server (the browser skips it rather than ship
    /// Unicode's tables; the server's answer is the one that counts).
    pub fn parse(input: &str) -> Result<Self, String> {
        #[cfg(feature = "ssr")]
        let input = &unicode_normalization::UnicodeNormalization::nfc(input).collect::<String>();
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err("Enter your email address.".into());
        }
        if trimmed.len() > MAX_LEN {
            return Err(format!(
                "An email address has at most {MAX_LEN} characters."
            ));
        }
        if trimmed.chars().any(super::is_invisible_control) {
            return Err(
                "An email address cannot contain control or text-direction characters.".into(),
            );
        }
        let options = Options::default()
            .with_required_tld()
            .without_domain_literal()
            .without_display_text();
        let address = EmailAddress::parse_with_options(trimmed, options).map_err(|_| {
            format!("“{trimmed}” is not a valid email address, such as name@example.com.")
        })?;
        Ok(Self(format!(
            "{}@{}",
            address.local_part(),
            address.domain().to_lowercase()
        )))
    }
}

validated_string!(Email);

#[cfg(test)]
mod tests {
    use super::Email;
    use proptest::prelude::*;

    #[test]
    fn trims_and_lowercases_the_domain_but_not_the_local_part() {
        let email = Email::parse("  Ann.Lee@Example.COM \n").expect("valid");
        assert_eq!(email.as_str(), "Ann.Lee@example.com");
    }

    #[test]
    fn accepts_plus_addressing_and_subdomains() {
        assert!(Email::parse("ann+todos@mail.example.co.uk").is_ok());
    }

    #[test]
    fn accepts_internationalised_addresses() {
        assert_eq!(
            Email::parse("jürgen@BEISPIEL.de").expect("valid").as_str(),
            "jürgen@beispiel.de"
        );
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        for bad in [
            "",
            "   ",
            "ann",
            "ann@",
            "@example.com",
            "ann@localhost",
            "ann@@example.com",
            "ann@exa mple.com",
            "Ann <ann@example.com>",
            "ann@[127.0.0.1]",
            "ann@example.com'; DROP TABLE users;--",
            "<script>@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn refuses_overlong_addresses() {
        let long = format!("{}@example.com", "a".repeat(250));
        let message = Email::parse(&long).expect_err("too long");
        assert!(message.contains("254"), "{message}");
    }

    #[test]
    fn the_empty_message_asks_for_an_address() {
        assert_eq!(
            Email::parse("").expect_err("empty"),
            "Enter your email address."
        );
    }

    proptest! {
        #[test]
        fn never_panics(input in ".{0,400}") {
            let _ = Email::parse(&input);
        }

        #[test]
        fn valid_addresses_round_trip(local in "[a-z0-9]{1,20}(\\.[a-z0-9]{1,10})?", domain in "[a-z]{1,20}\\.[a-z]{2,6}") {
            let typed = format!("{local}@{domain}");
            let email = Email::parse(&typed).expect("valid");
            prop_assert_eq!(email.as_str(), typed.as_str());
            prop_assert_eq!(Email::parse(email.as_str()).expect("still valid"), email);
        }
    }
}
