//! The real router on a real port against a fresh SQLite database per test.

mod common;

use common::{spawn_app, spawn_app_with};
use leptodo::home::{GetClickCounts, SaveClick};
use leptos::server_fn::ServerFn;
use reqwest::{header, StatusCode};

#[tokio::test]
async fn healthz_answers_ok_when_the_database_is_reachable() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.expect("body"), "ok");
}

#[tokio::test]
async fn first_start_creates_the_database_file_and_its_folder() {
    let app = spawn_app().await;
    assert!(
        app.database.exists(),
        "{} was not created",
        app.database.display()
    );
}

#[tokio::test]
async fn home_page_is_rendered_on_the_server_with_the_hydration_script() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.expect("body");
    assert!(html.contains("<h1>Leptodo</h1>"), "{html}");
    assert!(
        html.contains("Saved clicks: 0 in all, 0 from this session"),
        "{html}"
    );
    assert!(
        html.contains("/pkg/leptodo.js"),
        "no hydration script: {html}"
    );
    assert!(html.contains(r#"data-hydrated="false""#), "{html}");
}

#[tokio::test]
async fn unknown_paths_get_a_404_page() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response
        .text()
        .await
        .expect("body")
        .contains("Page not found"));
}

#[tokio::test]
async fn server_function_writes_to_sqlite_and_reads_it_back() {
    let app = spawn_app().await;
    let before = app.counts(GetClickCounts::PATH).await;
    assert_eq!(before["total"], 0);

    let saved = app.counts(SaveClick::PATH).await;
    assert_eq!(saved["total"], 1);
    assert_eq!(saved["this_session"], 1);
    app.counts(SaveClick::PATH).await;

    let after = app.counts(GetClickCounts::PATH).await;
    assert_eq!(after["total"], 2);
    assert_eq!(after["this_session"], 2);

    // Another client shares the database but not the session.
    let theirs: serde_json::Value = app
        .call_as(&reqwest::Client::new(), GetClickCounts::PATH)
        .await
        .json()
        .await
        .expect("JSON body");
    assert_eq!(theirs["total"], 2);
    assert_eq!(theirs["this_session"], 0);
}

#[tokio::test]
async fn form_post_without_javascript_redirects_back_to_the_page() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}{}", app.address, SaveClick::PATH))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, format!("{}/", app.address))
        .send()
        .await
        .expect("request completes");
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = response.headers()[header::LOCATION]
        .to_str()
        .expect("ASCII location");
    // Leptos strips error details from the Referer and may leave an empty query behind.
    assert_eq!(location.trim_end_matches('?'), format!("{}/", app.address));
    assert_eq!(app.counts(GetClickCounts::PATH).await["total"], 1);
}

#[tokio::test]
async fn session_cookie_is_http_only_same_site_lax_and_not_secure_by_default() {
    let app = spawn_app().await;
    let response = app.call(SaveClick::PATH).await;
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .expect("the session cookie is set")
        .to_str()
        .expect("ASCII cookie");
    assert!(cookie.starts_with("leptodo_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn session_cookie_is_secure_when_configured() {
    let app = spawn_app_with(|settings| settings.cookie_secure = true).await;
    let response = app.call(SaveClick::PATH).await;
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .expect("the session cookie is set")
        .to_str()
        .expect("ASCII cookie");
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn sessions_are_stored_server_side() {
    let app = spawn_app().await;
    app.call(SaveClick::PATH).await;
    let pool = app.database().await;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tower_sessions")
        .fetch_one(&pool)
        .await
        .expect("session table exists");
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn a_failed_server_function_answers_with_its_own_status_or_a_redirect_for_plain_forms() {
    use leptodo::auth::login_page::LogIn;
    let app = spawn_app().await;
    let url = format!("{}{}", app.address, LogIn::PATH);
    let from_javascript = app
        .client
        .post(&url)
        .header(header::ACCEPT, "application/json")
        .form(&[("login", "nobody"), ("password", "wrong password")])
        .send()
        .await
        .expect("request completes");
    assert_eq!(from_javascript.status(), StatusCode::UNAUTHORIZED);

    let from_plain_form = app
        .client
        .post(&url)
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, format!("{}/login", app.address))
        .form(&[("login", "nobody"), ("password", "wrong password")])
        .send()
        .await
        .expect("request completes");
    assert_eq!(from_plain_form.status(), StatusCode::FOUND);
    let location = from_plain_form.headers()[header::LOCATION]
        .to_str()
        .expect("ASCII location");
    assert!(location.contains("/login?__path="), "{location}");
}
