//! The account page's "Passkeys" section: the account's passkeys with their names, when each was added and last
//! used, a rename and a remove form each (plain forms, working without JavaScript), and "Add a passkey", which
//! needs the browser's passkey API and so lives in an island.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{
    browser::{self, After, Ceremony},
    PasskeySummary, MAX_PER_USER,
};
use crate::{
    domain::PasskeyName,
    error::AppError,
    form_errors::{refusal, ErrorSummary, Field, FormErrors},
    moment::Moment,
    secret::Secret,
};

/// What the section shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeysState {
    /// The account's passkeys, oldest first.
    pub passkeys: Vec<PasskeySummary>,
    /// Whether the password was entered recently enough to add or remove one without typing it again.
    pub password_fresh: bool,
    /// Why this site has no passkeys, if it has none.
    pub unavailable: Option<String>,
}

/// The logged-in user's passkeys.
#[server]
pub async fn load_passkeys() -> Result<PasskeysState, AppError> {
    use crate::auth::{passkeys::service, reauth, session::logged_in};
    let (state, session, user) = logged_in().await?;
    Ok(PasskeysState {
        passkeys: service::list(&state, &user).await?,
        password_fresh: reauth::is_fresh(state.sessions, &session).await?,
        unavailable: match &state.passkeys {
            super::relying_party::RelyingParty::Ready(_) => None,
            super::relying_party::RelyingParty::Unavailable(_) => {
                Some("Passkeys are not available on this site.".into())
            }
        },
    })
}

/// Renames one of the logged-in user's passkeys.
#[server]
pub async fn rename_passkey(id: i64, name: String) -> Result<(), AppError> {
    use crate::{
        auth::{passkeys::service, session::logged_in},
        error::with_status,
    };
    let result = async {
        let (state, _, user) = logged_in().await?;
        service::rename(&state, &user, id, &name).await.map(|_| ())
    }
    .await;
    with_status(result)
}

/// Removes one of the logged-in user's passkeys; `current_password` is needed when this session's was entered
/// too long ago.
#[server]
pub async fn remove_passkey(id: i64, current_password: Option<Secret>) -> Result<(), AppError> {
    use crate::{
        auth::{passkeys::service, reauth::Proof, session::logged_in},
        error::with_status,
        state::client_ip,
    };
    let result = async {
        let (state, session, user) = logged_in().await?;
        let proof = Proof {
            session: Some(&session),
            password: current_password.as_ref(),
        };
        let ip = client_ip().await;
        service::remove(&state, &user, proof, id, ip.as_deref()).await
    }
    .await;
    with_status(result)
}

/// The section.
#[component]
pub fn PasskeysPanel() -> impl IntoView {
    let rename = ServerAction::<RenamePasskey>::new();
    let remove = ServerAction::<RemovePasskey>::new();
    let loaded = Resource::new(|| (), |_| load_passkeys());
    let rename_errors = FormErrors::new("passkey-rename", refusal(rename).as_ref(), &[]);
    let remove_errors = FormErrors::new("passkey-remove", refusal(remove).as_ref(), &[]);

    view! {
        <section class="passkeys" id="passkeys" aria-labelledby="passkeys-heading">
            <h2 id="passkeys-heading">"Passkeys"</h2>
            <p>
                "A passkey signs you in with your fingerprint, face or screen lock, or with a security key: nothing to type, and nothing a fake site could catch."
            </p>
            <ErrorSummary errors=rename_errors />
            <ErrorSummary errors=remove_errors />
            <Transition fallback=|| ()>
                {move || {
                    loaded
                        .get()
                        .map(|loaded| match loaded {
                            Ok(loaded) => panel_view(loaded, rename, remove).into_any(),
                            Err(error) => {
                                view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}

fn panel_view(
    loaded: PasskeysState,
    rename: ServerAction<RenamePasskey>,
    remove: ServerAction<RemovePasskey>,
) -> impl IntoView {
    if let Some(reason) = loaded.unavailable {
        return view! { <p class="notice">{reason}</p> }.into_any();
    }
    let full = loaded.passkeys.len() as i64 >= MAX_PER_USER;
    let fresh = loaded.password_fresh;
    view! {
        {passkey_list(loaded.passkeys, fresh, rename, remove)}
        {match full {
            true => {
                view! {
                    <p class="notice">
                        {format!("You have {MAX_PER_USER} passkeys, the most an account may hold: remove one to add another.")}
                    </p>
                }
                    .into_any()
            }
            false => view! { <AddPasskey needs_password=!fresh /> }.into_any(),
        }}
    }
    .into_any()
}

fn passkey_list(
    passkeys: Vec<PasskeySummary>,
    fresh: bool,
    rename: ServerAction<RenamePasskey>,
    remove: ServerAction<RemovePasskey>,
) -> impl IntoView {
    if passkeys.is_empty() {
        return view! { <p class="no-passkeys">"No passkeys yet."</p> }.into_any();
    }
    view! {
        <ul class="passkey-list">
            {passkeys
                .into_iter()
                .map(|passkey| {
                    let rename_id = format!("passkey-{}-name", passkey.id);
                    let password_id = format!("passkey-{}-password", passkey.id);
                    let rename_label = format!("New name for ‘{}’", passkey.name);
                    let remove_label = format!("Remove ‘{}’", passkey.name);
                    let used = passkey.last_used_at.map_or_else(
                        || "never used".into_any(),
                        |at| view! { "last used " <Moment at /> }.into_any(),
                    );
                    view! {
                        <li>
                            <p>
                                <strong class="passkey-name">{passkey.name.clone()}</strong>
                                " · added " <Moment at=passkey.created_at /> " · " {used}
                            </p>
                            <ActionForm action=rename attr:class="inline-form">
                                <input type="hidden" name="id" value=passkey.id />
                                <label for=rename_id.clone()>{rename_label}</label>
                                <input
                                    id=rename_id
                                    name="name"
                                    type="text"
                                    required
                                    maxlength=PasskeyName::MAX_CHARS
                                    value=passkey.name.clone()
                                />
                                <button type="submit">"Rename"</button>
                            </ActionForm>
                            <ActionForm action=remove attr:class="inline-form">
                                <input type="hidden" name="id" value=passkey.id />
                                {(!fresh)
                                    .then(|| {
                                        view! {
                                            <label for=password_id.clone()>
                                                "Your password, to confirm it is you"
                                            </label>
                                            <input
                                                id=password_id.clone()
                                                name="current_password"
                                                type="password"
                                                autocomplete="current-password"
                                                required
                                            />
                                        }
                                    })}
                                <button type="submit">{remove_label}</button>
                            </ActionForm>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// "Add a passkey": a name (checked here as the server will), the password when this session's is not fresh,
/// then the browser's own dialog. Without JavaScript, or in a browser without passkeys, it says so instead.
#[island]
fn AddPasskey(needs_password: bool) -> impl IntoView {
    crate::hydration::mark_hydrated();
    let supported = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let asks_password = RwSignal::new(needs_password);
    Effect::new(move |_| supported.set(browser::supported()));
    // The window can close while the page is open: the server's refusal brings the password field back.
    let shown = Memo::new(move |_| {
        message.with(|message| {
            message
                .as_deref()
                .and_then(|message| message.strip_prefix(browser::REAUTHENTICATE))
                .map(str::to_owned)
        })
    });
    Effect::new(move |_| {
        if shown.get().is_some() {
            asks_password.set(true);
        }
    });
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        match PasskeyName::parse(&name.get_untracked()) {
            Ok(valid) => browser::run(
                Ceremony::Add {
                    name: valid.as_str().to_owned(),
                    password: Some(password.get_untracked())
                        .filter(|typed| !typed.is_empty())
                        .map(Secret::from),
                },
                busy,
                message,
                After::Reload,
            ),
            Err(problem) => message.set(Some(problem)),
        }
    };
    let password_input = move || {
        asks_password.get().then(|| {
            view! {
                <label for=ADD_PASSWORD.id>"Your password, to confirm it is you"</label>
                <input
                    id=ADD_PASSWORD.id
                    name=ADD_PASSWORD.name
                    type="password"
                    autocomplete="current-password"
                    required
                    on:input=move |event| password.set(event_target_value(&event))
                />
            }
        })
    };
    view! {
        <p class="notice" hidden=move || supported.get()>
            "Adding a passkey needs JavaScript and a browser that supports passkeys, on the site's name rather than an IP address."
        </p>
        <form class="auth-form passkey-form" hidden=move || !supported.get() on:submit=on_submit>
            <label for=ADD_NAME.id>"Passkey name"</label>
            <input
                id=ADD_NAME.id
                name=ADD_NAME.name
                type="text"
                required
                maxlength=PasskeyName::MAX_CHARS
                placeholder="MacBook Touch ID"
                aria-describedby="passkey-add-error"
                on:input=move |event| name.set(event_target_value(&event))
            />
            {password_input}
            <button type="submit" aria-disabled=move || busy.get().to_string()>
                "Add a passkey"
            </button>
            <p class="field-error" id="passkey-add-error" role="alert">
                {move || shown.get().or_else(|| message.get())}
            </p>
        </form>
    }
}

/// The new passkey's name input.
const ADD_NAME: Field = Field::new("name", "passkey-name");
/// The password input, shown when this session's password was entered too long ago.
const ADD_PASSWORD: Field = Field::new("current_password", "passkey-password");
