//! The account page's "Two-factor sign-in" section: set it up, or, once it is on, see the recovery codes left,
//! make new ones, forget remembered browsers and turn it off.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    auth::reauth::reauth_input,
    domain::second_factor_code::MAX_CODE_CHARS,
    error::AppError,
    form_errors::{refusal, ErrorSummary, Field, FormErrors, Input},
    secret::Secret,
};

/// What the section shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorState {
    /// The server has a `two_factor_key`, so it can be set up.
    pub available: bool,
    /// Sign-in asks for a code.
    pub enabled: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: i64,
    /// The password was entered recently enough to go ahead without typing it again.
    pub password_fresh: bool,
}

/// The logged-in user's two-factor state.
#[server]
pub async fn load_two_factor() -> Result<TwoFactorState, AppError> {
    use crate::auth::{reauth, session::logged_in, two_factor::service};
    let (state, session, user) = logged_in().await?;
    let status = service::status(&state, &user).await?;
    Ok(TwoFactorState {
        available: state.two_factor.key.is_some(),
        enabled: status.enabled,
        recovery_codes_left: status.recovery_codes_left,
        password_fresh: reauth::is_fresh(state.sessions, &session).await?,
    })
}

/// Starts the setup and opens its page, which shows the QR code.
#[server]
pub async fn begin_two_factor_setup(current_password: Option<Secret>) -> Result<(), AppError> {
    use self::server::*;
    let result = async {
        let (state, session, user) = logged_in().await?;
        let proof = Proof {
            session: Some(&session),
            password: current_password.as_ref(),
        };
        service::begin_setup(&state, &user, proof, client_ip().await.as_deref()).await?;
        leptos_axum::redirect("/account/two-factor");
        Ok(())
    }
    .await;
    with_status(result)
}

/// Makes a new set of recovery codes and opens the page that shows them once.
#[server]
pub async fn renew_recovery_codes(current_password: Option<Secret>) -> Result<(), AppError> {
    use self::server::*;
    let result = async {
        let (state, session, user) = logged_in().await?;
        let proof = Proof {
            session: Some(&session),
            password: current_password.as_ref(),
        };
        let codes =
            service::renew_recovery_codes(&state, &user, proof, client_ip().await.as_deref())
                .await?;
        crate::flash::set_secret(&codes).await?;
        leptos_axum::redirect(crate::auth::two_factor::setup_page::RECOVERY_CODES_PATH);
        Ok(())
    }
    .await;
    with_status(result)
}

/// Forgets every browser that was to skip the second step.
#[server]
pub async fn forget_remembered_browsers() -> Result<(), AppError> {
    use self::server::*;
    let result = async {
        let (state, _, user) = logged_in().await?;
        service::forget_browsers(&state, &user).await?;
        crate::flash::set_message(
            "Every remembered browser is forgotten: each asks for a code at its next sign-in.",
        )
        .await?;
        leptos_axum::redirect("/account/security");
        Ok(())
    }
    .await;
    with_status(result)
}

/// Turns two-factor sign-in off, with the password and a current code (or a recovery code).
#[server]
pub async fn disable_two_factor(current_password: Secret, code: Secret) -> Result<(), AppError> {
    use self::server::*;
    let result = async {
        let (state, _, user) = logged_in().await?;
        let ip = client_ip().await;
        service::disable(
            &state,
            &user,
            &current_password,
            code.expose(),
            ip.as_deref(),
        )
        .await?;
        crate::flash::set_message("Two-factor sign-in is off.").await?;
        leptos_axum::redirect("/account/security");
        Ok(())
    }
    .await;
    with_status(result)
}

#[cfg(feature = "ssr")]
mod server {
    pub use crate::{
        auth::{reauth::Proof, session::logged_in, two_factor::service},
        error::with_status,
        state::client_ip,
    };
}

/// The section.
#[component]
pub fn TwoFactorPanel() -> impl IntoView {
    let begin = ServerAction::<BeginTwoFactorSetup>::new();
    let renew = ServerAction::<RenewRecoveryCodes>::new();
    let forget = ServerAction::<ForgetRememberedBrowsers>::new();
    let disable = ServerAction::<DisableTwoFactor>::new();
    let loaded = Resource::new(|| (), |_| load_two_factor());
    let forms = Forms {
        begin,
        renew,
        forget,
        disable,
    };
    view! {
        <section class="two-factor" aria-labelledby="two-factor-title">
            <h2 id="two-factor-title">"Two-factor sign-in"</h2>
            <Transition fallback=|| ()>
                {move || {
                    loaded
                        .get()
                        .map(|loaded| match loaded {
                            Ok(state) if state.enabled => enabled_view(state, forms).into_any(),
                            Ok(state) => disabled_view(state, forms).into_any(),
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

/// The section's forms.
#[derive(Clone, Copy)]
struct Forms {
    begin: ServerAction<BeginTwoFactorSetup>,
    renew: ServerAction<RenewRecoveryCodes>,
    forget: ServerAction<ForgetRememberedBrowsers>,
    disable: ServerAction<DisableTwoFactor>,
}

fn disabled_view(state: TwoFactorState, forms: Forms) -> impl IntoView {
    let errors = FormErrors::new(
        "two-factor-setup",
        refusal(forms.begin).as_ref(),
        &[SETUP_PASSWORD],
    );
    view! {
        <p>
            "Off. With it on, signing in also asks for a code from an authenticator app on your phone, so a leaked password alone does not open your account."
        </p>
        {match state.available {
            false => {
                view! {
                    <p class="notice">
                        "This server cannot offer it yet: its operator has to set "
                        <code>"two_factor_key"</code> "."
                    </p>
                }
                    .into_any()
            }
            true => {
                view! {
                    <ErrorSummary errors=errors.clone() />
                    <ActionForm action=forms.begin attr:class="auth-form">
                        {(!state.password_fresh).then(|| errors.input(SETUP_PASSWORD, reauth_input()))}
                        <button type="submit">"Set up two-factor sign-in"</button>
                    </ActionForm>
                }
                    .into_any()
            }
        }}
    }
}

fn enabled_view(state: TwoFactorState, forms: Forms) -> impl IntoView {
    let renew_errors = FormErrors::new(
        "recovery-codes",
        refusal(forms.renew).as_ref(),
        &[RENEW_PASSWORD],
    );
    let forget_errors = FormErrors::new("forget-browsers", refusal(forms.forget).as_ref(), &[]);
    let disable_errors = FormErrors::new(
        "two-factor-off",
        refusal(forms.disable).as_ref(),
        &[DISABLE_PASSWORD, DISABLE_CODE],
    );
    let left = match state.recovery_codes_left {
        1 => "1 recovery code left.".to_owned(),
        left => format!("{left} recovery codes left."),
    };
    view! {
        <p class="two-factor-status">
            "On: signing in asks for a code from your authenticator app. " {left}
        </p>
        <h3>"Recovery codes"</h3>
        <p>"A new set replaces the old one, whose codes stop working."</p>
        <ErrorSummary errors=renew_errors.clone() />
        <ActionForm action=forms.renew attr:class="auth-form">
            {(!state.password_fresh).then(|| renew_errors.input(RENEW_PASSWORD, reauth_input()))}
            <button type="submit">"Make new recovery codes"</button>
        </ActionForm>
        <h3>"Remembered browsers"</h3>
        <ErrorSummary errors=forget_errors />
        <ActionForm action=forms.forget>
            <button type="submit">"Forget all remembered browsers"</button>
        </ActionForm>
        <h3>"Turn off"</h3>
        <ErrorSummary errors=disable_errors.clone() />
        <ActionForm action=forms.disable attr:class="auth-form">
            {disable_errors
                .input(
                    DISABLE_PASSWORD,
                    Input::password("Your password", "current-password").required(),
                )}
            {disable_errors
                .input(
                    DISABLE_CODE,
                    Input::code("Code from your app, or a recovery code")
                        .autocomplete("one-time-code")
                        .required()
                        .max_length(MAX_CODE_CHARS),
                )}
            <button type="submit">"Turn off two-factor sign-in"</button>
        </ActionForm>
    }
}

const SETUP_PASSWORD: Field = Field::new("current_password", "two-factor-setup-password");
const RENEW_PASSWORD: Field = Field::new("current_password", "recovery-codes-password");
const DISABLE_PASSWORD: Field = Field::new("current_password", "two-factor-off-password");
const DISABLE_CODE: Field = Field::new("code", "two-factor-off-code");
