//! `/account/sessions`: the signed-in devices, each with its "Sign out", "Sign out all other devices", and the
//! API tokens. Plain forms: everything works without JavaScript.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use super::SignedInDevice;
use crate::{
    account::layout::{AccountArea, Section},
    auth::{next_path::login_then, tokens::TokensPanel},
    error::AppError,
    form_errors::{refusal, ErrorSummary, FormErrors},
    moment::Moment,
};

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DevicesState {
    /// The live logins, this browser's first.
    pub devices: Vec<SignedInDevice>,
    /// What the last sign-out made without JavaScript did.
    pub flash: Option<String>,
}

/// The logged-in user's devices; `None` for a visitor, who must log in first.
#[server]
pub async fn load_devices() -> Result<Option<DevicesState>, AppError> {
    use crate::{account::devices::service, auth::session, state::request_context};
    let (state, session) = request_context().await?;
    let Some(user) = session::current_user(&session, state.sessions, &state.pool).await? else {
        return Ok(None);
    };
    let devices = service::list(&state, &user, session.id().as_ref()).await?;
    Ok(Some(DevicesState {
        devices,
        flash: crate::flash::take().await?.message,
    }))
}

/// Signs out the login `id` (a [`SignedInDevice::id`]).
#[server]
pub async fn sign_out_device(id: String) -> Result<(), AppError> {
    use crate::{
        account::devices::service,
        auth::session,
        error::{is_plain_form_post, with_status},
        state::client_ip,
    };
    let result = async {
        let (state, _, user) = session::logged_in().await?;
        service::sign_out(&state, &user, &id, client_ip().await.as_deref()).await?;
        if is_plain_form_post() {
            crate::flash::set_message("That device has been signed out.").await?;
        }
        Ok(())
    }
    .await;
    with_status(result)
}

/// Signs out every login of the account but this one.
#[server]
pub async fn sign_out_other_devices() -> Result<(), AppError> {
    use crate::{
        account::devices::service,
        auth::session,
        error::{is_plain_form_post, with_status},
        state::client_ip,
    };
    let result = async {
        let (state, session, user) = session::logged_in().await?;
        let ended = service::sign_out_others(
            &state,
            &user,
            session.id().as_ref(),
            client_ip().await.as_deref(),
        )
        .await?;
        if is_plain_form_post() {
            let message = match ended {
                1 => "1 other device has been signed out.".to_owned(),
                count => format!("{} have been signed out.", super::other_devices(count)),
            };
            crate::flash::set_message(&message).await?;
        }
        Ok(())
    }
    .await;
    with_status(result)
}

/// The page; visitors who are not logged in are sent to the login page and back here after.
#[component]
pub fn DevicesPage() -> impl IntoView {
    let sign_out = ServerAction::<SignOutDevice>::new();
    let sign_out_others = ServerAction::<SignOutOtherDevices>::new();
    let devices = Resource::new(
        move || (sign_out.version().get(), sign_out_others.version().get()),
        |_| load_devices(),
    );
    let errors = FormErrors::new(
        "devices",
        refusal(sign_out)
            .or_else(|| refusal(sign_out_others))
            .as_ref(),
        &[],
    );
    view! {
        <AccountArea section=Section::Devices>
            <p>
                "Every browser signed in to your account. If you do not recognise one, sign it out and change your password."
            </p>
            <ErrorSummary errors />
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    devices
                        .get()
                        .map(|loaded| match loaded {
                            Ok(Some(loaded)) => devices_view(loaded, sign_out, sign_out_others).into_any(),
                            Ok(None) => {
                                view! { <Redirect path=login_then(Section::Devices.path()) /> }.into_any()
                            }
                            Err(error) => {
                                view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any()
                            }
                        })
                }}
            </Transition>
            <TokensPanel />
        </AccountArea>
    }
}

fn devices_view(
    loaded: DevicesState,
    sign_out: ServerAction<SignOutDevice>,
    sign_out_others: ServerAction<SignOutOtherDevices>,
) -> impl IntoView {
    let others = loaded
        .devices
        .iter()
        .filter(|device| !device.current)
        .count();
    view! {
        {loaded.flash.map(|message| view! { <p class="flash" role="status">{message}</p> })}
        <ul class="device-list">
            {loaded
                .devices
                .into_iter()
                .map(|device| device_view(device, sign_out))
                .collect_view()}
        </ul>
        {(others > 0)
            .then(|| {
                view! {
                    <ActionForm action=sign_out_others attr:class="sign-out-others">
                        <button type="submit" class="danger">
                            "Sign out all other devices"
                        </button>
                    </ActionForm>
                }
            })}
    }
}

fn device_view(device: SignedInDevice, sign_out: ServerAction<SignOutDevice>) -> impl IntoView {
    let address = device
        .ip
        .clone()
        .unwrap_or_else(|| "an unknown address".into());
    let label = format!("Sign out {} ({address})", device.device);
    view! {
        <li class="device" class:current=device.current>
            <h2 class="device-name">
                {device.device}
                {device.current.then(|| view! { <span class="badge">"This browser"</span> })}
            </h2>
            <dl class="device-details">
                <dt>"Address"</dt>
                <dd class="device-ip">{address}</dd>
                <dt>"Signed in"</dt>
                <dd>
                    <Moment at=device.signed_in_at />
                </dd>
                <dt>"Last active"</dt>
                <dd class="device-last-active">
                    <Moment at=device.last_active_at />
                    {device.current.then_some(" (this session)")}
                </dd>
                <dt>"Stays signed in"</dt>
                <dd>
                    {match device.remembered_until {
                        Some(until) => view! { "until " <Moment at=until /> }.into_any(),
                        None => "until the browser closes".into_any(),
                    }}
                </dd>
            </dl>
            {(!device.current)
                .then(|| {
                    view! {
                        <ActionForm action=sign_out>
                            <input type="hidden" name="id" value=device.id />
                            <button type="submit" aria-label=label>
                                "Sign out"
                            </button>
                        </ActionForm>
                    }
                })}
        </li>
    }
}
