//! The pages a mail's link opens (`/confirm/<token>`, `/change-email/<token>`), and the forms that send those
//! mails: the banner that sends the confirmation link again and the account page's change of address.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::recovery_pages::sent_view;
use crate::{
    auth::Auth,
    domain::{Email, Password},
    error::AppError,
    form_errors::{refusal, ErrorSummary, Field, FormErrors, Input},
    secret::Secret,
};

/// Confirms the address a confirmation link was sent to.
#[server]
pub async fn confirm_email(token: String) -> Result<(), AppError> {
    use crate::{error::with_status, state::request_context};
    let result = async {
        let (state, _) = request_context().await?;
        super::service::confirm(&state, &token).await
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
        super::service::apply_email_change(&state, &token).await
    }
    .await;
    with_status(result)
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

/// `/confirm/<token>`: confirms the address as the page opens.
#[component]
pub fn ConfirmPage() -> impl IntoView {
    view! {
        <Title text="Confirm your address · Leptodo" />
        {link_page(
            confirm_email,
            |_| {
                view! {
                    <section class="auth-form">
                        <h1>"Your email address is confirmed"</h1>
                        <p>"Thank you. "<a href="/">"Go to your todos"</a></p>
                    </section>
                }
                    .into_any()
            },
        )}
    }
}

/// `/change-email/<token>`: moves the account to its new address as the page opens.
#[component]
pub fn EmailChangePage() -> impl IntoView {
    view! {
        <Title text="Change your address · Leptodo" />
        {link_page(
            apply_email_change,
            |_| {
                view! {
                    <section class="auth-form">
                        <h1>"Your email address is changed"</h1>
                        <p>
                            "From now on, log in and receive mail with the new address. "
                            <a href="/account">"See your account"</a>
                        </p>
                    </section>
                }
                    .into_any()
            },
        )}
    }
}

/// The body of a page a mail's link opens: `use_link` is given the link's token as the page opens, and the
/// page shows `working` (given the token) when it succeeds, the broken-link page otherwise.
pub(super) fn link_page<F, Fut>(
    use_link: F,
    working: impl Fn(String) -> AnyView + Send + Sync + 'static,
) -> impl IntoView
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), AppError>> + Send + 'static,
{
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let outcome = Resource::new(token, use_link);
    view! {
        <Transition fallback=|| ()>
            {move || {
                outcome
                    .get()
                    .map(|result| match result {
                        Ok(()) => working(token()),
                        Err(error) => broken_link_view(&error).into_any(),
                    })
            }}
        </Transition>
    }
}

/// The one page for a link that does not work, whatever the reason, with the ways to get a new one.
fn broken_link_view(error: &AppError) -> impl IntoView {
    let explanation = match error {
        AppError::Conflict(_) | AppError::InvalidLink => error.user_message(),
        other => other.to_string(),
    };
    view! {
        <section class="auth-form">
            <h1>"This link does not work"</h1>
            <p class="error" role="alert">
                {explanation}
            </p>
            <p>"Links from our mails work once, for a limited time, and a newer link replaces an older one."</p>
            <ul>
                <li>
                    <a href="/forgot">"Ask for a new password-reset link"</a>
                </li>
                <li>
                    <a href="/account">"Send the confirmation link again, or change your address, from your account"</a>
                </li>
            </ul>
        </section>
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
