//! The todo page, TodoMVC's markup and behaviour: `/`, `/active` and `/completed` are one page whose filter is
//! the path, so moving between them keeps the list (and any change on its way to the server).

use leptos::{ev, html, prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::{
    components::{Outlet, Redirect},
    hooks::{use_location, use_query_map},
};

use super::{
    item::TodoRow,
    page_state::TodoStore,
    server_fns::{load_todo_page, AddTodo, ClearCompletedTodos, TodoPageData, ToggleAllTodos},
    sync::state::ServerList,
    TodoFilter,
};
use crate::auth::next_path::login_then;

/// The page behind `/`, `/active` and `/completed`; visitors are sent to log in and back.
#[component]
pub fn TodoPage() -> impl IntoView {
    let location = use_location();
    let query = use_query_map();
    let page = Resource::new(|| (), |_| load_todo_page());

    view! {
        <Title text="Todos · Leptodo" />
        <Transition fallback=|| view! { <p class="loading">"Loading your todos…"</p> }>
            // A `Suspend` builds the list once, when the data is there. A closure reading the resource is built
            // twice on the server (once to find the resources it reads, once to render): for a list of a
            // thousand todos, a third of the page's time.
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some(data)) => {
                        let filter = TodoFilter::for_path(&location.pathname.get_untracked());
                        // Without JavaScript a todo is edited at `?edit=<id>`; with it, by double-clicking.
                        let editing = query.read_untracked().get("edit").and_then(|id| id.parse().ok());
                        view! { <TodoApp data filter editing /> }.into_any()
                    }
                    Ok(None) => {
                        let next = location.pathname.get_untracked();
                        view! { <Redirect path=login_then(&next) /> }.into_any()
                    }
                    Err(error) => {
                        view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any()
                    }
                }
            })}
        </Transition>
        <Outlet />
    }
}

/// The list itself: new-todo input, toggle-all, rows, counter, filters and "Clear completed". The one part of
/// the page that runs in the browser.
#[island]
fn TodoApp(data: TodoPageData, filter: TodoFilter, editing: Option<i64>) -> impl IntoView {
    crate::hydration::mark_hydrated();
    let list = ServerList {
        todos: data.todos,
        version: data.version,
    };
    let store = TodoStore::new(list, data.login, data.flash, editing);
    let editing = store.editing;
    let filter = RwSignal::new(filter);
    follow_history(filter);
    #[cfg(feature = "hydrate")]
    {
        store.restore();
        super::live::client::follow(store);
    }
    let new_todo = NodeRef::<html::Input>::new();
    let on_new_todo = move |event: ev::SubmitEvent| {
        // Without the input in hand the page leaves the form to the browser, which posts it: a submitted todo
        // is never swallowed.
        let Some(input) = new_todo.get_untracked() else {
            return;
        };
        event.prevent_default();
        let typed = input.value();
        if typed.trim().is_empty() {
            return;
        }
        match store.add(&typed) {
            Ok(()) => input.set_value(""),
            Err(message) => store.message.set(Some(message)),
        }
    };
    let has_todos = move || !store.items.read().is_empty();
    // Counted once per change of the list, not once per place that shows a count: each count reads every row.
    let active = Memo::new(move |_| store.active_count());
    let all_done = move || has_todos() && active.get() == 0;

    view! {
        <section
            class="todoapp"
            data-saving=move || store.is_saving().then_some("true")
            data-live=move || if store.live.get() { "open" } else { "closed" }
        >
            <header class="header">
                <h1>"todos"</h1>
                <form method="post" action=AddTodo::PATH on:submit=on_new_todo>
                    <input
                        class="new-todo"
                        name="title"
                        placeholder="What needs to be done?"
                        aria-label="New todo"
                        autocomplete="off"
                        autofocus=editing.get_untracked().is_none()
                        value=data.typed.get("title")
                        node_ref=new_todo
                    />
                </form>
            </header>
            {move || {
                store.message.get().map(|message| view! { <p class="todo-message" role="alert">{message}</p> })
            }}
            <OfflineNotice store />
            // Present from the start (a live region added later is not listened to), empty until a change.
            <p class="visually-hidden" role="status">{move || store.announcement.get()}</p>
            <Show when=has_todos>
                <section class="main">
                    <input
                        id="toggle-all"
                        class="toggle-all"
                        type="checkbox"
                        // Untracked: read here, inside `Show`, it would make every change rebuild every row.
                        checked=untrack(all_done)
                        prop:checked=all_done
                        on:change=move |event| store.set_all_completed(event_target_checked(&event))
                    />
                    <label for="toggle-all">"Mark all as complete"</label>
                    <form method="post" action=ToggleAllTodos::PATH class="js-off-only toggle-all-form">
                        <input type="hidden" name="completed" value=move || (!all_done()).to_string() />
                        <button
                            class="toggle-all-button"
                            aria-label=move || {
                                if all_done() { "Mark all as active" } else { "Mark all as complete" }
                            }
                        ></button>
                    </form>
                    <ul class="todo-list">
                        <For
                            each=move || store.visible(filter.get())
                            key=|item| item.key.clone()
                            children=move |item| view! { <TodoRow item store editing /> }
                        />
                    </ul>
                </section>
                <TodoFooter store filter active new_todo />
            </Show>
        </section>
        <footer class="info">
            <p class="js-on-only">"Double-click to edit a todo"</p>
            <p class="js-off-only">"Point at a todo and choose Edit to change it"</p>
        </footer>
    }
    .into_any()
}

/// Says that the server cannot be reached and how many changes wait. Screen readers hear it once, through the
/// page's polite announcement, when the page goes offline.
#[component]
fn OfflineNotice(store: TodoStore) -> impl IntoView {
    Effect::new(move |was_offline: Option<bool>| {
        let offline = store.offline.get();
        if offline && was_offline == Some(false) {
            store.announcement.set(format!("{OFFLINE}."));
        }
        offline
    });
    view! {
        <Show when=move || store.offline.get()>
            <p class="offline-notice">
                {move || match store.unsaved.get() {
                    0 => OFFLINE.to_owned(),
                    1 => format!("{OFFLINE} (1 waiting)"),
                    n => format!("{OFFLINE} ({n} waiting)"),
                }}
            </p>
        </Show>
    }
}

/// What the page says while the server cannot be reached.
const OFFLINE: &str = "Offline — changes will sync";

/// Items left (`active`), the filter links, and "Clear completed" when something is done.
#[component]
fn TodoFooter(
    store: TodoStore,
    filter: RwSignal<TodoFilter>,
    active: Memo<usize>,
    new_todo: NodeRef<html::Input>,
) -> AnyView {
    let completed = Memo::new(move |_| store.completed_count());
    // The button goes with the completed todos; the focus would fall to the page's top, so it goes to the input.
    let on_clear = move |event: ev::SubmitEvent| {
        event.prevent_default();
        store.clear_completed();
        if let Some(input) = new_todo.get_untracked() {
            let _ = input.focus();
        }
    };
    view! {
        <footer class="footer">
            <span class="todo-count">
                <strong>{active}</strong>
                {move || if active.get() == 1 { " item left" } else { " items left" }}
            </span>
            <ul class="filters">
                {TodoFilter::ALL
                    .map(|each| {
                        view! {
                            <li>
                                <a
                                    href=each.path()
                                    class:selected=move || filter.get() == each
                                    on:click=move |event| show_filter(&event, each, filter)
                                >
                                    {each.label()}
                                </a>
                            </li>
                        }
                    })}
            </ul>
            <Show when=move || { completed.get() > 0 }>
                <form method="post" action=ClearCompletedTodos::PATH class="clear-completed-form" on:submit=on_clear>
                    <button class="clear-completed">"Clear completed"</button>
                </form>
            </Show>
        </footer>
    }
    .into_any()
}

/// Moves to another filter in place: the address changes as if the link had been followed, and the list (with
/// any change still on its way to the server) stays. A click meant for a new tab or window is left alone.
fn show_filter(event: &ev::MouseEvent, to: TodoFilter, filter: RwSignal<TodoFilter>) {
    if event.button() != 0
        || event.ctrl_key()
        || event.meta_key()
        || event.shift_key()
        || event.alt_key()
    {
        return;
    }
    event.prevent_default();
    #[cfg(feature = "hydrate")]
    if let Ok(history) = window().history() {
        let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(to.path()));
    }
    filter.set(to);
}

/// Keeps the filter in step with the address when the user goes back or forward, and from the start: a page
/// the service worker kept for one address may be opened at another.
fn follow_history(filter: RwSignal<TodoFilter>) {
    #[cfg(feature = "hydrate")]
    {
        if let Ok(path) = window().location().pathname() {
            filter.set(TodoFilter::for_path(&path));
        }
        let listener = window_event_listener(ev::popstate, move |_| {
            if let Ok(path) = window().location().pathname() {
                filter.set(TodoFilter::for_path(&path));
            }
        });
        on_cleanup(move || listener.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = filter;
}
