//! Who is logged in, for every page: the current user, loaded once per page and shared by context so the header
//! and the page agree.

use leptos::prelude::*;

use super::User;
use crate::error::AppError;

/// The current user.
#[derive(Clone, Copy)]
pub struct Auth {
    /// The logged-in user, if any.
    pub user: Resource<Result<Option<User>, AppError>>,
}

impl Auth {
    /// Loads the user and provides it to every page below.
    pub fn provide() -> Self {
        let auth = Self {
            user: Resource::new(|| (), |_| get_current_user()),
        };
        provide_context(auth);
        auth
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
        auth::{service, session},
        state::request_context,
    };
    let (state, session) = request_context().await?;
    match session::current_user(&session, state.sessions, &state.pool).await? {
        Some(record) => Ok(Some(
            service::public_view(&state.pool, state.email.confirmation, record).await?,
        )),
        None => Ok(None),
    }
}
