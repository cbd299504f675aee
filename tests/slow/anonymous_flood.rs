//! Anonymous visitors cannot fill the database: ten thousand failed posts, each as large as the body limit
//! allows, leave no session rows and a bounded number of throttle rows.

use crate::common;

use std::time::Duration;

use common::{spawn_app_with, TestApp};
use futures::{stream, StreamExt};
use leptos::server_fn::ServerFn;
use reqwest::header;
use serde_json::json;

/// Distinct client addresses the flood comes from.
const ADDRESSES: usize = 10;
const POSTS: usize = 10_000;

/// Bytes the database takes: the SQLite file and, apart, its write-ahead log (which SQLite checkpoints back
/// into the file every 1000 pages, so it stays near 4 MiB at most); or the PostgreSQL database and 0.
async fn database_bytes(app: &TestApp) -> (i64, i64) {
    let size = |path: String| {
        std::fs::metadata(path).map_or(0, |metadata| {
            i64::try_from(metadata.len()).unwrap_or(i64::MAX)
        })
    };
    match &app.db.sqlite_path {
        Some(path) => (
            size(path.display().to_string()),
            size(format!("{}-wal", path.display())),
        ),
        None => (
            sqlx::query_scalar("SELECT pg_database_size(current_database())")
                .fetch_one(&app.database().await)
                .await
                .expect("size"),
            0,
        ),
    }
}

async fn count(app: &TestApp, table: &str) -> i64 {
    // Table names are constants of this file.
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&app.database().await)
        .await
        .expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_anonymous_failed_posts_leave_the_database_bounded() {
    let _alone = crate::alone().await;
    let app = spawn_app_with(|settings| {
        settings.client_ip_header = "X-Forwarded-For".into();
        settings.trusted_proxies =
            leptodo::config::TrustedProxies::parse("127.0.0.1").expect("an address");
    })
    .await;
    let bot = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("HTTP client");
    let long = "x".repeat(30_000);
    let before = database_bytes(&app).await;
    let login_form = leptodo::auth::login_page::LogIn::PATH;
    let register_form = leptodo::auth::register_page::Register::PATH;
    let statuses: Vec<u16> = stream::iter(0..POSTS)
        .map(|n| {
            let address = format!("198.51.100.{}", n % ADDRESSES);
            let request = match n % 3 {
                // A login form posted without JavaScript, its login as long as the body limit allows.
                0 => bot
                    .post(format!("{}{login_form}", app.address))
                    .header(header::ACCEPT, "text/html")
                    .header(header::REFERER, format!("{}/login", app.address))
                    .form(&[
                        ("login", format!("{long}{n}")),
                        ("password", "guess".into()),
                    ]),
                // A registration form without JavaScript that fails its rules, every field oversized.
                1 => bot
                    .post(format!("{}{register_form}", app.address))
                    .header(header::ACCEPT, "text/html")
                    .header(header::REFERER, format!("{}/register", app.address))
                    .form(&[
                        ("email", format!("{}@example.com", &long[..5_000])),
                        ("username", long[..5_000].to_owned()),
                        ("name", long[..5_000].to_owned()),
                        ("website", long[..5_000].to_owned()),
                        ("password", "short".into()),
                        ("password_confirm", "other".into()),
                    ]),
                // The JSON API, an unknown account each time.
                _ => bot
                    .post(format!("{}/api/auth/login", app.address))
                    .json(&json!({ "login": format!("nobody{n}"), "password": "guess" })),
            };
            let request = request.header("x-forwarded-for", address);
            async move {
                request
                    .send()
                    .await
                    .map(|response| response.status().as_u16())
            }
        })
        .buffer_unordered(16)
        .map(|status| status.expect("answer"))
        .collect()
        .await;
    let sessions = count(&app, "tower_sessions").await;
    let failures = count(&app, "auth_failures").await;
    let users = count(&app, "users").await;
    let after = database_bytes(&app).await;
    println!(
        "{POSTS} anonymous failed posts from {ADDRESSES} addresses: {sessions} session rows, \
         {failures} throttle rows, {users} users; database {} → {} bytes, write-ahead log {} → {} bytes",
        before.0, after.0, before.1, after.1
    );
    assert!(
        statuses
            .iter()
            .all(|status| [302, 401, 422, 429].contains(status)),
        "{:?}",
        statuses
            .iter()
            .filter(|s| ![302, 401, 422, 429].contains(*s))
            .take(5)
            .collect::<Vec<_>>()
    );
    assert_eq!(sessions, 0, "anonymous posts create no sessions");
    assert_eq!(users, 0);
    // Each address gets its 50 failures counted (one row for the address, one for the account); the rest are
    // refused before anything is written.
    assert!(
        failures <= (ADDRESSES * 50 * 2) as i64,
        "{failures} throttle rows"
    );
    assert!(
        after.0 - before.0 < 1024 * 1024,
        "the database grew by {} bytes",
        after.0 - before.0
    );
}
