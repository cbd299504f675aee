//! How a page tells that its islands came to life: a leaf every island calls.

use leptos::prelude::*;

/// Marks the document once an island has come to life (effects run only in the browser), so styles and tests
/// can tell a server-rendered page from a live one: `<html data-hydrated="true">`.
pub fn mark_hydrated() {
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
