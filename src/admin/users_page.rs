//! `/admin`: the users table, searchable and paged, with each user's activation and roles; and the roles.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::{
    layout::{refusal_view, AdminNav},
    ManagedUser, RoleSummary, UserChange, UserPage,
};
use crate::{
    auth::next_path::percent_encode,
    error::AppError,
    flash::take_flash_message,
    form_errors::{refusal, ErrorSummary, FormErrors},
    timestamp::Timestamp,
};

/// What `/admin` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersView {
    /// The page of users asked for.
    pub listing: UserPage,
    /// Every role, to grant from.
    pub roles: Vec<RoleSummary>,
    /// The admin looking, who is offered no button to deactivate themself.
    pub admin_id: i64,
}

/// One page of users matching `query`, with every role, for an admin.
#[server]
pub async fn load_users(query: String, page: u32) -> Result<UsersView, AppError> {
    use crate::admin::{access::admin_in_server_fn, queries};
    let (state, actor) = admin_in_server_fn().await?;
    // A longer query than the search box allows, from a hand-made URL, is cut, not an error page.
    let query: String = query.chars().take(crate::admin::MAX_SEARCH_CHARS).collect();
    Ok(UsersView {
        listing: queries::search_users(&state.pool, &query, page.max(1)).await?,
        roles: queries::roles(&state.pool).await?,
        admin_id: actor.user_id().ok_or(AppError::Internal)?,
    })
}

/// Applies one change to user `id`: `activate`, `deactivate`, `grant` or `revoke` (the last two of `role`).
/// Answers a sentence saying what happened, also left as the one-time message of the page the form returns to.
#[server]
pub async fn manage_user(id: i64, change: String, role: String) -> Result<String, AppError> {
    use crate::{
        admin::{access::admin_in_server_fn, service},
        domain::RoleName,
        error::with_status,
        flash,
    };
    let outcome = with_status(
        async move {
            let (state, actor) = admin_in_server_fn().await?;
            let change = UserChange::parse(&change).map_err(AppError::BadRequest)?;
            let parse_role =
                || RoleName::parse(&role).map_err(|message| AppError::invalid("role", message));
            let (pool, live) = (&state.pool, &state.live);
            let outcome = match change {
                UserChange::Activate => service::set_active(pool, live, &actor, id, true).await?,
                UserChange::Deactivate => {
                    service::set_active(pool, live, &actor, id, false).await?
                }
                UserChange::Grant => service::grant_role(pool, &actor, id, &parse_role()?).await?,
                UserChange::Revoke => {
                    service::revoke_role(pool, &actor, id, &parse_role()?).await?
                }
            };
            Ok(outcome_sentence(
                change,
                outcome.changed,
                &outcome.user.username,
                role.trim(),
            ))
        }
        .await,
    );
    if let Ok(message) = &outcome {
        flash::set_message(message).await?;
    }
    outcome
}

/// What the admin is told after `change` to `who` (of `role`, for the role changes).
#[cfg(feature = "ssr")]
fn outcome_sentence(change: UserChange, changed: bool, who: &str, role: &str) -> String {
    use UserChange::*;
    match (change, changed) {
        (Activate, true) => format!("{who} is active again."),
        (Activate, false) => format!("{who} was already active."),
        (Deactivate, true) => {
            format!("{who} is deactivated: their sessions and API tokens have ended.")
        }
        (Deactivate, false) => format!("{who} was already deactivated."),
        (Grant, true) => format!("{who} now has the role “{role}”."),
        (Grant, false) => format!("{who} already had the role “{role}”."),
        (Revoke, true) => format!("{who} no longer has the role “{role}”."),
        (Revoke, false) => format!("{who} did not have the role “{role}”."),
    }
}

/// The users table.
#[component]
pub fn UsersPage() -> impl IntoView {
    let manage = ServerAction::<ManageUser>::new();
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|page| page.parse::<u32>().ok())
            .unwrap_or(1)
    };
    let users = Resource::new(
        move || (search(), page()),
        |(search, page)| load_users(search, page),
    );
    // What the last change did, said once after the form comes back.
    let done = Resource::new(|| (), |_| take_flash_message());

    view! {
        <Title text="Users · Admin · Leptodo" />
        <section class="admin">
            <Transition fallback=|| ()>
                {move || {
                    done.get()
                        .and_then(Result::ok)
                        .flatten()
                        .map(|message| view! { <p class="flash" role="status">{message}</p> })
                }}
            </Transition>
            <ErrorSummary errors=FormErrors::new(
                "manage",
                refusal(manage).as_ref(),
                &[],
            ) />
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    users
                        .get()
                        .map(|loaded| match loaded {
                            Ok(loaded) => users_view(loaded, manage),
                            Err(error) => refusal_view(error, "/admin"),
                        })
                }}
            </Transition>
        </section>
    }
}

fn users_view(loaded: UsersView, manage: ServerAction<ManageUser>) -> AnyView {
    let UsersView {
        listing,
        roles,
        admin_id,
    } = loaded;
    let role_names: Vec<String> = roles.iter().map(|role| role.name.clone()).collect();
    let search = listing.query.clone();
    let pages = pager(&listing);
    let summary = match listing.total {
        0 => "No users match.".to_owned(),
        1 => "1 user.".to_owned(),
        total => format!("{total} users."),
    };
    view! {
        <AdminNav />
        <h1>"Users"</h1>
        <form method="get" action="/admin" class="admin-search" role="search">
            <label>
                "Email or username" <input type="search" name="q" value=search maxlength=crate::admin::MAX_SEARCH_CHARS />
            </label>
            <button type="submit">"Search"</button>
        </form>
        <p class="admin-summary">{summary}</p>
        <table class="admin-users">
            <thead>
                <tr>
                    <th>"Username"</th>
                    <th>"Email"</th>
                    <th>"Confirmed"</th>
                    <th>"Two-factor"</th>
                    <th>"Passkeys"</th>
                    <th>"Roles"</th>
                    <th>"Active"</th>
                    <th>"Created"</th>
                    <th>"Last login"</th>
                    <th>"Todos"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>
                {listing
                    .users
                    .into_iter()
                    .map(|user| user_row(user, &role_names, admin_id, manage))
                    .collect_view()}
            </tbody>
        </table>
        {pages}
        <h2>"Roles"</h2>
        <table class="admin-roles">
            <thead>
                <tr>
                    <th>"Role"</th>
                    <th>"Meaning"</th>
                    <th>"Users"</th>
                </tr>
            </thead>
            <tbody>
                {roles
                    .into_iter()
                    .map(|role| {
                        view! {
                            <tr>
                                <td>{role.name}</td>
                                <td>{role.description}</td>
                                <td>{role.user_count}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// A one-button form that applies `change` (and `role`) to the user.
fn change_form(
    manage: ServerAction<ManageUser>,
    id: i64,
    change: UserChange,
    role: String,
    label: String,
    text: String,
) -> impl IntoView {
    view! {
        <ActionForm action=manage attr:class="inline">
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="change" value=change.as_str() />
            <input type="hidden" name="role" value=role />
            <button type="submit" aria-label=label>
                {text}
            </button>
        </ActionForm>
    }
}

fn user_row(
    user: ManagedUser,
    all_roles: &[String],
    admin_id: i64,
    manage: ServerAction<ManageUser>,
) -> impl IntoView {
    let id = user.id;
    let username = user.username.clone();
    let grantable: Vec<String> = all_roles
        .iter()
        .filter(|role| !user.has_role(role))
        .cloned()
        .collect();
    let held = user
        .roles
        .iter()
        .map(|role| {
            view! {
                <span class="role">
                    {role.clone()}
                    {change_form(
                        manage,
                        id,
                        UserChange::Revoke,
                        role.clone(),
                        format!("Revoke {role} from {username}"),
                        "×".into(),
                    )}
                </span>
            }
        })
        .collect_view();
    let grant_label = format!("Role to grant {username}");
    let grant = (!grantable.is_empty()).then(move || {
        view! {
            <ActionForm action=manage attr:class="inline grant">
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="change" value=UserChange::Grant.as_str() />
                <select name="role" aria-label=grant_label>
                    {grantable
                        .into_iter()
                        .map(|role| {
                            let value = role.clone();
                            view! { <option value=value>{role}</option> }
                        })
                        .collect_view()}
                </select>
                <button type="submit">"Grant"</button>
            </ActionForm>
        }
    });
    let activation = match (user.active, id == admin_id) {
        (_, true) => view! { <span class="you">"(you)"</span> }.into_any(),
        (true, false) => change_form(
            manage,
            id,
            UserChange::Deactivate,
            String::new(),
            format!("Deactivate {username}"),
            "Deactivate".into(),
        )
        .into_any(),
        (false, false) => change_form(
            manage,
            id,
            UserChange::Activate,
            String::new(),
            format!("Activate {username}"),
            "Activate".into(),
        )
        .into_any(),
    };
    view! {
        <tr data-username=user.username.clone() class:inactive=!user.active>
            <td class="username">{user.username.clone()}</td>
            <td>{user.email}</td>
            <td class="confirmed">{if user.confirmed { "yes" } else { "no" }}</td>
            <td class="two-factor">{if user.two_factor { "on" } else { "off" }}</td>
            <td class="passkeys">{user.passkey_count}</td>
            <td class="roles">{held} {grant}</td>
            <td class="active">{if user.active { "yes" } else { "no" }}</td>
            <td>{user.created_at.readable()}</td>
            <td>{user.last_login_at.as_ref().map(Timestamp::readable).unwrap_or_else(|| "never".into())}</td>
            <td class="todos">{user.todo_count}</td>
            <td>{activation}</td>
        </tr>
    }
}

fn pager(listing: &UserPage) -> impl IntoView {
    let pages = listing.page_count();
    let link = |page: u32| match listing.query.is_empty() {
        true => format!("/admin?page={page}"),
        false => format!("/admin?q={}&page={page}", percent_encode(&listing.query)),
    };
    let previous = (listing.page > 1).then(|| {
        view! { <a href=link(listing.page - 1) rel="prev">"← Previous"</a> }
    });
    let next = (listing.page < pages).then(|| {
        view! { <a href=link(listing.page + 1) rel="next">"Next →"</a> }
    });
    view! {
        <nav class="pager" aria-label="Pages">
            {previous}
            <span>{format!("Page {} of {pages}", listing.page)}</span>
            {next}
        </nav>
    }
}
