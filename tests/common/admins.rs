//! Helpers for the administration tests: admins made the way an operator makes them, and what they see.

use leptodo::{
    admin::operations::{self, Actor},
    domain::RoleName,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::{Api, TestApp};

/// The id of the user `api` is logged in as.
pub async fn id_of(api: &Api) -> i64 {
    let (status, body) = api.get("/api/auth/me").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["user"]["id"].as_i64().expect("user id")
}

/// A new user holding the `admin` role, granted the way an operator would, logged in by cookie.
pub async fn admin(app: &TestApp, username: &str) -> Api {
    let api = app.user(username).await;
    let id = id_of(&api).await;
    operations::grant_role(
        &app.database().await,
        &Actor::command_line(),
        id,
        &RoleName::admin(),
    )
    .await
    .expect("granted");
    api
}

/// A cookie-less client using a new API token of `api`'s user.
pub async fn token_client(app: &TestApp, api: &Api) -> Api {
    let (status, created) = api
        .post("/api/auth/tokens", &json!({"name": "script"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    app.anonymous()
        .with_bearer(created["token"].as_str().expect("token"))
}

/// What the admin API says about user `id` (searched by username).
pub async fn managed(admin: &Api, username: &str) -> Value {
    let (status, body) = admin.get(&format!("/api/admin/users?q={username}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|user| user["username"] == username)
        .cloned()
        .unwrap_or_else(|| panic!("{username} not found: {body}"))
}
