//! `/account/security`: the password, two-factor sign-in and passkeys.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use super::{
    layout::{AccountArea, Section},
    profile_page::get_account,
};
use crate::{
    auth::{next_path::login_then, passkeys::PasskeysPanel, two_factor::TwoFactorPanel},
    error::AppError,
    form_errors::{refusal, ErrorSummary, Field, FormErrors, Input},
    secret::Secret,
};

/// Changes the password after checking the current one; every other session of the user ends.
#[server]
pub async fn change_password(
    current_password: Secret,
    new_password: Secret,
    new_password_confirm: Secret,
) -> Result<(), AppError> {
    use crate::{
        auth::{password_change::PasswordChangeInput, service, session},
        error::{is_plain_form_post, with_status},
        state::client_ip,
    };
    with_status(
        async move {
            let (state, session, user) = session::logged_in().await?;
            let input = PasswordChangeInput {
                current_password,
                new_password,
                new_password_confirm,
            };
            let updated =
                service::change_password(&state, &user, &input, client_ip().await.as_deref())
                    .await?;
            session::adopt_new_secret(&session, &updated).await?;
            // Without JavaScript the page reloads and can only learn of the success from the session.
            if is_plain_form_post() {
                crate::flash::set_message(PASSWORD_CHANGED).await?;
                leptos_axum::redirect(Section::Security.path());
            }
            Ok(())
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
const PASSWORD_CHANGED: &str =
    "Your password has been changed. Your other sessions have been logged out.";

/// The page; visitors who are not logged in are sent to the login page and back here after.
#[component]
pub fn SecurityPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let account = Resource::new(|| (), |_| get_account());
    let errors = FormErrors::new(
        "password",
        refusal(change).as_ref(),
        &[CURRENT_PASSWORD, NEW_PASSWORD, NEW_PASSWORD_CONFIRM],
    );
    view! {
        <AccountArea section=Section::Security>
            <Transition fallback=|| ()>
                {move || {
                    account
                        .get()
                        .map(|result| match result {
                            Ok(Some(details)) => {
                                details
                                    .flash
                                    .map(|message| view! { <p class="flash" role="status">{message}</p> })
                                    .into_any()
                            }
                            Ok(None) => {
                                view! { <Redirect path=login_then(Section::Security.path()) /> }
                                    .into_any()
                            }
                            Err(error) => {
                                view! { <p class="error" role="alert">{error.to_string()}</p> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
            <section class="password-change">
                <h2>"Change your password"</h2>
                <ErrorSummary errors=errors.clone() />
                <ActionForm action=change attr:class="auth-form">
                    {errors.input(CURRENT_PASSWORD, Input::password("Current password", "current-password"))}
                    {errors.input(NEW_PASSWORD, Input::password("New password", "new-password"))}
                    {errors.input(NEW_PASSWORD_CONFIRM, Input::password("Confirm new password", "new-password"))}
                    <button type="submit">"Change password"</button>
                </ActionForm>
            </section>
            <TwoFactorPanel />
            <PasskeysPanel />
        </AccountArea>
    }
}

/// The password-change form's inputs.
const CURRENT_PASSWORD: Field = Field::new("current_password", "password-current");
const NEW_PASSWORD: Field = Field::new("new_password", "password-new");
const NEW_PASSWORD_CONFIRM: Field = Field::new("new_password_confirm", "password-new-confirm");
