//! One row of the list: toggle, title, delete, and editing in place.

use leptos::{ev, html, prelude::*, server_fn::ServerFn};

use super::{
    server_fns::{DeleteTodo, RenameTodo, SetTodoCompleted},
    state::{TodoItem, TodoStore},
};

/// A todo as TodoMVC shows it: `li` (`completed`, `editing`) › `div.view` (toggle, label, destroy) and
/// `input.edit`. Each control is also a form, for browsers without JavaScript.
#[component]
pub fn TodoRow(item: TodoItem, store: TodoStore, editing: RwSignal<Option<i64>>) -> AnyView {
    let key = item.key;
    let is_editing = move || editing.get() == Some(key);
    let edit_input = NodeRef::<html::Input>::new();
    // Entering edit mode puts the current title in the input and the cursor in it.
    Effect::new(move |_| {
        if is_editing() {
            if let Some(input) = edit_input.get() {
                input.set_value(&item.title.get_untracked());
                let _ = input.focus();
            }
        }
    });
    // Enter and blur both save; whichever comes first ends edit mode, so the other does nothing. Escape ends
    // edit mode without saving, so the blur that follows does nothing either.
    let save = move || {
        if editing.get_untracked() != Some(key) {
            return;
        }
        editing.set(None);
        if let Some(input) = edit_input.get_untracked() {
            store.rename(key, &input.value());
        }
    };
    let on_edit_key = move |event: ev::KeyboardEvent| {
        if event.key() == "Escape" {
            editing.set(None);
        }
    };

    view! {
        <li class:completed=move || item.completed.get() class:editing=is_editing>
            <div class="view">
                <input
                    class="toggle"
                    type="checkbox"
                    aria-label="Done"
                    checked=item.completed.get_untracked()
                    prop:checked=move || item.completed.get()
                    on:change=move |event| store.set_completed(key, event_target_checked(&event))
                />
                <label on:dblclick=move |_| editing.set(Some(key))>{move || item.title.get()}</label>
                <form method="post" action=SetTodoCompleted::PATH class="js-off-only toggle-form">
                    <input type="hidden" name="id" value=key />
                    <input type="hidden" name="completed" value=move || (!item.completed.get()).to_string() />
                    // Labelled by attribute, not text: the row's text is the title alone, as in TodoMVC.
                    <button
                        class="toggle-button"
                        aria-label=move || if item.completed.get() { "Mark as active" } else { "Mark as done" }
                    ></button>
                </form>
                <a class="js-off-only edit-link" href=format!("?edit={key}") aria-label="Edit"></a>
                <form
                    method="post"
                    action=DeleteTodo::PATH
                    class="destroy-form"
                    on:submit=move |event: ev::SubmitEvent| {
                        event.prevent_default();
                        store.remove(key);
                    }
                >
                    <input type="hidden" name="id" value=key />
                    <button class="destroy" aria-label="Delete"></button>
                </form>
            </div>
            <form
                method="post"
                action=RenameTodo::PATH
                class="edit-form"
                on:submit=move |event: ev::SubmitEvent| {
                    event.prevent_default();
                    save();
                }
            >
                <input type="hidden" name="id" value=key />
                <input
                    class="edit"
                    name="title"
                    aria-label="Edit todo"
                    value=item.title.get_untracked()
                    autofocus=editing.get_untracked() == Some(key)
                    node_ref=edit_input
                    on:blur=move |_| save()
                    on:keydown=on_edit_key
                />
            </form>
        </li>
    }
    .into_any()
}
