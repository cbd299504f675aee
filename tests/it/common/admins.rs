//! Helpers for the administration tests: admins made the way an operator makes them, and what they see.

use leptodo::{admin::service, audit::Actor, domain::RoleName};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::AnyPool;

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
    service::grant_role(
        &app.app_pool().await,
        &Actor::command_line(),
        id,
        &RoleName::admin(),
    )
    .await
    .expect("granted");
    api
}

/// A new API token of `api`'s user.
pub async fn new_token(api: &Api) -> String {
    let (status, created) = api
        .post("/api/auth/tokens", &json!({"name": "script"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["token"].as_str().expect("token").to_owned()
}

/// A cookie-less client using a new API token of `api`'s user.
pub async fn token_client(app: &TestApp, api: &Api) -> Api {
    app.anonymous().with_bearer(&new_token(api).await)
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

/// One round of two active admins removing each other at the same moment (even rounds by deactivation, odd ones
/// by taking the role): exactly one succeeds and one active admin remains. Every other admin is retired first.
pub async fn remove_each_other_at_once(alpha: &Api, beta: &Api, round: usize, database: &AnyPool) {
    let (alpha_id, beta_id) = (id_of(alpha).await, id_of(beta).await);
    sqlx::query(
        "UPDATE users SET active = FALSE WHERE id NOT IN ($1, $2)
         AND id IN (SELECT user_id FROM roles_users JOIN roles ON roles.id = role_id WHERE roles.name = 'admin')",
    )
    .bind(alpha_id)
    .bind(beta_id)
    .execute(database)
    .await
    .expect("retire");
    let empty = json!({});
    let path = |id: i64| match round % 2 {
        0 => (Method::POST, format!("/api/admin/users/{id}/deactivate")),
        _ => (Method::DELETE, format!("/api/admin/users/{id}/roles/admin")),
    };
    let ((alpha_method, alpha_path), (beta_method, beta_path)) = (path(beta_id), path(alpha_id));
    let ((alpha_status, _), (beta_status, _)) = tokio::join!(
        alpha.send(alpha_method, &alpha_path, Some(&empty)),
        beta.send(beta_method, &beta_path, Some(&empty))
    );
    let succeeded = [alpha_status, beta_status]
        .iter()
        .filter(|status| **status == StatusCode::OK)
        .count();
    assert_eq!(
        succeeded, 1,
        "round {round}: {alpha_status} and {beta_status}"
    );
    let active_admins: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users JOIN roles_users ON user_id = users.id JOIN roles ON roles.id = role_id
         WHERE roles.name = 'admin' AND users.active",
    )
    .fetch_one(database)
    .await
    .expect("count");
    assert_eq!(active_admins, 1, "round {round}");
}
