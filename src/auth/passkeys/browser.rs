//! The passkey ceremonies as the islands start them: `browser.js` talks to `navigator.credentials` and the
//! JSON API; this runs it in the background and reports to the island's signals. On the server (where islands
//! render but never run their handlers) there is no browser, and nothing runs.

use leptos::prelude::*;

use crate::secret::Secret;

/// A ceremony an island starts.
#[derive(Debug, Clone)]
pub enum Ceremony {
    /// Offer the site's passkeys in the username field's autofill ("remember me" is read when one is picked).
    Autofill,
    /// Sign in with a passkey picked in the browser's dialog; `remember` as the login's "remember me".
    SignIn {
        /// Keep the session for `remember_me_days`.
        remember: bool,
    },
    /// Answer the waiting second step with a passkey.
    SecondStep {
        /// Spare this browser the second step for `two_factor_remember_days`.
        remember_browser: bool,
    },
    /// Add a passkey called `name` to the account (`password` when the page asked for it).
    Add {
        /// What to call it.
        name: String,
        /// The password, if this session's is not fresh.
        password: Option<Secret>,
    },
}

/// Where the browser goes once a ceremony succeeded.
#[derive(Debug, Clone)]
pub enum After {
    /// To this local path (a full load, so the server renders the signed-in page).
    Go(String),
    /// This page again, showing what changed.
    Reload,
}

/// What an action whose session's password is too old fails with, before its sentence: the page then asks for
/// the password (`browser.js` adds it).
pub const REAUTHENTICATE: &str = "reauthenticate:";

/// Whether this browser can use passkeys on this page (not on an IP address); `false` on the server.
pub fn supported() -> bool {
    #[cfg(feature = "hydrate")]
    {
        js::passkeys_supported()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}

/// Runs `ceremony` in the background: `busy` while it runs, its failure (a sentence) in `message`, and on
/// success the browser goes on as `after` says. Autofill leaves `busy` alone (nobody pressed anything) and says
/// nothing unless a passkey the user picked failed; after the button's sign-in fails it is offered again.
pub fn run(
    ceremony: Ceremony,
    busy: RwSignal<bool>,
    message: RwSignal<Option<String>>,
    after: After,
) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        let pressed = !matches!(ceremony, Ceremony::Autofill);
        // The button withdrew the autofill offer; it comes back if the button's sign-in fails. (Not after a failed
        // autofill: an authenticator that picks by itself would go round for ever.)
        let withdrew_autofill = matches!(ceremony, Ceremony::SignIn { .. });
        if pressed {
            busy.set(true);
            message.set(None);
        }
        let outcome = js::run(ceremony).await;
        if pressed {
            busy.set(false);
        }
        match outcome {
            Ok(true) => go(&after),
            Ok(false) => {}
            Err(sentence) => {
                message.set(Some(sentence));
                if withdrew_autofill {
                    run(Ceremony::Autofill, busy, message, after);
                }
            }
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (ceremony, busy, message, after);
}

#[cfg(feature = "hydrate")]
fn go(after: &After) {
    let location = window().location();
    let _ = match after {
        After::Go(path) => location.set_href(path),
        After::Reload => location.reload(),
    };
}

#[cfg(feature = "hydrate")]
mod js {
    use wasm_bindgen::prelude::*;

    use super::Ceremony;

    #[wasm_bindgen(module = "/src/auth/passkeys/browser.js")]
    extern "C" {
        #[wasm_bindgen(js_name = passkeysSupported)]
        pub fn passkeys_supported() -> bool;
        #[wasm_bindgen(js_name = offerInAutofill, catch)]
        async fn offer_in_autofill() -> Result<JsValue, JsValue>;
        #[wasm_bindgen(js_name = signIn, catch)]
        async fn sign_in(remember: bool) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(js_name = answerSecondStep, catch)]
        async fn answer_second_step(remember_browser: bool) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(js_name = addPasskey, catch)]
        async fn add_passkey(name: &str, password: Option<String>) -> Result<JsValue, JsValue>;
    }

    /// Runs the ceremony; `Ok(false)` when autofill ended without a sign-in.
    pub async fn run(ceremony: Ceremony) -> Result<bool, String> {
        let outcome = match ceremony {
            Ceremony::Autofill => offer_in_autofill()
                .await
                .map(|signed_in| signed_in.as_bool().unwrap_or(false)),
            Ceremony::SignIn { remember } => sign_in(remember).await.map(|_| true),
            Ceremony::SecondStep { remember_browser } => {
                answer_second_step(remember_browser).await.map(|_| true)
            }
            Ceremony::Add { name, password } => {
                let password = password.map(|password| password.expose().to_owned());
                add_passkey(&name, password).await.map(|_| true)
            }
        };
        outcome.map_err(|error| {
            error.as_string().unwrap_or_else(|| {
                "The passkey did not work in this browser. Try again, or use your password.".into()
            })
        })
    }
}
