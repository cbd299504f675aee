//! Personal access tokens (`/api/auth/tokens`) and bearer authentication, through the real router.

use crate::common;

use common::{spawn_app, spawn_app_with, Api, TestApp, PASSWORD};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

async fn new_token(api: &Api, name: &str) -> Value {
    let (status, token) = api.post("/api/auth/tokens", &json!({ "name": name })).await;
    assert_eq!(status, StatusCode::CREATED, "{token}");
    token
}

fn secret(token: &Value) -> &str {
    token["token"]
        .as_str()
        .expect("the secret is shown at creation")
}

/// A client with no cookies that sends only the token.
fn script(app: &TestApp, token: &Value) -> Api {
    app.anonymous().with_bearer(secret(token))
}

#[tokio::test]
async fn a_token_is_shown_once_and_then_authenticates_a_script() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let token = new_token(&ann, "  backup script ").await;
    assert_eq!(token["name"], "backup script");
    assert!(secret(&token).starts_with("ltd_"));

    let (status, listed) = ann.get("/api/auth/tokens").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        listed,
        json!([{ "id": token["id"], "name": "backup script", "created_at": token["created_at"], "last_used_at": null }])
    );

    let script = script(&app, &token);
    let (status, me) = script.get("/api/auth/me").await;
    assert_eq!(
        (status, me["user"]["username"].as_str()),
        (StatusCode::OK, Some("annlee"))
    );
    let (status, todo) = script
        .post("/api/todos", &json!({ "title": "from cron" }))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        ann.get("/api/todos").await.1[0]["id"],
        todo["id"],
        "the page's user sees it"
    );

    let (_, listed) = ann.get("/api/auth/tokens").await;
    assert!(listed[0]["last_used_at"].as_str().is_some(), "{listed}");
    assert!(
        !listed.to_string().contains(secret(&token)),
        "the list never shows the secret"
    );
}

#[tokio::test]
async fn the_database_keeps_only_a_hash_of_the_token() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let token = new_token(&ann, "phone").await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_all(&app.database().await)
        .await
        .expect("query");
    assert_eq!(stored.len(), 1);
    let random_part = &secret(&token)[4..];
    assert!(!stored[0].contains(random_part) && stored[0] != secret(&token));
}

#[tokio::test]
async fn a_revoked_token_stops_working_and_others_cannot_revoke_it() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let bob = app.user("boblee").await;
    let token = new_token(&ann, "laptop").await;
    let other = new_token(&ann, "desktop").await;
    let path = format!("/api/auth/tokens/{}", token["id"]);

    let (status, body) = bob.delete(&path).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    assert_eq!(
        bob.get("/api/auth/tokens").await.1,
        json!([]),
        "Bob does not see Ann's tokens"
    );
    assert_eq!(
        script(&app, &token).get("/api/todos").await.0,
        StatusCode::OK
    );

    assert_eq!(
        ann.delete(&path).await,
        (StatusCode::NO_CONTENT, Value::Null)
    );
    let (status, body) = script(&app, &token).get("/api/todos").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
    );
    assert_eq!(ann.delete(&path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        script(&app, &other).get("/api/todos").await.0,
        StatusCode::OK,
        "only that one"
    );
}

#[tokio::test]
async fn a_password_change_revokes_every_token() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let token = new_token(&ann, "laptop").await;
    let change = json!({
        "current_password": PASSWORD,
        "new_password": "another long passphrase",
        "new_password_confirm": "another long passphrase",
    });
    assert_eq!(
        ann.post("/api/auth/password", &change).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        script(&app, &token).get("/api/auth/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(ann.get("/api/auth/tokens").await.1, json!([]));
    assert_eq!(
        ann.get("/api/auth/me").await.0,
        StatusCode::OK,
        "the session that changed it stays"
    );
}

#[tokio::test]
async fn a_deactivated_accounts_tokens_do_not_work() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let token = new_token(&ann, "laptop").await;
    sqlx::query("UPDATE users SET active = FALSE WHERE username = 'annlee'")
        .execute(&app.database().await)
        .await
        .expect("deactivate");
    assert_eq!(
        script(&app, &token).get("/api/todos").await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_bad_authorization_header_is_refused_even_with_a_valid_cookie() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let token = new_token(&ann, "laptop").await;
    let forged = format!("ltd_{}", "0".repeat(64));
    let truncated = &secret(&token)[..20];
    for header_value in [
        format!("Bearer {forged}"),
        format!("Bearer {truncated}"),
        format!("Basic {}", secret(&token)),
        secret(&token).to_owned(),
        "Bearer ".to_owned(),
        "Bearer ltd_' OR '1'='1".to_owned(),
    ] {
        let (status, body) = ann
            .with_authorization(&header_value)
            .get("/api/todos")
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{header_value}");
        assert_eq!(body["error"]["code"], "unauthenticated");
    }
    assert_eq!(
        ann.get("/api/todos").await.0,
        StatusCode::OK,
        "the cookie alone still works"
    );
}

#[tokio::test]
async fn token_names_follow_the_rules_and_creation_needs_a_login() {
    let app = spawn_app().await;
    let (status, body) = app
        .anonymous()
        .post("/api/auth/tokens", &json!({ "name": "x" }))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
    );

    let ann = app.user("annlee").await;
    for (name, message) in [
        ("", "Name the token."),
        (&"x".repeat(101), "A token name has at most 100 characters."),
        (
            "a\nb",
            "A token name cannot contain control characters such as line breaks, or text-direction marks.",
        ),
    ] {
        let (status, body) = ann.post("/api/auth/tokens", &json!({ "name": name })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"]["fields"]["name"], json!([message]));
    }
    let (status, body) = ann.post("/api/auth/tokens", &json!({ "label": "x" })).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request"))
    );
    assert_eq!(ann.get("/api/auth/tokens").await.1, json!([]));
}

#[tokio::test]
async fn a_user_holds_at_most_fifty_tokens() {
    // Creation is also rate-limited (10 per 15 minutes by default); this test is about the total.
    let app = spawn_app_with(|settings| {
        settings.throttle_failures_per_account = 100;
        settings.throttle_failures_per_ip = 100;
    })
    .await;
    let ann = app.user("annlee").await;
    for n in 0..50 {
        new_token(&ann, &format!("token {n}")).await;
    }
    let (status, body) = ann
        .post("/api/auth/tokens", &json!({ "name": "one more" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["error"]["fields"]["name"],
        json!(["You have 50 tokens already; revoke one first."])
    );
}

#[tokio::test]
async fn a_bearer_request_does_not_need_or_set_a_cookie() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let token = new_token(&ann, "curl").await;
    let response = reqwest::Client::new()
        .get(format!("{}/api/todos", app.address))
        .bearer_auth(secret(&token))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn a_token_made_without_javascript_is_shown_once_and_never_stored_in_the_session() {
    use leptodo::auth::tokens::panel::CreateToken;
    use leptos::server_fn::ServerFn;
    let app = spawn_app().await;
    common::register(&app, "ann@example.com", "annlee").await;
    let back = app
        .browser
        .submit_form(
            CreateToken::PATH,
            "/account/sessions",
            &[("name", "laptop")],
        )
        .await;
    assert!(back.starts_with("/account/sessions"), "{back}");
    // The rows as they are between the form's answer and the page it returns to.
    let sessions: Vec<Vec<u8>> = sqlx::query_scalar("SELECT data FROM tower_sessions")
        .fetch_all(&app.database().await)
        .await
        .expect("sessions");
    assert!(!sessions.is_empty());
    let page = app.browser.page(&back).await.1;
    let shown: String = page
        .split_once("ltd_")
        .map(|(_, rest)| {
            rest.chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect()
        })
        .unwrap_or_else(|| panic!("the token is shown: {page}"));
    let secret = format!("ltd_{shown}");
    assert_eq!(shown.len(), 64, "{secret}");
    for data in &sessions {
        assert!(
            !data
                .windows(shown.len())
                .any(|window| window == shown.as_bytes()),
            "a session row holds the token"
        );
    }
    let (status, me) = app
        .anonymous()
        .with_bearer(&secret)
        .get("/api/auth/me")
        .await;
    assert_eq!(
        (status, me["user"]["username"].as_str()),
        (StatusCode::OK, Some("annlee")),
        "the token shown is the one made"
    );
    let again = app.browser.page("/account/sessions").await.1;
    assert!(!again.contains(&secret), "shown once");
}
