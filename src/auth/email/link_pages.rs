//! The pages a mail's link opens (`/confirm/<token>`, `/change-email/<token>`), and the forms that send those
//! mails: the banner that sends the confirmation link again and the account page's change of address.

use leptos::prelude::*;
use leptos_meta::Title;

use super::views::{broken_link_view, link_page, sent_view};
use crate::{
    auth::Auth,
    domain::{Email, Password},
    error::AppError,
    form_errors::{refusal, ErrorSummary, Field, FormErrors, Input},
    secret::Secret,
};

/// Whether a confirmation link still works, before its button is shown; answers the address it confirms.
#[server]
pub async fn check_confirm_link(token: String) -> Result<String, AppError> {
    address_of_link(super::queries::Purpose::Confirm, &token).await
}

/// Confirms the address a confirmation link was sent to.
#[server]
pub async fn confirm_email(token: String) -> Result<(), AppError> {
    use crate::{error::with_status, state::request_context};
    let result = async {
        let (state, _) = request_context().await?;
        let used = super::service::confirm(&state, &token).await?;
        let message = format!("{} is confirmed as your address.", used.sent_to);
        after_link_used(&state, used.user_id, &message).await
    }
    .await;
    with_status(result)
}

/// Whether a change-of-address link still works, before its button is shown; answers the new address.
#[server]
pub async fn check_email_change_link(token: String) -> Result<String, AppError> {
    address_of_link(super::queries::Purpose::ChangeEmail, &token).await
}

/// The address a working link of `purpose` was sent to; changes nothing.
#[cfg(feature = "ssr")]
async fn address_of_link(
    purpose: super::queries::Purpose,
    token: &str,
) -> Result<String, AppError> {
    use crate::{error::with_status, state::request_context};
    let result = async {
        let (state, _) = request_context().await?;
        let (_, address) = super::service::link_owner(&state, purpose, token).await?;
        Ok(address)
    }
    .await;
    with_status(result)
}

/// Moves the account to the address a change-of-address link was sent to.
#[server]
pub async fn apply_email_change(token: String) -> Result<(), AppError> {
    use crate::{error::with_status, state::request_context};
    let result = async {
        let (state, _) = request_context().await?;
        let used = super::service::apply_email_change(&state, &token).await?;
        let message = format!(
            "Your email address is changed to {}: from now on, log in and receive mail with it.",
            used.sent_to
        );
        after_link_used(&state, used.user_id, &message).await
    }
    .await;
    with_status(result)
}

/// After a link's form was posted: leaves `message` for the page it goes on to (the link's own page has
/// nothing left to show: the link is spent), which is the account page of the link's owner, the start page of
/// another account logged in here, or the login page.
#[cfg(feature = "ssr")]
async fn after_link_used(
    state: &crate::state::AppState,
    owner: i64,
    message: &str,
) -> Result<(), AppError> {
    use crate::{auth::session, error::is_plain_form_post};
    if !is_plain_form_post() {
        return Ok(());
    }
    // The link is used and committed: whatever fails now must not answer as if it had not worked.
    let logged_in = match crate::state::request_context().await {
        Ok((_, browser_session)) => {
            session::current_user(&browser_session, state.sessions, &state.pool).await
        }
        Err(error) => Err(error),
    };
    let logged_in = logged_in.unwrap_or_else(|error| {
        tracing::warn!(?error, "after a used link: the session could not be read");
        None
    });
    if let Err(error) = crate::flash::set_message(message).await {
        tracing::warn!(?error, "after a used link: its message could not be left");
    }
    leptos_axum::redirect(match logged_in.map(|user| user.id) {
        Some(id) if id == owner => "/account",
        Some(_) => "/",
        None => "/login",
    });
    Ok(())
}

/// Sends the confirmation link again, to the logged-in user or to the visitor whose login was just refused
/// for an unconfirmed address.
#[server]
pub async fn resend_confirmation() -> Result<String, AppError> {
    use crate::{
        auth::session,
        error::{is_plain_form_post, with_status},
        state::{client_ip, request_context},
    };
    let result = async {
        let (state, browser_session) = request_context().await?;
        let logged_in =
            session::current_user(&browser_session, state.sessions, &state.pool).await?;
        let back_to = if logged_in.is_some() {
            "/account"
        } else {
            "/login"
        };
        let user = match logged_in {
            Some(user) => user,
            None => session::unconfirmed_account(&browser_session, &state.pool).await?,
        };
        let message =
            super::service::resend_confirmation(&state, &user, client_ip().await.as_deref())
                .await?;
        if is_plain_form_post() {
            crate::flash::set_message(&message).await?;
            leptos_axum::redirect(back_to);
        }
        Ok(message)
    }
    .await;
    with_status(result)
}

/// Asks to move the account to `new_email`, after checking the current password.
#[server]
pub async fn request_email_change(
    new_email: String,
    current_password: Secret,
) -> Result<String, AppError> {
    use super::{forms::EmailChangeInput, service};
    use crate::{
        auth::session,
        error::{is_plain_form_post, with_status},
        state::client_ip,
    };
    let result = async {
        let (state, _, user) = session::logged_in().await?;
        let input = EmailChangeInput {
            new_email,
            current_password,
        };
        let message =
            service::request_email_change(&state, &user, &input, client_ip().await.as_deref())
                .await?;
        if is_plain_form_post() {
            crate::flash::set_message(&message).await?;
            leptos_axum::redirect("/account");
        }
        Ok(message)
    }
    .await;
    with_status(result)
}

/// `/confirm/<token>`: names the address and confirms it when its button is pressed. Opening the link
/// changes nothing, so a mail scanner that follows every link confirms nothing.
#[component]
pub fn ConfirmPage() -> impl IntoView {
    let confirm = ServerAction::<ConfirmEmail>::new();
    view! {
        <Title text="Confirm your address · Leptodo" />
        {used_or(
            refusal(confirm),
            move |refused| {
                link_page(
                    check_confirm_link,
                    move |token, address| {
                        view! {
                            <section class="auth-form">
                                <h1>"Confirm your email address"</h1>
                                <ErrorSummary errors=FormErrors::new("confirm", refused.as_ref(), &[]) />
                                <p>"Is " <strong>{address}</strong> " your address?"</p>
                                <ActionForm action=confirm>
                                    <input type="hidden" name="token" value=token />
                                    <button type="submit">"Confirm my address"</button>
                                </ActionForm>
                            </section>
                        }
                            .into_any()
                    },
                )
            },
        )}
    }
}

/// `/change-email/<token>`: names the new address and moves the account to it when its button is pressed;
/// opening the link changes nothing.
#[component]
pub fn EmailChangePage() -> impl IntoView {
    let change = ServerAction::<ApplyEmailChange>::new();
    view! {
        <Title text="Change your address · Leptodo" />
        {used_or(
            refusal(change),
            move |refused| {
                link_page(
                    check_email_change_link,
                    move |token, address| {
                        view! {
                            <section class="auth-form">
                                <h1>"Change your email address"</h1>
                                <ErrorSummary errors=FormErrors::new("change", refused.as_ref(), &[]) />
                                <p>
                                    "Move your account to " <strong>{address}</strong>
                                    "? From then on you log in and receive mail with it."
                                </p>
                                <ActionForm action=change>
                                    <input type="hidden" name="token" value=token />
                                    <button type="submit">"Use this address"</button>
                                </ActionForm>
                            </section>
                        }
                            .into_any()
                    },
                )
            },
        )}
    }
}

/// The page a link's button came back to. Refused because the link is dead (spent, or another account took
/// the address): the broken-link page with the refusal's own reason, which the link's check no longer knows.
/// Refused for a passing reason (a busy server), or not pressed yet: `page`, given the refusal to show above
/// its button. A link that worked does not come back here (see `after_link_used`).
fn used_or<V: IntoView + 'static>(
    refused: Option<AppError>,
    page: impl FnOnce(Option<AppError>) -> V,
) -> AnyView {
    match refused {
        Some(error @ (AppError::InvalidLink | AppError::Conflict(_))) => {
            broken_link_view(&error).into_any()
        }
        other => page(other).into_any(),
    }
}

/// Above every page of a logged-in user who has not confirmed their address: a reminder and a button that
/// sends the link again.
#[component]
pub fn ConfirmationBanner() -> impl IntoView {
    let auth = Auth::expect();
    let resend = ServerAction::<ResendConfirmation>::new();
    view! {
        <Transition fallback=|| ()>
            {move || {
                auth.user
                    .get()
                    .and_then(Result::ok)
                    .flatten()
                    .filter(|user| user.confirmation_pending)
                    .map(|user| {
                        view! {
                            <aside class="confirm-banner" aria-label="Email confirmation">
                                <p>
                                    "Please confirm your email address: open the link we sent to "
                                    <strong>{user.email}</strong>"."
                                </p>
                                <ResendForm resend />
                            </aside>
                        }
                    })
            }}
        </Transition>
    }
}

/// The button that sends the confirmation link again, and what became of it.
#[component]
pub fn ResendForm(resend: ServerAction<ResendConfirmation>) -> impl IntoView {
    view! {
        <ErrorSummary errors=FormErrors::new("resend", refusal(resend).as_ref(), &[]) />
        <ActionForm action=resend attr:class="inline-form">
            <button type="submit">"Send the link again"</button>
        </ActionForm>
        {sent_view(resend)}
    }
}

/// The account page's form for moving the account to another address.
#[component]
pub fn EmailChangeForm() -> impl IntoView {
    let change = ServerAction::<RequestEmailChange>::new();
    let errors = FormErrors::new(
        "email-change",
        refusal(change).as_ref(),
        &[NEW_EMAIL, CURRENT_PASSWORD],
    );
    view! {
        <h2>"Change your email address"</h2>
        <p>"We send a link to the new address; the address changes when you open it."</p>
        <ErrorSummary errors=errors.clone() />
        <ActionForm action=change attr:class="auth-form">
            {errors.input(NEW_EMAIL, Input::email("New email address").required().max_length(Email::MAX_CHARS))}
            {errors
                .input(
                    CURRENT_PASSWORD,
                    Input::password("Your password", "current-password").required().max_length(Password::MAX_CHARS),
                )}
            <button type="submit">"Send the link"</button>
        </ActionForm>
        {sent_view(change)}
    }
}

/// The change-of-address form's inputs.
const NEW_EMAIL: Field = Field::new("new_email", "email-change-new");
const CURRENT_PASSWORD: Field = Field::new("current_password", "email-change-password");
