//! The mails of two-factor sign-in: each change is told to the account's address, so an owner who did not
//! make it learns of it.

use crate::{auth::email::messages::compose, mail::Mail};

/// What each mail ends with: where to look, and what to do if it was not the reader.
fn if_not_you(account_url: &str) -> String {
    format!(
        "If this was not you, reset your password at once and check your account at {account_url}."
    )
}

/// "Two-factor sign-in is on".
pub fn enabled(to: &str, user_id: i64, account_url: &str) -> Mail {
    compose(
        to,
        user_id,
        "two_factor_enabled",
        "Two-factor sign-in is on",
        &[
            "Two-factor sign-in was just turned on for your Leptodo account: signing in now asks for a code from your authenticator app after the password.".into(),
            "Keep your recovery codes somewhere safe: they let you in if you lose the app.".into(),
            if_not_you(account_url),
        ],
        None,
    )
}

/// "Two-factor sign-in is off", by the owner or by an operator.
pub fn disabled(to: &str, user_id: i64, account_url: &str, by_operator: bool) -> Mail {
    let who = match by_operator {
        true => "An administrator turned off two-factor sign-in for your Leptodo account",
        false => "Two-factor sign-in was just turned off for your Leptodo account",
    };
    compose(
        to,
        user_id,
        "two_factor_disabled",
        "Two-factor sign-in is off",
        &[
            format!("{who}: signing in asks for the password only, and every remembered browser is forgotten."),
            if_not_you(account_url),
        ],
        None,
    )
}

/// "New recovery codes": the old set no longer works.
pub fn recovery_codes_renewed(to: &str, user_id: i64, account_url: &str) -> Mail {
    compose(
        to,
        user_id,
        "recovery_codes_renewed",
        "New recovery codes",
        &[
            "A new set of recovery codes was just made for your Leptodo account; the codes of the old set no longer work.".into(),
            if_not_you(account_url),
        ],
        None,
    )
}

/// "A recovery code was used" (`for_what`: "to sign in to"), with how many are left, and a warning when one or
/// none is.
pub fn recovery_code_used(
    to: &str,
    user_id: i64,
    account_url: &str,
    left: i64,
    for_what: &str,
) -> Mail {
    let mut paragraphs = vec![format!(
        "One of your recovery codes was just used {for_what} your Leptodo account. {} left.",
        match left {
            0 => "No codes are".to_owned(),
            1 => "One code is".to_owned(),
            left => format!("{left} codes are"),
        }
    )];
    if left <= 1 {
        paragraphs.push(format!(
            "Make a new set now on {account_url}: when the last code is used, losing your authenticator app locks you out."
        ));
    }
    paragraphs.push(if_not_you(account_url));
    compose(
        to,
        user_id,
        "recovery_code_used",
        match left {
            0 | 1 => "Your recovery codes are running out",
            _ => "A recovery code was used",
        },
        &paragraphs,
        None,
    )
}
