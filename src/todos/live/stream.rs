//! `GET /api/events`: the caller's live-update stream (server-sent events), for the todo page and API clients.

use std::{collections::VecDeque, convert::Infallible, sync::Arc, time::Duration};

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue},
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
};
use tokio::sync::broadcast::error::RecvError;
use tower_sessions::{session::Id, Session};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    event_names::{HELLO, RESYNC},
    hub::{Full, Signal, Subscription},
    ListVersion, TodoEvent,
};
use crate::{
    auth::{
        api_user::{bearer_token, ApiUser},
        session,
        tokens::queries as tokens,
    },
    error::AppError,
    session_store,
    state::AppState,
    todos::queries::{self, Owner},
};

/// How often an open stream checks that its login or token still holds, besides being told to when a login
/// ends, a password changes or an account is deactivated (which the server does on every instance).
const RECHECK_EVERY: Duration = Duration::from_secs(60);

/// This module's route, documented by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

/// The caller's live updates: a server-sent event stream of every change to their own todos.
///
/// The first event is `hello` with the list's current `version`. Then one event per committed change, named
/// by its `kind` (`todo_created`, `todo_updated`, `todo_deleted`, `todos_toggled`, `todos_cleared`), whose
/// `id` is the list's version after it; each change raises the version by one, so a gap means something was
/// missed. `resync` says that changes were missed (the client read too slowly, or instances lost touch): load
/// the list again. A reconnect that sends `Last-Event-ID` (browsers do) other than the current version gets a
/// `resync` after `hello`. Idle streams receive a comment every `events_keep_alive_seconds`. The stream ends
/// when the login or token stops being valid (logout, password change, deactivation) or the server stops.
#[utoipa::path(
    get, path = "/api/events", tag = "todos",
    params(
        ("Last-Event-ID" = Option<i64>, Header, description = "The last event id received, when reconnecting"),
    ),
    responses(
        (status = 200, content_type = "text/event-stream",
            description = "Events `hello` and `resync` carry `ListVersion`; the others carry `TodoEvent`",
            body = TodoEvent),
        (status = 401, description = "Not logged in", body = crate::error::json::ErrorBody),
        (status = 429, description = "The account holds `events_streams_per_user` streams already", body = crate::error::json::ErrorBody),
        (status = 503, description = "The instance holds `events_streams_total` streams already", body = crate::error::json::ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn events(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let credential = Credential::of(&user, &headers).ok_or(AppError::Unauthenticated)?;
    let subscription = state
        .live
        .subscribe(user.record.id)
        .map_err(|full| match full {
            Full::User => AppError::TooManyStreams,
            Full::Instance => AppError::Overloaded,
        })?;
    // Read after subscribing: a change committed in between is counted in this version and also delivered,
    // which a client tells apart by its version; it is never lost.
    let owner = Owner::from(&user.record);
    let version = queries::version(&state.pool, owner).await?;
    let last_seen = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<i64>().ok());
    let mut opening = VecDeque::from([version_event(HELLO, version)]);
    if last_seen.is_some_and(|seen| seen != version) {
        opening.push_back(version_event(RESYNC, version));
    }
    let keep_alive = KeepAlive::new().interval(state.live.keep_alive());
    let feed = Feed {
        opening,
        subscription,
        credential,
        store: Arc::new(session_store::Store::new(&state.pool)),
        owner,
        user: user.record.id,
        recheck: tokio::time::interval_at(
            tokio::time::Instant::now() + RECHECK_EVERY,
            RECHECK_EVERY,
        ),
        state,
    };
    let stream = futures::stream::unfold(feed, |mut feed| async move {
        let event = feed.next().await?;
        Some((Ok::<_, Infallible>(event), feed))
    });
    let mut response = Sse::new(stream).keep_alive(keep_alive).into_response();
    // Proxies such as nginx hold back a response until it is done unless told not to.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

fn version_event(name: &'static str, version: i64) -> Event {
    let data = serde_json::to_string(&ListVersion { version }).unwrap_or_default();
    Event::default()
        .event(name)
        .id(version.to_string())
        .data(data)
}

/// What proved who the caller is, checked again while the stream is open.
enum Credential {
    /// The session cookie's session.
    Session(Id),
    /// A bearer token (kept only in this process's memory, like any request's header).
    Token(String),
}

impl Credential {
    fn of(user: &ApiUser, headers: &HeaderMap) -> Option<Self> {
        match &user.session {
            Some(session) => session.id().map(Self::Session),
            None => bearer_token(headers).map(|token| Self::Token(token.to_owned())),
        }
    }
}

/// One open stream.
struct Feed {
    opening: VecDeque<Event>,
    subscription: Subscription,
    credential: Credential,
    store: Arc<session_store::Store>,
    owner: Owner,
    user: i64,
    recheck: tokio::time::Interval,
    state: AppState,
}

impl Feed {
    /// The next event to send; `None` ends the stream.
    async fn next(&mut self) -> Option<Event> {
        if let Some(event) = self.opening.pop_front() {
            return Some(event);
        }
        loop {
            let woke = tokio::select! {
                biased;
                _ = self.subscription.stopping.wait_for(|stopping| *stopping) => return None,
                signal = self.subscription.signals.recv() => signal,
                _ = self.recheck.tick() => Ok(Signal::Recheck),
            };
            match woke {
                Ok(Signal::Change(change)) => {
                    return Some(
                        Event::default()
                            .event(change.kind)
                            .id(change.version.to_string())
                            .data(&change.data),
                    )
                }
                // Fell more than the backlog behind: what was missed is gone, so the client reloads.
                Ok(Signal::Resync) | Err(RecvError::Lagged(_)) => return self.resync().await,
                Ok(Signal::Recheck) => {
                    if !self.still_allowed().await {
                        return None;
                    }
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// A `resync` with the current version; without a database the stream ends, and the client's reconnect
    /// (which starts with `hello`) tells it what it needs.
    async fn resync(&self) -> Option<Event> {
        match queries::version(&self.state.pool, self.owner).await {
            Ok(version) => Some(version_event(RESYNC, version)),
            Err(error) => {
                tracing::warn!(%error, "live updates: cannot read a list's version; ending its stream");
                None
            }
        }
    }

    /// Whether the login or token that opened the stream is still valid for the same user. A database error
    /// keeps the stream: the next check decides.
    async fn still_allowed(&self) -> bool {
        let user = match &self.credential {
            Credential::Session(id) => {
                let session = Session::new(Some(*id), self.store.clone(), None);
                session::current_user(&session, self.state.sessions, &self.state.pool).await
            }
            Credential::Token(token) => tokens::authenticate(&self.state.pool, token).await,
        };
        match user {
            Ok(user) => user.is_some_and(|user| user.id == self.user),
            Err(error) => {
                tracing::warn!(%error, "live updates: cannot check a stream's login; keeping it");
                true
            }
        }
    }
}
