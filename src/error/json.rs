//! The JSON face of [`AppError`]: the API's error body, with the status, `Retry-After` and `WWW-Authenticate`
//! each error calls for.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::{AppError, FieldErrors};

/// Every error answer of the JSON API: `{"error": {...}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

/// What went wrong, for people (`message`) and programs (`code`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable name of the error: `validation`, `not_found`, `unauthenticated`, …
    code: &'static str,
    /// A sentence fit to show to the user.
    message: String,
    /// For `validation` and `conflict`: messages per field.
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<FieldErrors>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
                fields: self.fields().cloned(),
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after_seconds() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if matches!(self, Self::Unauthenticated) {
            // RFC 9110: a 401 names the scheme that would work.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="leptodo""#),
            );
        }
        response
    }
}
