//! The accept loop: each connection is served by hyper's HTTP/1 with a deadline for every request's headers,
//! and at most `max_pending_connections` connections that wait for a request (new ones, and idle keep-alive
//! ones between two requests) are kept: past that, the oldest of them is closed to make room for the newest.
//!
//! So a client slow to send its request (a "slowloris" sending one header a minute, or a script that opens a
//! thousand sockets and sends nothing, or one request on each and then nothing) holds a socket for
//! `header_read_timeout_seconds` at most, and cannot keep anyone out: a browser's request completes its
//! headers within milliseconds, long before a flood could push it out. A request whose headers came but
//! whose body drips is bounded by `request_timeout_seconds`; a client slow to read its answer only by TCP's
//! own timeouts. (axum's own `serve` gives hyper no timer, and so no header deadline at all.)

use std::{
    collections::VecDeque,
    future::Future,
    io,
    net::SocketAddr,
    pin::{pin, Pin},
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    body::{Body, Bytes},
    extract::ConnectInfo,
    Router,
};
use hyper::{
    body::{Frame, Incoming, SizeHint},
    server::conn::http1,
    service::service_fn,
    Request,
};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{watch, Notify},
};
use tower::ServiceExt;

/// How long and how many slow connections are borne.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// From the moment a connection waits for a request until its headers are complete.
    pub header_read_timeout: Duration,
    /// Connections waiting for a request.
    pub max_pending: usize,
    /// How long a stop waits for the requests in flight before it leaves them.
    pub drain: Duration,
}

/// How long a connection closed to make room may still take to send what it was sending.
const EVICTION_GRACE: Duration = Duration::from_secs(1);

/// Serves `router` on `listener` until `shutdown` resolves, then lets the requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let pending = Arc::new(PendingConnections::new(limits.max_pending));
    let (stop, stopping) = watch::channel(false);
    // Every connection's task holds a receiver; once all have dropped theirs, the last request is done.
    let (all_done, done) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, remote) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                wait_after_accept_error(error).await;
                continue;
            }
        };
        // Here, not in the connection's task: connections take their places in the order they came.
        let slot = Arc::new(Slot::default());
        pending.join(&slot);
        let connection = Connection {
            router: router.clone(),
            limits,
            pending: pending.clone(),
            slot,
            stopping: stopping.clone(),
            _done: done.clone(),
        };
        tokio::spawn(connection.serve(stream, remote));
    }
    // New clients are refused from now on rather than left hanging.
    drop(listener);
    let _ = stop.send(true);
    drop(done);
    if tokio::time::timeout(limits.drain, all_done.closed())
        .await
        .is_err()
    {
        tracing::warn!(
            seconds = limits.drain.as_secs(),
            "stopping with connections still open after the drain time"
        );
    }
}

/// One accepted connection and what it shares with the loop.
struct Connection {
    router: Router,
    limits: Limits,
    pending: Arc<PendingConnections>,
    slot: Arc<Slot>,
    stopping: watch::Receiver<bool>,
    /// Dropped when the connection ends (see `serve`).
    _done: watch::Receiver<()>,
}

impl Connection {
    async fn serve(mut self, stream: TcpStream, remote: SocketAddr) {
        // Without TCP_NODELAY a response written in two parts (headers, then body) waits for the client's
        // delayed acknowledgement, up to 40 ms, before its second part leaves.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::warn!(%error, "cannot turn off Nagle's algorithm for a connection");
        }
        let service = {
            let (router, pending, slot) =
                (self.router.clone(), self.pending.clone(), self.slot.clone());
            service_fn(move |mut request: Request<Incoming>| {
                // Its headers are complete: the connection does not wait any more, until its answer is sent.
                pending.leave(&slot);
                // Handlers read the peer's address (recorded at login, used by the throttle).
                request.extensions_mut().insert(ConnectInfo(remote));
                let router = router.clone();
                let waits_again = Some((pending.clone(), slot.clone()));
                async move {
                    let response = router.oneshot(request.map(Body::new)).await?;
                    Ok::<_, std::convert::Infallible>(
                        response.map(|body| ThenWaiting { body, waits_again }),
                    )
                }
            })
        };
        // Declared before the connection, so dropped after it, and after the body it may still hold: the
        // slot is closed for good then, whichever way the connection ended (a panic or a cancellation too).
        let _departure = Departure(self.pending.clone(), self.slot.clone());
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_read_timeout);
        let mut connection = pin!(builder.serve_connection(TokioIo::new(stream), service));
        let mut shutting_down = false;
        let mut evicted_until = None;
        loop {
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                    break;
                }
                // One that never got an answer closes at once; one that may still be flushing its last answer
                // gets a moment to finish it.
                () = self.slot.evict.notified(), if evicted_until.is_none() => {
                    tracing::debug!("waiting connection closed to make room for a new one");
                    if !self.slot.answered.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    connection.as_mut().graceful_shutdown();
                    evicted_until = Some(tokio::time::Instant::now() + EVICTION_GRACE);
                }
                () = sleep_until(evicted_until), if evicted_until.is_some() => break,
                changed = self.stopping.changed(), if !shutting_down => {
                    shutting_down = true;
                    if changed.is_ok() {
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
        }
    }
}

/// `deadline`, or never.
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// A connection's end: its slot leaves the waiting ones for good.
struct Departure(Arc<PendingConnections>, Arc<Slot>);

impl Drop for Departure {
    fn drop(&mut self) {
        self.0.close(&self.1);
    }
}

/// A response's body that puts its connection back among the waiting ones once it is sent (hyper drops it
/// then), since the connection then waits for its next request.
struct ThenWaiting {
    body: Body,
    waits_again: Option<(Arc<PendingConnections>, Arc<Slot>)>,
}

impl hyper::body::Body for ThenWaiting {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for ThenWaiting {
    fn drop(&mut self) {
        if let Some((pending, slot)) = self.waits_again.take() {
            slot.answered
                .store(true, std::sync::atomic::Ordering::Relaxed);
            pending.join(&slot);
        }
    }
}

/// A connection's entry among the waiting ones: its place while it waits, and the signal that closes it to
/// make room.
#[derive(Default)]
struct Slot {
    place: Mutex<Option<u64>>,
    /// The connection has ended: a body dropped after it must not put it back in line.
    closed: std::sync::atomic::AtomicBool,
    /// The connection has had an answer, which it may still be flushing when it is told to make room.
    answered: std::sync::atomic::AtomicBool,
    evict: Notify,
}

/// The connections waiting for a request, oldest first. Locks are taken in one order: the queue's, then a
/// slot's.
struct PendingConnections {
    limit: usize,
    state: Mutex<Pending>,
}

#[derive(Default)]
struct Pending {
    next_place: u64,
    waiting: VecDeque<(u64, Arc<Slot>)>,
}

impl PendingConnections {
    fn new(limit: usize) -> Self {
        Self {
            limit: limit.max(1),
            state: Mutex::default(),
        }
    }

    /// Puts `slot`'s connection last in line, closing the oldest waiting one if there are `limit` already.
    fn join(&self, slot: &Arc<Slot>) {
        let mut state = lock(&self.state);
        // Set under the queue's lock (see `close`), so it cannot change between this test and the push.
        if slot.closed.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        while state.waiting.len() >= self.limit {
            if let Some((_, oldest)) = state.waiting.pop_front() {
                *lock(&oldest.place) = None;
                // Stored if the connection's task is not waiting on it yet, so it is not missed.
                oldest.evict.notify_one();
            }
        }
        let place = state.next_place;
        state.next_place += 1;
        state.waiting.push_back((place, slot.clone()));
        *lock(&slot.place) = Some(place);
    }

    /// `slot`'s connection has ended: it leaves the line and never joins it again.
    fn close(&self, slot: &Slot) {
        let mut state = lock(&self.state);
        slot.closed
            .store(true, std::sync::atomic::Ordering::Relaxed);
        Self::remove(&mut state, slot);
    }

    /// `slot`'s connection has sent a request.
    fn leave(&self, slot: &Slot) {
        Self::remove(&mut lock(&self.state), slot);
    }

    fn remove(state: &mut Pending, slot: &Slot) {
        let Some(place) = lock(&slot.place).take() else {
            return;
        };
        // Places only grow, so the queue is sorted by them.
        if let Ok(index) = state
            .waiting
            .binary_search_by_key(&place, |(waiting, _)| *waiting)
        {
            state.waiting.remove(index);
        }
    }
}

/// A lock whose holder cannot leave it half-changed: a panic elsewhere does not poison it for good.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An error from `accept`: a client that gave up before it was accepted is nobody's problem; anything else
/// (out of file descriptors, most likely) is logged, and accepting pauses a second for sockets to close.
async fn wait_after_accept_error(error: io::Error) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "cannot accept a connection");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{PendingConnections, Slot};

    #[test]
    fn past_the_limit_the_oldest_waiting_connection_makes_room() {
        let pending = PendingConnections::new(2);
        let slots: Vec<Arc<Slot>> = (0..4).map(|_| Arc::new(Slot::default())).collect();
        pending.join(&slots[0]);
        pending.join(&slots[1]);
        pending.leave(&slots[0]);
        pending.join(&slots[2]);
        pending.join(&slots[3]);
        let waiting: Vec<u64> = pending
            .state
            .lock()
            .expect("lock")
            .waiting
            .iter()
            .map(|(place, _)| *place)
            .collect();
        assert_eq!(waiting, [2, 3], "the first left, the second made room");
        assert!(slots[1].place.lock().expect("lock").is_none());
        // The first, busy with a request, then waits again: last in line.
        pending.join(&slots[0]);
        assert!(
            slots[2].place.lock().expect("lock").is_none(),
            "the oldest made room"
        );
        assert_eq!(*slots[0].place.lock().expect("lock"), Some(4));

        // A connection that ended is out for good, even if a body it left behind is dropped later.
        pending.close(&slots[0]);
        pending.join(&slots[0]);
        assert!(slots[0].place.lock().expect("lock").is_none());
        assert_eq!(pending.state.lock().expect("lock").waiting.len(), 1);
    }
}
