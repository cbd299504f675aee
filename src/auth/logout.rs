//! Logging out: a POST from the header's button; the login page then shows a one-time message.

use leptos::prelude::*;

use crate::error::AppError;

/// Ends the session and redirects to the login page with a one-time "logged out" message.
#[server]
pub async fn log_out() -> Result<(), AppError> {
    use crate::{auth::session, flash, state::request_context};
    let (state, session) = request_context().await?;
    session::log_out(&state, &session).await?;
    flash::set_message("You have been logged out.").await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The header's logout button: a form, so it works without JavaScript too.
#[component]
pub fn LogoutButton() -> impl IntoView {
    let logout = ServerAction::<LogOut>::new();
    view! {
        <ActionForm action=logout attr:class="logout">
            <button type="submit">"Log out"</button>
        </ActionForm>
    }
}
