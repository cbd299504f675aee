//! The todo page's end of the live updates: an `EventSource` on `/api/events` whose events are applied to the
//! page's list in place. It reconnects by itself, waiting longer after each failure, and reloads the list once
//! whenever the versions show that something was missed.

use std::{
    cell::RefCell,
    rc::{Rc, Weak},
    time::Duration,
};

use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{EventSource, MessageEvent};

use super::{
    event_names::{HELLO, RESYNC},
    Change, ListVersion, TodoEvent,
};
use crate::todos::page_state::TodoStore;

/// Where the stream is.
const EVENTS_PATH: &str = "/api/events";
/// The wait before the first reconnect; it doubles after each failure.
const FIRST_RETRY: Duration = Duration::from_millis(500);
/// The longest wait between two reconnects.
const LONGEST_RETRY: Duration = Duration::from_secs(30);

/// Follows the live updates for `store` for as long as the page is open.
pub fn follow(store: TodoStore) {
    // The callbacks are made once, and every later connection shares them.
    let link = Rc::new_cyclic(|weak: &Weak<Link>| Link {
        store,
        source: RefCell::new(None),
        retry: RefCell::new(FIRST_RETRY),
        greeted: RefCell::new(false),
        on_message: Closure::new({
            let weak = weak.clone();
            move |event: MessageEvent| {
                if let Some(link) = weak.upgrade() {
                    link.receive(&event);
                }
            }
        }),
        on_error: Closure::new({
            let weak = weak.clone();
            move |_: web_sys::Event| {
                if let Some(link) = weak.upgrade() {
                    Link::lost(&link);
                }
            }
        }),
    });
    Link::open(&link);
    // The server answered again (a change was sent, the network is back): reconnect now rather than at the
    // next planned try, which may be half a minute away.
    let weak = Rc::downgrade(&link);
    Effect::new(move |_| {
        if !store.offline.get() {
            if let Some(link) = weak.upgrade() {
                if link.source.borrow().is_none() {
                    Link::open(&link);
                }
            }
        }
    });
    // Kept for as long as the page's list: dropping it closes the connection.
    StoredValue::new_local(link);
}

/// One page's connection, and the callbacks every `EventSource` it opens shares.
struct Link {
    store: TodoStore,
    source: RefCell<Option<EventSource>>,
    retry: RefCell<Duration>,
    /// Whether the current connection received its `hello`.
    greeted: RefCell<bool>,
    on_message: Closure<dyn FnMut(MessageEvent)>,
    on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for Link {
    fn drop(&mut self) {
        if let Some(source) = self.source.borrow_mut().take() {
            source.close();
        }
    }
}

impl Link {
    fn open(link: &Rc<Self>) {
        if link.store.logged_out.get_value() {
            return;
        }
        if let Some(previous) = link.source.borrow_mut().take() {
            previous.close();
        }
        let Ok(source) = EventSource::new(EVENTS_PATH) else {
            return Self::retry_later(link);
        };
        *link.greeted.borrow_mut() = false;
        for name in [HELLO, RESYNC].into_iter().chain(Change::KINDS) {
            let _ = source
                .add_event_listener_with_callback(name, link.on_message.as_ref().unchecked_ref());
        }
        source.set_onerror(Some(link.on_error.as_ref().unchecked_ref()));
        *link.source.borrow_mut() = Some(source);
    }

    /// The connection failed or ended. The browser would retry at its own fixed pace; this page retries
    /// itself, waiting longer after each failure. A connection refused before its `hello` may mean the login
    /// has ended: reloading the list tells.
    fn lost(link: &Rc<Self>) {
        if let Some(source) = link.source.borrow_mut().take() {
            source.close();
        }
        link.store.live.try_set(false);
        if !*link.greeted.borrow() {
            link.store.reload();
        }
        Self::retry_later(link);
    }

    fn retry_later(link: &Rc<Self>) {
        let wait = *link.retry.borrow();
        *link.retry.borrow_mut() = (wait * 2).min(LONGEST_RETRY);
        let link = Rc::downgrade(link);
        set_timeout(
            move || {
                // Reconnected meanwhile, when the server answered again.
                if let Some(link) = link.upgrade().filter(|link| link.source.borrow().is_none()) {
                    Self::open(&link);
                }
            },
            wait,
        );
    }

    fn receive(&self, event: &MessageEvent) {
        let Some(data) = event.data().as_string() else {
            return;
        };
        match event.type_().as_str() {
            HELLO => {
                *self.greeted.borrow_mut() = true;
                self.store.live.try_set(true);
                *self.retry.borrow_mut() = FIRST_RETRY;
                if let Ok(hello) = serde_json::from_str::<ListVersion>(&data) {
                    self.store.hello(hello.version);
                }
            }
            RESYNC => self.store.reload(),
            _ => match serde_json::from_str::<TodoEvent>(&data) {
                Ok(event) => self.store.apply(event),
                // An event this page cannot read: the list may be wrong, so load it whole.
                Err(_) => self.store.reload(),
            },
        }
    }
}

impl TodoStore {
    /// A new connection's first event: the list is at `version` now, and the server can be reached.
    fn hello(self, version: i64) {
        self.offline.try_set(false);
        if version != self.server.with_value(|server| server.version)
            || self.reload_wanted.get_value()
        {
            self.reload();
        }
        self.flush();
    }

    /// Applies a change announced by the server (this page's own too: its outbox then forgets it), unless it
    /// does not follow the version this page shows (then the whole list is loaded again instead).
    fn apply(self, event: TodoEvent) {
        if self.reloading.get_value() {
            self.seen_while_reloading
                .update_value(|seen| *seen = (*seen).max(event.version));
            return;
        }
        let shown = self.server.with_value(|server| server.version);
        if event.version <= shown {
            return;
        }
        if event.version != shown + 1 {
            return self.reload();
        }
        self.server.update_value(|server| {
            server.version = event.version;
            server.apply(event.change);
        });
        self.show();
        self.keep();
    }
}
