//! `/account/activity` and `/api/account/activity`: the account's own security log.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{self, spawn_app, spawn_app_with, Api};

const FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

async fn log(api: &Api, query: &str) -> Value {
    let (status, body) = api.get(&format!("/api/account/activity{query}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn actions(page: &Value) -> Vec<&str> {
    page["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|entry| entry["action"].as_str())
        .collect()
}

#[tokio::test]
async fn a_failed_sign_in_from_another_address_is_in_the_log_and_nothing_of_another_account() {
    let app = spawn_app_with(|settings| {
        settings.client_ip_header = "X-Forwarded-For".into();
        settings.trusted_proxies =
            leptodo::config::TrustedProxies::parse("127.0.0.1").expect("an address");
    })
    .await;
    let ann = app
        .anonymous()
        .with_header("x-forwarded-for", "198.51.100.7")
        .registered("ann")
        .await;
    let stranger = app
        .anonymous()
        .with_header("x-forwarded-for", "203.0.113.9")
        .with_header("user-agent", FIREFOX);
    let (status, _) = stranger.log_in("ann", "not the password at all").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Someone else's account, failing too: not in Ann's log.
    app.user("bob").await;
    app.anonymous().log_in("bob", "wrong wrong wrong").await;

    let page = log(&ann, "").await;
    assert_eq!(actions(&page), ["sign_in_failed", "sign_in"], "{page}");
    let failed = &page["entries"][0];
    assert_eq!(failed["ip"], "203.0.113.9");
    assert_eq!(failed["detail"], "Firefox on Windows 10");
    assert_eq!(failed["by"]["kind"], "someone");
    assert_eq!(failed["event"], "Failed sign-in: wrong password");
    let signed_in = &page["entries"][1];
    assert_eq!(signed_in["by"]["kind"], "you");
    assert_eq!(signed_in["ip"], "198.51.100.7");
    assert!(!page.to_string().contains("bob"), "{page}");

    // The page says the same, without JavaScript.
    let (status, html) = ann.page("/account/activity").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Failed sign-in: wrong password"), "{html}");
    assert!(html.contains("203.0.113.9") && html.contains("Someone"));
}

#[tokio::test]
async fn the_holders_changes_are_logged_and_an_admins_are_shown_as_such() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let (status, token) = ann
        .post("/api/auth/tokens", &json!({ "name": "backup" }))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = ann
        .delete(&format!("/api/auth/tokens/{}", token["id"]))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    common::change_password(&ann, "another long passphrase here").await;

    let admin = common::admins::admin(&app, "root").await;
    let id = common::admins::id_of(&ann).await;
    let (status, body) = admin
        .post(&format!("/api/admin/users/{id}/roles/admin"), &json!({}))
        .await;
    assert!(status.is_success(), "{status} {body}");

    let page = log(&ann, "").await;
    let found = actions(&page);
    for action in [
        "grant_role",
        "change_password",
        "revoke_token",
        "create_token",
        "sign_in",
    ] {
        assert!(found.contains(&action), "{action} in {found:?}");
    }
    let granted = page["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|entry| entry["action"] == "grant_role")
        .expect("the grant");
    assert_eq!(granted["by"], json!({ "kind": "admin", "name": "root" }));
    let token_entry = page["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|entry| entry["action"] == "create_token")
        .expect("created");
    assert_eq!(token_entry["detail"], "backup");
    assert!(!page
        .to_string()
        .contains(token["token"].as_str().expect("secret")));
}

#[tokio::test]
async fn the_log_pages_newest_first_and_refuses_bad_paging() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    for _ in 0..4 {
        app.anonymous().log_in("ann", "wrong password!").await;
    }
    app.anonymous().logged_in_as("ann").await;
    let first = log(&ann, "?limit=2").await;
    assert_eq!(actions(&first), ["sign_in", "sign_in_failed"]);
    let older = first["older"].as_i64().expect("more pages");
    let second = log(&ann, &format!("?limit=2&before={older}")).await;
    assert_eq!(actions(&second), ["sign_in_failed", "sign_in_failed"]);
    let ids = |page: &Value| -> Vec<i64> {
        page["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .filter_map(|entry| entry["id"].as_i64())
            .collect()
    };
    assert!(ids(&second).iter().all(|id| *id < older));
    let last = log(&ann, &format!("?limit=2&before={}", second["older"])).await;
    assert_eq!(actions(&last), ["sign_in_failed", "sign_in"]);
    assert!(last["older"].is_null(), "{last}");

    for query in ["?limit=0", "?limit=101"] {
        let (status, body) = ann.get(&format!("/api/account/activity{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
    }
    for query in ["?limit=abc", "?before=x"] {
        let (status, body) = ann.get(&format!("/api/account/activity{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
    }
    assert_eq!(
        app.anonymous().get("/api/account/activity").await.0,
        StatusCode::UNAUTHORIZED
    );

    // The page pages the same way, by links that work without JavaScript.
    let (_, html) = ann.page("/account/activity").await;
    assert!(
        !html.contains("Older entries"),
        "25 a page, six entries: one page"
    );
    let (_, html) = ann.page(&format!("/account/activity?before={older}")).await;
    assert!(html.contains("Newest entries"), "{html}");
    assert_eq!(html.matches("class=\"activity-entry").count(), 4, "{html}");
}

#[tokio::test]
async fn the_sweeper_deletes_the_holders_old_entries_and_keeps_what_admins_did() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    app.anonymous().log_in("ann", "wrong password!").await;
    let database = app.database().await;
    let backdate = match app.db.is_postgres() {
        true => "UPDATE audit_log SET at = TIMESTAMPTZ '2020-01-01 00:00:00+00'",
        false => "UPDATE audit_log SET at = '2020-01-01T00:00:00Z'",
    };
    sqlx::query(backdate)
        .execute(&database)
        .await
        .expect("backdated");
    // What an admin did, long ago too, stays.
    let admin = common::admins::admin(&app, "root").await;
    let id = common::admins::id_of(&ann).await;
    admin
        .post(&format!("/api/admin/users/{id}/deactivate"), &json!({}))
        .await;
    sqlx::query(backdate)
        .execute(&database)
        .await
        .expect("backdated");
    let cutoff = leptodo::timestamp::Timestamp::now();
    let deleted =
        leptodo::account::activity::queries::delete_older_than(&app.app_pool().await, &cutoff)
            .await
            .expect("swept");
    assert!(deleted >= 2, "{deleted}");
    let left: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE target = 'ann' ORDER BY id")
            .fetch_all(&database)
            .await
            .expect("query");
    assert_eq!(left, ["deactivate"]);
}
