//! Who is logged in, for every page: the current user and the logout action, shared by context so the header
//! and the pages refresh together when someone logs in or out.

use leptos::prelude::*;

use super::{logout::LogOut, User};
use crate::error::AppError;

/// The current user and what changes it.
#[derive(Clone, Copy)]
pub struct Auth {
    /// Logs out; on success the server redirects to the login page.
    pub logout: ServerAction<LogOut>,
    /// The logged-in user, reloaded whenever `changed` is bumped or the logout action completes.
    pub user: Resource<Result<Option<User>, AppError>>,
    changed: RwSignal<usize>,
}

impl Auth {
    /// Creates the logout action and the user resource and provides them to every page below.
    pub fn provide() -> Self {
        let logout = ServerAction::<LogOut>::new();
        let changed = RwSignal::new(0);
        let user = Resource::new(
            move || (changed.get(), logout.version().get()),
            |_| get_current_user(),
        );
        let auth = Self {
            logout,
            user,
            changed,
        };
        provide_context(auth);
        auth
    }

    /// Reloads the user after a page's own action logged someone in (pages create their actions themselves:
    /// only an action created inside the router sees the error a form POST without JavaScript came back with).
    pub fn refresh_after(self, version: ReadSignal<usize>) {
        Effect::new(move |_| {
            if version.get() > 0 {
                self.changed.update(|changed| *changed += 1);
            }
        });
    }

    /// The `Auth` provided by the app.
    pub fn expect() -> Self {
        expect_context::<Self>()
    }
}

/// The logged-in user, if any.
#[server]
pub async fn get_current_user() -> Result<Option<User>, AppError> {
    use crate::{
        auth::{accounts, session},
        state::request_context,
    };
    let (state, session) = request_context().await?;
    match session::current_user(&session, state.sessions, &state.pool).await? {
        Some(record) => Ok(Some(accounts::public_view(&state.pool, record).await?)),
        None => Ok(None),
    }
}
