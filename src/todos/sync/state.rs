//! What a page holds of its sync: the server's list as the page last heard it, the outbox's entries, and the
//! bookkeeping of the page's copy in the browser.

use super::Operation;
use crate::{
    domain::ClientId,
    todos::{live::Change, Todo},
};

/// The list as the server last told this page, and its version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerList {
    /// Every todo, in creation order.
    pub todos: Vec<Todo>,
    /// The version they are (see `live`).
    pub version: i64,
}

impl ServerList {
    /// Applies a change the server announced.
    pub fn apply(&mut self, change: Change) {
        match change {
            Change::TodoCreated { todo } | Change::TodoUpdated { todo } => {
                match self.todos.iter_mut().find(|each| each.id == todo.id) {
                    Some(each) => *each = todo,
                    None => self.todos.push(todo),
                }
            }
            Change::TodoDeleted { id } => self.todos.retain(|todo| todo.id != id),
            Change::TodosToggled { completed, ids } => {
                for todo in self.todos.iter_mut().filter(|todo| ids.contains(&todo.id)) {
                    todo.completed = completed;
                }
            }
            Change::TodosCleared { ids } => self.todos.retain(|todo| !ids.contains(&todo.id)),
        }
    }
}

/// A change made here, until the list from the server shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The change.
    pub operation: Operation,
    /// The first version of the server's list that shows it, once the server has applied it.
    pub applied_in: Option<i64>,
}

/// The bookkeeping of this page's copy in the browser's storage.
#[derive(Debug, Default)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub struct LocalCopy {
    /// This page's name, which its outbox is stored under.
    pub page: Option<ClientId>,
    /// What the browser kept has been read (changes are sent only after, so none is sent out of order).
    pub restored: bool,
    /// Outboxes of other pages taken over, deleted with the next write.
    pub adopted: Vec<String>,
    /// A write is on its way.
    pub writing: bool,
    /// Something changed while it was: write again.
    pub write_again: bool,
    /// A try to reach the server again is planned.
    pub retry_planned: bool,
}

#[cfg(test)]
mod tests {
    use super::ServerList;
    use crate::{
        timestamp::Timestamp,
        todos::{live::Change, Todo},
    };

    fn todo(id: i64, title: &str, completed: bool) -> Todo {
        Todo {
            id,
            title: title.to_owned(),
            completed,
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
            client_id: None,
        }
    }

    #[test]
    fn each_announced_change_is_applied_as_the_server_made_it() {
        let mut list = ServerList {
            todos: vec![todo(1, "milk", false), todo(2, "eggs", false)],
            version: 2,
        };
        list.apply(Change::TodoCreated {
            todo: todo(3, "bread", false),
        });
        list.apply(Change::TodoUpdated {
            todo: todo(1, "oat milk", false),
        });
        list.apply(Change::TodosToggled {
            completed: true,
            ids: vec![1, 3],
        });
        list.apply(Change::TodoDeleted { id: 2 });
        let shown: Vec<(&str, bool)> = list
            .todos
            .iter()
            .map(|todo| (todo.title.as_str(), todo.completed))
            .collect();
        assert_eq!(shown, [("oat milk", true), ("bread", true)]);
        list.apply(Change::TodosCleared { ids: vec![1] });
        list.apply(Change::TodoCreated {
            todo: todo(3, "bread", true),
        });
        assert_eq!(list.todos.len(), 1, "an event seen twice adds nothing");
    }
}
