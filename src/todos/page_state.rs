//! The todo list as the browser holds it: the server's list, which live updates keep current, with this page's
//! own changes that the server has not shown yet applied on top (see `sync`). A change shows at once, waits in
//! the outbox, and reaches the server in the order it was made: at once when the server can be reached, when
//! it can again otherwise. Rows that did not change are not redrawn.

use std::collections::HashMap;

use leptos::prelude::*;

use super::{
    focus::keeping_focus,
    sync::{
        rebase,
        state::{LocalCopy, Pending, ServerList},
        Action, Operation, Shown, MAX_TODOS_PER_OPERATION,
    },
    Todo, TodoFilter, TodoRef,
};
use crate::{
    domain::{ClientId, TodoTitle},
    error::AppError,
};

/// One row. Its fields are signals, so a change redraws only what shows them.
#[derive(Debug, Clone)]
pub struct TodoItem {
    /// How operations name it; stable for the life of the page, before and after the server saves it.
    pub key: TodoRef,
    /// The server's id; `None` while the todo exists only here.
    pub id: Option<i64>,
    /// The title.
    pub title: RwSignal<String>,
    /// Done or not.
    pub completed: RwSignal<bool>,
}

impl TodoItem {
    fn new(shown: Shown) -> Self {
        Self {
            key: shown.key,
            id: shown.id,
            title: RwSignal::new(shown.title),
            completed: RwSignal::new(shown.completed),
        }
    }

    /// Shows `shown`'s title and state, touching only the signals whose value changes.
    fn show(&self, shown: &Shown) {
        if self.title.get_untracked() != shown.title {
            self.title.set(shown.title.clone());
        }
        if self.completed.get_untracked() != shown.completed {
            self.completed.set(shown.completed);
        }
    }
}

/// What the page says when a todo being edited here is deleted elsewhere.
const DELETED_WHILE_EDITING: &str = "The todo you were editing was deleted in another window.";

/// The list, what the page says about it, and the outbox of changes on their way. Rendered on the server, the
/// page makes no changes: the fields only its browser half reads go unread there.
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub struct TodoStore {
    /// The rows, in creation order.
    pub items: RwSignal<Vec<TodoItem>>,
    /// Why the last change was refused or dropped, until the next change.
    pub message: RwSignal<Option<String>>,
    /// What the last change did, said politely to screen readers ("Deleted ‘milk’. 2 items left.").
    pub announcement: RwSignal<String>,
    /// The row being edited.
    pub editing: RwSignal<Option<TodoRef>>,
    /// Whether the live-update stream is open (shown as `data-live`).
    pub live: RwSignal<bool>,
    /// Whether the server could not be reached the last time it was tried.
    pub offline: RwSignal<bool>,
    /// Changes made here that the server has not applied yet (shown as `data-saving`, which tests wait on).
    pub unsaved: RwSignal<usize>,
    /// The login this page belongs to, which its outbox carries.
    pub(crate) login: StoredValue<Option<String>>,
    /// The list as the server last told this page.
    pub(crate) server: StoredValue<ServerList>,
    /// Changes made here, oldest first, until the server's list shows them.
    pub(crate) outbox: StoredValue<Vec<Pending>>,
    /// A batch of the outbox is on its way.
    pub(crate) sending: StoredValue<bool>,
    /// The whole list is to be loaded again once nothing of this page is on its way.
    pub(crate) reload_wanted: StoredValue<bool>,
    /// A reload is on its way.
    pub(crate) reloading: StoredValue<bool>,
    /// The highest version an event announced while a reload was on its way.
    pub(crate) seen_while_reloading: StoredValue<i64>,
    /// The login has ended: nothing more is sent or followed.
    pub(crate) logged_out: StoredValue<bool>,
    /// How this page keeps its copy in the browser (see `sync::outbox`).
    pub(crate) local: StoredValue<LocalCopy>,
}

impl TodoStore {
    /// A store showing `list` as the server sent it to the page of `login`; `editing` names a todo by its id.
    pub fn new(
        list: ServerList,
        login: Option<String>,
        message: Option<String>,
        editing: Option<i64>,
    ) -> Self {
        let editing =
            editing.and_then(|id| list.todos.iter().find(|todo| todo.id == id).map(Todo::key));
        let items = rebase(&list.todos, [])
            .into_iter()
            .map(TodoItem::new)
            .collect();
        Self {
            items: RwSignal::new(items),
            message: RwSignal::new(message),
            announcement: RwSignal::new(String::new()),
            editing: RwSignal::new(editing),
            live: RwSignal::new(false),
            offline: RwSignal::new(false),
            unsaved: RwSignal::new(0),
            login: StoredValue::new(login),
            seen_while_reloading: StoredValue::new(list.version),
            server: StoredValue::new(list),
            outbox: StoredValue::new(Vec::new()),
            sending: StoredValue::new(false),
            reload_wanted: StoredValue::new(false),
            reloading: StoredValue::new(false),
            logged_out: StoredValue::new(false),
            local: StoredValue::new(LocalCopy::default()),
        }
    }

    /// How many todos are not done.
    pub fn active_count(&self) -> usize {
        self.count(TodoFilter::Active)
    }

    /// How many todos are done.
    pub fn completed_count(&self) -> usize {
        self.count(TodoFilter::Completed)
    }

    fn count(&self, filter: TodoFilter) -> usize {
        self.items
            .read()
            .iter()
            .filter(|item| filter.matches(item.completed.get()))
            .count()
    }

    /// The rows `filter` shows.
    pub fn visible(&self, filter: TodoFilter) -> Vec<TodoItem> {
        self.items
            .get()
            .into_iter()
            .filter(|item| filter.matches(item.completed.get()))
            .collect()
    }

    /// Whether a change made here has not been applied by the server yet: for the view.
    pub fn is_saving(&self) -> bool {
        self.unsaved.get() > 0
    }

    /// Says what a change did, and how many todos are left to do.
    fn announce(&self, done: String) {
        let left = match untrack(|| self.active_count()) {
            1 => "1 item left.".to_owned(),
            n => format!("{n} items left."),
        };
        self.announcement.set(format!("{done} {left}"));
    }

    /// Adds a todo titled `input`; refuses with the rule's message if the title is invalid.
    pub fn add(self, input: &str) -> Result<(), String> {
        let title = TodoTitle::parse(input)?;
        let added = self.record(Action::Add {
            client_id: new_client_id(),
            title: title.to_string(),
        });
        // Refused: the message says why, and what was typed stays.
        if !added {
            return Err(AppError::Unauthenticated.user_message());
        }
        self.announce(format!("Added ‘{title}’."));
        Ok(())
    }

    /// Marks one todo done or not done.
    pub fn set_completed(self, key: &TodoRef, completed: bool) {
        let Some(item) = self.find(key) else { return };
        if !self.record(Action::Edit {
            todo: key.clone(),
            title: None,
            completed: Some(completed),
        }) {
            return;
        }
        let state = if completed {
            "complete"
        } else {
            "not complete"
        };
        self.announce(format!("Marked ‘{}’ {state}.", item.title.get_untracked()));
    }

    /// Gives a todo a new title; a blank one deletes it, an invalid one is refused with a message.
    pub fn rename(self, key: &TodoRef, input: &str) {
        if input.trim().is_empty() {
            return self.remove(key);
        }
        let title = match TodoTitle::parse(input) {
            Ok(title) => title,
            Err(message) => return self.message.set(Some(message)),
        };
        let Some(item) = self.find(key) else { return };
        let before = item.title.get_untracked();
        if before == title.as_str() {
            return;
        }
        if !self.record(Action::Edit {
            todo: key.clone(),
            title: Some(title.to_string()),
            completed: None,
        }) {
            return;
        }
        self.announce(format!("Renamed ‘{before}’ to ‘{title}’."));
    }

    /// Deletes one todo.
    pub fn remove(self, key: &TodoRef) {
        let title = self.find(key).map(|item| item.title.get_untracked());
        if !self.record(Action::Delete { todo: key.clone() }) {
            return;
        }
        if let Some(title) = title {
            self.announce(format!("Deleted ‘{title}’."));
        }
    }

    /// Marks every todo shown done or not done.
    pub fn set_all_completed(self, completed: bool) {
        let changing = self.keys_where(|item| item.completed.get_untracked() != completed);
        for todos in changing.chunks(MAX_TODOS_PER_OPERATION) {
            if !self.record(Action::ToggleAll {
                completed,
                todos: todos.to_vec(),
            }) {
                return;
            }
        }
        self.announce(
            if completed {
                "Marked every todo complete."
            } else {
                "Marked every todo not complete."
            }
            .to_owned(),
        );
    }

    /// Deletes every todo shown done.
    pub fn clear_completed(self) {
        let done = self.keys_where(|item| item.completed.get_untracked());
        for todos in done.chunks(MAX_TODOS_PER_OPERATION) {
            if !self.record(Action::ClearCompleted {
                todos: todos.to_vec(),
            }) {
                return;
            }
        }
        self.announce(match done.len() {
            1 => "Cleared 1 completed todo.".to_owned(),
            n => format!("Cleared {n} completed todos."),
        });
    }

    fn keys_where(&self, wanted: impl Fn(&TodoItem) -> bool) -> Vec<TodoRef> {
        self.items
            .read_untracked()
            .iter()
            .filter(|item| wanted(item))
            .map(|item| item.key.clone())
            .collect()
    }

    fn find(&self, key: &TodoRef) -> Option<TodoItem> {
        self.items
            .read_untracked()
            .iter()
            .find(|item| &item.key == key)
            .cloned()
    }

    /// Shows `action` at once and puts it in the outbox, which sends it when it can; answers whether it did. A
    /// page whose login has ended takes no more changes (they could never be saved) and says why.
    fn record(self, action: Action) -> bool {
        if self.logged_out.get_value() {
            self.message
                .set(Some(AppError::Unauthenticated.user_message()));
            return false;
        }
        self.message.set(None);
        let operation = Operation {
            id: new_client_id(),
            action,
        };
        self.outbox.update_value(|outbox| {
            outbox.push(Pending {
                operation,
                applied_in: None,
            })
        });
        self.show();
        #[cfg(feature = "hydrate")]
        {
            self.keep();
            self.flush();
        }
        true
    }

    /// Forgets the changes the server's list now shows, and shows the list with the others on top.
    pub(crate) fn show(&self) {
        let version = self.server.with_value(|server| server.version);
        self.outbox.update_value(|outbox| {
            outbox.retain(|pending| pending.applied_in.is_none_or(|at| at > version))
        });
        let shown = self.server.with_value(|server| {
            self.outbox.with_value(|outbox| {
                rebase(
                    &server.todos,
                    outbox.iter().map(|pending| &pending.operation.action),
                )
            })
        });
        let unsaved = self.outbox.with_value(|outbox| {
            outbox
                .iter()
                .filter(|pending| pending.applied_in.is_none())
                .count()
        });
        if self.unsaved.get_untracked() != unsaved {
            self.unsaved.set(unsaved);
        }
        self.merge(shown);
    }

    /// Shows `shown`: rows still there keep their place in the page and change only where they differ; the
    /// others go, and new ones appear.
    fn merge(&self, shown: Vec<Shown>) {
        let current = self.items.get_untracked();
        let mut by_key: HashMap<TodoRef, TodoItem> = current
            .iter()
            .map(|item| (item.key.clone(), item.clone()))
            .collect();
        let mut changed = shown.len() != current.len();
        let merged: Vec<TodoItem> = shown
            .into_iter()
            .enumerate()
            .map(|(at, shown)| match by_key.remove(&shown.key) {
                // The same row, even when the server has numbered its todo since: the page keys rows by `key`.
                Some(item) => {
                    item.show(&shown);
                    changed |= current.get(at).is_none_or(|here| here.key != item.key);
                    item
                }
                None => {
                    changed = true;
                    TodoItem::new(shown)
                }
            })
            .collect();
        if !changed {
            return;
        }
        for gone in by_key.keys() {
            self.end_edit_of(gone);
        }
        keeping_focus(|| {
            self.items.try_set(merged);
        });
    }

    /// If the row `key` is being edited, ends the edit and says why: the todo is gone.
    fn end_edit_of(&self, key: &TodoRef) {
        if self.editing.get_untracked().as_ref() == Some(key) {
            self.editing.set(None);
            self.message.set(Some(DELETED_WHILE_EDITING.to_owned()));
        }
    }
}

/// A fresh random id for an operation, a todo or a page: 128 bits from the browser's cryptographic generator.
pub(crate) fn new_client_id() -> ClientId {
    #[cfg_attr(not(feature = "hydrate"), allow(unused_mut))]
    let mut bytes = [0_u8; 16];
    // Every browser that runs WebAssembly has `crypto.getRandomValues`, in insecure contexts too.
    #[cfg(feature = "hydrate")]
    if let Ok(crypto) = window().crypto() {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    ClientId::from_random(bytes)
}
