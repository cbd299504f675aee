//! `/login`: email or username, password, "remember me".

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_query_map};
use serde::{Deserialize, Serialize};

use super::{
    email::link_pages::{ResendConfirmation, ResendForm},
    passkeys::PasskeySignIn,
};
use crate::{
    domain::{Password, MAX_LOGIN_CHARS},
    error::AppError,
    flash::TypedValues,
    form_errors::{refusal, ErrorSummary, Field, FormErrors, Input},
    secret::Secret,
};

/// What the login page needs to know before showing the form, read fresh each time the page opens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginPageState {
    /// Already logged in: the page sends the visitor to the start page instead.
    pub logged_in: bool,
    /// A one-time message left by the previous page, such as "You have been logged out."
    pub flash: Option<String>,
    /// The email or username typed before a login without JavaScript failed.
    pub typed: TypedValues,
    /// The right password was given for an account whose address is not confirmed: offer the link again.
    pub unconfirmed: bool,
    /// The site has a relying party for passkeys (a domain name), so the page may offer them.
    pub passkeys: bool,
}

/// Reads (and consumes) the flash message and whether the visitor is logged in.
#[server]
pub async fn get_login_page_state() -> Result<LoginPageState, AppError> {
    use crate::{auth::session, flash, state::request_context};
    let (state, session) = request_context().await?;
    let logged_in = session::current_user(&session, state.sessions, &state.pool)
        .await?
        .is_some();
    let flash = flash::take().await?;
    let unconfirmed = !logged_in && session::has_unconfirmed(&session).await?;
    Ok(LoginPageState {
        passkeys: state.passkeys.webauthn().is_some(),
        unconfirmed,
        logged_in,
        typed: flash.typed(FORM),
        flash: flash.message,
    })
}

/// The name under which the typed login is kept for this form.
#[cfg(feature = "ssr")]
const FORM: &str = "login";

/// Checks the credentials, starts the session and redirects to `next` (when it is a local path) or `/`.
#[server]
pub async fn log_in(
    login: String,
    password: Secret,
    remember: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::{
        auth::{
            next_path::{percent_encode, safe_next},
            service::{self, LoginAttempt},
            session,
            sign_in::{self, Started},
            two_factor::remembered,
        },
        error::with_status,
        flash,
        state::{request_context, request_cookies},
    };
    let (state, session) = request_context().await?;
    let result = async {
        let client = crate::auth::device::client().await;
        let device = client.device();
        let remembered = remembered::read(&state, &request_cookies().await?);
        let attempt = LoginAttempt {
            login: &login,
            password: password.expose(),
            ip: client.ip.as_deref(),
            device: Some(&device),
            remembered: remembered.as_ref(),
        };
        let outcome = service::authenticate(
            &state.pool,
            &state.hasher,
            &state.throttle,
            attempt,
            state.email.confirmation,
        )
        .await;
        let outcome = session::unless_unconfirmed(&session, &state.pool, &login, outcome).await?;
        let next = safe_next(next.as_deref().unwrap_or("/"));
        flash::discard().await?;
        match sign_in::start(&state, &session, outcome, remember.is_some(), &client).await? {
            Started::LoggedIn(_) => leptos_axum::redirect(next),
            Started::SecondStep => {
                leptos_axum::redirect(&format!("/login/code?next={}", percent_encode(next)))
            }
        }
        Ok(())
    }
    .await;
    // A login is an email or a username, and no username is longer than an email.
    let typed = TypedValues::new([("login", login.as_str(), MAX_LOGIN_CHARS)]);
    flash::keep_after_failure(FORM, typed, &result).await?;
    with_status(result)
}

/// The login page; a logged-in visitor is sent to the start page.
#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<LogIn>::new();
    let resend = ServerAction::<ResendConfirmation>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let page_state = Resource::new(|| (), |_| get_login_page_state());

    view! {
        <Title text="Log in · Leptodo" />
        <section class="auth-form">
            <h1>"Log in"</h1>
            {move || {
                (!next().is_empty())
                    .then(|| view! { <p class="notice">"Please log in to see that page."</p> })
            }}
            <Transition fallback=|| ()>
                {move || {
                    page_state
                        .get()
                        .map(|state| {
                            let state = state.unwrap_or_default();
                            let errors = login_errors(refusal(login));
                            view! {
                                {state.logged_in.then(|| view! { <Redirect path="/" /> })}
                                {state
                                    .flash
                                    .map(|message| {
                                        view! { <p class="flash" role="status">{message}</p> }
                                    })}
                                {state
                                    .unconfirmed
                                    .then(|| view! { <ResendForm resend /> })}
                                <ErrorSummary errors=errors.clone() />
                                <ActionForm action=login>
                                    <input type="hidden" name="next" value=next />
                                    {errors
                                        .input(
                                            LOGIN,
                                            Input::text("Email or username")
                                                .autocomplete("username webauthn")
                                                .required()
                                                .max_length(MAX_LOGIN_CHARS)
                                                .value(state.typed.get("login")),
                                        )}
                                    {errors
                                        .input(
                                            PASSWORD,
                                            Input::password("Password", "current-password")
                                                .required()
                                                .max_length(Password::MAX_CHARS),
                                        )}
                                    <label class="checkbox">
                                        <input type="checkbox" name="remember" />
                                        "Remember me"
                                    </label>
                                    <button type="submit">"Log in"</button>
                                </ActionForm>
                                {state.passkeys.then(|| view! { <PasskeySignIn next=next() /> })}
                            }
                        })
                }}
            </Transition>
            <p>
                <a href="/forgot">"Forgot your password?"</a>
            </p>
            <p>"No account yet? " <a href="/register">"Register"</a></p>
        </section>
    }
}

/// The email-or-username input.
const LOGIN: Field = Field::new("login", "login-name");
/// The password input.
const PASSWORD: Field = Field::new("password", "login-password");

/// What a refused login says; a wrong password is about both fields, since which one is wrong is not said.
fn login_errors(error: Option<AppError>) -> FormErrors {
    let errors = FormErrors::new("login", error.as_ref(), &[LOGIN, PASSWORD]);
    if error == Some(AppError::InvalidCredentials) {
        errors.blaming(&[LOGIN, PASSWORD])
    } else {
        errors
    }
}
