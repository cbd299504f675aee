//! `/login/code`: the second step of signing in, for an account with two-factor sign-in: a code from the
//! authenticator app, or a recovery code.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_query_map};
use serde::{Deserialize, Serialize};

use crate::{
    auth::passkeys::PasskeySecondStep,
    domain::second_factor_code::MAX_CODE_CHARS,
    error::AppError,
    form_errors::{refusal, ErrorSummary, Field, FormErrors, Input},
    secret::Secret,
};

/// What the page needs before it shows the forms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondStepState {
    /// A sign-in waits for its second step in this browser.
    pub waiting: bool,
    /// Already logged in: the page sends the visitor on.
    pub logged_in: bool,
    /// How many days "remember this browser" lasts.
    pub remember_days: i64,
    /// The waiting account has passkeys, which may answer in place of a code (on a site that has passkeys).
    pub passkeys: bool,
}

/// Whether a sign-in waits for its second step in this browser.
#[server]
pub async fn get_second_step_state() -> Result<SecondStepState, AppError> {
    use crate::{
        auth::{passkeys, session, two_factor::pending},
        state::request_context,
    };
    let (state, session) = request_context().await?;
    let logged_in = session::current_user(&session, state.sessions, &state.pool)
        .await?
        .is_some();
    let waiting = match logged_in {
        true => None,
        false => pending::current(&session).await?,
    };
    let passkeys = match &waiting {
        Some(pending) if state.passkeys.webauthn().is_some() => {
            passkeys::queries::count(state.pool.reads(), pending.user_id).await? > 0
        }
        _ => false,
    };
    Ok(SecondStepState {
        waiting: waiting.is_some(),
        logged_in,
        remember_days: state.two_factor.remember_days,
        passkeys,
    })
}

/// Answers the second step with a code from the app; on the right one, logs in and goes to `next`.
#[server]
pub async fn submit_app_code(
    code: Secret,
    remember_browser: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    self::server::finish(code, remember_browser.is_some(), next).await
}

/// Answers the second step with a recovery code, which is used up; on the right one, logs in.
#[server]
pub async fn submit_recovery_code(code: Secret, next: Option<String>) -> Result<(), AppError> {
    self::server::finish(code, false, next).await
}

#[cfg(feature = "ssr")]
mod server {
    use crate::{
        auth::{next_path::safe_next, sign_in},
        error::{with_status, AppError},
        secret::Secret,
        state::{request_context, request_cookies},
    };

    pub async fn finish(
        code: Secret,
        remember_browser: bool,
        next: Option<String>,
    ) -> Result<(), AppError> {
        let result = async {
            let (state, session) = request_context().await?;
            let client = crate::auth::device::client().await;
            let cookies = request_cookies().await?;
            sign_in::finish(
                &state,
                &session,
                &cookies,
                code.expose(),
                remember_browser,
                &client,
            )
            .await?;
            crate::flash::discard().await?;
            leptos_axum::redirect(safe_next(next.as_deref().unwrap_or("/")));
            Ok(())
        }
        .await;
        with_status(result)
    }
}

/// The second step's page; without a sign-in waiting it says so and links back to `/login`.
#[component]
pub fn SecondStepPage() -> impl IntoView {
    let app_code = ServerAction::<SubmitAppCode>::new();
    let recovery_code = ServerAction::<SubmitRecoveryCode>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let page_state = Resource::new(|| (), |_| get_second_step_state());
    let app_errors = FormErrors::new("code", refusal(app_code).as_ref(), &[APP_CODE]);
    let recovery_errors = FormErrors::new(
        "recovery",
        refusal(recovery_code).as_ref(),
        &[RECOVERY_CODE],
    );

    view! {
        <Title text="Two-factor sign-in · Leptodo" />
        <section class="auth-form">
            <h1>"Two-factor sign-in"</h1>
            <Transition fallback=|| ()>
                {move || {
                    let (app_errors, recovery_errors) = (app_errors.clone(), recovery_errors.clone());
                    page_state
                        .get()
                        .map(|state| {
                            let state = match state {
                                Ok(state) => state,
                                Err(error) => {
                                    return view! {
                                        <p class="error" role="alert">{error.to_string()}</p>
                                    }
                                        .into_any();
                                }
                            };
                            if state.logged_in {
                                let next = crate::auth::next_path::safe_next(&next()).to_owned();
                                return view! { <Redirect path=next /> }.into_any();
                            }
                            if !state.waiting {
                                return expired_view().into_any();
                            }
                            let remember = format!(
                                "Remember this browser for {} days",
                                state.remember_days,
                            );
                            view! {
                                <p>
                                    "Open your authenticator app and enter the 6-digit code it shows for Leptodo."
                                </p>
                                <ErrorSummary errors=app_errors.clone() />
                                <ActionForm action=app_code>
                                    <input type="hidden" name="next" value=next />
                                    {app_errors
                                        .input(
                                            APP_CODE,
                                            Input::one_time_code("Code from your app")
                                                .required()
                                                .max_length(MAX_CODE_CHARS),
                                        )}
                                    <label class="checkbox">
                                        <input type="checkbox" name="remember_browser" />
                                        {remember}
                                    </label>
                                    <button type="submit">"Verify"</button>
                                </ActionForm>
                                {state.passkeys.then(|| view! { <PasskeySecondStep next=next() /> })}
                                <h2>"Lost your device?"</h2>
                                <p>"Enter one of your recovery codes instead. Each works once."</p>
                                <ErrorSummary errors=recovery_errors.clone() />
                                <ActionForm action=recovery_code>
                                    <input type="hidden" name="next" value=next />
                                    {recovery_errors
                                        .input(
                                            RECOVERY_CODE,
                                            Input::code("Recovery code")
                                                .required()
                                                .max_length(MAX_CODE_CHARS)
                                                .placeholder("xxxx-xxxx-xxxx"),
                                        )}
                                    <button type="submit">"Use recovery code"</button>
                                </ActionForm>
                                <p>
                                    <a href="/login">"Start again"</a>
                                </p>
                            }
                                .into_any()
                        })
                }}
            </Transition>
        </section>
    }
}

fn expired_view() -> impl IntoView {
    view! {
        <p class="notice" role="status">
            "No sign-in is waiting for a code in this browser: it took longer than 5 minutes, or began elsewhere."
        </p>
        <p>
            <a href="/login">"Log in again"</a>
        </p>
    }
}

/// The app code's input.
const APP_CODE: Field = Field::new("code", "second-step-code");
/// The recovery code's input (posted as `code` too).
const RECOVERY_CODE: Field = Field::new("code", "second-step-recovery-code");
