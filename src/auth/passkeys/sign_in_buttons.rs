//! The passkey ways in: on `/login`, "Sign in with a passkey" and the passkeys offered in the username field's
//! autofill; on `/login/code`, "Use a passkey" in place of a code. Islands, since they need the browser's
//! passkey API; they show only once live in a browser that has it, and the password form stays the way in
//! without JavaScript.

use leptos::{prelude::*, wasm_bindgen::JsCast};

use super::browser::{self, After, Ceremony};
use crate::auth::next_path::safe_next;

/// Whether the page's checkbox called `name` is ticked (the login form's own "remember" boxes).
fn ticked(name: &str) -> bool {
    document()
        .query_selector(&format!("input[type=checkbox][name={name}]"))
        .ok()
        .flatten()
        .and_then(|element| element.dyn_into::<leptos::web_sys::HtmlInputElement>().ok())
        .is_some_and(|checkbox| checkbox.checked())
}

/// Under the login form: the button, and autofill offered as soon as the page is live.
#[island]
pub fn PasskeySignIn(next: String) -> impl IntoView {
    crate::hydration::mark_hydrated();
    let supported = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let after = After::Go(safe_next(&next).to_owned());
    let autofill_after = after.clone();
    Effect::new(move |_| {
        if browser::supported() {
            supported.set(true);
            browser::run(Ceremony::Autofill, busy, message, autofill_after.clone());
        }
    });
    let on_click = move |_| {
        if busy.get_untracked() {
            return;
        }
        let remember = ticked("remember");
        browser::run(Ceremony::SignIn { remember }, busy, message, after.clone());
    };
    view! {
        <div class="passkey-sign-in" hidden=move || !supported.get()>
            <button type="button" on:click=on_click aria-disabled=move || busy.get().to_string()>
                "Sign in with a passkey"
            </button>
            <p class="field-error" role="alert">
                {move || message.get()}
            </p>
        </div>
    }
}

/// On the second step: a passkey of the account instead of a code.
#[island]
pub fn PasskeySecondStep(next: String) -> impl IntoView {
    crate::hydration::mark_hydrated();
    let supported = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let after = After::Go(safe_next(&next).to_owned());
    Effect::new(move |_| supported.set(browser::supported()));
    let on_click = move |_| {
        if busy.get_untracked() {
            return;
        }
        let remember_browser = ticked("remember_browser");
        browser::run(
            Ceremony::SecondStep { remember_browser },
            busy,
            message,
            after.clone(),
        );
    };
    view! {
        <div class="passkey-second-step" hidden=move || !supported.get()>
            <h2>"Or use a passkey"</h2>
            <button type="button" on:click=on_click aria-disabled=move || busy.get().to_string()>
                "Use a passkey"
            </button>
            <p class="field-error" role="alert">
                {move || message.get()}
            </p>
        </div>
    }
}
