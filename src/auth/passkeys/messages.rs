//! The mails of passkeys: each one added or removed is told to the account's address, so an owner who did not
//! do it learns of it.

use crate::{auth::email::messages::compose, mail::Mail};

fn if_not_you(account_url: &str) -> String {
    format!(
        "If this was not you, reset your password at once and check your account at {account_url}."
    )
}

/// "A passkey was added".
pub fn added(to: &str, user_id: i64, name: &str, account_url: &str) -> Mail {
    compose(
        to,
        user_id,
        "passkey_added",
        "A passkey was added to your account",
        &[
            format!("The passkey \u{201c}{name}\u{201d} was just added to your Leptodo account: it signs in without the password."),
            if_not_you(account_url),
        ],
        None,
    )
}

/// "A passkey was removed".
pub fn removed(to: &str, user_id: i64, name: &str, account_url: &str) -> Mail {
    compose(
        to,
        user_id,
        "passkey_removed",
        "A passkey was removed from your account",
        &[
            format!("The passkey \u{201c}{name}\u{201d} was just removed from your Leptodo account: it no longer signs in."),
            if_not_you(account_url),
        ],
        None,
    )
}

/// "Your passkeys were removed", by an operator.
pub fn all_removed(to: &str, user_id: i64, count: u64, account_url: &str) -> Mail {
    let passkeys = match count {
        1 => "your passkey".to_owned(),
        _ => format!("your {count} passkeys"),
    };
    compose(
        to,
        user_id,
        "passkeys_removed",
        "Your passkeys were removed",
        &[
            format!("An administrator removed {passkeys} from your Leptodo account: they no longer sign in. You can add new ones on your account page."),
            if_not_you(account_url),
        ],
        None,
    )
}
