//! The words of every mail the accounts send, each with a plain-text part and a simple HTML part.
//!
//! A mail carries no text that a visitor chose: a display name is anyone's to pick (registering with someone
//! else's address included), and "Hello Ann. Your account is locked, call …" would read as the site's own
//! words. So no mail names its reader; only addresses, which the mail's own delivery proves, appear.

use leptos::prelude::*;

use crate::mail::Mail;

/// What every subject ends with: the action comes first, where a narrow inbox column still shows it.
const SUBJECT_SUFFIX: &str = " — Leptodo";

/// A mail to `to` about account `user_id`: `paragraphs` of text, then, if any, a link with its button label.
pub(crate) fn compose(
    to: &str,
    user_id: i64,
    purpose: &'static str,
    subject: &str,
    paragraphs: &[String],
    link: Option<(&str, &str)>,
) -> Mail {
    let mut text = String::from("Hello,\n\n");
    for paragraph in paragraphs {
        text.push_str(paragraph);
        text.push_str("\n\n");
    }
    if let Some((label, url)) = link {
        text.push_str(&format!("{label}:\n{url}\n\n"));
    }
    text.push_str("— Leptodo\n");
    Mail {
        to: to.to_owned(),
        subject: format!("{subject}{SUBJECT_SUFFIX}"),
        text,
        html: html_part(paragraphs, link),
        purpose,
        user_id,
        link: link.map(|(_, url)| url.to_owned()),
    }
}

/// The HTML part, rendered by Leptos like the app's pages: every value is escaped on its way in, text and
/// attributes alike, so nothing in an address or a link can become markup.
fn html_part(paragraphs: &[String], link: Option<(&str, &str)>) -> String {
    let paragraphs = paragraphs
        .iter()
        .map(|paragraph| view! { <p>{paragraph.clone()}</p> })
        .collect_view();
    let link = link.map(|(label, url)| {
        let (label, url) = (label.to_owned(), url.to_owned());
        view! {
            <p>
                <a
                    href=url.clone()
                    style="display: inline-block; padding: 0.5em 1em; background: #b83f45; color: #fff; text-decoration: none; border-radius: 4px"
                >
                    {label}
                </a>
            </p>
            <p style="font-size: 0.9em; color: #555">
                "Or copy this address into your browser:" <br /> {url}
            </p>
        }
    });
    let page = view! {
        <html>
            <body style="font-family: sans-serif; line-height: 1.5">
                <p>"Hello,"</p>
                {paragraphs}
                {link}
                <p>"— Leptodo"</p>
            </body>
        </html>
    };
    // Without the `<!>` placeholders Leptos leaves for hydration, which a mail is never given: escaped text
    // and attributes hold no raw `<`, so only placeholders match.
    format!("<!DOCTYPE html>{}", page.to_html().replace("<!>", ""))
}

/// "Confirm your email address", with the link.
pub fn confirm_address(to: &str, user_id: i64, url: &str, hours: u32) -> Mail {
    compose(
        to,
        user_id,
        "confirm_email",
        "Confirm your email address",
        &[format!(
            "Please confirm that {to} is your address by opening the link below. It works once, for {hours} hours."
        ),
        "If you did not create a Leptodo account, ignore this mail: nothing happens without the link.".into()],
        Some(("Confirm my address", url)),
    )
}

/// "Reset your password", with the link.
pub fn reset_password(to: &str, user_id: i64, url: &str, minutes: u32) -> Mail {
    compose(
        to,
        user_id,
        "reset_password",
        "Reset your password",
        &[
            format!("Someone (we hope you) asked to reset the password of your Leptodo account. The link below lets you choose a new one. It works once, for {minutes} minutes."),
            "If you did not ask, ignore this mail: your password stays as it is.".into(),
        ],
        Some(("Choose a new password", url)),
    )
}

/// "Your account has been deleted": the last mail to the address, so that an owner who did not do it learns of
/// it (and that nothing can be undone).
pub fn account_deleted(to: &str, user_id: i64, by_operator: bool) -> Mail {
    let who = match by_operator {
        true => "An administrator of this site deleted your Leptodo account",
        false => "Your Leptodo account has been deleted, as you asked",
    };
    compose(
        to,
        user_id,
        "account_deleted",
        "Your account has been deleted",
        &[
            format!("{who}. Your todos, tokens, passkeys and sessions are gone, and this address and your username are free to be used again."),
            "We will not write to you again. Goodbye, and thank you for using Leptodo.".into(),
        ],
        None,
    )
}

/// "Your password was changed": no link, only the news, so that an owner who did not do it learns of it.
pub fn password_changed(to: &str, user_id: i64, reset_url: &str) -> Mail {
    compose(
        to,
        user_id,
        "password_changed",
        "Your password was changed",
        &[
            "The password of your Leptodo account was just changed, and every session was logged out.".into(),
            format!("If this was not you, reset your password at once at {reset_url} and check the email address of your account."),
        ],
        None,
    )
}

/// To the new address: "confirm the change", with the link.
pub fn confirm_new_address(
    to: &str,
    user_id: i64,
    old_address: &str,
    url: &str,
    hours: u32,
) -> Mail {
    compose(
        to,
        user_id,
        "change_email",
        "Confirm your new email address",
        &[
            format!("You asked to change the email address of your Leptodo account from {old_address} to {to}. Open the link below to make the change. It works once, for {hours} hours."),
            "If you did not ask for this, ignore this mail: nothing changes without the link.".into(),
        ],
        Some(("Use this address", url)),
    )
}

/// To the old address: "a change was asked for", with no link.
pub fn address_change_requested(to: &str, user_id: i64, new_address: &str) -> Mail {
    compose(
        to,
        user_id,
        "change_email_notice",
        "A change of your email address was requested",
        &[
            format!("Someone logged in to your Leptodo account asked to change its email address to {new_address}. The address changes only if the link we sent there is opened."),
            "If this was not you, change your password now: whoever did it knows it.".into(),
        ],
        None,
    )
}

/// To the owner of an address another account asked to move to: nothing changed, and nothing to follow but
/// the way back in if they have lost it. It names neither the other account nor its address.
pub fn address_already_registered(to: &str, user_id: i64, forgot_url: &str) -> Mail {
    compose(
        to,
        user_id,
        "change_email_taken",
        "Someone tried to use your email address",
        &[
            "Someone signed in to another Leptodo account asked to move that account to this address. Your account already uses it, so nothing changed, and the other account was sent no link.".into(),
            format!("If you cannot sign in to your own account any more, you can choose a new password at {forgot_url}."),
        ],
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::{confirm_address, confirm_new_address};

    #[test]
    fn the_link_is_in_both_parts_escaped_in_html() {
        let mail = confirm_address(
            "ann@example.com",
            7,
            "https://todo.example.com/confirm/abc?a=1&b=<2>",
            24,
        );
        assert!(mail
            .text
            .contains("https://todo.example.com/confirm/abc?a=1&b=<2>"));
        assert!(
            mail.html
                .contains("href=\"https://todo.example.com/confirm/abc?a=1&amp;b=&lt;2&gt;\""),
            "{}",
            mail.html
        );
        assert!(mail.text.starts_with("Hello,\n"));
        assert!(
            !mail.html.contains("<!>"),
            "no hydration placeholders: {}",
            mail.html
        );
        assert_eq!(mail.subject, "Confirm your email address — Leptodo");
    }

    #[test]
    fn markup_in_an_address_stays_text_in_the_html_part() {
        let mail = confirm_new_address(
            "o'neil&<b>x</b>@example.com",
            7,
            "\"><script>alert(1)</script>@example.com",
            "https://todo.example.com/email/confirm/abc",
            24,
        );
        assert!(!mail.html.contains("<script>"), "{}", mail.html);
        assert!(!mail.html.contains("<b>"), "{}", mail.html);
        assert!(
            mail.html.contains("&quot;&gt;&lt;script&gt;")
                || mail.html.contains("\"&gt;&lt;script&gt;"),
            "{}",
            mail.html
        );
        assert!(mail
            .text
            .contains("\"><script>alert(1)</script>@example.com"));
    }
}
