//! `/account/data`: download the export, and delete the account. Plain forms: both work without JavaScript.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::{
    account::layout::{AccountArea, Section},
    auth::{next_path::login_then, reauth::reauth_input},
    error::AppError,
    form_errors::{refusal, ErrorSummary, Field, FormErrors, Input},
    secret::Secret,
};

/// What the page needs to know.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DataState {
    /// Whether the password was entered recently enough to download the export, or delete, without typing it.
    pub password_fresh: bool,
}

/// The page's state; `None` for a visitor, who must log in first.
#[server]
pub async fn load_data_state() -> Result<Option<DataState>, AppError> {
    use crate::{auth::reauth, auth::session, state::request_context};
    let (state, session) = request_context().await?;
    if session::current_user(&session, state.sessions, &state.pool)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    Ok(Some(DataState {
        password_fresh: reauth::is_fresh(state.sessions, &session).await?,
    }))
}

/// Enters the password again, so that the export can be downloaded.
#[server]
pub async fn confirm_for_export(current_password: Secret) -> Result<(), AppError> {
    use crate::{
        auth::{reauth, session},
        error::with_status,
        state::client_ip,
    };
    let result = async {
        let (state, session, user) = session::logged_in().await?;
        let proof = reauth::Proof {
            session: Some(&session),
            password: Some(&current_password),
        };
        reauth::require(&state, proof, &user, client_ip().await.as_deref()).await
    }
    .await;
    with_status(result)
}

/// Deletes the logged-in user's account once `confirm_username` is their username; `current_password` is
/// needed when this session's was entered too long ago. Then the session ends and the browser goes to the
/// login page.
#[server]
pub async fn delete_my_account(
    confirm_username: String,
    current_password: Option<Secret>,
) -> Result<(), AppError> {
    use crate::{
        account::data::deletion,
        auth::{reauth, session},
        error::with_status,
        state::client_ip,
    };
    let result = async {
        let (state, session, user) = session::logged_in().await?;
        let ip = client_ip().await;
        let proof = reauth::Proof {
            session: Some(&session),
            password: current_password.as_ref(),
        };
        deletion::delete_own(&state, proof, &user, &confirm_username, ip.as_deref()).await?;
        session.flush().await?;
        crate::flash::set_message("Your account and everything in it have been deleted. Goodbye.")
            .await?;
        leptos_axum::redirect("/login");
        Ok(())
    }
    .await;
    with_status(result)
}

/// The page; visitors who are not logged in are sent to the login page and back here after.
#[component]
pub fn DataPage() -> impl IntoView {
    let confirm = ServerAction::<ConfirmForExport>::new();
    let delete = ServerAction::<DeleteMyAccount>::new();
    let loaded = Resource::new(move || confirm.version().get(), |_| load_data_state());
    let confirm_errors = FormErrors::new("export", refusal(confirm).as_ref(), &[EXPORT_PASSWORD]);
    let delete_errors = FormErrors::new(
        "delete",
        refusal(delete).as_ref(),
        &[CONFIRM_USERNAME, DELETE_PASSWORD],
    );
    view! {
        <AccountArea section=Section::Data>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    let (confirm_errors, delete_errors) = (confirm_errors.clone(), delete_errors.clone());
                    loaded
                        .get()
                        .map(|result| match result {
                            Ok(Some(data)) => {
                                view! {
                                    {export_view(data.password_fresh, confirm, confirm_errors)}
                                    {delete_view(data.password_fresh, delete, delete_errors)}
                                }
                                    .into_any()
                            }
                            Ok(None) => {
                                view! { <Redirect path=login_then(Section::Data.path()) /> }.into_any()
                            }
                            Err(error) => {
                                view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any()
                            }
                        })
                }}
            </Transition>
        </AccountArea>
    }
}

fn export_view(
    fresh: bool,
    confirm: ServerAction<ConfirmForExport>,
    errors: FormErrors,
) -> impl IntoView {
    view! {
        <section class="export" aria-labelledby="export-title">
            <h2 id="export-title">"Export your data"</h2>
            <p>
                "One JSON file with your account, todos, passkeys and API tokens (names and dates, never a secret), signed-in devices and security log."
            </p>
            {match fresh {
                true => {
                    view! {
                        <a class="button" href="/api/account/export" download="">
                            "Download your data"
                        </a>
                    }
                        .into_any()
                }
                false => {
                    view! {
                        <ErrorSummary errors=errors.clone() />
                        <ActionForm action=confirm attr:class="auth-form">
                            {errors.input(EXPORT_PASSWORD, reauth_input())}
                            <button type="submit">"Confirm and continue"</button>
                        </ActionForm>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

fn delete_view(
    fresh: bool,
    delete: ServerAction<DeleteMyAccount>,
    errors: FormErrors,
) -> impl IntoView {
    view! {
        <section class="delete-account" aria-labelledby="delete-title">
            <h2 id="delete-title">"Delete your account"</h2>
            <p>
                "Your todos, API tokens, passkeys, two-factor settings and every signed-in device go at once, for good. You will get one last mail; your username and address become free for anyone to use."
            </p>
            <ErrorSummary errors=errors.clone() />
            <ActionForm action=delete attr:class="auth-form">
                {errors.input(CONFIRM_USERNAME, Input::text("Type your username to confirm").required().autocomplete("off"))}
                {(!fresh).then(|| errors.input(DELETE_PASSWORD, reauth_input()))}
                <button type="submit" class="danger">
                    "Delete my account"
                </button>
            </ActionForm>
        </section>
    }
}

const EXPORT_PASSWORD: Field = Field::new("current_password", "export-password");
const CONFIRM_USERNAME: Field = Field::new("confirm_username", "delete-username");
const DELETE_PASSWORD: Field = Field::new("current_password", "delete-password");
