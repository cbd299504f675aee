//! Registration: what the form sends, and the rules that turn it into a valid new account.

use serde::{Deserialize, Serialize};

use crate::{
    domain::{Email, Password, PersonName, Username, Website},
    error::FieldErrors,
    secret::Secret,
};

/// The registration form as typed, field by field, before any rule has run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RegistrationInput {
    /// Email address.
    pub email: String,
    /// Public handle.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Optional personal web page; blank for none.
    #[serde(default)]
    pub website: String,
    /// The new password.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub password: Secret,
    /// The new password again, to catch typos.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub password_confirm: Secret,
}

/// A registration that passed every rule that does not need the database.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Normalised email.
    pub email: Email,
    /// Username as typed.
    pub username: Username,
    /// Display name.
    pub name: PersonName,
    /// Normalised website, if any.
    pub website: Option<Website>,
    /// The password, to be hashed.
    pub password: Password,
}

impl RegistrationInput {
    /// Checks every field and reports all problems at once, keyed by field name.
    pub fn validate(&self) -> Result<NewAccount, FieldErrors> {
        let mut errors = FieldErrors::default();
        let email = errors.check("email", Email::parse(&self.email));
        let username = errors.check("username", Username::parse(&self.username));
        let name = errors.check("name", PersonName::parse(&self.name));
        let website = errors.check("website", Website::parse_optional(&self.website));
        let password = errors.check(
            "password",
            Password::parse(self.password.expose(), &[&self.email, &self.username]),
        );
        if self.password != self.password_confirm {
            errors.add("password_confirm", "The two passwords do not match.");
        }
        match (email, username, name, website, password) {
            (Some(email), Some(username), Some(name), Some(website), Some(password))
                if errors.is_empty() =>
            {
                Ok(NewAccount {
                    email,
                    username,
                    name,
                    website,
                    password,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RegistrationInput;

    fn valid_input() -> RegistrationInput {
        RegistrationInput {
            email: "Ann.Lee@Example.com".into(),
            username: "annlee".into(),
            name: "Ann Lee".into(),
            website: String::new(),
            password: "a long and unusual passphrase".into(),
            password_confirm: "a long and unusual passphrase".into(),
        }
    }

    #[test]
    fn a_complete_form_becomes_a_normalised_account() {
        let account = valid_input().validate().expect("valid");
        assert_eq!(account.email.as_str(), "Ann.Lee@example.com");
        assert_eq!(account.website, None);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let errors = RegistrationInput {
            email: "not an email".into(),
            username: "a".into(),
            name: String::new(),
            website: "javascript:alert(1)".into(),
            password: "short".into(),
            password_confirm: "different".into(),
        }
        .validate()
        .expect_err("invalid");
        for field in [
            "email",
            "username",
            "name",
            "website",
            "password",
            "password_confirm",
        ] {
            assert!(
                errors.get(field).is_some(),
                "no error for {field}: {errors:?}"
            );
        }
    }

    #[test]
    fn a_mismatched_confirmation_alone_is_refused() {
        let mut input = valid_input();
        input.password_confirm = format!("{}!", input.password.expose()).into();
        let errors = input.validate().expect_err("mismatch");
        assert_eq!(
            errors.get("password_confirm"),
            Some(&["The two passwords do not match.".to_owned()][..])
        );
        assert!(errors.get("password").is_none());
    }

    #[test]
    fn the_password_cannot_be_the_username_even_with_other_case() {
        let mut input = valid_input();
        input.username = "Correcthorse9".into();
        input.password = "correcthorse9".into();
        input.password_confirm = "correcthorse9".into();
        let errors = input.validate().expect_err("password is the username");
        assert!(errors.get("password").is_some(), "{errors:?}");
    }
}
