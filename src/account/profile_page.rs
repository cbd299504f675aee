//! `/account`: the holder's details (name, address, username, logins) and the change of address.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use serde::{Deserialize, Serialize};

use super::layout::{AccountArea, Section};
use crate::{
    auth::{email::EmailChangeForm, next_path::login_then},
    error::AppError,
    moment::Moment,
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

/// `/account`: who the account is, and the change of address; visitors who are not logged in are sent to the
/// login page and back here after.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let account = Resource::new(|| (), |_| get_account());
    view! {
        <AccountArea section=Section::Profile>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    account
                        .get()
                        .map(|result| match result {
                            Ok(Some(details)) => details_view(details).into_any(),
                            Ok(None) => {
                                view! { <Redirect path=login_then(Section::Profile.path()) /> }
                                    .into_any()
                            }
                            Err(error) => {
                                view! { <p class="error" role="alert">{error.to_string()}</p> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
            <section class="email-change">
                <EmailChangeForm />
            </section>
        </AccountArea>
    }
}

fn details_view(details: AccountDetails) -> impl IntoView {
    let last_login = match details.last_login {
        Some((at, ip)) => view! {
            <Moment at /> " from " {ip.unwrap_or_else(|| "an unknown address".into())}
        }
        .into_any(),
        None => "This is your first login.".into_any(),
    };
    view! {
        <h2 class="account-name">{details.name}</h2>
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
            <dd>
                <Moment at=details.member_since />
            </dd>
            <dt>"Previous login"</dt>
            <dd class="last-login">{last_login}</dd>
            <dt>"Logins"</dt>
            <dd class="login-count">{details.login_count}</dd>
        </dl>
    }
}
