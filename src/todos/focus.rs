//! Where the keyboard focus goes when the rows under it change: never lost to the top of the page.

use leptos::prelude::*;

/// Runs `remove`, which may take rows away. If the keyboard focus was in one of them and nothing has taken it
/// since (a row deleted here hands it to its neighbour itself), it moves to the new-todo input once the page is
/// redrawn, instead of falling to the top of the page.
pub(crate) fn keeping_focus(remove: impl FnOnce()) {
    let focused = document().active_element();
    remove();
    request_animation_frame(move || {
        let document = document();
        let lost = document.active_element().as_ref() == document.body().as_deref();
        if lost && focused.is_some_and(|element| !element.is_connected()) {
            focus_on(document.query_selector(".new-todo").ok().flatten());
        }
    });
}

/// Puts the keyboard focus on `element`, if there is one that can take it.
pub(crate) fn focus_on(element: Option<leptos::web_sys::Element>) {
    if let Some(element) = element.and_then(|element| {
        leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::HtmlElement>(element).ok()
    }) {
        let _ = element.focus();
    }
}
