//! Offline first: a service worker keeps the build's files and a copy of the todo page, so a logged-in user
//! who opens `/` without a network sees their last list (the page's outbox, `sync`, keeps what they change).
//! Registered by the wasm bundle on every page, which also makes logging out forget every copy at once, before
//! the logout is sent.

#[cfg(feature = "ssr")]
pub mod service_worker;

/// Where the service worker is served; its scope is the whole site.
pub const SERVICE_WORKER_PATH: &str = "/sw.js";
/// The cache the service worker keeps the todo page in.
pub const PAGES_CACHE: &str = "leptodo-pages";

/// Registers the service worker and makes the header's logout forget what this browser keeps. A browser
/// without service workers (or a page not served over HTTPS or from localhost) simply works online.
#[cfg(feature = "hydrate")]
pub fn start() {
    use wasm_bindgen::JsValue;

    let navigator = leptos::prelude::window().navigator();
    let has_workers =
        web_sys::js_sys::Reflect::has(&navigator, &JsValue::from_str("serviceWorker"))
            .unwrap_or(false);
    if has_workers {
        // A refusal (a private window, a browser setting) leaves the site as it was: online only.
        let _ = navigator.service_worker().register(SERVICE_WORKER_PATH);
    }
    forget_on_logout();
}

/// Logging out deletes the list, the outbox and the page's copies first, then sends the logout: even when the
/// logout cannot reach the server, nothing of this login is left for the next person at this browser.
#[cfg(feature = "hydrate")]
fn forget_on_logout() {
    use leptos::prelude::document;
    use wasm_bindgen::{closure::Closure, JsCast};
    use web_sys::HtmlFormElement;

    let Some(form) = document()
        .query_selector("form.logout")
        .ok()
        .flatten()
        .and_then(|form| form.dyn_into::<HtmlFormElement>().ok())
    else {
        return;
    };
    let on_submit = Closure::<dyn FnMut(web_sys::Event)>::new({
        let form = form.clone();
        move |event: web_sys::Event| {
            event.prevent_default();
            let form = form.clone();
            leptos::task::spawn_local(async move {
                forget_everything().await;
                // `submit()` sends the form without firing this handler again.
                let _ = form.submit();
            });
        }
    });
    let _ = form.add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref());
    // Kept for the life of the page, as the form is.
    on_submit.forget();
}

/// Deletes everything this browser keeps of any login's todos: the lists, the outboxes and the service
/// worker's copies of the page. What logging out does first, and what a page does when its login has ended.
#[cfg(feature = "hydrate")]
pub async fn forget_everything() {
    let _ = super::sync::browser_db::clear().await;
    forget_cached_pages().await;
}

/// Deletes the service worker's copies of the todo page.
#[cfg(feature = "hydrate")]
async fn forget_cached_pages() {
    let Ok(caches) = leptos::prelude::window().caches() else {
        return;
    };
    let _ = wasm_bindgen_futures::JsFuture::from(caches.delete(PAGES_CACHE)).await;
}
