//! `GET /api/account/export`: everything of the caller's account, and nothing that is a secret or another's.

use leptodo::account::data::page::ConfirmForExport;
use leptos::server_fn::ServerFn;
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

use crate::common::{self, spawn_app, spawn_app_with, Api, PASSWORD};

async fn export(api: &Api) -> (reqwest::Response, Value) {
    let response = api.fetch("/api/account/export").await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    let body = response.text().await.expect("body");
    let parsed: Value = serde_json::from_str(&body).expect("the export is one JSON document");
    // Answer the headers through a fresh response of the same request.
    let again = api.fetch("/api/account/export").await;
    assert_eq!(
        again.headers()[header::CONTENT_TYPE],
        headers[header::CONTENT_TYPE]
    );
    (again, parsed)
}

#[tokio::test]
async fn the_export_holds_the_todos_and_no_hash_secret_or_other_account() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    for title in ["Buy milk", "Call \"mum\" <now>"] {
        let (status, _) = ann.post("/api/todos", &json!({ "title": title })).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    bob.post("/api/todos", &json!({ "title": "Bob's secret plan" }))
        .await;
    let (_, token) = ann
        .post("/api/auth/tokens", &json!({ "name": "backup" }))
        .await;
    let secret = token["token"].as_str().expect("secret").to_owned();

    let (response, exported) = export(&ann).await;
    let headers = response.headers();
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    let disposition = headers[header::CONTENT_DISPOSITION].to_str().expect("text");
    assert!(
        disposition.starts_with("attachment; filename=\"leptodo-export-"),
        "{disposition}"
    );
    assert_eq!(exported["format"], "leptodo-export/1");
    assert_eq!(exported["account"]["username"], "ann");
    assert_eq!(exported["account"]["email"], "ann@example.com");
    let titles: Vec<&str> = exported["todos"]
        .as_array()
        .expect("todos")
        .iter()
        .filter_map(|todo| todo["title"].as_str())
        .collect();
    assert_eq!(titles, ["Buy milk", "Call \"mum\" <now>"]);
    assert_eq!(exported["api_tokens"][0]["name"], "backup");
    assert_eq!(exported["sessions"][0]["current"], true);
    assert!(exported["security_log"]
        .as_array()
        .is_some_and(|log| !log.is_empty()));

    let text = exported.to_string();
    let database = app.database().await;
    let (hash, session_secret, token_hash): (String, String, String) = sqlx::query_as(
        "SELECT password_hash, session_secret, token_hash FROM users
         JOIN api_tokens ON api_tokens.user_id = users.id WHERE username = 'ann'",
    )
    .fetch_one(&database)
    .await
    .expect("ann's secrets");
    for forbidden in [
        "$argon2",
        hash.as_str(),
        session_secret.as_str(),
        token_hash.as_str(),
        secret.as_str(),
        "bob",
        "Bob's secret plan",
        "password",
    ] {
        assert!(!text.contains(forbidden), "{forbidden:?} in the export");
    }
}

#[tokio::test]
async fn a_compressed_export_ends_whole() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    ann.post("/api/todos", &json!({ "title": "Buy milk" }))
        .await;
    for encoding in ["gzip", "br"] {
        let response = ann
            .raw(reqwest::Method::GET, "/api/account/export")
            .header(header::ACCEPT_ENCODING, encoding)
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_ENCODING], encoding);
        let body = response.bytes().await.expect("the body ends, not cut off");
        assert!(!body.is_empty());
    }
}

#[tokio::test]
async fn ten_thousand_todos_are_exported_whole_and_in_order() {
    let app = spawn_app_with(|settings| settings.todos_per_user = 20_000).await;
    let ann = app.user("ann").await;
    let id = common::admins::id_of(&ann).await;
    let database = app.database().await;
    // Arranged in the database: ten thousand API calls would test the API, not the export.
    for chunk in 0..10 {
        let values: Vec<String> = (0..1000)
            .map(|n| {
                format!(
                    "({id}, 'todo {:05}', {}, '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')",
                    chunk * 1000 + n,
                    if n % 2 == 0 { "TRUE" } else { "FALSE" }
                )
            })
            .collect();
        let insert = format!(
            "INSERT INTO todos (user_id, title, completed, created_at, updated_at) VALUES {}",
            values.join(",")
        );
        let insert = match app.db.is_postgres() {
            true => insert.replace(
                "'2026-12-01T00:00:00Z'",
                "TIMESTAMPTZ '2026-12-01 00:00:00+00'",
            ),
            false => insert,
        };
        sqlx::query(&insert)
            .execute(&database)
            .await
            .expect("todos");
    }
    let (_, exported) = export(&ann).await;
    let todos = exported["todos"].as_array().expect("todos");
    assert_eq!(todos.len(), 10_000);
    assert_eq!(todos[0]["title"], "todo 00000");
    assert_eq!(todos[9_999]["title"], "todo 09999");
    let ids: Vec<i64> = todos
        .iter()
        .filter_map(|todo| todo["id"].as_i64())
        .collect();
    assert!(
        ids.windows(2).all(|pair| pair[0] < pair[1]),
        "each once, in order"
    );
}

#[tokio::test]
async fn the_export_needs_a_fresh_password_in_a_session_and_a_login() {
    let app = spawn_app_with(|settings| settings.reauthenticate_minutes = 0).await;
    let ann = app.user("ann").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, body) = ann.get("/api/account/export").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "reauthentication_required");
    // The page's link, followed after the window closed, goes back to the page that asks for the password.
    let response = ann.navigate("/api/account/export").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(common::location(&response), "/account/data");
    assert_eq!(
        app.anonymous().get("/api/account/export").await.0,
        StatusCode::UNAUTHORIZED
    );
    // The page asks for the password first, then offers the download.
    let (_, page) = ann.page("/account/data").await;
    assert!(!page.contains("href=\"/api/account/export\""), "{page}");
    assert!(page.contains("Your password, to confirm it is you"));
    // A wrong password comes back refused; the right one comes back without an error. (Whether the download
    // is then offered depends on the page loading within the zero-minute window's second; the window itself
    // is tested with the API above and in `auth::reauth`.)
    let refused = ann
        .submit_form(
            ConfirmForExport::PATH,
            "/account/data",
            &[("current_password", "not my password at all")],
        )
        .await;
    let (_, page) = ann.page(&refused).await;
    assert!(
        page.contains("This is not your current password."),
        "{page}"
    );
    let back = ann
        .submit_form(
            ConfirmForExport::PATH,
            "/account/data",
            &[("current_password", PASSWORD)],
        )
        .await;
    assert!(back.trim_end_matches('?') == "/account/data", "{back}");
    // A token, made with a fresh password, may.
    let (status, created) = ann
        .post(
            "/api/auth/tokens",
            &json!({ "name": "export", "current_password": PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let script = app
        .anonymous()
        .with_bearer(created["token"].as_str().expect("secret"));
    let response = script.fetch("/api/account/export").await;
    assert_eq!(response.status(), StatusCode::OK);
}
