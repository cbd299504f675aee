//! The todo page's server functions. Each is also the target of a plain `<form method="post">`, so the page
//! works without JavaScript: Leptos then answers with a redirect back to the page, and a failure is told there
//! through a one-time message (see `flash`).
//!
//! With JavaScript the page sends its changes as operations instead (`sync::sync_todos`), which survive a lost
//! network; these remain the targets of its forms.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::Todo;
use crate::{error::AppError, flash::TypedValues};

/// What the todo page loads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodoPageData {
    /// Every todo of the user, in creation order; the page filters them itself.
    pub todos: Vec<Todo>,
    /// The version of the list these todos are (see `live`).
    pub version: i64,
    /// This login's name: the page's offline queue carries it (see `sync`).
    pub login: Option<String>,
    /// Why the last form POST made without JavaScript failed, shown once.
    pub flash: Option<String>,
    /// What was typed into the new-todo input before that failure.
    pub typed: TypedValues,
}

/// The logged-in user's todos, or `None` for a visitor, who is sent to log in.
#[server]
pub async fn load_todo_page() -> Result<Option<TodoPageData>, AppError> {
    use self::server::*;
    let (state, session) = crate::state::request_context().await?;
    let Some(user) = session::current_user(&session, state.sessions, &state.pool).await? else {
        return Ok(None);
    };
    let flash = flash::take().await?;
    let (todos, version) = queries::list_with_version(&state.pool, Owner::from(&user)).await?;
    let login = session::login_tag(&session).await?;
    Ok(Some(TodoPageData {
        todos,
        version,
        login,
        flash: flash.message.clone(),
        typed: flash.typed(NEW_TODO_FORM),
    }))
}

/// Adds a todo at the end of the list.
#[server]
pub async fn add_todo(title: String) -> Result<Todo, AppError> {
    use self::server::*;
    let (state, owner) = context().await?;
    let result = async {
        let title = service::parse_title(&title)?;
        service::add(&Writer::new(&state), owner?, &title, state.todos_per_user).await
    }
    .await;
    let typed = TypedValues::new([("title", title.as_str(), TodoTitle::MAX_CHARS)]);
    flash::keep_after_failure(NEW_TODO_FORM, typed, &result).await?;
    settle(result).await
}

/// Marks a todo done or not done.
#[server]
pub async fn set_todo_completed(id: i64, completed: bool) -> Result<Todo, AppError> {
    use self::server::*;
    let (state, owner) = context().await?;
    let result =
        async { service::update(&Writer::new(&state), owner?, id, None, Some(completed)).await }
            .await;
    settle(result).await
}

/// Renames a todo; a blank title deletes it (TodoMVC's rule). Answers the todo, or `None` once deleted.
#[server]
pub async fn rename_todo(id: i64, title: String) -> Result<Option<Todo>, AppError> {
    use self::server::*;
    let (state, owner) = context().await?;
    let result = async { service::rename(&Writer::new(&state), owner?, id, &title).await }.await;
    // Without JavaScript the edit form lives at `?edit=<id>`; go back to the list, not to the form.
    leave_edit_mode();
    settle(result).await
}

/// Deletes a todo.
#[server]
pub async fn delete_todo(id: i64) -> Result<(), AppError> {
    use self::server::*;
    let (state, owner) = context().await?;
    let result = async { service::delete(&Writer::new(&state), owner?, id).await }.await;
    settle(result).await
}

/// Marks every todo done or not done; answers the whole list.
#[server]
pub async fn toggle_all_todos(completed: bool) -> Result<Vec<Todo>, AppError> {
    use self::server::*;
    let (state, owner) = context().await?;
    let result =
        async { service::set_all_completed(&Writer::new(&state), owner?, completed).await }.await;
    settle(result).await
}

/// Deletes every completed todo; answers how many there were.
#[server]
pub async fn clear_completed_todos() -> Result<u64, AppError> {
    use self::server::*;
    let (state, owner) = context().await?;
    let result = async { service::clear_completed(&Writer::new(&state), owner?).await }.await;
    settle(result).await
}

#[cfg(feature = "ssr")]
mod server {
    use crate::error::{is_plain_form_post, with_status, AppError};
    pub use crate::{
        auth::session,
        domain::TodoTitle,
        flash,
        state::AppState,
        todos::{
            queries::{self, Owner, Writer},
            service,
        },
    };

    /// The form whose typed title is kept after a failure without JavaScript.
    pub const NEW_TODO_FORM: &str = "new-todo";

    /// The state and the owner, or why there is none (not logged in), which the caller settles like any other
    /// failure.
    pub async fn context() -> Result<(AppState, Result<Owner, AppError>), AppError> {
        let (state, session) = crate::state::request_context().await?;
        let owner = session::current_user(&session, state.sessions, &state.pool)
            .await?
            .map(|user| Owner::from(&user))
            .ok_or(AppError::Unauthenticated);
        Ok((state, owner))
    }

    /// Gives the error its status for the hydrated page; a form POST made without JavaScript is redirected back
    /// by Leptos and finds the message in the flash cookie.
    pub async fn settle<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        if let Err(error) = &result {
            if is_plain_form_post() {
                flash::set_message(&error.user_message()).await?;
            }
        }
        with_status(result)
    }

    /// For a form POST made without JavaScript: redirect to the page it came from, minus its query (`?edit=`).
    pub fn leave_edit_mode() {
        use leptos::prelude::use_context;
        if !is_plain_form_post() {
            return;
        }
        let path = use_context::<axum::http::request::Parts>()
            .and_then(|parts| parts.headers.get(axum::http::header::REFERER).cloned())
            .and_then(|referer| referer.to_str().ok().and_then(|r| url::Url::parse(r).ok()))
            .map(|referer| referer.path().to_owned())
            .unwrap_or_else(|| "/".to_owned());
        leptos_axum::redirect(crate::auth::next_path::safe_next(&path));
    }
}
