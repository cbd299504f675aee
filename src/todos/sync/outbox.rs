//! The page's end of syncing: the outbox sent in turns, each receipt read, and the page's copy kept in
//! IndexedDB (`browser_db`) so that a reload, a closed tab or a lost network loses nothing.

use std::time::Duration;

use leptos::{ev, prelude::*, task::spawn_local};
use serde::{Deserialize, Serialize};

use super::{
    browser_db,
    state::{Pending, ServerList},
    sync_todos, Operation, Receipt, MAX_OPERATIONS,
};
use crate::{
    error::AppError,
    todos::{
        page_state::{new_client_id, TodoStore},
        server_fns::load_todo_page,
        Todo,
    },
};

/// What the page says when its login has ended (logout elsewhere, password change, deactivation).
const LOGGED_OUT: &str = "You have been logged out. Reload the page to log in again.";
/// What the page says when its changes were made under a login that has ended.
const EARLIER_LOGIN: &str =
    "Changes made while you were logged in before were not saved: that login has ended.";
/// The most bytes of operations one request carries, well under the server's body limit (64 KiB by default).
const MAX_BATCH_BYTES: usize = 32 * 1024;
/// How long to wait before trying the server again after it could not be reached or was busy.
const RETRY_AFTER: Duration = Duration::from_secs(3);

/// What a page keeps under one key: the server's list as it last saw it (under `LIST_KEY`, for opening the page
/// without a network), or its outbox (under its own key). One shape for both, the other half left empty: one
/// decoder in the bundle instead of three.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Kept {
    login: Option<String>,
    /// When it was written (milliseconds since 1970), to put several pages' outboxes in order.
    saved_at: u64,
    version: i64,
    todos: Vec<Todo>,
    operations: Vec<Operation>,
}

impl TodoStore {
    /// Takes over what this browser kept for this page's login (the list as last seen, if newer than the
    /// page's; the outboxes of pages closed before their changes were sent) and sends what waits. What another
    /// login left is deleted unread.
    pub fn restore(self) {
        self.local
            .update_value(|local| local.page = Some(new_client_id()));
        // Back online: send what waits. For as long as the page is open.
        let _ = window_event_listener(ev::online, move |_| self.flush());
        spawn_local(async move {
            let kept = browser_db::read_all().await.unwrap_or_default();
            let login = self.login.get_value();
            let mut foreign = false;
            let mut outboxes = Vec::new();
            for (key, text) in kept {
                match serde_json::from_str::<Kept>(&text) {
                    Ok(kept) if kept.login != login => foreign = true,
                    Ok(kept) if key == browser_db::LIST_KEY => self.adopt_list(ServerList {
                        todos: kept.todos,
                        version: kept.version,
                    }),
                    Ok(kept) if key.starts_with(browser_db::OUTBOX_PREFIX) => {
                        outboxes.push((key, kept))
                    }
                    Ok(_) => {}
                    Err(_) => foreign = true,
                }
            }
            if foreign {
                let _ = browser_db::clear().await;
            }
            outboxes.sort_by_key(|(_, kept)| kept.saved_at);
            let adopted: Vec<String> = outboxes.iter().map(|(key, _)| key.clone()).collect();
            let waiting: Vec<Pending> = outboxes
                .into_iter()
                .flat_map(|(_, kept)| kept.operations)
                .map(|operation| Pending {
                    operation,
                    applied_in: None,
                })
                .collect();
            self.outbox.update_value(|outbox| {
                let made_here = std::mem::take(outbox);
                let mut all = waiting;
                for pending in made_here {
                    if !all
                        .iter()
                        .any(|each| each.operation.id == pending.operation.id)
                    {
                        all.push(pending);
                    }
                }
                *outbox = all;
            });
            self.local.update_value(|local| {
                local.restored = true;
                local.adopted = adopted;
            });
            self.show();
            self.keep();
            self.flush();
        });
    }

    /// Shows the list as last kept when it is newer than the page's (a page opened from the service worker's
    /// copy while the server cannot be reached).
    fn adopt_list(&self, kept: ServerList) {
        if kept.version > self.server.with_value(|server| server.version) {
            self.server.set_value(kept);
        }
    }

    /// Sends the oldest changes the server has not answered, unless some are on their way already.
    pub(crate) fn flush(self) {
        let ready = self.local.with_value(|local| local.restored);
        if !ready || self.sending.get_value() || self.logged_out.get_value() {
            return;
        }
        let batch = self.outbox.with_value(|outbox| next_batch(outbox));
        if batch.is_empty() {
            return;
        }
        self.sending.set_value(true);
        let login = self.login.get_value();
        spawn_local(async move {
            let answer = sync_todos(login, batch.clone()).await;
            self.sending.set_value(false);
            match answer {
                Ok(receipts) => {
                    self.offline.try_set(false);
                    self.acknowledge(receipts);
                    self.flush();
                }
                Err(AppError::Unauthenticated) => self.log_out_here(),
                Err(AppError::StaleLogin) => {
                    self.drop_outbox(EARLIER_LOGIN);
                    self.keep();
                    self.reload();
                }
                Err(AppError::Unreachable) => {
                    self.offline.try_set(true);
                    self.retry_later();
                }
                Err(
                    error @ (AppError::Overloaded
                    | AppError::TimedOut
                    | AppError::Internal
                    | AppError::TooManyAttempts { .. }),
                ) => {
                    self.message.try_set(Some(error.user_message()));
                    self.retry_later();
                }
                // Refused as a whole: sending it again would be refused again. The server's list is the truth.
                Err(error) => {
                    self.message.try_set(Some(error.user_message()));
                    self.outbox.update_value(|outbox| {
                        outbox.retain(|pending| !batch.contains(&pending.operation))
                    });
                    self.keep();
                    self.reload();
                }
            }
        });
    }

    fn retry_later(self) {
        if self.local.with_value(|local| local.retry_planned) {
            return;
        }
        self.local.update_value(|local| local.retry_planned = true);
        set_timeout(
            move || {
                self.local.update_value(|local| local.retry_planned = false);
                self.flush();
            },
            RETRY_AFTER,
        );
    }

    /// Reads what became of each change sent: applied ones wait until the server's list shows them, dropped
    /// ones go, with the server's reason.
    fn acknowledge(self, receipts: Vec<Receipt>) {
        self.outbox.update_value(|outbox| {
            for receipt in &receipts {
                match &receipt.dropped {
                    Some(_) => outbox.retain(|pending| pending.operation.id != receipt.id),
                    None => {
                        if let Some(pending) = outbox
                            .iter_mut()
                            .find(|pending| pending.operation.id == receipt.id)
                        {
                            pending.applied_in = Some(receipt.version);
                        }
                    }
                }
            }
        });
        let dropped = receipts
            .into_iter()
            .rev()
            .find_map(|receipt| receipt.dropped);
        self.show();
        self.keep();
        // Without live updates nothing else brings the server's list forward to show what was applied; a
        // dropped change means this page's list is out of date (the todo is gone).
        let behind = self
            .outbox
            .with_value(|outbox| outbox.iter().any(|pending| pending.applied_in.is_some()));
        if dropped.is_some() || (behind && !self.live.get_untracked()) {
            self.reload();
        }
        if let Some(why) = dropped {
            self.message.try_set(Some(why));
        }
    }

    /// Loads the whole list again and shows it with this page's changes on top.
    pub(crate) fn reload(self) {
        if self.reloading.get_value() || self.logged_out.get_value() {
            self.reload_wanted.set_value(true);
            return;
        }
        self.reload_wanted.set_value(false);
        self.reloading.set_value(true);
        spawn_local(async move {
            let loaded = load_todo_page().await;
            self.reloading.set_value(false);
            match loaded {
                Ok(Some(page)) => {
                    self.offline.try_set(false);
                    if page.login != self.login.get_value() {
                        self.drop_outbox(EARLIER_LOGIN);
                        self.login.set_value(page.login);
                    }
                    let version = page.version;
                    self.server.set_value(ServerList {
                        todos: page.todos,
                        version,
                    });
                    self.show();
                    self.keep();
                    self.flush();
                    if self.seen_while_reloading.get_value() > version
                        || self.reload_wanted.get_value()
                    {
                        self.reload();
                    }
                }
                Ok(None) => self.log_out_here(),
                // Unreachable for now: tried again when the network or the live connection is back.
                Err(_) => {
                    self.reload_wanted.set_value(true);
                    self.offline.try_set(true);
                }
            }
        });
    }

    /// The login has ended: nothing more is sent, and nothing of it stays in this browser.
    pub(crate) fn log_out_here(&self) {
        self.logged_out.set_value(true);
        self.outbox.update_value(Vec::clear);
        self.show();
        self.message.try_set(Some(LOGGED_OUT.to_owned()));
        spawn_local(crate::todos::offline::forget_everything());
    }

    /// Forgets the changes not yet sent, saying `why`.
    pub(crate) fn drop_outbox(&self, why: &str) {
        let had = self.outbox.with_value(|outbox| !outbox.is_empty());
        self.outbox.update_value(Vec::clear);
        if had {
            self.message.try_set(Some(why.to_owned()));
        }
        self.show();
    }

    /// Writes the page's copy (the server's list as last seen, and the outbox) to IndexedDB; one write at a
    /// time, the last state last.
    pub(crate) fn keep(self) {
        let (restored, writing) = self
            .local
            .with_value(|local| (local.restored, local.writing));
        if !restored || self.logged_out.get_value() {
            return;
        }
        if writing {
            self.local.update_value(|local| local.write_again = true);
            return;
        }
        let Some(page) = self.local.with_value(|local| local.page.clone()) else {
            return;
        };
        let login = self.login.get_value();
        let list = self.server.with_value(|server| {
            serde_json::to_string(&Kept {
                login: login.clone(),
                version: server.version,
                todos: server.todos.clone(),
                ..Kept::default()
            })
        });
        let operations: Vec<Operation> = self.outbox.with_value(|outbox| {
            outbox
                .iter()
                .filter(|pending| pending.applied_in.is_none())
                .map(|pending| pending.operation.clone())
                .collect()
        });
        let own_key = format!("{}{page}", browser_db::OUTBOX_PREFIX);
        let mut gone = self
            .local
            .try_update_value(|local| std::mem::take(&mut local.adopted))
            .unwrap_or_default();
        let mut puts = Vec::new();
        if let Ok(list) = list {
            puts.push((browser_db::LIST_KEY.to_owned(), list));
        }
        if operations.is_empty() {
            gone.push(own_key);
        } else if let Ok(outbox) = serde_json::to_string(&Kept {
            login,
            // Whole milliseconds: the bundle then decodes no floating-point number.
            saved_at: web_sys::js_sys::Date::now() as u64,
            operations,
            ..Kept::default()
        }) {
            puts.push((own_key, outbox));
        }
        self.local.update_value(|local| local.writing = true);
        spawn_local(async move {
            let _ = browser_db::write(&puts, &gone).await;
            let again = self
                .local
                .try_update_value(|local| {
                    local.writing = false;
                    std::mem::take(&mut local.write_again)
                })
                .unwrap_or(false);
            if again {
                self.keep();
            }
        });
    }
}

/// The first operations not yet applied, as many as one request carries (always at least one).
fn next_batch(outbox: &[Pending]) -> Vec<Operation> {
    let mut bytes = 0;
    let mut batch = Vec::new();
    for pending in outbox.iter().filter(|pending| pending.applied_in.is_none()) {
        bytes += serde_json::to_string(&pending.operation).map_or(0, |text| text.len());
        if batch.len() == MAX_OPERATIONS || (bytes > MAX_BATCH_BYTES && !batch.is_empty()) {
            break;
        }
        batch.push(pending.operation.clone());
    }
    batch
}
