//! `/account`: the user's details and the change-password form.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use serde::{Deserialize, Serialize};

use super::{
    email::EmailChangeForm, next_path::login_then, passkeys::PasskeysPanel, tokens::TokensPanel,
    two_factor::TwoFactorPanel,
};
use crate::{
    error::AppError,
    form_errors::{refusal, ErrorSummary, Field, FormErrors, Input},
    secret::Secret,
    timestamp::Timestamp,
};

/// What the account page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDetails {
    /// Display name.
    pub name: String,
    /// Normalised email.
    pub email: String,
    /// Username.
    pub username: String,
    /// Whether the current address is confirmed; `None` when the site does not ask for confirmation.
    pub email_confirmed: Option<bool>,
    /// When the account was created.
    pub member_since: Timestamp,
    /// The login before the current one, if any: when, and from which address.
    pub last_login: Option<(Timestamp, Option<String>)>,
    /// How many times the user has logged in.
    pub login_count: i64,
    /// A one-time message, such as the confirmation of a password change made without JavaScript.
    pub flash: Option<String>,
}

/// The logged-in user's details, or `None` for a visitor who must log in first.
#[server]
pub async fn get_account() -> Result<Option<AccountDetails>, AppError> {
    use crate::{auth::session, state::request_context};
    let (state, session) = request_context().await?;
    let Some(user) = session::current_user(&session, state.sessions, &state.pool).await? else {
        return Ok(None);
    };
    Ok(Some(AccountDetails {
        name: user.name,
        email: user.email,
        username: user.username,
        email_confirmed: state
            .email
            .confirmation
            .is_asked()
            .then_some(user.confirmed_at.is_some()),
        member_since: user.created_at,
        last_login: user.last_login_at.map(|at| (at, user.last_login_ip)),
        login_count: user.login_count,
        flash: crate::flash::take().await?.message,
    }))
}

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
                leptos_axum::redirect("/account");
            }
            Ok(())
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
const PASSWORD_CHANGED: &str =
    "Your password has been changed. Your other sessions have been logged out.";

/// The account page; visitors who are not logged in are sent to the login page and back here after.
#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let account = Resource::new(|| (), |_| get_account());
    let errors = FormErrors::new(
        "password",
        refusal(change).as_ref(),
        &[CURRENT_PASSWORD, NEW_PASSWORD, NEW_PASSWORD_CONFIRM],
    );

    view! {
        <Title text="Your account · Leptodo" />
        <section class="account">
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    account
                        .get()
                        .map(|result| match result {
                            Ok(Some(details)) => details_view(details).into_any(),
                            Ok(None) => view! { <Redirect path=login_then("/account") /> }.into_any(),
                            Err(error) => {
                                view! { <p class="error" role="alert">{error.to_string()}</p> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
            <h2>"Change your password"</h2>
            <ErrorSummary errors=errors.clone() />
            <ActionForm action=change attr:class="auth-form">
                {errors.input(CURRENT_PASSWORD, Input::password("Current password", "current-password"))}
                {errors.input(NEW_PASSWORD, Input::password("New password", "new-password"))}
                {errors.input(NEW_PASSWORD_CONFIRM, Input::password("Confirm new password", "new-password"))}
                <button type="submit">"Change password"</button>
            </ActionForm>
            <EmailChangeForm />
            <TwoFactorPanel />
            <PasskeysPanel />
            <TokensPanel />
        </section>
    }
}

fn details_view(details: AccountDetails) -> impl IntoView {
    let last_login = match details.last_login {
        Some((at, ip)) => format!(
            "{} from {}",
            at.readable(),
            ip.unwrap_or_else(|| "an unknown address".into())
        ),
        None => "This is your first login.".into(),
    };
    view! {
        <h1>{details.name}</h1>
        {details.flash.map(|message| view! { <p class="flash" role="status">{message}</p> })}
        <dl class="account-details">
            <dt>"Email"</dt>
            <dd class="email">
                {details.email}
                {details
                    .email_confirmed
                    .map(|confirmed| {
                        view! {
                            <span class="email-status">
                                {if confirmed { " (confirmed)" } else { " (not confirmed yet)" }}
                            </span>
                        }
                    })}
            </dd>
            <dt>"Username"</dt>
            <dd class="username">{details.username}</dd>
            <dt>"Member since"</dt>
            <dd>{details.member_since.readable()}</dd>
            <dt>"Previous login"</dt>
            <dd class="last-login">{last_login}</dd>
            <dt>"Logins"</dt>
            <dd class="login-count">{details.login_count}</dd>
        </dl>
    }
}

/// The password-change form's inputs.
const CURRENT_PASSWORD: Field = Field::new("current_password", "password-current");
const NEW_PASSWORD: Field = Field::new("new_password", "password-new");
const NEW_PASSWORD_CONFIRM: Field = Field::new("new_password_confirm", "password-new-confirm");
