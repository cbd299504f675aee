//! The errors a client may see, in both faces: a server function's (here) and the JSON API's (`json`), and
//! the operator's reasons a server could not start (`startup`). Internal details are logged on the server and
//! never sent.

#[cfg(feature = "ssr")]
pub mod json;
#[cfg(feature = "ssr")]
pub mod startup;

use leptos::server_fn::{self, codec::JsonEncoding, error::FromServerFnError};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An error as returned by a server function or the JSON API: safe to show to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Some fields break a rule; the messages are per field.
    #[error("Please correct the highlighted fields.")]
    Validation(FieldErrors),
    /// Some fields name something that already exists, such as a registered email.
    #[error("Some of these details are already registered.")]
    Conflict(FieldErrors),
    /// The login or the password is wrong; deliberately does not say which.
    #[error("Wrong email, username or password.")]
    InvalidCredentials,
    /// The password was right but the account has been deactivated.
    #[error("This account has been deactivated.")]
    Inactive,
    /// The request needs a logged-in user.
    #[error("Please log in to continue.")]
    Unauthenticated,
    /// The password was right but the account has not confirmed its email address, which this site requires.
    #[error(
        "Please confirm your email address first: open the link we sent you, or ask for a new one."
    )]
    Unconfirmed,
    /// A link from a mail that does not work: malformed, unknown, expired, already used or for another purpose.
    #[error(
        "This link does not work: it has expired, has been used already, or was not copied whole."
    )]
    InvalidLink,
    /// The action could take the account over, and this session's password was entered too long ago: the
    /// password is asked for again (`reauthenticate_minutes`).
    #[error("For your security, enter your password again to continue.")]
    ReauthenticationRequired,
    /// The user is logged in but lacks the role this needs.
    #[error("You do not have permission to do this.")]
    Forbidden,
    /// The request is understood and allowed, but would break a rule, such as removing the last admin.
    #[error("{0}")]
    Refused(String),
    /// Too many recent failures for this account or address; nothing was checked.
    #[error("Too many failed attempts. Please wait {} minute(s) and try again.", .retry_after_seconds.div_ceil(60))]
    TooManyAttempts {
        /// Seconds until an attempt may succeed again (`Retry-After`).
        retry_after_seconds: u64,
    },
    /// The user already holds as many live-update streams as one user may.
    #[error("Too many windows are showing live updates for this account. Close some and reload.")]
    TooManyStreams,
    /// Changes queued under a login that has ended, sent under another: none was applied.
    #[error("These changes were made while you were logged in before, and were not saved.")]
    StaleLogin,
    /// An unsafe request sent by a browser on behalf of another site.
    #[error("This request came from another site and was refused.")]
    CrossSite,
    /// Nothing lives at this path, or it is not yours to see.
    #[error("Not found.")]
    NotFound,
    /// The request body could not be read: malformed JSON, a missing field, a value of the wrong type.
    #[error("{0}")]
    BadRequest(String),
    /// The path exists but not with this HTTP method.
    #[error("This method is not allowed here.")]
    MethodNotAllowed,
    /// The request body is larger than the configured limit.
    #[error("The request is too large.")]
    PayloadTooLarge,
    /// The request body is not JSON.
    #[error("Send the request body as JSON with Content-Type: application/json.")]
    UnsupportedMediaType,
    /// Too many requests are waiting for the same scarce work (password hashing); try again shortly.
    #[error("The server is busy. Please try again in a moment.")]
    Overloaded,
    /// The request took longer than the server allows and was abandoned; nothing it started was kept.
    #[error("The server took too long to answer. Please try again.")]
    TimedOut,
    /// Something failed on the server; the details are in the server log only.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request never completed: network failure or a response we could not read.
    #[error("Could not reach the server. Check your connection and try again.")]
    Unreachable,
}

/// How long an overloaded server asks clients to wait: long enough for a queue of hashes to drain.
const OVERLOAD_RETRY_AFTER_SECONDS: u64 = 2;

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Validation(_) => 422,
            Self::Conflict(_) | Self::Refused(_) | Self::StaleLogin => 409,
            Self::InvalidCredentials | Self::Unauthenticated => 401,
            Self::BadRequest(_) | Self::InvalidLink => 400,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::Inactive
            | Self::Unconfirmed
            | Self::CrossSite
            | Self::Forbidden
            | Self::ReauthenticationRequired => 403,
            Self::TooManyAttempts { .. } | Self::TooManyStreams => 429,
            Self::Internal => 500,
            Self::Unreachable | Self::Overloaded | Self::TimedOut => 503,
        }
    }

    /// A stable machine-readable name, used as `error.code` in the JSON API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation(_) => "validation",
            Self::Conflict(_) => "conflict",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Inactive => "inactive",
            Self::Unconfirmed => "unconfirmed",
            Self::InvalidLink => "invalid_link",
            Self::CrossSite => "cross_site",
            Self::Forbidden => "forbidden",
            Self::ReauthenticationRequired => "reauthentication_required",
            Self::Refused(_) => "refused",
            Self::TooManyAttempts { .. } => "too_many_attempts",
            Self::TooManyStreams => "too_many_streams",
            Self::StaleLogin => "stale_login",
            Self::Unauthenticated => "unauthenticated",
            Self::BadRequest(_) => "bad_request",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Internal => "internal",
            Self::Overloaded => "overloaded",
            Self::TimedOut => "timed_out",
            Self::Unreachable => "unreachable",
        }
    }

    /// Seconds the client should wait before trying again (`Retry-After`), for the errors that say so.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            Self::TooManyAttempts {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            Self::Overloaded | Self::TimedOut => Some(OVERLOAD_RETRY_AFTER_SECONDS),
            _ => None,
        }
    }

    /// A validation error with one message for one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let mut fields = FieldErrors::default();
        fields.add(field, message);
        Self::Validation(fields)
    }

    /// The most specific sentence for the user: the fields' own messages rather than "Please correct the
    /// highlighted fields." when there is no form to highlight them in.
    pub fn user_message(&self) -> String {
        self.fields()
            .map(|fields| fields.messages().join(" "))
            .filter(|message| !message.is_empty())
            .unwrap_or_else(|| self.to_string())
    }

    /// The per-field messages, for the errors that have them.
    pub fn fields(&self) -> Option<&FieldErrors> {
        match self {
            Self::Validation(fields) | Self::Conflict(fields) => Some(fields),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: server_fn::error::ServerFnErrorErr) -> Self {
        use server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Args(detail) => Self::malformed_request(&detail),
            // On the server, what could not be decoded is the request: a body that is not UTF-8, or one the
            // body limit cut short; in the browser it is the server's answer.
            E::Deserialization(detail) if cfg!(feature = "ssr") => {
                match detail.contains("length limit exceeded") {
                    true => Self::PayloadTooLarge.answered_at_once(),
                    false => Self::malformed_request(&detail),
                }
            }
            E::Request(_) | E::Response(_) | E::Deserialization(_) => Self::Unreachable,
            _ => Self::Internal,
        }
    }
}

impl AppError {
    /// A server function's request that did not decode: the client's mistake, 400, not the server's 500.
    fn malformed_request(detail: &str) -> Self {
        Self::BadRequest(format!(
            "The request's fields are missing or malformed: {detail}"
        ))
        .answered_at_once()
    }

    /// The error of a server function that never ran, so `with_status` cannot give the answer its status:
    /// it is given here.
    fn answered_at_once(self) -> Self {
        #[cfg(feature = "ssr")]
        if let (Some(response), Ok(status)) = (
            leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
            axum::http::StatusCode::from_u16(self.status()),
        ) {
            response.set_status(status);
        }
        self
    }
}

/// Gives a server function's error its own status (422, 401, …) instead of the default 500, so logs and
/// clients see what happened. A form POST made without JavaScript keeps the redirect Leptos answers it with.
#[cfg(feature = "ssr")]
pub fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    use leptos::prelude::use_context;
    if let Err(error) = &result {
        if !is_plain_form_post() {
            if let (Some(response), Ok(status)) = (
                use_context::<leptos_axum::ResponseOptions>(),
                axum::http::StatusCode::from_u16(error.status()),
            ) {
                response.set_status(status);
                if let Some(seconds) = error.retry_after_seconds() {
                    response.insert_header(
                        axum::http::header::RETRY_AFTER,
                        axum::http::HeaderValue::from(seconds),
                    );
                }
            }
        }
    }
    result
}

/// Inside a server function: whether the request is a form POST made without JavaScript (the browser asks for
/// HTML; the hydrated page asks for JSON). Leptos answers those with a redirect back to the form's page. A page
/// being rendered (a GET) is not one, even when its resources call server functions.
#[cfg(feature = "ssr")]
pub fn is_plain_form_post() -> bool {
    leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts.method == axum::http::Method::POST
            && parts
                .headers
                .get(axum::http::header::ACCEPT)
                .and_then(|accept| accept.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"))
    })
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        tracing::error!(%error, "database error");
        Self::Internal
    }
}

#[cfg(feature = "ssr")]
impl From<crate::auth::hashing::HashingError> for AppError {
    fn from(error: crate::auth::hashing::HashingError) -> Self {
        use crate::auth::hashing::HashingError;
        if let HashingError::Overloaded = error {
            return Self::Overloaded;
        }
        tracing::error!(%error, "password hashing");
        Self::Internal
    }
}

#[cfg(feature = "ssr")]
impl From<tower_sessions::session::Error> for AppError {
    fn from(error: tower_sessions::session::Error) -> Self {
        tracing::error!(%error, "session store error");
        Self::Internal
    }
}

/// Messages for a form, keyed by field name (sorted, so output is stable): what the page shows next to each
/// input and what the JSON API returns as `fields`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    /// Adds a message for `field`.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }

    /// Keeps the value of a successful parse, or records its message under `field`.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, String>) -> Option<T> {
        parsed.map_err(|message| self.add(field, message)).ok()
    }

    /// The messages for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&[String]> {
        self.0.get(field).map(Vec::as_slice)
    }

    /// Every message, field by field.
    pub fn messages(&self) -> Vec<String> {
        self.0.values().flatten().cloned().collect()
    }

    /// Each field with its messages, by field name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Vec<String>)> {
        self.0.iter()
    }

    /// Whether no field has a message.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
