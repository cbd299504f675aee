//! Live updates: every committed change to a user's todos is announced, as a server-sent event, to that user's
//! open pages and API clients, so a list open in two tabs or on two devices stays the same without a reload.
//!
//! Each user's list has a version that every change raises by one in the change's own transaction. Events
//! carry it (and use it as their SSE `id`), so a client that knows the version its list reflects sees from the
//! next event's version whether it missed one, and then reloads the list once (`resync`).

#[cfg(feature = "hydrate")]
pub mod client;
#[cfg(feature = "ssr")]
pub mod hub;
#[cfg(feature = "ssr")]
pub mod listener;
#[cfg(feature = "ssr")]
pub mod stream;

use serde::{Deserialize, Serialize};

use super::Todo;

/// What one change did to a list; its `kind` is also the SSE event's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A todo was added.
    TodoCreated {
        /// The new todo.
        todo: Todo,
    },
    /// A todo's title or state changed.
    TodoUpdated {
        /// The todo as it now is.
        todo: Todo,
    },
    /// A todo was deleted.
    TodoDeleted {
        /// The deleted todo's id.
        id: i64,
    },
    /// Several todos were marked done, or not done (toggle all).
    TodosToggled {
        /// The state they now have.
        completed: bool,
        /// The ids of those that changed.
        ids: Vec<i64>,
    },
    /// The completed todos were deleted.
    TodosCleared {
        /// The deleted todos' ids.
        ids: Vec<i64>,
    },
}

impl Change {
    /// Every kind of change, as [`Change::kind`] names them.
    pub const KINDS: [&'static str; 5] = [
        "todo_created",
        "todo_updated",
        "todo_deleted",
        "todos_toggled",
        "todos_cleared",
    ];

    /// The SSE event name, the same as the data's `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::TodoCreated { .. } => "todo_created",
            Self::TodoUpdated { .. } => "todo_updated",
            Self::TodoDeleted { .. } => "todo_deleted",
            Self::TodosToggled { .. } => "todos_toggled",
            Self::TodosCleared { .. } => "todos_cleared",
        }
    }
}

/// One committed change to a user's list: the data of a `todo_*` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TodoEvent {
    /// The list's version after this change: one more than the version before it.
    pub version: i64,
    /// What changed.
    #[serde(flatten)]
    pub change: Change,
}

/// The data of a `hello` event (first on every stream) and of a `resync` event (changes were missed: load the
/// list again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ListVersion {
    /// The list's version when the event was sent.
    pub version: i64,
}

/// Names of the events that are not a [`Change`].
pub mod event_names {
    /// First on every stream: the list's current version.
    pub const HELLO: &str = "hello";
    /// Changes were missed (a slow client, a lost connection between instances): load the whole list again.
    pub const RESYNC: &str = "resync";
}

#[cfg(test)]
mod tests {
    use super::Change;

    #[test]
    fn each_change_is_sent_under_the_name_its_data_gives_and_clients_listen_for() {
        let changes = [
            Change::TodoDeleted { id: 1 },
            Change::TodosToggled {
                completed: true,
                ids: vec![1],
            },
            Change::TodosCleared { ids: vec![1, 2] },
        ];
        for change in changes {
            let data = serde_json::to_value(&change).expect("serialises");
            assert_eq!(data["kind"], change.kind());
            assert!(Change::KINDS.contains(&change.kind()));
        }
        let mut kinds = Change::KINDS.to_vec();
        kinds.dedup();
        assert_eq!(kinds.len(), 5);
    }
}
