//! `/account/sessions` and `/api/account/sessions`: every live login, named by device and address, and
//! signing one or all others out, at once and on every instance.

use std::time::Duration;

use leptodo::account::devices::page::{SignOutDevice, SignOutOtherDevices};
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{self, events::EventStream, spawn_app, Api, PASSWORD};

const FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const EVENTUALLY: Duration = Duration::from_secs(10);

/// A new browser sending `user_agent`, logged in as `login`.
async fn browser(base: &str, user_agent: &str, login: &str) -> Api {
    Api::new(base)
        .with_header("user-agent", user_agent)
        .logged_in_as(login)
        .await
}

async fn sessions(api: &Api) -> Vec<Value> {
    let (status, body) = api.get("/api/account/sessions").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["sessions"].as_array().expect("a list").clone()
}

#[tokio::test]
async fn every_login_is_listed_with_its_device_and_this_browser_first() {
    let app = spawn_app().await;
    app.user("ann").await;
    browser(&app.address, FIREFOX, "ann").await;
    let phone = browser(&app.address, IPHONE, "ann").await;

    let listed = sessions(&phone).await;
    // Registering logged a third client in, with no user agent.
    assert_eq!(listed.len(), 3, "{listed:?}");
    assert_eq!(listed[0]["device"], "Safari on iPhone");
    assert_eq!(listed[0]["current"], true);
    assert_eq!(listed[0]["ip"], "127.0.0.1");
    assert!(listed[0]["remembered_until"].is_null(), "no remember me");
    let devices: Vec<&str> = listed.iter().filter_map(|s| s["device"].as_str()).collect();
    assert!(devices.contains(&"Firefox on Windows 10"), "{devices:?}");
    assert!(devices.contains(&"Unknown device"), "{devices:?}");
    assert_eq!(listed.iter().filter(|s| s["current"] == true).count(), 1);
    let text = Value::Array(listed.clone()).to_string();
    for row in &listed {
        assert_eq!(
            row["id"].as_str().map(str::len),
            Some(16),
            "a short public id"
        );
    }
    // Never a session id: that is the cookie.
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM tower_sessions")
        .fetch_all(&app.database().await)
        .await
        .expect("session ids");
    assert!(ids.len() >= 3);
    for id in &ids {
        assert!(!text.contains(id.as_str()), "{id} in {text}");
    }

    // Another account sees only its own.
    let bobs = sessions(&app.user("bob").await).await;
    assert_eq!(bobs.len(), 1);
    assert!(!listed.iter().any(|mine| mine["id"] == bobs[0]["id"]));
}

#[tokio::test]
async fn a_remembered_login_says_until_when() {
    let app = spawn_app().await;
    app.user("ann").await;
    let client = Api::new(&app.address);
    let (status, _) = client
        .post(
            "/api/auth/login",
            &json!({ "login": "ann", "password": PASSWORD, "remember": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let listed = sessions(&client).await;
    let mine = listed.iter().find(|s| s["current"] == true).expect("mine");
    assert!(mine["remembered_until"].as_str().is_some(), "{mine}");
}

#[tokio::test]
async fn a_signed_out_device_is_refused_at_its_next_request_and_its_stream_ends() {
    let app = spawn_app().await;
    app.user("ann").await;
    let laptop = browser(&app.address, FIREFOX, "ann").await;
    let phone = browser(&app.address, IPHONE, "ann").await;
    let (mut stream, _) = EventStream::greeted(&laptop).await;

    let listed = sessions(&phone).await;
    let firefox = listed
        .iter()
        .find(|s| s["device"] == "Firefox on Windows 10")
        .expect("the laptop");
    let path = format!(
        "/api/account/sessions/{}",
        firefox["id"].as_str().expect("id")
    );
    let (status, body) = phone.delete(&path).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    assert!(
        stream.ends_within(EVENTUALLY).await,
        "its stream ends at once"
    );
    let (status, _) = laptop.get("/api/auth/me").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "its next request is logged out"
    );
    assert_eq!(
        phone.get("/api/auth/me").await.0,
        StatusCode::OK,
        "mine stays"
    );
    assert_eq!(
        phone.delete(&path).await.0,
        StatusCode::NOT_FOUND,
        "once only"
    );

    // Nobody signs out another account's login, or one that does not exist.
    let bob = app.user("bob").await;
    let (status, _) = bob
        .delete(&format!(
            "/api/account/sessions/{}",
            sessions(&phone).await[0]["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(phone.get("/api/auth/me").await.0, StatusCode::OK);
    for id in ["nothing", "%FF%FE", "0000000000000000"] {
        let (status, body) = phone.delete(&format!("/api/account/sessions/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}: {body}");
        assert_eq!(body["error"]["code"], "not_found", "{id}");
    }
}

#[tokio::test]
async fn signing_out_all_other_devices_keeps_only_this_one() {
    let app = spawn_app().await;
    let first = app.user("ann").await;
    let laptop = browser(&app.address, FIREFOX, "ann").await;
    let phone = browser(&app.address, IPHONE, "ann").await;
    let (mut stream, _) = EventStream::greeted(&laptop).await;

    let (status, body) = phone
        .post("/api/account/sessions/sign-out-others", &json!({}))
        .await;
    assert_eq!(
        (status, body["ended"].as_u64()),
        (StatusCode::OK, Some(2)),
        "{body}"
    );
    assert!(stream.ends_within(EVENTUALLY).await);
    for other in [&first, &laptop] {
        assert_eq!(other.get("/api/auth/me").await.0, StatusCode::UNAUTHORIZED);
    }
    let left = sessions(&phone).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["current"], true);
}

#[tokio::test]
async fn a_device_signed_out_through_one_instance_is_logged_out_on_another() {
    let app = spawn_app().await;
    app.user("ann").await;
    let other = app.another_instance(|_| {}).await;
    let laptop_on_other = browser(&other, FIREFOX, "ann").await;
    let (mut stream, _) = EventStream::greeted(&laptop_on_other).await;
    let phone = browser(&app.address, IPHONE, "ann").await;
    let laptop = sessions(&phone)
        .await
        .into_iter()
        .find(|s| s["device"] == "Firefox on Windows 10")
        .expect("the laptop, signed in on the other instance");
    let (status, _) = phone
        .delete(&format!(
            "/api/account/sessions/{}",
            laptop["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        laptop_on_other.get("/api/auth/me").await.0,
        StatusCode::UNAUTHORIZED,
        "the other instance reads the same rows"
    );
    // On SQLite each instance has its own hub; the stream notices at its next check, or at once on PostgreSQL.
    if app.db.is_postgres() {
        assert!(stream.ends_within(EVENTUALLY).await);
    }
}

#[tokio::test]
async fn the_page_lists_the_devices_and_signs_them_out_without_javascript() {
    let app = spawn_app().await;
    app.user("ann").await;
    let laptop = browser(&app.address, FIREFOX, "ann").await;
    let phone = browser(&app.address, IPHONE, "ann").await;

    let (status, page) = phone.page("/account/sessions").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Safari on iPhone") && page.contains("This browser"),
        "{page}"
    );
    assert!(page.contains("Firefox on Windows 10"));
    assert!(page.contains("Sign out all other devices"));
    assert!(
        page.contains("<time datetime="),
        "times are machine-readable"
    );
    assert!(page.contains("API tokens"), "tokens are on the same page");

    let id = sessions(&phone)
        .await
        .into_iter()
        .find(|s| s["device"] == "Firefox on Windows 10")
        .and_then(|s| s["id"].as_str().map(str::to_owned))
        .expect("the laptop");
    let back = phone
        .submit_form(SignOutDevice::PATH, "/account/sessions", &[("id", &id)])
        .await;
    assert!(back.starts_with("/account/sessions"), "{back}");
    assert_eq!(laptop.get("/api/auth/me").await.0, StatusCode::UNAUTHORIZED);
    let (_, page) = phone.page("/account/sessions").await;
    assert!(page.contains("That device has been signed out."), "{page}");
    assert!(!page.contains("Firefox on Windows 10"));

    let back = phone
        .submit_form(SignOutOtherDevices::PATH, "/account/sessions", &[])
        .await;
    assert!(back.starts_with("/account/sessions"), "{back}");
    let (_, page) = phone.page("/account/sessions").await;
    assert!(
        page.contains("1 other device has been signed out."),
        "{page}"
    );

    // A visitor is sent to log in first.
    let response = app.anonymous().navigate("/account/sessions").await;
    assert_eq!(
        common::location(&response),
        "/login?next=%2Faccount%2Fsessions"
    );
}

#[tokio::test]
async fn logins_stored_before_sessions_named_their_account_are_named_at_start_up() {
    let app = spawn_app().await;
    app.user("ann").await;
    let laptop = browser(&app.address, FIREFOX, "ann").await;
    let database = app.database().await;
    // As the rows were before migration 0016: no account named.
    sqlx::query("UPDATE tower_sessions SET user_id = NULL")
        .execute(&database)
        .await
        .expect("unnamed");
    let phone_base = app.another_instance(|_| {}).await;
    let named = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM tower_sessions WHERE user_id IS NOT NULL",
        )
        .fetch_one(&database)
        .await
        .expect("count")
    };
    let started = std::time::Instant::now();
    while named().await < 2 && started.elapsed() < EVENTUALLY {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(named().await, 2, "a starting instance names them");
    let phone = browser(&phone_base, IPHONE, "ann").await;
    let (_, body) = phone
        .post("/api/account/sessions/sign-out-others", &json!({}))
        .await;
    assert_eq!(body["ended"], 2, "{body}");
    assert_eq!(laptop.get("/api/auth/me").await.0, StatusCode::UNAUTHORIZED);
}
