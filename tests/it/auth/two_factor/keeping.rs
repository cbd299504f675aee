//! Living with two-factor sign-in: remembered browsers, turning it off, the operator's reset, the key.

use crate::common;

use super::{enrol, password_given, wrong};
use common::{process::command as leptodo, smtp::SmtpSink, spawn_app, Api, PASSWORD};
use leptodo::config::EmailConfirmation;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_remembered_browser_skips_the_code_until_the_password_changes() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let (mut phone, _) = enrol(&ann).await;
    let laptop = password_given(&app.address).await;
    let answer = laptop
        .post_response(
            "/api/auth/login/code",
            &json!({"code": phone.next_code().await, "remember_browser": true}),
        )
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    let cookie = common::set_cookie(&answer, "leptodo_trusted_browser").expect("remembered");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("Max-Age=2592000"), "30 days: {cookie}");

    laptop.post("/api/auth/logout", &json!({})).await;
    let (status, body) = laptop.log_in("annlee", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["user"]["username"], "annlee", "no second step: {body}");
    // Another browser is not remembered, nor is a wrong password let through.
    password_given(&app.address).await;
    laptop.post("/api/auth/logout", &json!({})).await;
    assert_eq!(
        laptop.log_in("annlee", "wrong password").await.0,
        StatusCode::UNAUTHORIZED
    );

    // A password change ends it, for this browser too.
    let (_, body) = laptop.log_in("annlee", PASSWORD).await;
    assert_eq!(body["user"]["username"], "annlee");
    common::change_password(&laptop, "a new and long passphrase").await;
    laptop.post("/api/auth/logout", &json!({})).await;
    let (status, body) = laptop.log_in("annlee", "a new and long passphrase").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"second_factor_required": true}));
}

#[tokio::test]
async fn forgetting_remembered_browsers_asks_each_for_a_code_again() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let (mut phone, _) = enrol(&ann).await;
    let laptop = password_given(&app.address).await;
    let (status, _) = laptop
        .post(
            "/api/auth/login/code",
            &json!({"code": phone.next_code().await, "remember_browser": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let pool = app.app_pool().await;
    let user = leptodo::auth::queries::find_by_login(&pool, "annlee")
        .await
        .expect("query")
        .expect("Ann");
    leptodo::auth::two_factor::service::forget_browsers(&app.state, &user)
        .await
        .expect("forgotten");
    laptop.post("/api/auth/logout", &json!({})).await;
    let (_, body) = laptop.log_in("annlee", PASSWORD).await;
    assert_eq!(body, json!({"second_factor_required": true}));
}

#[tokio::test]
async fn turning_it_off_needs_the_password_and_a_code() {
    let sink = SmtpSink::start().await;
    let app = common::app_mailing(&sink, EmailConfirmation::Optional).await;
    let ann = app.user("annlee").await;
    let (mut phone, codes) = enrol(&ann).await;
    let off = |password: &str, code: &str| {
        let body = json!({"current_password": password, "code": code});
        let ann = &ann;
        async move {
            ann.send(reqwest::Method::DELETE, "/api/auth/two-factor", Some(&body))
                .await
        }
    };
    let code = phone.next_code().await;
    let (status, body) = off("not my password", &code).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["fields"]["current_password"].is_array(),
        "{body}"
    );
    let (status, body) = off(PASSWORD, &wrong(&code)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["code"].is_array(), "{body}");
    let (status, body) = off(PASSWORD, &codes[3]).await;
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "a recovery code does too: {body}"
    );
    sink.latest("annlee@example.com", "Two-factor sign-in is off — Leptodo")
        .await;
    assert_eq!(ann.get("/api/auth/me").await.1["user"]["two_factor"], false);
    let (_, body) = Api::new(&app.address).log_in("annlee", PASSWORD).await;
    assert_eq!(
        body["user"]["username"], "annlee",
        "the password alone again"
    );
    let (status, _) = off(PASSWORD, &code).await;
    assert_eq!(status, StatusCode::CONFLICT, "not on any more");
}

#[tokio::test]
async fn an_operator_resets_two_factor_from_the_command_line() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    enrol(&ann).await;
    let reset = leptodo(&app.db.url, &["users", "reset-2fa", "annlee"], "");
    let said = String::from_utf8_lossy(&reset.stdout);
    assert!(
        reset.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    assert!(
        said.contains("Two-factor sign-in of annlee is off"),
        "{said}"
    );
    let (_, body) = Api::new(&app.address).log_in("annlee", PASSWORD).await;
    assert_eq!(body["user"]["username"], "annlee");
    let again = leptodo(&app.db.url, &["users", "reset-2fa", "annlee"], "");
    assert!(String::from_utf8_lossy(&again.stdout).contains("did not use two-factor sign-in"));
    let entries: Vec<(String, String)> =
        sqlx::query_as("SELECT actor, action FROM audit_log WHERE target = 'annlee' AND action <> 'sign_in' ORDER BY id")
            .fetch_all(&app.database().await)
            .await
            .expect("audit");
    let actions: Vec<&str> = entries.iter().map(|(_, action)| action.as_str()).collect();
    assert_eq!(actions, ["enable_two_factor", "disable_two_factor"]);
    assert!(entries[1].0.starts_with("command line"), "{entries:?}");
}

#[tokio::test]
async fn the_stored_secret_is_encrypted() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let (status, setup) = ann.post("/api/auth/two-factor", &json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let key: String = setup["secret"]
        .as_str()
        .expect("key")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let secret = totp_rs::Secret::try_from_base32(&key).expect("base 32");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT sealed_secret FROM two_factor")
        .fetch_one(&app.database().await)
        .await
        .expect("a row");
    let bytes = secret.as_bytes();
    assert!(stored.len() > bytes.len());
    assert!(!stored.windows(bytes.len()).any(|window| window == bytes));
    assert!(!String::from_utf8_lossy(&stored).contains(&key[..8]));
}

#[tokio::test]
async fn a_server_without_the_key_refuses_to_start_when_accounts_use_two_factor() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    enrol(&ann).await;
    let mut settings = common::test_settings();
    settings.database_url = app.db.url.clone();
    settings.site_addr = "127.0.0.1:0".parse().expect("address");
    settings.two_factor_key = "".into();
    let refused = leptodo::startup::Application::build(&settings)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(
        refused.contains("two_factor_key") && refused.contains("1 account"),
        "{refused}"
    );
}
