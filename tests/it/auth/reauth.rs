//! Re-authentication ("sudo mode"): a session whose password was entered more than `reauthenticate_minutes`
//! ago, or a bearer token, must give the password again to mint an API token or set up two-factor sign-in.

use crate::common;

use common::{spawn_app, spawn_app_with, PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_stale_session_gives_the_password_again_before_lasting_changes() {
    // A window of zero minutes: one second after the login it has closed.
    let app = spawn_app_with(|settings| settings.reauthenticate_minutes = 0).await;
    let borrowed = app.user("annlee").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    let (status, body) = borrowed
        .post("/api/auth/tokens", &json!({"name": "lasting"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "reauthentication_required");
    let (status, body) = borrowed.post("/api/auth/two-factor", &json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = borrowed
        .post("/api/auth/two-factor/recovery-codes", &json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = borrowed
        .post(
            "/api/auth/tokens",
            &json!({"name": "lasting", "current_password": "a guess"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["fields"]["current_password"].is_array(),
        "{body}"
    );
    let (_, tokens) = borrowed.get("/api/auth/tokens").await;
    assert_eq!(tokens, json!([]), "nothing was minted");

    let (status, body) = borrowed
        .post(
            "/api/auth/tokens",
            &json!({"name": "lasting", "current_password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = borrowed
        .post(
            "/api/auth/reauthenticate",
            &json!({"current_password": "a guess"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = borrowed
        .post(
            "/api/auth/reauthenticate",
            &json!({"current_password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // The account pages ask for the password in the forms that need it.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, page) = borrowed.page("/account/sessions").await;
    assert!(page.contains(r#"id="token-password""#), "{page}");
    let (_, page) = borrowed.page("/account/security").await;
    assert!(page.contains(r#"id="two-factor-setup-password""#));
}

#[tokio::test]
async fn a_fresh_login_goes_ahead_without_the_password_and_a_bearer_token_never_does() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let (_, page) = ann.page("/account/sessions").await;
    assert!(!page.contains(r#"id="token-password""#), "fresh: not asked");
    let (status, token) = ann
        .post("/api/auth/tokens", &json!({"name": "script"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{token}");
    let script = app
        .anonymous()
        .with_bearer(token["token"].as_str().expect("token"));
    let (status, body) = script
        .post("/api/auth/tokens", &json!({"name": "another"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = script
        .post(
            "/api/auth/tokens",
            &json!({"name": "another", "current_password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = script
        .post(
            "/api/auth/reauthenticate",
            &json!({"current_password": PASSWORD}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a token has no session to refresh"
    );
}

#[tokio::test]
async fn another_session_of_the_account_cannot_see_or_finish_a_setup_its_owner_began() {
    let app = spawn_app_with(|settings| settings.reauthenticate_minutes = 0).await;
    let borrowed = app.user("annlee").await;
    let owner = app.anonymous().logged_in_as("annlee").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, setup) = owner
        .post(
            "/api/auth/two-factor",
            &json!({"current_password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{setup}");
    let key = setup["secret"].as_str().expect("key").to_owned();
    let (_, page) = borrowed.page("/account/two-factor").await;
    assert!(page.contains("shown only within 0 minutes"), "{page}");
    assert!(
        !page.contains(&key),
        "the borrowed browser does not see the key"
    );
    // The setup outlives the zero-minute window: it waits at least five minutes for its first code.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let mut phone = common::authenticator::Authenticator::from_key(&key).await;
    let code = phone.next_code().await;
    let (status, body) = borrowed
        .post("/api/auth/two-factor/confirm", &json!({"code": code}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = owner
        .post(
            "/api/auth/two-factor/confirm",
            &json!({"code": code, "current_password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
