//! The export: everything the site holds about an account, as one JSON document (GDPR Art. 15 and 20). The
//! small parts are read first, so a failure is an honest error status; the todos, which may be many, follow a
//! page at a time as the download proceeds, so memory stays flat however long the list.
//!
//! Never in it: the password hash, the session secret, token secrets or digests, two-factor secrets, passkey
//! keys, session ids, or anything of another account.

use axum::body::Bytes;
use futures::{Stream, StreamExt};
use serde::Serialize;
use tower_sessions::session::Id;

use crate::{
    account::{
        activity::{queries as activity, ActivityEntry},
        devices::{service as devices, SignedInDevice},
    },
    auth::{
        passkeys::{self, PasskeySummary},
        queries::{self as accounts, UserRecord},
        tokens::{self, ApiToken},
        two_factor,
    },
    db::Pool,
    error::AppError,
    state::AppState,
    timestamp::Timestamp,
    todos::{
        queries::{self as todos, Owner, Page},
        TodoFilter,
    },
};

/// Names the document's layout, for whoever reads it back.
const FORMAT: &str = "leptodo-export/1";
/// Todos read and written per step of the download.
const TODOS_PER_STEP: i64 = 500;

/// The account itself, as the export shows it.
#[derive(Serialize)]
struct Account<'a> {
    id: i64,
    username: &'a str,
    name: &'a str,
    email: &'a str,
    website: Option<&'a str>,
    active: bool,
    created_at: &'a Timestamp,
    email_confirmed_at: Option<&'a Timestamp>,
    current_login_at: Option<&'a Timestamp>,
    current_login_ip: Option<&'a str>,
    last_login_at: Option<&'a Timestamp>,
    last_login_ip: Option<&'a str>,
    login_count: i64,
    roles: Vec<String>,
    two_factor_enabled: bool,
}

/// Everything but the todos.
#[derive(Serialize)]
struct Head<'a> {
    format: &'static str,
    exported_at: Timestamp,
    account: Account<'a>,
    passkeys: Vec<PasskeySummary>,
    api_tokens: Vec<ApiToken>,
    sessions: Vec<SignedInDevice>,
    security_log: Vec<ActivityEntry>,
}

/// The export of `user` (the caller's own login is `current`), as a stream of JSON text. Reads all but the
/// todos before answering.
pub async fn export(
    state: &AppState,
    user: &UserRecord,
    current: Option<&Id>,
) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, AppError> {
    let reads = state.pool.reads();
    let head = Head {
        format: FORMAT,
        exported_at: Timestamp::now(),
        account: Account {
            id: user.id,
            username: &user.username,
            name: &user.name,
            email: &user.email,
            website: user.website.as_deref(),
            active: user.active,
            created_at: &user.created_at,
            email_confirmed_at: user.confirmed_at.as_ref(),
            current_login_at: user.current_login_at.as_ref(),
            current_login_ip: user.current_login_ip.as_deref(),
            last_login_at: user.last_login_at.as_ref(),
            last_login_ip: user.last_login_ip.as_deref(),
            login_count: user.login_count,
            roles: accounts::role_names(reads, user.id).await?,
            two_factor_enabled: two_factor::queries::find_enabled(reads, user.id)
                .await?
                .is_some(),
        },
        passkeys: passkeys::service::list(state, user).await?,
        api_tokens: tokens::service::list(state, user).await?,
        sessions: devices::list(state, user, current).await?,
        security_log: activity::all(&state.pool, user.id).await?,
    };
    let mut opening = serde_json::to_vec(&head).map_err(|_| AppError::Internal)?;
    // `{…}` becomes `{…,"todos":[`, closed once the last todo is written.
    opening.pop();
    opening.extend_from_slice(br#","todos":["#);
    let steps = Steps {
        pool: state.pool.clone(),
        owner: Owner::from(user),
        after: 0,
        opening: Some(opening),
        done: false,
    };
    // Fused: a body may be polled again after its end (the compression layer is), which `unfold` forbids.
    Ok(futures::stream::unfold(steps, |mut steps| async move {
        let step = steps.next().await?;
        Some((step, steps))
    })
    .fuse())
}

/// Where the download is.
struct Steps {
    pool: Pool,
    owner: Owner,
    /// The id of the last todo written.
    after: i64,
    /// The document up to the todos, until it is sent.
    opening: Option<Vec<u8>>,
    done: bool,
}

impl Steps {
    /// The next piece of the document; `None` once it is whole.
    async fn next(&mut self) -> Option<Result<Bytes, std::io::Error>> {
        if let Some(opening) = self.opening.take() {
            return Some(Ok(Bytes::from(opening)));
        }
        if self.done {
            return None;
        }
        let page = Page {
            after: self.after,
            limit: Some(TODOS_PER_STEP),
        };
        let (page, more) = match todos::list(&self.pool, self.owner, TodoFilter::All, page).await {
            Ok(found) => found,
            Err(error) => {
                // The download ends cut short, and so is not valid JSON: no reader mistakes it for whole.
                self.done = true;
                tracing::warn!(%error, "export: reading todos failed");
                return Some(Err(std::io::Error::other(error)));
            }
        };
        let mut piece = Vec::with_capacity(page.len() * 128 + 2);
        for todo in &page {
            if self.after != 0 {
                piece.push(b',');
            }
            // A todo is plain data; were it ever not to serialise, the download ends cut short, as above.
            if let Err(error) = serde_json::to_writer(&mut piece, todo) {
                self.done = true;
                return Some(Err(std::io::Error::other(error)));
            }
            self.after = todo.id;
        }
        if !more {
            piece.extend_from_slice(b"]}");
            self.done = true;
        }
        Some(Ok(Bytes::from(piece)))
    }
}
