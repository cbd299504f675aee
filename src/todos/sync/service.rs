//! Applying operations, for the todo page and the JSON API alike: each in its own transaction, in the order
//! sent, once. The transaction holds the list's lock from its first statement, so checking whether the
//! operation was applied before and applying it cannot be split by a resend arriving on another instance.

use super::{
    queries as sync_queries, Action, Operation, Receipt, MAX_OPERATIONS, MAX_TODOS_PER_OPERATION,
};
use tower_sessions::Session;

use crate::{
    auth::session::login_tag,
    db::Transaction,
    domain::TodoTitle,
    error::AppError,
    timestamp::Timestamp,
    todos::{
        live::Change,
        queries::{self, Owner, Writer},
        TodoRef,
    },
};

/// What the page says of an edit that reached the server after its todo was deleted elsewhere.
const EDITED_AFTER_DELETE: &str =
    "A todo you changed was deleted elsewhere, so your change to it was dropped.";

/// Applies `operations` to the owner's list in order and answers what became of each. Nothing is applied when
/// they were `queued_under` another login than that of the sender's `session` (a bearer token has none), or when
/// the request breaks a bound.
#[tracing::instrument(skip_all, fields(operations = operations.len()))]
pub async fn apply(
    writer: &Writer<'_>,
    owner: Owner,
    queued_under: Option<&str>,
    session: Option<&Session>,
    operations: &[Operation],
    most: i64,
) -> Result<Vec<Receipt>, AppError> {
    if let Some(queued_under) = queued_under {
        let sender_login = match session {
            Some(session) => login_tag(session).await?,
            None => None,
        };
        if sender_login.as_deref() != Some(queued_under) {
            return Err(AppError::StaleLogin);
        }
    }
    check_bounds(operations)?;
    let mut receipts = Vec::with_capacity(operations.len());
    for operation in operations {
        receipts.push(apply_one(writer, owner, operation, most).await?);
    }
    Ok(receipts)
}

/// Refuses a request whose size no page sends: too many operations, or too many todos in one.
fn check_bounds(operations: &[Operation]) -> Result<(), AppError> {
    if operations.len() > MAX_OPERATIONS {
        return Err(AppError::BadRequest(format!(
            "Send at most {MAX_OPERATIONS} operations at a time."
        )));
    }
    let too_many = operations.iter().any(|operation| match &operation.action {
        Action::ToggleAll { todos, .. } | Action::ClearCompleted { todos } => {
            todos.len() > MAX_TODOS_PER_OPERATION
        }
        _ => false,
    });
    match too_many {
        true => Err(AppError::BadRequest(format!(
            "One operation names at most {MAX_TODOS_PER_OPERATION} todos; split it."
        ))),
        false => Ok(()),
    }
}

/// What applying an operation did.
enum Effect {
    /// It changed the list.
    Changed(Change),
    /// There was nothing to change: a todo deleted twice, toggled to the state it had.
    Nothing,
    /// It cannot be applied, and never will be.
    Dropped(String),
}

async fn apply_one(
    writer: &Writer<'_>,
    owner: Owner,
    operation: &Operation,
    most: i64,
) -> Result<Receipt, AppError> {
    let mut transaction = writer.pool().begin().await?;
    let before = sync_queries::hold_version(&mut transaction, owner).await?;
    if let Some(receipt) =
        sync_queries::applied_before(&mut transaction, owner, &operation.id).await?
    {
        return Ok(receipt);
    }
    let now = Timestamp::now();
    let (version, dropped, change) =
        match effect(&mut transaction, owner, &operation.action, &now, most).await? {
            Effect::Changed(change) => {
                let version = queries::next_version(&mut transaction, owner).await?;
                (version, None, Some(change))
            }
            Effect::Nothing => (before, None, None),
            Effect::Dropped(why) => (before, Some(why), None),
        };
    let receipt = Receipt {
        id: operation.id.clone(),
        version,
        repeated: false,
        dropped,
    };
    sync_queries::remember(&mut transaction, owner, &receipt, &now).await?;
    match change {
        Some(change) => writer.commit(transaction, owner, version, change).await?,
        None => transaction.commit().await?,
    }
    Ok(receipt)
}

async fn effect(
    transaction: &mut Transaction,
    owner: Owner,
    action: &Action,
    now: &Timestamp,
    most: i64,
) -> Result<Effect, sqlx::Error> {
    Ok(match action {
        Action::Add { client_id, title } => {
            let title = match TodoTitle::parse(title) {
                Ok(title) => title,
                Err(why) => return Ok(Effect::Dropped(why)),
            };
            // Added already, by an operation of another id: the todo is there, as the client wants.
            if sync_queries::has_client_todo(transaction, owner, client_id).await? {
                return Ok(Effect::Nothing);
            }
            if queries::count(transaction, owner).await? >= most {
                return Ok(Effect::Dropped(queries::list_full(most)));
            }
            let todo =
                queries::insert_row(transaction, owner, &title, Some(client_id), now).await?;
            Effect::Changed(Change::TodoCreated { todo })
        }
        Action::Edit {
            todo,
            title,
            completed,
        } => {
            if title.is_none() && completed.is_none() {
                return Ok(Effect::Nothing);
            }
            let title = match title.as_deref().map(TodoTitle::parse).transpose() {
                Ok(title) => title,
                Err(why) => return Ok(Effect::Dropped(why)),
            };
            match queries::update_row(transaction, owner, todo, title.as_ref(), *completed, now)
                .await?
            {
                Some(todo) => Effect::Changed(Change::TodoUpdated { todo }),
                None => Effect::Dropped(EDITED_AFTER_DELETE.to_owned()),
            }
        }
        Action::Delete { todo } => match queries::delete_row(transaction, owner, todo).await? {
            Some(id) => Effect::Changed(Change::TodoDeleted { id }),
            None => Effect::Nothing,
        },
        Action::ToggleAll { completed, todos } => {
            let mut ids = Vec::new();
            for todo in todos {
                ids.extend(
                    queries::set_completed_row(transaction, owner, todo, *completed, now).await?,
                );
            }
            changed_if_any(ids, |ids| Change::TodosToggled {
                completed: *completed,
                ids,
            })
        }
        Action::ClearCompleted { todos } => {
            let ids = delete_each(transaction, owner, todos).await?;
            changed_if_any(ids, |ids| Change::TodosCleared { ids })
        }
    })
}

async fn delete_each(
    transaction: &mut Transaction,
    owner: Owner,
    todos: &[TodoRef],
) -> Result<Vec<i64>, sqlx::Error> {
    let mut ids = Vec::new();
    for todo in todos {
        ids.extend(queries::delete_row(transaction, owner, todo).await?);
    }
    Ok(ids)
}

fn changed_if_any(ids: Vec<i64>, change: impl FnOnce(Vec<i64>) -> Change) -> Effect {
    match ids.is_empty() {
        true => Effect::Nothing,
        false => Effect::Changed(change(ids)),
    }
}
