//! What every admin page shares: the section's navigation and the answer for callers who may not see it.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::{auth::next_path::login_then, error::AppError};

/// Links between the admin pages.
#[component]
pub fn AdminNav() -> impl IntoView {
    view! {
        <nav class="admin-nav" aria-label="Administration">
            <a href="/admin">"Users"</a>
            <a href="/admin/audit">"Audit log"</a>
        </nav>
    }
}

/// The page for a failed load: visitors go to the login form (and back to `path`), logged-in users without
/// the `admin` role get 403 and a sentence, anything else its message.
pub fn refusal_view(error: AppError, path: &'static str) -> AnyView {
    match error {
        AppError::Unauthenticated => view! { <Redirect path=login_then(path) /> }.into_any(),
        AppError::Forbidden => {
            #[cfg(feature = "ssr")]
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(axum::http::StatusCode::FORBIDDEN);
            }
            view! {
                <h1>"Admins only"</h1>
                <p class="error" role="alert">
                    "This section is for administrators. Your account does not have the admin role."
                </p>
            }
            .into_any()
        }
        error => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
    }
}
