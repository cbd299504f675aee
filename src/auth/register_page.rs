//! `/register`: a new account, checked field by field as the user types and again, authoritatively, on the
//! server.

use leptos::{ev, prelude::*};
use leptos_meta::Title;
use leptos_router::components::Redirect;

use super::{context::get_current_user, context::Auth, registration::RegistrationInput};
use crate::error::AppError;

/// Creates the account, logs it in and redirects to the start page.
#[server]
pub async fn register(
    email: String,
    username: String,
    name: String,
    website: Option<String>,
    password: String,
    password_confirm: String,
) -> Result<(), AppError> {
    use crate::{
        auth::{accounts, session},
        startup::{client_ip, request_context},
    };
    crate::error::with_status(
        async move {
            let (state, session) = request_context().await?;
            let ip = client_ip().await;
            let input = RegistrationInput {
                email,
                username,
                name,
                website: website.unwrap_or_default(),
                password,
                password_confirm,
            };
            let user =
                accounts::register(&state.pool, &state.hasher, &input, ip.as_deref()).await?;
            session::log_in(&session, state.sessions, &user, false).await?;
            leptos_axum::redirect("/");
            Ok(())
        }
        .await,
    )
}

/// One input of the form, with what the user typed and whether they have left it yet.
#[derive(Clone, Copy)]
struct Field {
    name: &'static str,
    value: RwSignal<String>,
    touched: RwSignal<bool>,
}

impl Field {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            value: RwSignal::new(String::new()),
            touched: RwSignal::new(false),
        }
    }
}

/// The registration page; a logged-in visitor is sent to the start page.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let auth = Auth::expect();
    let action = ServerAction::<Register>::new();
    auth.refresh_after(action.version().read_only());
    let current = Resource::new(|| (), |_| get_current_user());

    let [email, username, name, website, password, password_confirm] = [
        "email",
        "username",
        "name",
        "website",
        "password",
        "password_confirm",
    ]
    .map(Field::new);
    // The same rules the server applies, run in the browser as the user types.
    let local_errors = Memo::new(move |_| {
        RegistrationInput {
            email: email.value.get(),
            username: username.value.get(),
            name: name.value.get(),
            website: website.value.get(),
            password: password.value.get(),
            password_confirm: password_confirm.value.get(),
        }
        .validate()
        .err()
    });
    // The server's verdict wins for a field until the user edits it again.
    let message_for = move |field: Field| {
        let from_server = action
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|error| {
                error
                    .fields()
                    .and_then(|fields| fields.get(field.name))
                    .map(|m| m.join(" "))
            });
        from_server.or_else(|| {
            field
                .touched
                .get()
                .then(|| local_errors.get())
                .flatten()
                .and_then(|errors| errors.get(field.name).map(|m| m.join(" ")))
        })
    };
    let input =
        move |field: Field, label: &'static str, kind: &'static str, autocomplete: &'static str| {
            let id = format!("register-{}", field.name);
            let error_id = format!("{id}-error");
            view! {
                <label for=id.clone()>{label}</label>
                <input
                    id=id
                    name=field.name
                    type=kind
                    autocomplete=autocomplete
                    aria-describedby=error_id.clone()
                    aria-invalid=move || message_for(field).is_some().to_string()
                    on:input=move |event: ev::Event| field.value.set(event_target_value(&event))
                    on:blur=move |_| field.touched.set(true)
                />
                <p class="field-error" id=error_id>
                    {move || message_for(field)}
                </p>
            }
        };

    view! {
        <Title text="Register · Leptodo" />
        <section class="auth-form">
            <h1>"Create your account"</h1>
            <Transition fallback=|| ()>
                {move || {
                    current
                        .get()
                        .and_then(Result::ok)
                        .flatten()
                        .map(|_| view! { <Redirect path="/" /> })
                }}
            </Transition>
            <ActionForm action=action>
                {input(email, "Email", "email", "email")}
                {input(username, "Username (letters and digits)", "text", "username")}
                {input(name, "Name", "text", "name")}
                {input(website, "Website (optional)", "url", "url")}
                {input(password, "Password (8 characters or more)", "password", "new-password")}
                {input(password_confirm, "Confirm password", "password", "new-password")}
                <button type="submit">"Create account"</button>
            </ActionForm>
            {move || {
                action
                    .value()
                    .get()
                    .and_then(Result::err)
                    .map(|error| view! { <p class="error" role="alert">{error.to_string()}</p> })
            }}
            <p>"Already registered? " <a href="/login">"Log in"</a></p>
        </section>
    }
}
