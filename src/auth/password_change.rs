//! Changing the password from the account page: the form and its rules.

use serde::{Deserialize, Serialize};

use crate::{domain::Password, error::FieldErrors, secret::Secret};

/// The change-password form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasswordChangeInput {
    /// The password in use now, to prove it is the account holder at the keyboard.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub current_password: Secret,
    /// The new password.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub new_password: Secret,
    /// The new password again.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub new_password_confirm: Secret,
}

impl PasswordChangeInput {
    /// Checks the new password against the rules for the account with these identifiers (email, username).
    /// Whether the current password is right needs the server; see `service::change_password`.
    pub fn validate(&self, account_identifiers: &[&str]) -> Result<Password, FieldErrors> {
        let mut errors = FieldErrors::default();
        if self.current_password.expose().is_empty() {
            errors.add("current_password", "Enter your current password.");
        }
        let password = errors.check(
            "new_password",
            Password::parse(self.new_password.expose(), account_identifiers),
        );
        if password.is_some() && self.new_password == self.current_password {
            errors.add(
                "new_password",
                "Choose a password different from the current one.",
            );
        }
        if self.new_password != self.new_password_confirm {
            errors.add("new_password_confirm", "The two passwords do not match.");
        }
        match password {
            Some(password) if errors.is_empty() => Ok(password),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PasswordChangeInput;

    fn input(current: &str, new: &str, confirm: &str) -> PasswordChangeInput {
        PasswordChangeInput {
            current_password: current.into(),
            new_password: new.into(),
            new_password_confirm: confirm.into(),
        }
    }

    #[test]
    fn a_valid_change_yields_the_new_password() {
        let password = input(
            "old passphrase here",
            "a brand new passphrase",
            "a brand new passphrase",
        )
        .validate(&["ann@example.com", "annlee"])
        .expect("valid");
        assert_eq!(password.expose(), "a brand new passphrase");
    }

    #[test]
    fn each_problem_is_reported_on_its_field() {
        let errors = input("", "short", "other")
            .validate(&[])
            .expect_err("invalid");
        for field in ["current_password", "new_password", "new_password_confirm"] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
    }

    #[test]
    fn the_new_password_must_differ_and_follow_the_rules() {
        let same = "the same old passphrase";
        let errors = input(same, same, same)
            .validate(&[])
            .expect_err("unchanged");
        assert!(errors.get("new_password").is_some());
        let errors = input("old passphrase here", "annlee42", "annlee42")
            .validate(&["ann@example.com", "AnnLee42"])
            .expect_err("the username");
        assert!(errors.get("new_password").is_some());
    }
}
