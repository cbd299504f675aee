//! The todo list as the browser holds it. A change shows at once, then reaches the server in the order the
//! changes were made; if the server refuses one, the list is reloaded from the server (the authority) and a
//! message says what happened.

use std::{collections::HashMap, sync::Arc};

use futures::lock::Mutex;
use leptos::prelude::*;

use super::{
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
}

/// Server ids of the todos created on this page, by key.
type SavedIds = HashMap<i64, i64>;

/// The list, the message about the last refused change, and the queue that keeps changes in order.
#[derive(Clone, Copy)]
pub struct TodoStore {
    /// Every todo, in creation order.
    pub items: RwSignal<Vec<TodoItem>>,
    /// Why the last change was refused, until the next change.
    pub message: RwSignal<Option<String>>,
    /// Held while a change is on its way, so the next one waits: a toggle of a todo just added must reach the
    /// server after the todo does.
    queue: StoredValue<Arc<Mutex<SavedIds>>>,
    next_key: StoredValue<i64>,
}

impl TodoStore {
    /// A store holding `todos` as the server sent them.
    pub fn new(todos: Vec<Todo>, message: Option<String>) -> Self {
        Self {
            items: RwSignal::new(items_from(todos)),
            message: RwSignal::new(message),
            queue: StoredValue::new(Arc::new(Mutex::new(SavedIds::new()))),
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
        self.send(async move |ids: &mut SavedIds| {
            let todo = add_todo(title.into()).await?;
            ids.insert(key, todo.id);
            Ok(())
        });
        Ok(())
    }

    /// Marks one todo done or not done.
    pub fn set_completed(self, key: i64, completed: bool) {
        if let Some(item) = self.find(key) {
            item.completed.set(completed);
        }
        self.send(async move |ids: &mut SavedIds| match server_id(ids, key) {
            Some(id) => set_todo_completed(id, completed).await.map(drop),
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
        if item.title.get_untracked() == title.as_str() {
            return;
        }
        item.title.set(title.to_string());
        self.send(async move |ids: &mut SavedIds| match server_id(ids, key) {
            Some(id) => rename_todo(id, title.into()).await.map(drop),
            None => Ok(()),
        });
    }

    /// Deletes one todo.
    pub fn remove(self, key: i64) {
        self.items
            .update(|items| items.retain(|item| item.key != key));
        self.send(async move |ids: &mut SavedIds| match server_id(ids, key) {
            Some(id) => delete_todo(id).await,
            None => Ok(()),
        });
    }

    /// Marks every todo done or not done.
    pub fn set_all_completed(self, completed: bool) {
        for item in self.items.get_untracked() {
            item.completed.set(completed);
        }
        self.send(async move |_: &mut SavedIds| toggle_all_todos(completed).await.map(drop));
    }

    /// Deletes every done todo.
    pub fn clear_completed(self) {
        self.items
            .update(|items| items.retain(|item| !item.completed.get_untracked()));
        self.send(async move |_: &mut SavedIds| clear_completed_todos().await.map(drop));
    }

    fn find(&self, key: i64) -> Option<TodoItem> {
        self.items
            .read_untracked()
            .iter()
            .find(|item| item.key == key)
            .copied()
    }

    /// Sends `change` once every earlier change has been answered; undoes everything shown if it fails.
    fn send(self, change: impl AsyncFnOnce(&mut SavedIds) -> Result<(), AppError> + 'static) {
        self.message.set(None);
        let queue = self.queue.get_value();
        leptos::task::spawn_local(async move {
            let mut ids = queue.lock().await;
            if let Err(error) = change(&mut ids).await {
                self.message.try_set(Some(error.user_message()));
                // What the server holds is the truth; show it again rather than guess what to undo.
                if let Ok(Some(page)) = load_todo_page().await {
                    ids.clear();
                    self.items.try_set(items_from(page.todos));
                }
            }
        });
    }
}

fn items_from(todos: Vec<Todo>) -> Vec<TodoItem> {
    todos
        .into_iter()
        .map(|todo| TodoItem::new(todo.id, todo.title, todo.completed))
        .collect()
}

/// The server's id for `key`; `None` for a todo created here whose creation failed (nothing to change).
fn server_id(ids: &SavedIds, key: i64) -> Option<i64> {
    if key > 0 {
        Some(key)
    } else {
        ids.get(&key).copied()
    }
}
