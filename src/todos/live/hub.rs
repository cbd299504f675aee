//! The streams one instance holds open, by user, and how a committed change reaches them: on SQLite (one
//! process) straight from the writer; on PostgreSQL through `NOTIFY` inside the writing transaction, which
//! every instance's listener hands to its own streams. Written here, not a broadcast crate: a stream belongs to
//! one user and must end the moment that user's sessions end, which no generic channel knows of.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, watch};

use super::TodoEvent;
use crate::{
    config::Settings,
    db::{Pool, Transaction},
};

/// The PostgreSQL channel every instance listens on.
pub(super) const CHANNEL: &str = "leptodo_todos";

/// Events waiting for one user's slowest stream; past this, that stream gets a `resync` instead of the events
/// it missed, so a client that does not read cannot make the server hold more.
const BACKLOG: usize = 64;

/// The largest event data sent as is. A bigger one (clearing thousands of todos) is sent as a `resync`:
/// PostgreSQL refuses a `NOTIFY` payload of 8000 bytes or more, and one rule for both engines is simpler.
const MAX_EVENT_BYTES: usize = 7_000;

/// What a stream is told.
#[derive(Debug, Clone)]
pub enum Signal {
    /// A change, serialised once for every stream of the user.
    Change(Arc<Announcement>),
    /// Changes may have been missed: the stream sends `resync`.
    Resync,
    /// A login ended or an account changed: the stream checks that its credentials still hold.
    Recheck,
}

/// A change as streams send it.
#[derive(Debug)]
pub struct Announcement {
    /// The list's version after the change (the SSE `id`).
    pub version: i64,
    /// The SSE event name.
    pub kind: &'static str,
    /// The event's JSON data.
    pub data: String,
}

impl Announcement {
    /// The event as streams send it, or `None` when it is too big to send (a `resync` then stands for it).
    fn of(event: &TodoEvent) -> Option<Self> {
        let data = serde_json::to_string(event).ok()?;
        (data.len() <= MAX_EVENT_BYTES).then(|| Self {
            version: event.version,
            kind: event.change.kind(),
            data,
        })
    }
}

/// What one instance tells the others through `NOTIFY`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(super) enum Notice {
    /// A change to `user`'s list.
    Change {
        /// The list's owner.
        user: i64,
        /// The change.
        event: TodoEvent,
    },
    /// `user`'s streams missed something.
    Resync {
        /// The list's owner.
        user: i64,
    },
    /// `user`'s streams check their credentials.
    Recheck {
        /// The account.
        user: i64,
    },
}

/// Why a stream was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// The user holds `events_streams_per_user` streams already.
    User,
    /// This instance holds `events_streams_total` streams already.
    Instance,
}

/// The open streams of this instance, by user. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    streams: Mutex<Streams>,
    per_user: usize,
    total: usize,
    keep_alive: std::time::Duration,
    /// On SQLite, held from a change's commit until it is published, so two changes committed one after the
    /// other are published in that order (their versions never arrive backwards).
    publishing: tokio::sync::Mutex<()>,
    /// Becomes `true` when the server stops: every stream ends, so the graceful stop does not wait for them.
    stopping: watch::Sender<bool>,
}

#[derive(Debug, Default)]
struct Streams {
    by_user: HashMap<i64, Channel>,
    open: usize,
}

#[derive(Debug)]
struct Channel {
    sender: broadcast::Sender<Signal>,
    streams: usize,
}

impl Hub {
    /// A hub with the configured limits.
    pub fn new(settings: &Settings) -> Self {
        Self {
            inner: Arc::new(Inner {
                streams: Mutex::default(),
                per_user: settings.events_streams_per_user as usize,
                total: settings.events_streams_total as usize,
                // At least a second: a zero interval would send comments without pause.
                keep_alive: std::time::Duration::from_secs(u64::from(
                    settings.events_keep_alive_seconds.max(1),
                )),
                publishing: tokio::sync::Mutex::new(()),
                stopping: watch::Sender::new(false),
            }),
        }
    }

    fn streams(&self) -> MutexGuard<'_, Streams> {
        // The map stays consistent whatever a panicking holder was doing: every update is a single step.
        self.inner
            .streams
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Opens a stream for `user`, unless a limit is reached.
    pub fn subscribe(&self, user: i64) -> Result<Subscription, Full> {
        let mut streams = self.streams();
        if streams.open >= self.inner.total {
            return Err(Full::Instance);
        }
        let held = streams
            .by_user
            .get(&user)
            .map_or(0, |channel| channel.streams);
        if held >= self.inner.per_user {
            return Err(Full::User);
        }
        let channel = streams.by_user.entry(user).or_insert_with(|| Channel {
            sender: broadcast::Sender::new(BACKLOG),
            streams: 0,
        });
        channel.streams += 1;
        let signals = channel.sender.subscribe();
        streams.open += 1;
        Ok(Subscription {
            signals,
            stopping: self.inner.stopping.subscribe(),
            hub: self.clone(),
            user,
        })
    }

    /// How long an idle stream waits before it sends a keep-alive comment.
    pub fn keep_alive(&self) -> std::time::Duration {
        self.inner.keep_alive
    }

    /// How many streams are open on this instance.
    #[cfg(test)]
    fn open_streams(&self) -> usize {
        self.streams().open
    }

    /// Tells `user`'s streams on this instance.
    fn publish(&self, user: i64, signal: Signal) {
        if let Some(channel) = self.streams().by_user.get(&user) {
            // An error only means that the last stream has just gone.
            let _ = channel.sender.send(signal);
        }
    }

    /// Tells every stream on this instance that it may have missed changes.
    pub(super) fn resync_everyone(&self) {
        for channel in self.streams().by_user.values() {
            let _ = channel.sender.send(Signal::Resync);
        }
    }

    /// Hands a notice from any instance (this one included) to the streams it concerns.
    pub(super) fn deliver(&self, notice: Notice) {
        match notice {
            Notice::Change { user, event } => {
                let signal = Announcement::of(&event).map_or(Signal::Resync, |announcement| {
                    Signal::Change(Arc::new(announcement))
                });
                self.publish(user, signal);
            }
            Notice::Resync { user } => self.publish(user, Signal::Resync),
            Notice::Recheck { user } => self.publish(user, Signal::Recheck),
        }
    }

    /// Commits `transaction`, which changed `user`'s list as `event` says, and announces the change to
    /// `user`'s streams on every instance once it is committed.
    pub async fn commit(
        &self,
        transaction: Transaction,
        user: i64,
        event: TodoEvent,
    ) -> Result<(), sqlx::Error> {
        match transaction {
            Transaction::Postgres(mut transaction) => {
                // Inside the transaction: PostgreSQL delivers the notice at commit, and never if it rolls back.
                let notice = match Announcement::of(&event) {
                    Some(_) => Notice::Change { user, event },
                    None => Notice::Resync { user },
                };
                notify(&mut transaction, &notice).await?;
                transaction.commit().await
            }
            Transaction::Sqlite(transaction) => {
                let _turn = self.inner.publishing.lock().await;
                transaction.commit().await?;
                self.deliver(Notice::Change { user, event });
                Ok(())
            }
        }
    }

    /// Makes `user`'s streams on every instance check that their login or token still holds: called when a
    /// login ends, a password changes or an account is deactivated. A failure is logged, not returned: the
    /// streams check by themselves every minute anyway.
    pub async fn recheck(&self, pool: &Pool, user: i64) {
        match pool {
            Pool::Sqlite { .. } => self.publish(user, Signal::Recheck),
            Pool::Postgres(pool) => {
                let notified = async {
                    let mut connection = pool.acquire().await?;
                    notify(&mut connection, &Notice::Recheck { user }).await
                }
                .await;
                if let Err(error) = notified {
                    tracing::warn!(%error, user, "cannot tell live streams to check their login");
                }
            }
        }
    }

    /// Ends every stream: the server is stopping.
    pub fn stop(&self) {
        self.inner.stopping.send_replace(true);
    }
}

async fn notify(connection: &mut sqlx::PgConnection, notice: &Notice) -> Result<(), sqlx::Error> {
    let payload =
        serde_json::to_string(notice).map_err(|error| sqlx::Error::Encode(error.into()))?;
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(connection)
        .await
        .map(drop)
}

/// One open stream's place in the [`Hub`]; leaving it (on drop) frees the place.
#[derive(Debug)]
pub struct Subscription {
    /// What the stream is told.
    pub signals: broadcast::Receiver<Signal>,
    /// Becomes `true` when the server stops.
    pub stopping: watch::Receiver<bool>,
    hub: Hub,
    user: i64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut streams = self.hub.streams();
        streams.open = streams.open.saturating_sub(1);
        if let Some(channel) = streams.by_user.get_mut(&self.user) {
            channel.streams = channel.streams.saturating_sub(1);
            if channel.streams == 0 {
                streams.by_user.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::todos::{live::Change, Todo};

    fn hub(per_user: u32, total: u32) -> Hub {
        let mut settings = crate::config::Settings::load_with_env(
            std::path::Path::new("Leptos.toml"),
            HashMap::new(),
        )
        .expect("the shipped Leptos.toml loads");
        settings.events_streams_per_user = per_user;
        settings.events_streams_total = total;
        Hub::new(&settings)
    }

    #[test]
    fn limits_count_open_streams_and_free_them_on_drop() {
        let hub = hub(2, 3);
        let first = hub.subscribe(1).expect("first");
        let _second = hub.subscribe(1).expect("second");
        assert_eq!(hub.subscribe(1).err(), Some(Full::User));
        let _other = hub.subscribe(2).expect("another user");
        assert_eq!(hub.subscribe(3).err(), Some(Full::Instance));
        drop(first);
        assert_eq!(hub.open_streams(), 2);
        hub.subscribe(1).expect("a freed place is reused");
    }

    #[test]
    fn a_user_hears_only_their_own_changes() {
        let hub = hub(4, 10);
        let mut mine = hub.subscribe(1).expect("mine");
        let mut theirs = hub.subscribe(2).expect("theirs");
        hub.deliver(Notice::Change {
            user: 1,
            event: TodoEvent {
                version: 7,
                change: Change::TodoDeleted { id: 3 },
            },
        });
        match mine.signals.try_recv() {
            Ok(Signal::Change(announcement)) => {
                assert_eq!(announcement.version, 7);
                assert_eq!(announcement.kind, "todo_deleted");
            }
            other => panic!("expected the change, got {other:?}"),
        }
        assert!(theirs.signals.try_recv().is_err());
    }

    #[test]
    fn an_event_too_big_to_send_becomes_a_resync() {
        let hub = hub(4, 10);
        let mut mine = hub.subscribe(1).expect("mine");
        let ids = (1..5_000).collect();
        hub.deliver(Notice::Change {
            user: 1,
            event: TodoEvent {
                version: 2,
                change: Change::TodosCleared { ids },
            },
        });
        assert!(matches!(mine.signals.try_recv(), Ok(Signal::Resync)));
        let todo = Todo {
            id: 1,
            title: "x".repeat(500),
            completed: false,
            created_at: crate::timestamp::Timestamp::now(),
            updated_at: crate::timestamp::Timestamp::now(),
            client_id: crate::domain::ClientId::parse(&"c".repeat(64)).ok(),
        };
        let event = TodoEvent {
            version: 3,
            change: Change::TodoCreated { todo },
        };
        assert!(
            Announcement::of(&event).is_some(),
            "a long title still fits"
        );
    }
}
