//! `/account/two-factor`: the setup waiting for its first code (the QR code, the key as text, the URI, and the
//! form for the code), and `/account/two-factor/recovery-codes`, which shows a new set of recovery codes once.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use serde::{Deserialize, Serialize};

use super::{Enrolment, RecoveryCodes};
use crate::{
    auth::next_path::login_then,
    domain::second_factor_code::MAX_CODE_CHARS,
    error::AppError,
    form_errors::{refusal, ErrorSummary, Field, FormErrors, Input},
    secret::Secret,
};

/// Where a new set of recovery codes is shown.
pub const RECOVERY_CODES_PATH: &str = "/account/two-factor/recovery-codes";

/// What the setup page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SetupState {
    /// Not logged in: to the login page first.
    LoggedOut,
    /// No setup waits (never begun, expired after this many minutes, or done).
    NoneWaiting(i64),
    /// The password was entered more than this many minutes ago: the key is not shown again.
    PasswordTooOld(i64),
    /// A setup waits for its first code.
    Waiting(Enrolment),
}

/// The setup waiting for its first code, if any.
#[server]
pub async fn load_setup() -> Result<SetupState, AppError> {
    use crate::{
        auth::{reauth, session, two_factor::service},
        state::request_context,
    };
    let (state, session) = request_context().await?;
    let Some(user) = session::current_user(&session, state.sessions, &state.pool).await? else {
        return Ok(SetupState::LoggedOut);
    };
    // The secret is shown only to a session that has just given the password, not to every session of the
    // account: a borrowed browser must not copy a setup its owner is making.
    if !reauth::is_fresh(state.sessions, &session).await? {
        return Ok(SetupState::PasswordTooOld(
            state.sessions.reauthenticate_seconds / 60,
        ));
    }
    Ok(match service::waiting_setup(&state, &user).await? {
        Some(enrolment) => SetupState::Waiting(enrolment),
        None => SetupState::NoneWaiting(service::setup_lifetime_seconds(state.sessions) / 60),
    })
}

/// Confirms the setup with a code from the app, then shows the recovery codes.
#[server]
pub async fn confirm_two_factor(code: Secret) -> Result<(), AppError> {
    use crate::{
        auth::{reauth::Proof, session::logged_in, two_factor::service},
        error::with_status,
        state::client_ip,
    };
    let result = async {
        let (state, session, user) = logged_in().await?;
        let proof = Proof {
            session: Some(&session),
            password: None,
        };
        let ip = client_ip().await;
        let codes =
            service::confirm_setup(&state, &user, proof, code.expose(), ip.as_deref()).await?;
        crate::flash::set_secret(&codes).await?;
        leptos_axum::redirect(RECOVERY_CODES_PATH);
        Ok(())
    }
    .await;
    with_status(result)
}

/// The recovery codes just made, once: reading them uses them up.
#[server]
pub async fn take_recovery_codes() -> Result<Option<RecoveryCodes>, AppError> {
    crate::auth::session::logged_in().await?;
    crate::flash::take_secret::<RecoveryCodes>().await
}

/// The setup page.
#[component]
pub fn TwoFactorSetupPage() -> impl IntoView {
    let confirm = ServerAction::<ConfirmTwoFactor>::new();
    let setup = Resource::new(|| (), |_| load_setup());
    let errors = FormErrors::new(
        "two-factor-confirm",
        refusal(confirm).as_ref(),
        &[CONFIRM_CODE],
    );
    view! {
        <Title text="Set up two-factor sign-in · Leptodo" />
        <section class="account two-factor-setup">
            <h1>"Set up two-factor sign-in"</h1>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    setup
                        .get()
                        .map(|loaded| match loaded {
                            Ok(SetupState::LoggedOut) => {
                                view! { <Redirect path=login_then("/account/security") /> }.into_any()
                            }
                            Ok(SetupState::NoneWaiting(minutes)) => {
                                view! {
                                    <p class="notice" role="status">
                                        {format!(
                                            "No setup is waiting for a code: it was finished, or it took longer than {minutes} minutes. Start it again from your account page.",
                                        )}
                                    </p>
                                    <p>
                                        <a href="/account/security">"Back to password and sign-in"</a>
                                    </p>
                                }
                                    .into_any()
                            }
                            Ok(SetupState::PasswordTooOld(minutes)) => {
                                view! {
                                    <p class="notice" role="status">
                                        {format!(
                                            "The setup key is shown only within {minutes} minutes of entering your password. Start the setup again from your account page.",
                                        )}
                                    </p>
                                    <p>
                                        <a href="/account/security">"Back to password and sign-in"</a>
                                    </p>
                                }
                                    .into_any()
                            }
                            Ok(SetupState::Waiting(enrolment)) => {
                                waiting_view(enrolment, confirm, errors.clone()).into_any()
                            }
                            Err(error) => {
                                view! { <p class="error" role="alert">{error.to_string()}</p> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}

fn waiting_view(
    enrolment: Enrolment,
    confirm: ServerAction<ConfirmTwoFactor>,
    errors: FormErrors,
) -> impl IntoView {
    view! {
        <ol class="setup-steps">
            <li>
                <p>
                    "Scan this QR code with an authenticator app (such as Aegis, Google Authenticator, 1Password or Microsoft Authenticator):"
                </p>
                <div
                    class="qr-code"
                    role="img"
                    aria-label="QR code holding the setup key below, for an authenticator app"
                    inner_html=enrolment.qr_svg
                ></div>
                <p>"Or type this setup key into the app:"</p>
                <p>
                    <code class="setup-key" aria-label="Setup key">
                        {enrolment.secret}
                    </code>
                </p>
                <details>
                    <summary>"The setup address, for apps that take one"</summary>
                    <p>
                        <code class="otpauth-uri">{enrolment.otpauth_uri}</code>
                    </p>
                </details>
            </li>
            <li>
                <p>"Enter the 6-digit code the app shows for Leptodo:"</p>
                <ErrorSummary errors=errors.clone() />
                <ActionForm action=confirm attr:class="auth-form">
                    {errors
                        .input(
                            CONFIRM_CODE,
                            Input::one_time_code("Code from your app")
                                .required()
                                .max_length(MAX_CODE_CHARS),
                        )}
                    <button type="submit">"Turn on two-factor sign-in"</button>
                </ActionForm>
            </li>
        </ol>
        <p>
            <a href="/account/security">"Cancel"</a>
        </p>
    }
}

/// The page that shows a new set of recovery codes, once.
#[component]
pub fn RecoveryCodesPage() -> impl IntoView {
    let codes = Resource::new(|| (), |_| take_recovery_codes());
    view! {
        <Title text="Your recovery codes · Leptodo" />
        <section class="account recovery-codes">
            <h1>"Your recovery codes"</h1>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    codes
                        .get()
                        .map(|loaded| match loaded {
                            Ok(Some(codes)) => codes_view(codes).into_any(),
                            Ok(None) => {
                                view! {
                                    <p class="notice" role="status">
                                        "Recovery codes are shown once, right after they are made. If you did not save them, make a new set on your account page."
                                    </p>
                                    <p>
                                        <a href="/account/security">"Back to password and sign-in"</a>
                                    </p>
                                }
                                    .into_any()
                            }
                            Err(AppError::Unauthenticated) => {
                                view! { <Redirect path=login_then("/account/security") /> }.into_any()
                            }
                            Err(error) => {
                                view! { <p class="error" role="alert">{error.to_string()}</p> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}

fn codes_view(codes: RecoveryCodes) -> impl IntoView {
    let text = format!(
        "Leptodo recovery codes. Each works once, in place of a code from your authenticator app.\n\n{}\n",
        codes.recovery_codes.join("\n")
    );
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        crate::auth::next_path::percent_encode(&text)
    );
    view! {
        <p class="flash" role="status">
            "Here are your new recovery codes. Save them now: they are shown only this once."
        </p>
        <p>
            "If you lose your phone, each code lets you sign in once in place of a code from the app. Keep them somewhere safe, apart from your password."
        </p>
        <ul class="recovery-code-list">
            {codes
                .recovery_codes
                .into_iter()
                .map(|code| view! { <li><code>{code}</code></li> })
                .collect_view()}
        </ul>
        <p>
            <a href=download download="leptodo-recovery-codes.txt" class="button">
                "Download"
            </a>
            " "
            <a href="/account/security" class="button">
                "I have saved them"
            </a>
        </p>
    }
}

/// The confirmation code's input.
const CONFIRM_CODE: Field = Field::new("code", "two-factor-confirm-code");
