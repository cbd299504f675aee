//! What the JSON routes extract from a request, answering every rejection in the API's error shape: a leaf
//! each feature's `api.rs` uses.

use axum::{
    extract::{FromRequest, FromRequestParts, Path, Request},
    http::request::Parts,
    Json,
};

use crate::error::AppError;

/// A JSON request body whose rejections (not JSON, malformed, missing fields) are answered in the API's error
/// shape instead of axum's plain text.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::UnsupportedMediaType),
            Err(rejection) => Err(AppError::BadRequest(rejection.body_text())),
        }
    }
}

/// The `{id}` of a path. Anything but a positive whole number cannot name a row, so it is "not found" like any
/// other id that is not the caller's.
pub struct ApiId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for ApiId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        raw.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(Self)
            .ok_or(AppError::NotFound)
    }
}
