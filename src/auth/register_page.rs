//! `/register`: a new account, checked field by field as the user types and again, authoritatively, on the
//! server.

use leptos::{ev, prelude::*, server_fn::ServerFn, wasm_bindgen::JsCast};
use leptos_meta::Title;
use leptos_router::components::Redirect;

use serde::{Deserialize, Serialize};

use super::registration::RegistrationInput;
use crate::{
    error::AppError,
    flash::TypedValues,
    form_errors::{self, refusal, ErrorSummary, FormErrors},
    secret::Secret,
};

/// What the registration page needs before showing the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterPageState {
    /// Already logged in: the page sends the visitor to the start page instead.
    pub logged_in: bool,
    /// What was typed before a submission without JavaScript came back with errors.
    pub typed: TypedValues,
}

/// Whether the visitor is logged in, and what they typed into a form that came back.
#[server]
pub async fn get_register_page_state() -> Result<RegisterPageState, AppError> {
    use crate::{auth::session, flash, state::request_context};
    let (state, session) = request_context().await?;
    let logged_in = session::current_user(&session, state.sessions, &state.pool)
        .await?
        .is_some();
    let typed = flash::take().await?.typed(FORM);
    Ok(RegisterPageState { logged_in, typed })
}

/// Creates the account, logs it in and redirects to the start page.
#[server]
pub async fn register(
    email: String,
    username: String,
    name: String,
    website: Option<String>,
    password: Secret,
    password_confirm: Secret,
) -> Result<(), AppError> {
    use crate::{
        auth::service,
        domain::{Email, PersonName, Username, Website},
        error::with_status,
        flash,
        state::request_context,
    };
    let (state, session) = request_context().await?;
    let website = website.unwrap_or_default();
    let typed = TypedValues::new([
        ("email", email.as_str(), Email::MAX_CHARS),
        ("username", &username, Username::MAX_CHARS),
        ("name", &name, PersonName::MAX_CHARS),
        ("website", &website, Website::MAX_CHARS),
    ]);
    let input = RegistrationInput {
        email,
        username,
        name,
        website,
        password,
        password_confirm,
    };
    let result = async {
        let client = crate::auth::device::client().await;
        let registered = service::register(&state, &input, client.ip.as_deref()).await?;
        let user = registered.user;
        if !registered.logged_in {
            // The account exists but may not log in before it confirms: the login page says what to do.
            flash::set_message(&format!(
                "Your account is created. We sent a confirmation link to {}: open it, then log in.",
                user.email
            ))
            .await?;
            leptos_axum::redirect("/login");
            return Ok(());
        }
        crate::auth::sign_in::begin(&state, &session, &user, false, &client).await?;
        flash::discard().await?;
        leptos_axum::redirect("/");
        Ok(())
    }
    .await;
    flash::keep_after_failure(FORM, typed, &result).await?;
    with_status(result)
}

/// The name under which typed values are kept for this form.
#[cfg(feature = "ssr")]
const FORM: &str = "register";

/// One input of the form, with what the user typed and whether they have left it yet.
#[derive(Clone, Copy)]
struct Field {
    name: &'static str,
    /// The input's `id`, which its label, its message and the error summary refer to.
    id: &'static str,
    value: RwSignal<String>,
    touched: RwSignal<bool>,
}

impl Field {
    fn new(input: form_errors::Field, typed: &TypedValues) -> Self {
        Self {
            name: input.name,
            id: input.id,
            value: RwSignal::new(typed.get(input.name)),
            touched: RwSignal::new(false),
        }
    }
}

/// The form's inputs in order, as the island renders them and the error summary links to them.
const INPUTS: [form_errors::Field; 6] = [
    form_errors::Field::new("email", "register-email"),
    form_errors::Field::new("username", "register-username"),
    form_errors::Field::new("name", "register-name"),
    form_errors::Field::new("website", "register-website"),
    form_errors::Field::new("password", "register-password"),
    form_errors::Field::new("password_confirm", "register-password_confirm"),
];

/// The registration page; a logged-in visitor is sent to the start page.
#[component]
pub fn RegisterPage() -> impl IntoView {
    // Created here, on the server, it holds the error a submission came back with.
    let action = ServerAction::<Register>::new();
    let page_state = Resource::new(|| (), |_| get_register_page_state());
    let refused = move || refusal(action);

    view! {
        <Title text="Register · Leptodo" />
        <section class="auth-form">
            <h1>"Create your account"</h1>
            <Transition fallback=|| ()>
                {move || {
                    page_state
                        .get()
                        .map(|state| match state {
                            Ok(state) if state.logged_in => view! { <Redirect path="/" /> }.into_any(),
                            state => {
                                let typed = state.map(|state| state.typed).unwrap_or_default();
                                let errors = FormErrors::new("register", refused().as_ref(), &INPUTS);
                                view! {
                                    <ErrorSummary errors />
                                    <RegistrationForm typed refused=refused() />
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
            <p>"Already registered? " <a href="/login">"Log in"</a></p>
        </section>
    }
}

/// The form, filled with what was `typed` before and showing why it was `refused`; in the browser it checks
/// each field as the user leaves it and posts only a form that passes the same rules as the server's.
#[island]
fn RegistrationForm(typed: TypedValues, refused: Option<AppError>) -> impl IntoView {
    crate::hydration::mark_hydrated();
    let fields = INPUTS.map(|input| Field::new(input, &typed));
    let [email, username, name, website, password, password_confirm] = fields;
    // The same rules the server applies, run in the browser as the user types.
    let local_errors = Memo::new(move |_| {
        RegistrationInput {
            email: email.value.get(),
            username: username.value.get(),
            name: name.value.get(),
            website: website.value.get(),
            password: password.value.get().into(),
            password_confirm: password_confirm.value.get().into(),
        }
        .validate()
        .err()
    });
    // The server's verdict stands for a field until the user edits it.
    let from_server = StoredValue::new(refused.and_then(|error| error.fields().cloned()));
    let message_for = move |field: Field| {
        if !field.touched.get() {
            return from_server.with_value(|errors| {
                errors
                    .as_ref()
                    .and_then(|errors| errors.get(field.name))
                    .map(|m| m.join(" "))
            });
        }
        local_errors
            .get()
            .and_then(|errors| errors.get(field.name).map(|m| m.join(" ")))
    };
    // A form that breaks a rule is not sent: every message shows instead, and the first field in error gets the
    // focus. One that passes is posted as the plain form it is.
    let on_submit = move |event: ev::SubmitEvent| {
        let Some(errors) = local_errors.get_untracked() else {
            return;
        };
        event.prevent_default();
        for field in fields {
            field.touched.set(true);
        }
        let first = fields.iter().find(|field| errors.get(field.name).is_some());
        if let Some(input) = first
            .and_then(|field| document().get_element_by_id(field.id))
            .and_then(|element| element.dyn_into::<leptos::web_sys::HtmlElement>().ok())
        {
            let _ = input.focus();
        }
    };
    let input =
        move |field: Field, label: &'static str, kind: &'static str, autocomplete: &'static str| {
            let id = field.id;
            let error_id = format!("{id}-error");
            let kind = form_errors::InputKind::of(kind);
            view! {
                <label for=id>{label}</label>
                <input
                    id=id
                    name=field.name
                    type=kind.html_type
                    inputmode=kind.inputmode
                    autocapitalize=kind.autocapitalize
                    spellcheck=kind.spellcheck
                    autocomplete=autocomplete
                    aria-describedby=error_id.clone()
                    value=field.value.get_untracked()
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
        <form method="post" action=Register::PATH on:submit=on_submit>
            {input(email, "Email", "email", "email")}
            {input(username, "Username (letters and digits)", "text", "username")}
            {input(name, "Name", "text", "name")}
            {input(website, "Website (optional)", "url", "url")}
            {input(password, "Password (8 characters or more)", "password", "new-password")}
            {input(password_confirm, "Confirm password", "password", "new-password")}
            <button type="submit">"Create account"</button>
        </form>
    }
}
