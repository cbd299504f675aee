//! The real router on a real port against a fresh SQLite database per test.

use crate::common;

use common::{register, registration, spawn_app, spawn_app_with, Api, TestApp};
use leptodo::todos::server_fns::{AddTodo, LoadTodoPage};
use leptos::server_fn::ServerFn;
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn healthz_answers_ok_when_the_database_is_reachable() {
    let app = spawn_app().await;
    let response = app.browser.fetch("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.expect("body"), "ok");
}

#[tokio::test]
async fn first_start_creates_the_sqlite_file_and_its_folder() {
    let app = spawn_app().await;
    // A SQLite-only behaviour: a PostgreSQL database is the operator's to create.
    if let Some(path) = &app.db.sqlite_path {
        assert!(path.exists(), "{} was not created", path.display());
    }
}

#[tokio::test]
async fn the_todo_page_is_rendered_on_the_server_with_its_island_and_the_loader() {
    let app = spawn_app().await;
    register(&app, "ann@example.com", "annlee").await;
    let response = app.browser.fetch("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.expect("body");
    assert!(
        html.contains(r#"<section data-live="closed" class="todoapp">"#),
        "{html}"
    );
    assert!(
        html.contains("/pkg/leptodo.js"),
        "no hydration script: {html}"
    );
    // The list is the page's one island: its data travels as the island's props, for the browser to take over.
    assert!(
        html.contains(r#"<leptos-island data-component=""#),
        "{html}"
    );
    assert!(html.contains("data-props="), "{html}");
    assert!(
        !html.contains("data-hydrated"),
        "the server never claims the page is live: {html}"
    );
}

#[tokio::test]
async fn unknown_paths_get_a_404_page() {
    let app = spawn_app().await;
    let response = app.browser.fetch("/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response
        .text()
        .await
        .expect("body")
        .contains("Page not found"));
}

/// Calls a server function the way the hydrated page does: a form body, a JSON answer.
async fn call(client: &Api, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    client
        .raw(Method::POST, path)
        .header(header::ACCEPT, "application/json")
        .form(form)
        .send()
        .await
        .expect("request completes")
}

#[tokio::test]
async fn server_functions_write_to_the_database_and_read_it_back_per_user() {
    let app = spawn_app().await;
    register(&app, "ann@example.com", "annlee").await;
    let added = call(&app.browser, AddTodo::PATH, &[("title", "  buy milk ")]).await;
    assert_eq!(added.status(), StatusCode::OK);
    let todo: Value = added.json().await.expect("JSON body");
    assert_eq!(todo["title"], "buy milk");

    let page: Value = call(&app.browser, LoadTodoPage::PATH, &[])
        .await
        .json()
        .await
        .expect("JSON body");
    assert_eq!(page["todos"][0]["id"], todo["id"]);

    // A visitor gets no list, and cannot add to anyone's.
    let visitor = app.anonymous();
    let theirs: Value = call(&visitor, LoadTodoPage::PATH, &[])
        .await
        .json()
        .await
        .expect("JSON body");
    assert_eq!(theirs, Value::Null);
    let refused = call(&visitor, AddTodo::PATH, &[("title", "x")]).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let error: Value = refused.json().await.expect("JSON error");
    assert_eq!(error, json!("Unauthenticated"));
}

#[tokio::test]
async fn form_post_without_javascript_redirects_back_to_the_page() {
    let app = spawn_app().await;
    register(&app, "ann@example.com", "annlee").await;
    let response = app
        .browser
        .raw(Method::POST, AddTodo::PATH)
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, format!("{}/active", app.address))
        .form(&[("title", "from a form")])
        .send()
        .await
        .expect("request completes");
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = response.headers()[header::LOCATION]
        .to_str()
        .expect("ASCII location");
    // Leptos strips error details from the Referer and may leave an empty query behind.
    assert_eq!(
        location.trim_end_matches('?'),
        format!("{}/active", app.address)
    );
    let page: Value = call(&app.browser, LoadTodoPage::PATH, &[])
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(page["todos"][0]["title"], "from a form");
}

/// The session cookie a registration sets.
async fn registration_cookie(app: &TestApp) -> String {
    let response = app
        .browser
        .post_response(
            "/api/auth/register",
            &registration("ann@example.com", "annlee"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response
        .headers()
        .get(header::SET_COOKIE)
        .expect("the session cookie is set")
        .to_str()
        .expect("ASCII cookie")
        .to_owned()
}

#[tokio::test]
async fn session_cookie_is_http_only_same_site_lax_and_not_secure_by_default() {
    let app = spawn_app().await;
    let cookie = registration_cookie(&app).await;
    assert!(cookie.starts_with("leptodo_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn over_https_the_session_cookie_is_secure_and_host_prefixed() {
    let app = spawn_app_with(|settings| settings.cookie_secure = true).await;
    let cookie = registration_cookie(&app).await;
    assert!(cookie.starts_with("__Host-leptodo_session="), "{cookie}");
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("; Path=/"), "{cookie}");
    assert!(!cookie.contains("Domain"), "{cookie}");
}

#[tokio::test]
async fn sessions_are_stored_server_side() {
    let app = spawn_app().await;
    registration_cookie(&app).await;
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
    let from_javascript = app
        .browser
        .raw(Method::POST, LogIn::PATH)
        .header(header::ACCEPT, "application/json")
        .form(&[("login", "nobody"), ("password", "wrong password")])
        .send()
        .await
        .expect("request completes");
    assert_eq!(from_javascript.status(), StatusCode::UNAUTHORIZED);

    let from_plain_form = app
        .browser
        .raw(Method::POST, LogIn::PATH)
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

#[tokio::test]
async fn malformed_server_function_arguments_are_a_400_not_a_500() {
    use leptodo::{auth::login_page::LogIn, todos::server_fns::SetTodoCompleted};
    let app = spawn_app().await;
    register(&app, "ann@example.com", "annlee").await;
    for (path, form) in [
        (SetTodoCompleted::PATH, "id=not-a-number&completed=true"),
        (SetTodoCompleted::PATH, "completed=true"),
        (SetTodoCompleted::PATH, "id=1&completed=maybe"),
        (LogIn::PATH, "password=only"),
    ] {
        let response = app
            .browser
            .raw(Method::POST, path)
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .expect("request completes");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path} {form}");
        let body: Value = response.json().await.expect("a JSON error");
        let message = body["BadRequest"].as_str().unwrap_or_default();
        assert!(message.contains("malformed"), "{body}");
    }
}

#[tokio::test]
async fn a_wrong_setting_is_refused_before_the_port_is_taken_or_the_database_made() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let database = folder.path().join("never.db");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let taken = listener.local_addr().expect("its address");
    type Spoil = fn(&mut leptodo::config::Settings);
    let wrong: [(&str, Spoil); 4] = [
        ("client_ip_header", |settings| {
            settings.client_ip_header = "not a header".into();
            settings.trusted_proxies =
                leptodo::config::TrustedProxies::parse("127.0.0.1").expect("an address");
        }),
        ("trusted_proxies", |settings| {
            settings.client_ip_header = "X-Forwarded-For".into()
        }),
        ("mail_from", |settings| settings.mail_from = "nobody".into()),
        ("argon2", |settings| settings.argon2_memory_kib = 1),
    ];
    for (key, spoil) in wrong {
        let mut settings = common::test_settings();
        settings.database_url = format!("sqlite://{}", database.display());
        // The port is taken too: the wrong setting must be what the operator hears of, not the port.
        settings.site_addr = taken;
        spoil(&mut settings);
        let error = match leptodo::startup::Application::build(&settings).await {
            Ok(_) => panic!("{key}: the server started"),
            Err(error) => error.to_string(),
        };
        assert!(!error.contains("cannot listen"), "{key}: {error}");
        assert!(error.contains(key), "the message names {key}: {error}");
        assert!(!database.exists(), "{key}: the database was made");
    }
}
