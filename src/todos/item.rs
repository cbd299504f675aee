//! One row of the list: toggle, title, delete, and editing in place.

use leptos::{ev, html, prelude::*, server_fn::ServerFn};

use super::{
    focus::focus_on,
    page_state::{TodoItem, TodoStore},
    server_fns::{DeleteTodo, RenameTodo, SetTodoCompleted},
    TodoRef,
};

/// A todo as TodoMVC shows it: `li` (`completed`, `editing`) › `div.view` (toggle, label, destroy) and
/// `input.edit`. Each control is also a form, for browsers without JavaScript.
#[component]
pub fn TodoRow(item: TodoItem, store: TodoStore, editing: RwSignal<Option<TodoRef>>) -> AnyView {
    // Cheap to copy into every handler: the row's key, and its server id for the forms without JavaScript
    // (every row has one when the page is rendered on the server).
    let key = StoredValue::new(item.key.clone());
    let id = item.id.unwrap_or_default();
    let is_editing = move || key.with_value(|key| editing.read().as_ref() == Some(key));
    let edit_input = NodeRef::<html::Input>::new();
    let edit_button = NodeRef::<html::Button>::new();
    let row = NodeRef::<html::Li>::new();
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
        if !is_editing_untracked(editing, key) {
            return;
        }
        editing.set(None);
        if let Some(input) = edit_input.get_untracked() {
            store.rename(&key.get_value(), &input.value());
        }
        focus(edit_button);
    };
    let on_edit_key = move |event: ev::KeyboardEvent| {
        if event.key() == "Escape" {
            editing.set(None);
            focus(edit_button);
        }
    };
    // F2 (the usual key for renaming) or Enter on the row's checkbox starts editing, as double-click does.
    let on_row_key = move |event: ev::KeyboardEvent| {
        if event.key() == "F2" || event.key() == "Enter" {
            event.prevent_default();
            editing.set(Some(key.get_value()));
        }
    };
    // Names a screen reader says, each naming its todo.
    let named = move |what: &str| format!("{what} ‘{}’", item.title.get());

    view! {
        <li class:completed=move || item.completed.get() class:editing=is_editing node_ref=row>
            <div class="view">
                <input
                    class="toggle"
                    type="checkbox"
                    aria-label=move || named("Mark") + " complete"
                    aria-keyshortcuts="F2"
                    checked=item.completed.get_untracked()
                    prop:checked=move || item.completed.get()
                    on:change=move |event| store.set_completed(&key.get_value(), event_target_checked(&event))
                    on:keydown=on_row_key
                />
                <label on:dblclick=move |_| editing.set(Some(key.get_value()))>{move || item.title.get()}</label>
                <form method="post" action=SetTodoCompleted::PATH class="js-off-only toggle-form">
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="completed" value=move || (!item.completed.get()).to_string() />
                    // Labelled by attribute, not text: the row's text is the title alone, as in TodoMVC.
                    <button
                        class="toggle-button"
                        aria-label=move || {
                            named("Mark") + if item.completed.get() { " active" } else { " complete" }
                        }
                    ></button>
                </form>
                <a class="js-off-only edit-link" href=format!("?edit={id}") aria-label=move || named("Edit")></a>
                <button
                    type="button"
                    class="js-on-only edit-button"
                    aria-label=move || named("Edit")
                    node_ref=edit_button
                    on:click=move |_| editing.set(Some(key.get_value()))
                ></button>
                <form
                    method="post"
                    action=DeleteTodo::PATH
                    class="destroy-form"
                    on:submit=move |event: ev::SubmitEvent| {
                        event.prevent_default();
                        let after = focus_after_removal(row);
                        store.remove(&key.get_value());
                        after();
                    }
                >
                    <input type="hidden" name="id" value=id />
                    <button class="destroy" aria-label=move || named("Delete")></button>
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
                <input type="hidden" name="id" value=id />
                <input
                    class="edit"
                    name="title"
                    aria-label=move || named("New title for")
                    value=item.title.get_untracked()
                    autofocus=is_editing_untracked(editing, key)
                    node_ref=edit_input
                    on:blur=move |_| save()
                    on:keydown=on_edit_key
                />
            </form>
        </li>
    }
    .into_any()
}

/// Whether the row `key` is the one being edited, read without tracking it.
fn is_editing_untracked(editing: RwSignal<Option<TodoRef>>, key: StoredValue<TodoRef>) -> bool {
    key.with_value(|key| editing.read_untracked().as_ref() == Some(key))
}

/// Puts the keyboard focus on `target` once the page has been redrawn: while the row is in edit mode its
/// controls are hidden, and a hidden control cannot take the focus.
fn focus(target: NodeRef<html::Button>) {
    request_animation_frame(move || {
        if let Some(button) = target.try_get_untracked().flatten() {
            let _ = button.focus();
        }
    });
}

/// Where the keyboard focus goes once the row `row` is gone: the next row's checkbox, else the previous row's,
/// else the new-todo input. Chosen before the row goes (its neighbours are found through it); answers the step
/// that moves the focus.
fn focus_after_removal(row: NodeRef<html::Li>) -> impl FnOnce() {
    let neighbour = row.get_untracked().and_then(|row| {
        row.next_element_sibling()
            .or_else(|| row.previous_element_sibling())
            .and_then(|other| other.query_selector(".toggle").ok().flatten())
    });
    move || focus_on(neighbour.or_else(|| document().query_selector(".new-todo").ok().flatten()))
}
