//! The JSON API as a whole: the `/api/` 404 and 405, and the OpenAPI document around the routes. Each feature's
//! `api.rs` returns an `OpenApiRouter` whose routes and documentation come from one `#[utoipa::path]` per
//! handler; the composition root merges them into [`ApiDoc`] and hands the result to [`routes`]. What each
//! route uses is in the leaf `extract` (and the error body in `error::json`).

pub mod extract;

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{any, get},
    Router,
};
use utoipa::{
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};

use crate::{error::AppError, state::AppState};

/// `/api/openapi.json`, serving `document` (the features' routes merged into [`ApiDoc`]) with the common
/// errors and the security schemes added, and the answers for `/api/` paths no route claims. Merge last: the
/// catch-all must not shadow a real route (axum prefers static routes anyway).
pub fn routes(mut document: utoipa::openapi::OpenApi) -> Router<AppState> {
    SecuritySchemes.modify(&mut document);
    CommonErrors.modify(&mut document);
    let json = match serde_json::to_string(&document) {
        Ok(json) => json,
        Err(error) => {
            tracing::error!(%error, "the OpenAPI document does not serialise");
            String::new()
        }
    };
    Router::new()
        .route(
            "/api/openapi.json",
            get(move || std::future::ready(openapi_json(&json))),
        )
        .route("/api/{*rest}", any(not_found))
}

/// Unknown `/api/` paths answer in the API's JSON shape, not with the HTML 404 page.
async fn not_found() -> AppError {
    AppError::NotFound
}

/// Middleware: the body limit answers 413 in plain text; give it the API's error shape.
pub async fn explain_payload_too_large(response: Response) -> Response {
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE
        && response.headers().get(header::CONTENT_TYPE)
            != Some(&HeaderValue::from_static("application/json"))
    {
        return AppError::PayloadTooLarge.into_response();
    }
    response
}

/// A known `/api/` path asked with a method it does not take.
pub async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}

fn openapi_json(json: &str) -> Response {
    if json.is_empty() {
        return AppError::Internal.into_response();
    }
    (
        [(header::CONTENT_TYPE, "application/json")],
        json.to_owned(),
    )
        .into_response()
}

/// What the JSON API's document says of itself: its title, tags and the schemas no handler names; the paths
/// come from the features' routers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Leptodo API",
        description = "Accounts and todos. Authenticate with the session cookie from `POST /api/auth/login` \
                       or with `Authorization: Bearer <token>` (create tokens at `POST /api/auth/tokens`). \
                       Every error is `{\"error\": {\"code\", \"message\", \"fields\"?}}`."
    ),
    // Named only as a query parameter's type, which utoipa does not collect by itself.
    components(schemas(crate::todos::TodoFilter, crate::todos::live::ListVersion)),
    tags(
        (name = "auth", description = "Register, log in and out, the current user, the password, and the links \
                                        sent by mail: confirmation, password reset, change of address"),
        (name = "tokens", description = "Personal access tokens for scripts"),
        (name = "passkeys", description = "The caller's passkeys: add (from a browser session), rename, remove"),
        (name = "account", description = "The caller's signed-in devices, security log, data export, and deleting \
                                           the account"),
        (name = "todos", description = "The caller's todos"),
        (name = "admin", description = "Users and roles, for holders of the `admin` role"),
    )
)]
pub struct ApiDoc;

/// Declares the two ways to authenticate that the paths' `security` entries name.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::session_store::COOKIE_NAME,
                "Set by `POST /api/auth/login`; named `__Host-leptodo_session` on sites served over HTTPS.",
            ))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Documents the errors any operation of its kind can answer, where the operation does not already: 400
/// everywhere (malformed input), 401 where a login is required, 403 for unsafe methods (cross-site requests),
/// and 413, 415 and 422 for operations with a body. All in the shape of [`ErrorBody`].
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let safe = [&mut item.get]
                .into_iter()
                .flatten()
                .map(|operation| (operation, false));
            let unsafe_methods = [
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            .map(|operation| (operation, true));
            for (operation, is_unsafe) in safe.chain(unsafe_methods) {
                let has_body = operation.request_body.is_some();
                let needs_login = operation
                    .security
                    .as_ref()
                    .is_some_and(|requirements| !requirements.is_empty());
                let common = common_errors(needs_login, is_unsafe, has_body);
                for (status, applies, description) in common {
                    if applies {
                        operation
                            .responses
                            .responses
                            .entry(status.to_owned())
                            .or_insert_with(|| error(description).into());
                    }
                }
            }
        }
    }
}

/// Each error an operation may answer whatever it does, and whether it applies to one that needs a login,
/// takes an unsafe method or has a body.
fn common_errors(
    needs_login: bool,
    is_unsafe: bool,
    has_body: bool,
) -> [(&'static str, bool, &'static str); 6] {
    [
        (
            "400",
            true,
            "Malformed request: JSON that does not parse, a missing or unknown field, a bad parameter",
        ),
        (
            "401",
            needs_login,
            "Not logged in, or the token is not valid",
        ),
        (
            "403",
            is_unsafe,
            "Sent by a browser on behalf of another site",
        ),
        ("413", has_body, "Body larger than `max_body_bytes`"),
        ("415", has_body, "Body is not JSON"),
        ("422", has_body, "A rule is broken; `fields` says which"),
    ]
}
