//! What the mail pages share: the body of a page a link opens, the page for a link that does not work, and the
//! sentence a form that sent a mail answered.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::error::AppError;

/// The body of a page a mail's link opens: `check` is given the link's token as the page opens and changes
/// nothing; the page shows `working` (given the token and what `check` answered) when the link works, the
/// broken-link page otherwise.
pub fn link_page<T, F, Fut>(
    check: F,
    working: impl Fn(String, T) -> AnyView + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let outcome = Resource::new(token, check);
    view! {
        <Transition fallback=|| ()>
            {move || {
                outcome
                    .get()
                    .map(|result| match result {
                        Ok(found) => working(token(), found),
                        Err(error) => broken_link_view(&error).into_any(),
                    })
            }}
        </Transition>
    }
}

/// The one page for a link that does not work, whatever the reason, with the ways to get a new one.
pub fn broken_link_view(error: &AppError) -> impl IntoView {
    let explanation = match error {
        AppError::Conflict(_) | AppError::InvalidLink => error.user_message(),
        other => other.to_string(),
    };
    view! {
        <section class="auth-form">
            <h1>"This link does not work"</h1>
            <p class="error" role="alert">
                {explanation}
            </p>
            <p>"Links from our mails work once, for a limited time, and a newer link replaces an older one."</p>
            <ul>
                <li>
                    <a href="/forgot">"Ask for a new password-reset link"</a>
                </li>
                <li>
                    <a href="/account">"Send the confirmation link again, or change your address, from your account"</a>
                </li>
            </ul>
        </section>
    }
}

/// The confirmation of a form that sent a mail; its refusals are in the form's error summary.
pub fn sent_view<A>(action: ServerAction<A>) -> impl IntoView
where
    A: leptos::server_fn::ServerFn<Output = String, Error = AppError>
        + Clone
        + Send
        + Sync
        + 'static,
{
    action
        .value()
        .get_untracked()
        .and_then(Result::ok)
        .map(|message| view! { <p class="flash" role="status">{message}</p> })
}
