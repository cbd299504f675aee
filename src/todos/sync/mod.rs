//! Changes as operations, Replicache's model: the page applies each change to its own copy at once and keeps it
//! in an outbox (in IndexedDB, so it survives a reload, a closed tab and a lost network) until the server has
//! answered it. The server applies each operation once: an operation id it has seen is acknowledged, not
//! applied again, so resending after a lost answer never adds a todo twice. The page shows the server's list
//! (which live updates keep current) with the operations not yet in it applied on top ("rebased").
//!
//! Conflicts have one rule, per field: the last write to reach the server wins; a delete wins over an edit; an
//! edit of a todo deleted elsewhere is dropped, and the page says so. An edit sends only the fields it changed,
//! so two devices that changed different fields of one todo both keep their change.

#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "hydrate")]
pub mod browser_db;
#[cfg(feature = "ssr")]
pub mod expiry;
#[cfg(feature = "hydrate")]
pub mod outbox;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod service;
pub mod state;

use leptos::{prelude::*, server_fn::codec::Json};
use serde::{Deserialize, Serialize};

use super::{Todo, TodoRef};
use crate::{domain::ClientId, error::AppError};

/// The most operations one request carries; a longer outbox is sent in turns.
pub const MAX_OPERATIONS: usize = 100;
/// The most todos one toggle-all or clear-completed operation names; a page splits a longer one.
pub const MAX_TODOS_PER_OPERATION: usize = 500;
/// The IndexedDB database the todo page keeps its list and outbox in (`browser_db`); the service worker deletes
/// it when a page of no login comes.
pub const BROWSER_DATABASE: &str = "leptodo";

/// One change, as made on a page (or by an API client), named so that the server applies it once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Operation {
    /// Made by the client at random (a UUID); the server remembers it for the account.
    pub id: ClientId,
    /// What to do: `{"add": {…}}`, `{"edit": {…}}`, `{"delete": {…}}`, `{"toggle_all": {…}}` or
    /// `{"clear_completed": {…}}`.
    pub action: Action,
}

/// What an operation does. Toggle all and clear completed name the todos the user saw, so they never touch a
/// todo added (or completed) elsewhere that this user had not seen yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Adds a todo at the end of the list.
    Add {
        /// The new todo's name until (and after) the server numbers it.
        client_id: ClientId,
        /// 1–500 characters after trimming.
        title: String,
    },
    /// Changes the fields it names, and only those.
    Edit {
        /// Which todo.
        todo: TodoRef,
        /// A new title, 1–500 characters after trimming.
        title: Option<String>,
        /// A new state.
        completed: Option<bool>,
    },
    /// Deletes a todo; deleting one that is already gone is not an error.
    Delete {
        /// Which todo.
        todo: TodoRef,
    },
    /// Marks the named todos done, or not done.
    ToggleAll {
        /// The state they get.
        completed: bool,
        /// The todos the user saw.
        todos: Vec<TodoRef>,
    },
    /// Deletes the named todos: those the user saw completed.
    ClearCompleted {
        /// The todos the user saw completed.
        todos: Vec<TodoRef>,
    },
}

/// The body of a sync request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// The login the operations were made under, as the todo page was told it (`login` of the page's data);
    /// when given and not this session's, nothing is applied (409): changes queued under a login that has
    /// ended are never sent under another. API clients leave it out.
    #[serde(default)]
    pub login: Option<String>,
    /// At most 100, applied in this order.
    pub operations: Vec<Operation>,
}

/// What became of one operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Receipt {
    /// The operation's id.
    pub id: ClientId,
    /// The first version of the list that shows the operation's effect (or, if it changed nothing, the version
    /// it was applied at).
    pub version: i64,
    /// `true` when the server had applied this operation before and answers from memory.
    pub repeated: bool,
    /// Why the operation changed nothing and never will ("The todo was deleted elsewhere…"); `null` when it was
    /// applied.
    pub dropped: Option<String>,
}

/// Applies the todo page's queued operations, in order, each once; answers what became of each. `login` is the
/// login they were queued under (see [`SyncRequest::login`]).
#[server(input = Json)]
pub async fn sync_todos(
    login: Option<String>,
    operations: Vec<Operation>,
) -> Result<Vec<Receipt>, AppError> {
    use crate::{
        auth::session,
        todos::queries::{Owner, Writer},
    };
    let (state, http_session) = crate::state::request_context().await?;
    let applied = async {
        let user = session::current_user(&http_session, state.sessions, &state.pool)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        service::apply(
            &Writer::new(&state),
            Owner::from(&user),
            login.as_deref(),
            Some(&http_session),
            &operations,
            state.todos_per_user,
        )
        .await
    }
    .await;
    crate::error::with_status(applied)
}

/// A todo as a page shows it while operations may be on their way: the server's fields, or what those
/// operations made of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// How operations name it; also the row's key on the page, the same before and after the server saves it.
    pub key: TodoRef,
    /// The server's id; `None` for a todo made here that the server's list does not show yet.
    pub id: Option<i64>,
    /// The title.
    pub title: String,
    /// Done or not.
    pub completed: bool,
}

impl From<&Todo> for Shown {
    fn from(todo: &Todo) -> Self {
        Self {
            key: todo.key(),
            id: Some(todo.id),
            title: todo.title.clone(),
            completed: todo.completed,
        }
    }
}

impl Action {
    /// Applies this change to a list as a page shows it. Applying it twice gives what applying it once gives:
    /// an operation the server list already shows may be rebased on top of it again without harm.
    pub fn apply_to(&self, list: &mut Vec<Shown>) {
        match self {
            Self::Add { client_id, title } => {
                let key = TodoRef::Client(client_id.clone());
                if !list.iter().any(|shown| shown.key == key) {
                    list.push(Shown {
                        key,
                        id: None,
                        title: title.trim().to_owned(),
                        completed: false,
                    });
                }
            }
            Self::Edit {
                todo,
                title,
                completed,
            } => {
                if let Some(shown) = list.iter_mut().find(|shown| &shown.key == todo) {
                    if let Some(title) = title {
                        shown.title = title.trim().to_owned();
                    }
                    if let Some(completed) = completed {
                        shown.completed = *completed;
                    }
                }
            }
            Self::Delete { todo } => list.retain(|shown| &shown.key != todo),
            Self::ToggleAll { completed, todos } => {
                for shown in list.iter_mut().filter(|shown| todos.contains(&shown.key)) {
                    shown.completed = *completed;
                }
            }
            Self::ClearCompleted { todos } => list.retain(|shown| !todos.contains(&shown.key)),
        }
    }
}

/// The server's list `todos` with `operations` applied on top, in order.
pub fn rebase<'a>(todos: &[Todo], operations: impl IntoIterator<Item = &'a Action>) -> Vec<Shown> {
    let mut list: Vec<Shown> = todos.iter().map(Shown::from).collect();
    for action in operations {
        action.apply_to(&mut list);
    }
    list
}

#[cfg(test)]
mod tests {
    use super::{rebase, Action, Operation, Shown};
    use crate::{
        domain::ClientId,
        timestamp::Timestamp,
        todos::{Todo, TodoRef},
    };

    fn client(id: &str) -> ClientId {
        ClientId::parse(id).expect("a valid id")
    }

    fn todo(id: i64, title: &str, completed: bool, client_id: Option<&str>) -> Todo {
        let now = Timestamp::now();
        Todo {
            id,
            title: title.to_owned(),
            completed,
            created_at: now.clone(),
            updated_at: now,
            client_id: client_id.map(client),
        }
    }

    fn titles(list: &[Shown]) -> Vec<(&str, bool)> {
        list.iter()
            .map(|shown| (shown.title.as_str(), shown.completed))
            .collect()
    }

    #[test]
    fn operations_read_and_write_as_the_api_documents_them() {
        let operation: Operation = serde_json::from_value(serde_json::json!({
            "id": "op-1", "action": {"edit": {"todo": {"client": "t-1"}, "completed": true}}
        }))
        .expect("an edit");
        assert_eq!(
            operation.action,
            Action::Edit {
                todo: TodoRef::Client(client("t-1")),
                title: None,
                completed: Some(true)
            }
        );
        let back = serde_json::to_value(&operation).expect("serialises");
        assert_eq!(
            back["action"]["edit"]["todo"],
            serde_json::json!({"client": "t-1"})
        );
        let bad = serde_json::json!({"id": "op 1", "action": {"delete": {"todo": {"id": 1}}}});
        assert!(serde_json::from_value::<Operation>(bad).is_err());
    }

    #[test]
    fn a_todo_is_named_by_its_clients_id_when_it_has_one() {
        assert_eq!(
            todo(4, "a", false, Some("t-4")).key(),
            TodoRef::Client(client("t-4"))
        );
        assert_eq!(todo(4, "a", false, None).key(), TodoRef::Id(4));
    }

    #[test]
    fn queued_operations_apply_on_top_of_the_servers_list_in_order() {
        let server = [
            todo(1, "milk", false, None),
            todo(2, "eggs", true, Some("t-2")),
        ];
        let queued = [
            Action::Add {
                client_id: client("t-3"),
                title: " bread ".into(),
            },
            Action::Edit {
                todo: TodoRef::Client(client("t-3")),
                title: Some("rye bread".into()),
                completed: None,
            },
            Action::ToggleAll {
                completed: true,
                todos: vec![TodoRef::Id(1), TodoRef::Client(client("t-3"))],
            },
            Action::ClearCompleted {
                todos: vec![TodoRef::Client(client("t-2"))],
            },
            Action::Delete {
                todo: TodoRef::Id(99),
            },
        ];
        let shown = rebase(&server, &queued);
        assert_eq!(titles(&shown), [("milk", true), ("rye bread", true)]);
    }

    #[test]
    fn rebasing_an_operation_the_server_list_already_shows_changes_nothing() {
        let add = Action::Add {
            client_id: client("t-1"),
            title: "milk".into(),
        };
        let edit = Action::Edit {
            todo: TodoRef::Client(client("t-1")),
            title: None,
            completed: Some(true),
        };
        let once = rebase(&[], [&add, &edit]);
        assert_eq!(once[0].id, None, "not numbered yet");
        let server = [todo(7, "milk", true, Some("t-1"))];
        let numbered = vec![Shown {
            id: Some(7),
            ..once[0].clone()
        }];
        assert_eq!(rebase(&server, [&add, &edit]), numbered);
        assert_eq!(rebase(&server, [&add, &edit, &add, &edit]), numbered);
    }
}
