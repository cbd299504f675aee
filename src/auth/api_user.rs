//! Who is calling the JSON API: the owner of a bearer token, or the user of the session cookie.

use axum::{
    extract::FromRequestParts,
    http::{header::AUTHORIZATION, request::Parts},
};
use tower_sessions::Session;

use super::{queries::UserRecord, reauth::Proof, session, tokens::queries as tokens};
use crate::{error::AppError, secret::Secret, state::AppState};

/// An authenticated API caller; extracting it answers 401 JSON for anyone else, never a redirect.
pub struct ApiUser {
    /// The caller's account, active and current.
    pub record: UserRecord,
    /// The session, when the caller came with the cookie rather than a token.
    pub session: Option<Session>,
}

impl ApiUser {
    /// The id of the caller's session; `None` for a bearer token.
    pub fn session_id(&self) -> Option<tower_sessions::session::Id> {
        self.session.as_ref().and_then(Session::id)
    }

    /// What this caller brings to an action that needs a fresh password: its session (none for a bearer
    /// token) and `password`, if the request sent one.
    pub fn proof<'a>(&'a self, password: Option<&'a Secret>) -> Proof<'a> {
        Proof {
            session: self.session.as_ref(),
            password,
        }
    }
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        // A request that names a token is judged by that token alone: a bad token is not rescued by a cookie.
        if parts.headers.contains_key(AUTHORIZATION) {
            let token = bearer_token(&parts.headers).ok_or(AppError::Unauthenticated)?;
            let record = tokens::authenticate(&state.pool, token)
                .await?
                .ok_or(AppError::Unauthenticated)?;
            return Ok(Self {
                record,
                session: None,
            });
        }
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, message)| {
                tracing::error!(message, "session layer missing");
                AppError::Internal
            })?;
        let record = session::current_user(&session, state.sessions, &state.pool)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok(Self {
            record,
            session: Some(session),
        })
    }
}

/// The token of an `Authorization: Bearer <token>` header, if the request has one.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}
