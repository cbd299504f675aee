//! `/account/activity`: the account's security log, newest first, a page at a time (`?before=`).

use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_query_map};

use super::{ActivityEntry, ActivityPageOf, Cause};
use crate::{
    account::layout::{AccountArea, Section},
    auth::next_path::login_then,
    error::AppError,
    moment::Moment,
};

/// One page of the logged-in user's log, older than entry `before`; `None` for a visitor.
#[server]
pub async fn load_activity(before: Option<i64>) -> Result<Option<ActivityPageOf>, AppError> {
    use crate::{account::activity::queries, auth::session, state::request_context};
    let (state, session) = request_context().await?;
    let Some(user) = session::current_user(&session, state.sessions, &state.pool).await? else {
        return Ok(None);
    };
    Ok(Some(
        queries::page(&state.pool, user.id, before, super::PAGE_SIZE).await?,
    ))
}

/// The page; visitors who are not logged in are sent to the login page and back here after.
#[component]
pub fn ActivityPage() -> impl IntoView {
    let query = use_query_map();
    let before = move || {
        query
            .read()
            .get("before")
            .and_then(|before| before.parse::<i64>().ok())
    };
    let log = Resource::new(before, load_activity);
    view! {
        <AccountArea section=Section::Activity>
            <p>
                "What happened to your account lately: sign-ins, failed attempts and changes, yours and an administrator's."
            </p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    let paged = before().is_some();
                    log.get()
                        .map(|loaded| match loaded {
                            Ok(Some(page)) => log_view(page, paged).into_any(),
                            Ok(None) => {
                                view! { <Redirect path=login_then(Section::Activity.path()) /> }.into_any()
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

fn log_view(page: ActivityPageOf, paged: bool) -> impl IntoView {
    if page.entries.is_empty() && !paged {
        return view! { <p class="no-activity">"Nothing has happened to your account yet."</p> }
            .into_any();
    }
    view! {
        <ol class="activity-list">{page.entries.into_iter().map(entry_view).collect_view()}</ol>
        <nav class="pager" aria-label="Security log pages">
            {paged.then(|| view! { <a href=Section::Activity.path()>"Newest entries"</a> })}
            {page
                .older
                .map(|older| {
                    view! {
                        <a href=format!("{}?before={older}", Section::Activity.path())>"Older entries"</a>
                    }
                })}
        </nav>
    }
    .into_any()
}

fn entry_view(entry: ActivityEntry) -> impl IntoView {
    let by_other = !matches!(entry.by, Cause::You);
    let address = entry.ip.map(|ip| format!(" · from {ip}"));
    view! {
        <li class="activity-entry" class:by-other=by_other>
            <p class="activity-event">
                <strong>{entry.event}</strong>
                {entry.detail.map(|detail| view! { " · " <span class="activity-detail">{detail}</span> })}
            </p>
            <p class="activity-meta">
                <Moment at=entry.at />
                " · "
                <span class="activity-by">{entry.by.label()}</span>
                {address}
            </p>
        </li>
    }
}
