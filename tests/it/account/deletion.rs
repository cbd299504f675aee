//! Deleting an account: `DELETE /api/account`, the page's form, and `leptodo users delete`.

use leptos::server_fn::ServerFn;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{
    self, app_mailing, events::EventStream, process, registration, smtp::SmtpSink, spawn_app, Api,
    TestDatabase, PASSWORD,
};
use leptodo::{account::data::page::DeleteMyAccount, config::EmailConfirmation};

/// `action, actor, target, detail, ip` of an audit entry.
type AuditRow = (String, String, String, Option<String>, Option<String>);

const EVENTUALLY: std::time::Duration = std::time::Duration::from_secs(10);

async fn delete_account(api: &Api, body: &Value) -> (StatusCode, Value) {
    api.send(reqwest::Method::DELETE, "/api/account", Some(body))
        .await
}

async fn count(app: &common::TestApp, query: &str) -> i64 {
    sqlx::query_scalar(query)
        .fetch_one(&app.database().await)
        .await
        .expect("count")
}

#[tokio::test]
async fn after_deletion_nothing_of_the_account_works_and_its_address_is_free_again() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Off).await;
    let ann = app.user("ann").await;
    let other_browser = app.anonymous().logged_in_as("ann").await;
    let (mut stream, _) = EventStream::greeted(&other_browser).await;
    ann.post("/api/todos", &json!({ "title": "Buy milk" }))
        .await;
    let script = common::admins::token_client(&app, &ann).await;
    let bob = app.user("bob").await;
    bob.post("/api/todos", &json!({ "title": "Bob's" })).await;

    let ann_id = common::admins::id_of(&ann).await;
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM tower_sessions WHERE user_id = {ann_id}")
        )
        .await,
        2,
        "both of her browsers' rows name her"
    );
    let (status, body) = delete_account(&ann, &json!({ "confirm_username": "ANN " })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    assert_eq!(
        ann.get("/api/auth/me").await.0,
        StatusCode::UNAUTHORIZED,
        "this session ended"
    );
    assert_eq!(
        other_browser.get("/api/auth/me").await.0,
        StatusCode::UNAUTHORIZED,
        "and every other"
    );
    assert!(stream.ends_within(EVENTUALLY).await, "its live stream ends");
    assert_eq!(
        script.get("/api/todos").await.0,
        StatusCode::UNAUTHORIZED,
        "the token is dead"
    );
    assert_eq!(
        app.anonymous().log_in("ann", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED,
        "the login fails"
    );
    for table in [
        "todos",
        "api_tokens",
        "tower_sessions",
        "email_tokens",
        "passkeys",
    ] {
        let left = count(
            &app,
            &format!("SELECT COUNT(*) FROM {table} WHERE user_id = {ann_id}"),
        )
        .await;
        assert_eq!(left, 0, "{table}");
    }
    assert_eq!(
        bob.get("/api/todos").await.1[0]["title"],
        "Bob's",
        "others keep theirs"
    );

    // The audit log keeps a tombstone, without the name, address or devices.
    let audit: Vec<AuditRow> =
        sqlx::query_as("SELECT action, actor, target, detail, ip FROM audit_log ORDER BY id")
            .fetch_all(&app.database().await)
            .await
            .expect("audit");
    let tombstone = audit.last().expect("an entry");
    assert_eq!(tombstone.0, "delete_account");
    assert_eq!(tombstone.1, "the account's holder");
    assert_eq!(tombstone.2, format!("deleted account #{ann_id}"));
    assert_eq!((&tombstone.3, &tombstone.4), (&None, &None));
    assert!(
        !format!("{audit:?}").contains("ann"),
        "nothing names the account: {audit:?}"
    );

    let goodbye = sink
        .latest("ann@example.com", "Your account has been deleted")
        .await;
    assert!(
        goodbye.text().contains("as you asked"),
        "{}",
        goodbye.text()
    );

    // The same address and username can register again.
    let (status, body) = app
        .anonymous()
        .post(
            "/api/auth/register",
            &registration("ann@example.com", "ann"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn deletion_needs_the_username_and_a_fresh_password_and_keeps_an_admin() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    for typed in ["", "bob", "an n"] {
        let (status, body) = delete_account(&ann, &json!({ "confirm_username": typed })).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{typed:?}: {body}"
        );
        assert!(
            body["error"]["fields"]["confirm_username"].is_array(),
            "{body}"
        );
    }
    let (status, body) = delete_account(&ann, &json!({})).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "confirm_username is required: {body}"
    );
    // A token must give the password; a wrong one is refused.
    let script = common::admins::token_client(&app, &ann).await;
    let (status, body) = delete_account(&script, &json!({ "confirm_username": "ann" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "reauthentication_required");
    let (status, body) = delete_account(
        &script,
        &json!({ "confirm_username": "ann", "current_password": "not it at all" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        ann.get("/api/auth/me").await.0,
        StatusCode::OK,
        "nothing was deleted"
    );

    // The last active admin stays.
    let root = common::admins::admin(&app, "root").await;
    let (status, body) = delete_account(&root, &json!({ "confirm_username": "root" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("last active admin")));
    assert_eq!(root.get("/api/auth/me").await.0, StatusCode::OK);
    // With a token and the right password, Ann's account goes.
    let (status, body) = delete_account(
        &script,
        &json!({ "confirm_username": "ann", "current_password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(ann.get("/api/auth/me").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_page_deletes_the_account_without_javascript() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let (status, page) = ann.page("/account/data").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Delete my account") && page.contains("Download your data"),
        "{page}"
    );

    let back = ann
        .submit_form(
            DeleteMyAccount::PATH,
            "/account/data",
            &[("confirm_username", "someone")],
        )
        .await;
    assert!(back.starts_with("/account/data"), "{back}");
    assert_eq!(
        ann.get("/api/auth/me").await.0,
        StatusCode::OK,
        "a wrong name deletes nothing"
    );

    let back = ann
        .submit_form(
            DeleteMyAccount::PATH,
            "/account/data",
            &[("confirm_username", "ann")],
        )
        .await;
    assert_eq!(back, "/login");
    assert_eq!(ann.get("/api/auth/me").await.0, StatusCode::UNAUTHORIZED);
    let (_, login) = ann.page("/login").await;
    assert!(login.contains("have been deleted"), "{login}");
}

#[tokio::test]
async fn an_operator_deletes_an_account_from_the_command_line() {
    let db = TestDatabase::new();
    let created = process::command(
        &db.url,
        &[
            "users",
            "create",
            "--email",
            "ann@example.com",
            "--username",
            "ann",
            "--name",
            "Ann",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(created.status.success(), "{created:?}");
    let asked = process::command(&db.url, &["users", "delete", "ann"], "");
    assert_eq!(asked.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&asked.stderr).contains("--yes"),
        "{asked:?}"
    );
    let deleted = process::command(&db.url, &["users", "delete", "ann", "--yes"], "");
    assert!(deleted.status.success(), "{deleted:?}");
    assert!(String::from_utf8_lossy(&deleted.stdout).contains("Deleted ann"));
    let missing = process::command(&db.url, &["users", "delete", "ann", "--yes"], "");
    assert_eq!(missing.status.code(), Some(1), "{missing:?}");
    let pool = db.pool().await;
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(users, 0);
    let actor: String =
        sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'delete_account'")
            .fetch_one(&pool)
            .await
            .expect("tombstone");
    assert!(actor.starts_with("command line"), "{actor}");
}

#[tokio::test]
async fn a_cross_site_deletion_or_sign_out_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let forged = [
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://evil.example"),
    ];
    for (method, path, body) in [
        (
            reqwest::Method::DELETE,
            "/api/account",
            json!({ "confirm_username": "ann" }),
        ),
        (
            reqwest::Method::POST,
            "/api/account/sessions/sign-out-others",
            json!({}),
        ),
        (
            reqwest::Method::POST,
            DeleteMyAccount::PATH,
            json!({ "confirm_username": "ann" }),
        ),
    ] {
        let (status, body) = ann.send_with_headers(method, path, &body, &forged).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
    }
    assert_eq!(ann.get("/api/auth/me").await.0, StatusCode::OK);
}
