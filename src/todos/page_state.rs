//! The todo list as the browser holds it. A change shows at once, then reaches the server in the order the
//! changes were made; if the server refuses one, the list is reloaded from the server (the authority) and a
//! message says what happened. Changes made elsewhere arrive as live updates (see `live::client`) and are
//! merged in place, so rows that did not change are not redrawn.

use std::collections::HashMap;

use futures::channel::oneshot;
use leptos::prelude::*;

use super::{
    focus::keeping_focus,
    server_fns::{
        add_todo, clear_completed_todos, delete_todo, load_todo_page, rename_todo,
        set_todo_completed, toggle_all_todos,
    },
    Todo, TodoFilter,
};
use crate::{domain::TodoTitle, error::AppError};

/// One row. Its fields are signals, so a change redraws only what shows them.
#[derive(Debug, Clone, Copy)]
pub struct TodoItem {
    /// Stable for the life of the page: the server's id, or a negative number for a todo created here (its
    /// server id is known only once the server answers).
    pub key: i64,
    /// The title.
    pub title: RwSignal<String>,
    /// Done or not.
    pub completed: RwSignal<bool>,
}

impl TodoItem {
    fn new(key: i64, title: String, completed: bool) -> Self {
        Self {
            key,
            title: RwSignal::new(title),
            completed: RwSignal::new(completed),
        }
    }

    /// Shows `todo`'s title and state, touching only the signals whose value changes.
    pub(super) fn show(&self, todo: &Todo) {
        if self.title.get_untracked() != todo.title {
            self.title.set(todo.title.clone());
        }
        if self.completed.get_untracked() != todo.completed {
            self.completed.set(todo.completed);
        }
    }
}

/// Server ids of the todos created on this page, by key.
type SavedIds = HashMap<i64, i64>;

/// What the page says when a todo being edited here is deleted elsewhere.
const DELETED_WHILE_EDITING: &str = "The todo you were editing was deleted in another window.";
/// What the page says when its login has ended (logout elsewhere, password change, deactivation).
const LOGGED_OUT: &str = "You have been logged out. Reload the page to log in again.";

/// The list, the message about the last refused change, and the queue that keeps changes in order.
#[derive(Clone, Copy)]
pub struct TodoStore {
    /// Every todo, in creation order.
    pub items: RwSignal<Vec<TodoItem>>,
    /// Why the last change was refused, until the next change.
    pub message: RwSignal<Option<String>>,
    /// What the last change did, said politely to screen readers ("Deleted ‘milk’. 2 items left.").
    pub announcement: RwSignal<String>,
    /// The row being edited, by key.
    pub editing: RwSignal<Option<i64>>,
    /// This page, as its changes name it, so that it skips their live updates.
    pub(super) origin: u32,
    /// The version of the list this page shows, as far as the server has told it.
    pub(super) version: StoredValue<i64>,
    /// Changes made here that the server has not answered yet (shown as `data-saving`, which tests wait on).
    pending: RwSignal<usize>,
    /// Whether the live-update stream is open (shown as `data-live`).
    pub live: RwSignal<bool>,
    /// Changes made here so far: a reload that started before the latest one is out of date.
    changes_made: StoredValue<u64>,
    /// The whole list is to be loaded again as soon as no change of this page is on its way.
    pub(super) reload_wanted: StoredValue<bool>,
    /// A reload is on its way.
    pub(super) reloading: StoredValue<bool>,
    /// The highest version an event announced while a reload was on its way.
    pub(super) seen_while_reloading: StoredValue<i64>,
    /// The login has ended: live updates stop.
    pub(super) logged_out: StoredValue<bool>,
    /// The end of the last change sent: the next one waits for it, so changes reach the server in the order
    /// they were made (a toggle-all after an add must find the new todo). A chain, not a lock: `futures`'
    /// `Mutex` wakes its waiters in no particular order, and sent a toggle-all before an add made earlier.
    last_change: StoredValue<Option<oneshot::Receiver<()>>>,
    saved_ids: StoredValue<SavedIds>,
    next_key: StoredValue<i64>,
}

impl TodoStore {
    /// A store holding `todos`, at `version`, as the server sent them, for a page known as `origin`.
    pub fn new(
        todos: Vec<Todo>,
        version: i64,
        message: Option<String>,
        editing: Option<i64>,
        origin: u32,
    ) -> Self {
        Self {
            items: RwSignal::new(todos.into_iter().map(new_item).collect()),
            message: RwSignal::new(message),
            announcement: RwSignal::new(String::new()),
            editing: RwSignal::new(editing),
            origin,
            version: StoredValue::new(version),
            pending: RwSignal::new(0),
            live: RwSignal::new(false),
            changes_made: StoredValue::new(0),
            reload_wanted: StoredValue::new(false),
            reloading: StoredValue::new(false),
            seen_while_reloading: StoredValue::new(version),
            logged_out: StoredValue::new(false),
            last_change: StoredValue::new(None),
            saved_ids: StoredValue::new(SavedIds::new()),
            next_key: StoredValue::new(-1),
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

    /// Says what a change did, and how many todos are left to do.
    fn announce(&self, done: String) {
        let left = match untrack(|| self.active_count()) {
            1 => "1 item left.".to_owned(),
            n => format!("{n} items left."),
        };
        self.announcement.set(format!("{done} {left}"));
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

    /// Adds a todo titled `input`; refuses with the rule's message if the title is invalid.
    pub fn add(self, input: &str) -> Result<(), String> {
        let title = TodoTitle::parse(input)?;
        let key = self.next_key.get_value();
        self.next_key.set_value(key - 1);
        let item = TodoItem::new(key, title.to_string(), false);
        self.items.update(|items| items.push(item));
        self.announce(format!("Added ‘{title}’."));
        let origin = Some(self.origin);
        self.send(async move || {
            let todo = add_todo(title.into(), origin).await?;
            self.saved_ids.update_value(|ids| {
                ids.insert(key, todo.id);
            });
            Ok(())
        });
        Ok(())
    }

    /// Marks one todo done or not done.
    pub fn set_completed(self, key: i64, completed: bool) {
        if let Some(item) = self.find(key) {
            item.completed.set(completed);
            let state = if completed {
                "complete"
            } else {
                "not complete"
            };
            self.announce(format!("Marked ‘{}’ {state}.", item.title.get_untracked()));
        }
        let origin = Some(self.origin);
        self.send(async move || match self.server_id(key) {
            Some(id) => set_todo_completed(id, completed, origin).await.map(drop),
            None => Ok(()),
        });
    }

    /// Gives a todo a new title; a blank one deletes it, an invalid one is refused with a message.
    pub fn rename(self, key: i64, input: &str) {
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
        item.title.set(title.to_string());
        self.announce(format!("Renamed ‘{before}’ to ‘{title}’."));
        let origin = Some(self.origin);
        self.send(async move || match self.server_id(key) {
            Some(id) => rename_todo(id, title.into(), origin).await.map(drop),
            None => Ok(()),
        });
    }

    /// Deletes one todo.
    pub fn remove(self, key: i64) {
        let title = self.find(key).map(|item| item.title.get_untracked());
        self.items
            .update(|items| items.retain(|item| item.key != key));
        if let Some(title) = title {
            self.announce(format!("Deleted ‘{title}’."));
        }
        let origin = Some(self.origin);
        self.send(async move || match self.server_id(key) {
            Some(id) => delete_todo(id, origin).await,
            None => Ok(()),
        });
    }

    /// Marks every todo done or not done.
    pub fn set_all_completed(self, completed: bool) {
        for item in self.items.get_untracked() {
            item.completed.set(completed);
        }
        self.announce(
            if completed {
                "Marked every todo complete."
            } else {
                "Marked every todo not complete."
            }
            .to_owned(),
        );
        let origin = Some(self.origin);
        self.send(async move || toggle_all_todos(completed, origin).await.map(drop));
    }

    /// Deletes every done todo.
    pub fn clear_completed(self) {
        let cleared = untrack(|| self.completed_count());
        self.items
            .update(|items| items.retain(|item| !item.completed.get_untracked()));
        self.announce(match cleared {
            1 => "Cleared 1 completed todo.".to_owned(),
            n => format!("Cleared {n} completed todos."),
        });
        let origin = Some(self.origin);
        self.send(async move || clear_completed_todos(origin).await.map(drop));
    }

    fn find(&self, key: i64) -> Option<TodoItem> {
        self.items
            .read_untracked()
            .iter()
            .find(|item| item.key == key)
            .copied()
    }

    /// The server's id for `key`; `None` for a todo created here that the server has not (or never) saved.
    pub(super) fn server_id(&self, key: i64) -> Option<i64> {
        if key > 0 {
            Some(key)
        } else {
            self.saved_ids.with_value(|ids| ids.get(&key).copied())
        }
    }

    /// Whether a change made here is on its way to the server.
    pub(super) fn is_sending(&self) -> bool {
        self.pending.get_untracked() > 0
    }

    /// The same, tracked: for the view.
    pub fn is_saving(&self) -> bool {
        self.pending.get() > 0
    }

    /// Sends `change` once every earlier change has been answered; undoes everything shown if it fails.
    fn send(self, change: impl AsyncFnOnce() -> Result<(), AppError> + 'static) {
        self.message.set(None);
        self.pending.update(|pending| *pending += 1);
        self.changes_made.update_value(|made| *made += 1);
        let (done, next_waits_for) = oneshot::channel::<()>();
        let previous = self
            .last_change
            .try_update_value(|last| last.replace(next_waits_for))
            .flatten();
        leptos::task::spawn_local(async move {
            // Answered or dropped, the earlier change is over either way.
            if let Some(previous) = previous {
                let _ = previous.await;
            }
            let _done = done;
            let outcome = change().await;
            if let Err(error) = &outcome {
                self.message.try_set(Some(error.user_message()));
            }
            self.pending.try_update(|pending| *pending -= 1);
            // What the server holds is the truth; show it again rather than guess what to undo. Live updates
            // that arrived meanwhile asked for the same.
            if outcome.is_err() || self.reload_wanted.get_value() {
                self.reload();
            }
        });
    }

    /// Loads the whole list again and merges it into the page, once no change of this page is on its way
    /// (a reload that overtook one would show the list without it).
    pub(super) fn reload(self) {
        if self.is_sending() || self.reloading.get_value() || self.logged_out.get_value() {
            self.reload_wanted.set_value(true);
            return;
        }
        self.reload_wanted.set_value(false);
        self.reloading.set_value(true);
        let started_after = self.changes_made.get_value();
        leptos::task::spawn_local(async move {
            let loaded = load_todo_page().await;
            self.reloading.set_value(false);
            match loaded {
                Ok(Some(page)) if self.changes_made.get_value() == started_after => {
                    self.merge(page.todos);
                    self.version.set_value(page.version);
                    if self.seen_while_reloading.get_value() > page.version {
                        self.reload();
                    }
                }
                // A change was made meanwhile: what was loaded may not show it. Load again once it is answered.
                Ok(Some(_)) => self.reload(),
                Ok(None) => {
                    self.logged_out.set_value(true);
                    self.message.try_set(Some(LOGGED_OUT.to_owned()));
                }
                // Unreachable for now: the live connection asks again when it is back.
                Err(_) => self.reload_wanted.set_value(true),
            }
        });
    }

    /// Shows `todos`, the server's whole list: rows still there keep their place in the page and change only
    /// where they differ; the others go, and new ones appear.
    fn merge(&self, todos: Vec<Todo>) {
        let current = self.items.get_untracked();
        let mut by_id: HashMap<i64, TodoItem> = current
            .iter()
            .filter_map(|item| self.server_id(item.key).map(|id| (id, *item)))
            .collect();
        let merged: Vec<TodoItem> = todos
            .into_iter()
            .map(|todo| match by_id.remove(&todo.id) {
                Some(item) => {
                    item.show(&todo);
                    item
                }
                None => new_item(todo),
            })
            .collect();
        let kept: std::collections::HashSet<i64> = merged.iter().map(|item| item.key).collect();
        for gone in current.iter().filter(|item| !kept.contains(&item.key)) {
            self.end_edit_of(gone.key);
        }
        keeping_focus(|| {
            self.items.try_set(merged);
        });
    }

    /// If the row `key` is being edited, ends the edit and says why: the todo is gone.
    pub(super) fn end_edit_of(&self, key: i64) {
        if self.editing.get_untracked() == Some(key) {
            self.editing.set(None);
            self.message.set(Some(DELETED_WHILE_EDITING.to_owned()));
        }
    }
}

/// A row for `todo` as the server has it.
pub(super) fn new_item(todo: Todo) -> TodoItem {
    TodoItem::new(todo.id, todo.title, todo.completed)
}
