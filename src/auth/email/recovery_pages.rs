//! `/forgot` and `/reset/<token>`: recovering an account whose password is forgotten.

use leptos::prelude::*;
use leptos_meta::Title;

use super::views::{link_page, sent_view};
use crate::{
    domain::{Email, Password},
    error::AppError,
    flash::take_flash_message,
    form_errors::{refusal, ErrorSummary, Field, FormErrors, Input},
    secret::Secret,
};

/// Sends a reset link to the address, if an account has it; the answer is the same either way.
#[server]
pub async fn send_reset_link(email: String) -> Result<String, AppError> {
    use super::{forms::ForgotInput, service};
    use crate::{
        error::{is_plain_form_post, with_status},
        state::{client_ip, request_context},
    };
    let result = async {
        let (state, _) = request_context().await?;
        let ip = client_ip().await;
        service::request_reset(&state, &ForgotInput { email }, ip.as_deref()).await?;
        if is_plain_form_post() {
            crate::flash::set_message(service::RESET_LINK_SENT).await?;
            leptos_axum::redirect("/forgot");
        }
        Ok(service::RESET_LINK_SENT.to_owned())
    }
    .await;
    with_status(result)
}

/// Whether a reset link still works, before its form is shown.
#[server]
pub async fn check_reset_link(token: String) -> Result<(), AppError> {
    use crate::{error::with_status, state::request_context};
    let result = async {
        let (state, _) = request_context().await?;
        super::service::link_owner(&state, super::queries::Purpose::Reset, &token).await?;
        Ok(())
    }
    .await;
    with_status(result)
}

/// Sets the new password from a reset link, then sends the visitor to log in with it.
#[server]
pub async fn reset_password(
    token: String,
    password: Secret,
    password_confirm: Secret,
) -> Result<(), AppError> {
    use super::{forms::ResetInput, service};
    use crate::{
        error::with_status,
        state::{client_ip, request_context},
    };
    let result = async {
        let (state, _) = request_context().await?;
        let input = ResetInput {
            token,
            password,
            password_confirm,
        };
        service::reset_password(&state, &input, client_ip().await.as_deref()).await?;
        crate::flash::set_message(
            "Your password has been changed and every session logged out. Log in with your new password.",
        )
        .await?;
        leptos_axum::redirect("/login");
        Ok(())
    }
    .await;
    with_status(result)
}

/// `/forgot`: asks for the address to send a reset link to.
#[component]
pub fn ForgotPage() -> impl IntoView {
    let send = ServerAction::<SendResetLink>::new();
    let flash = Resource::new(|| (), |_| take_flash_message());
    let errors = FormErrors::new("forgot", refusal(send).as_ref(), &[FORGOT_EMAIL]);
    view! {
        <Title text="Forgot your password · Leptodo" />
        <section class="auth-form">
            <h1>"Forgot your password?"</h1>
            <p>
                "Enter the email address of your account. We will send it a link to choose a new password."
            </p>
            <Transition fallback=|| ()>
                {move || {
                    flash
                        .get()
                        .and_then(Result::ok)
                        .flatten()
                        .map(|message| view! { <p class="flash" role="status">{message}</p> })
                }}
            </Transition>
            <ErrorSummary errors=errors.clone() />
            <ActionForm action=send>
                {errors.input(FORGOT_EMAIL, Input::email("Email").required().max_length(Email::MAX_CHARS))}
                <button type="submit">"Send me a link"</button>
            </ActionForm>
            {sent_view(send)}
            <p>
                <a href="/login">"Back to log in"</a>
            </p>
        </section>
    }
}

/// `/reset/<token>`: the new password, twice; a link that does not work gets the page that says so.
#[component]
pub fn ResetPage() -> impl IntoView {
    let reset = ServerAction::<ResetPassword>::new();
    view! {
        <Title text="Choose a new password · Leptodo" />
        {link_page(
            check_reset_link,
            move |token, ()| reset_form(reset, token).into_any(),
        )}
    }
}

fn reset_form(reset: ServerAction<ResetPassword>, token: String) -> impl IntoView {
    let errors = FormErrors::new(
        "reset",
        refusal(reset).as_ref(),
        &[NEW_PASSWORD, NEW_PASSWORD_CONFIRM],
    );
    view! {
        <section class="auth-form">
            <h1>"Choose a new password"</h1>
            <p>"Every session of your account will be logged out, and you will log in with the new password."</p>
            <ErrorSummary errors=errors.clone() />
            <ActionForm action=reset>
                <input type="hidden" name="token" value=token />
                {[(NEW_PASSWORD, "New password"), (NEW_PASSWORD_CONFIRM, "Confirm new password")]
                    .map(|(field, label)| {
                        errors
                            .input(
                                field,
                                Input::password(label, "new-password").required().max_length(Password::MAX_CHARS),
                            )
                    })}
                <button type="submit">"Set the new password"</button>
            </ActionForm>
        </section>
    }
}

/// The forgotten-password form's input.
const FORGOT_EMAIL: Field = Field::new("email", "forgot-email");
/// The reset form's inputs.
const NEW_PASSWORD: Field = Field::new("password", "reset-password");
const NEW_PASSWORD_CONFIRM: Field = Field::new("password_confirm", "reset-password-confirm");
