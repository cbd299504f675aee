//! The forms of the mail flows as typed, and the rules that need no database (they run in the browser too).

use serde::{Deserialize, Serialize};

use crate::{
    domain::{Email, Password},
    error::FieldErrors,
    secret::Secret,
};

/// `/forgot`: the address to send a reset link to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ForgotInput {
    /// The account's email address.
    pub email: String,
}

impl ForgotInput {
    /// The address, or why it cannot be one.
    pub fn validate(&self) -> Result<Email, FieldErrors> {
        let mut errors = FieldErrors::default();
        errors
            .check("email", Email::parse(&self.email))
            .ok_or(errors)
    }
}

/// `/reset/<token>`: the new password, twice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ResetInput {
    /// The token from the link.
    pub token: String,
    /// The new password.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub password: Secret,
    /// The new password again.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub password_confirm: Secret,
}

impl ResetInput {
    /// The new password, by the rules of registration for the account with these identifiers (email, username).
    pub fn validate(&self, account_identifiers: &[&str]) -> Result<Password, FieldErrors> {
        let mut errors = FieldErrors::default();
        let password = errors.check(
            "password",
            Password::parse(self.password.expose(), account_identifiers),
        );
        if self.password != self.password_confirm {
            errors.add("password_confirm", "The two passwords do not match.");
        }
        match password {
            Some(password) if errors.is_empty() => Ok(password),
            _ => Err(errors),
        }
    }
}

/// The account page's change-of-address form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EmailChangeInput {
    /// The address to move to.
    pub new_email: String,
    /// The password in use now: whoever finds a logged-in browser must not take the account with it.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub current_password: Secret,
}

impl EmailChangeInput {
    /// The new address, or every problem of the form.
    pub fn validate(&self) -> Result<Email, FieldErrors> {
        let mut errors = FieldErrors::default();
        let email = errors.check("new_email", Email::parse(&self.new_email));
        if self.current_password.expose().is_empty() {
            errors.add("current_password", "Enter your current password.");
        }
        match email {
            Some(email) if errors.is_empty() => Ok(email),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{EmailChangeInput, ForgotInput, ResetInput};

    #[test]
    fn a_reset_follows_the_password_rules_and_needs_a_matching_confirmation() {
        let input = |password: &str, confirm: &str| ResetInput {
            token: String::new(),
            password: password.into(),
            password_confirm: confirm.into(),
        };
        assert!(input("a brand new passphrase", "a brand new passphrase")
            .validate(&["ann@example.com", "annlee"])
            .is_ok());
        let errors = input("short", "other").validate(&[]).expect_err("weak");
        assert!(errors.get("password").is_some() && errors.get("password_confirm").is_some());
        let errors = input("annlee2024", "annlee2024")
            .validate(&["ann@example.com", "AnnLee2024"])
            .expect_err("the username");
        assert!(errors.get("password").is_some(), "{errors:?}");
    }

    #[test]
    fn a_change_of_address_needs_an_address_and_the_password() {
        let errors = EmailChangeInput {
            new_email: "not an address".into(),
            current_password: "".into(),
        }
        .validate()
        .expect_err("invalid");
        assert!(errors.get("new_email").is_some() && errors.get("current_password").is_some());
        let email = EmailChangeInput {
            new_email: " Ann@Example.ORG ".into(),
            current_password: "whatever".into(),
        }
        .validate()
        .expect("valid");
        assert_eq!(email.as_str(), "Ann@example.org");
        assert!(ForgotInput { email: "@".into() }.validate().is_err());
    }
}
