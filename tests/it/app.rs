//! Server-rendered pages through the real router: what a visitor with JavaScript off gets, status and all.

use crate::common;

use common::{location, register, registration, spawn_app, TestApp};
use reqwest::{header, StatusCode};
use serde_json::json;

/// GETs `path` the way a browser navigates: asking for HTML, which is what makes a redirect a real 302.
async fn navigate(app: &TestApp, path: &str) -> reqwest::Response {
    app.browser.navigate(path).await
}

async fn page(app: &TestApp, path: &str) -> String {
    let (status, html) = app.browser.page(path).await;
    assert_eq!(status, StatusCode::OK, "GET {path}");
    html
}

#[tokio::test]
async fn a_visitor_asking_for_the_account_page_is_sent_to_log_in_and_back() {
    let app = spawn_app().await;
    let response = navigate(&app, "/account").await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location(&response), "/login?next=%2Faccount");

    let login = page(&app, "/login?next=%2Faccount").await;
    assert!(login.contains("Please log in to see that page."), "{login}");
    assert!(login.contains(r#"name="next""#) && login.contains(r#"value="/account""#));
}

#[tokio::test]
async fn logged_in_users_asking_for_login_or_register_go_to_the_start_page() {
    let app = spawn_app().await;
    assert!(page(&app, "/login").await.contains(r#"name="password""#));
    assert!(page(&app, "/register")
        .await
        .contains(r#"name="password_confirm""#));

    register(&app, "ann@example.com", "annlee").await;
    for path in ["/login", "/register", "/login?next=%2Faccount"] {
        let response = navigate(&app, path).await;
        assert_eq!(response.status(), StatusCode::FOUND, "GET {path}");
        assert_eq!(location(&response), "/", "GET {path}");
    }
    assert!(page(&app, "/account").await.contains("annlee"));
}

#[tokio::test]
async fn markup_in_a_name_is_shown_as_text() {
    let app = spawn_app().await;
    let mut body = registration("ann@example.com", "annlee");
    body["name"] = json!("<script>alert('owned')</script> & Co");
    let response = app.browser.post_response("/api/auth/register", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let account = page(&app, "/account").await;
    assert!(
        !account.contains("<script>alert('owned')"),
        "markup was rendered as HTML"
    );
    assert!(account.contains("&lt;script&gt;alert("), "{account}");
}

#[tokio::test]
async fn the_header_links_to_the_admin_section_only_for_admins() {
    let app = spawn_app().await;
    register(&app, "ann@example.com", "annlee").await;
    let home = page(&app, "/").await;
    assert!(
        home.contains("Ann Lee"),
        "the header shows the user: {home}"
    );
    assert!(!home.contains(r#"href="/admin""#));

    sqlx::query(
        "INSERT INTO roles_users (user_id, role_id) SELECT users.id, roles.id FROM users, roles
         WHERE roles.name = 'admin'",
    )
    .execute(&app.database().await)
    .await
    .expect("grant admin");
    assert!(page(&app, "/").await.contains(r#"href="/admin""#));
}

#[tokio::test]
async fn the_login_form_without_javascript_returns_to_a_safe_next_path_only() {
    use leptos::server_fn::ServerFn;
    let app = spawn_app().await;
    register(&app, "ann@example.com", "annlee").await;
    let url = format!("{}{}", app.address, leptodo::auth::login_page::LogIn::PATH);
    for (next, expected) in [
        ("/account", "/account"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ] {
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client");
        let response = browser
            .post(&url)
            .header(header::ACCEPT, "text/html")
            .form(&[
                ("login", "annlee"),
                ("password", common::PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .expect("request completes");
        assert_eq!(response.status(), StatusCode::FOUND, "next={next}");
        assert_eq!(location(&response), expected, "next={next}");
    }
}

#[tokio::test]
async fn a_failed_registration_without_javascript_keeps_what_was_typed_except_passwords() {
    use leptos::server_fn::ServerFn;
    let app = spawn_app().await;
    let back = app
        .browser
        .submit_form(
            leptodo::auth::register_page::Register::PATH,
            "/register",
            &[
                ("email", "ann@example.com"),
                ("username", "ann lee"),
                ("name", "Ann <b>Lee</b>"),
                ("website", ""),
                ("password", "a long and unusual passphrase"),
                ("password_confirm", "a long and unusual passphrase"),
            ],
        )
        .await;
    assert!(back.starts_with("/register?"), "{back}");
    let form = page(&app, &back).await;
    assert!(form.contains(r#"value="ann@example.com""#), "{form}");
    assert!(form.contains(r#"value="ann lee""#));
    assert!(form.contains(r#"value="Ann &lt;b&gt;Lee&lt;/b&gt;""#));
    assert!(
        form.contains("A username uses only the letters a–z and digits 0–9."),
        "the username error is shown: {form}"
    );
    assert!(!form.contains("a long and unusual passphrase"));

    // Read once: opening the page again shows an empty form.
    let fresh = page(&app, "/register").await;
    assert!(!fresh.contains("ann@example.com"));
}

#[tokio::test]
async fn a_failed_login_without_javascript_keeps_the_login_but_not_the_password() {
    use leptos::server_fn::ServerFn;
    let app = spawn_app().await;
    let back = app
        .browser
        .submit_form(
            leptodo::auth::login_page::LogIn::PATH,
            "/login",
            &[("login", "annlee"), ("password", "not the password")],
        )
        .await;
    let form = page(&app, &back).await;
    assert!(form.contains(r#"value="annlee""#), "{form}");
    assert!(
        form.contains("Wrong email, username or password."),
        "{form}"
    );
    assert!(!form.contains("not the password"));
}
