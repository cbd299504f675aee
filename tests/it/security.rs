//! Cross-site request protection, security headers and body limits, through the real router.

use crate::common;

use common::{spawn_app, spawn_app_with, Api};
use reqwest::{header, StatusCode};
use serde_json::json;

async fn todo_count(api: &Api) -> usize {
    api.get("/api/todos").await.1.as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn cross_site_unsafe_requests_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    for headers in [
        [
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
        ],
        [
            ("sec-fetch-site", "same-site"),
            ("origin", "https://sub.example"),
        ],
        [("origin", "https://evil.example"), ("x-unused", "1")],
        [("origin", "null"), ("x-unused", "1")],
    ] {
        let (status, body) = ann
            .send_with_headers(
                reqwest::Method::POST,
                "/api/todos",
                &json!({ "title": "forged" }),
                &headers,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}");
        assert_eq!(body["error"]["code"], "cross_site", "{headers:?}");
    }
    assert_eq!(todo_count(&ann).await, 0, "nothing was created");
}

#[tokio::test]
async fn same_origin_browsers_programs_and_bearer_tokens_pass() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let host = app.address.trim_start_matches("http://").to_owned();
    let origin = app.address.clone();
    let body = json!({ "title": "fine" });
    let same_origin = [
        ("sec-fetch-site", "same-origin"),
        ("origin", origin.as_str()),
    ];
    let (status, _) = ann
        .send_with_headers(reqwest::Method::POST, "/api/todos", &body, &same_origin)
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let matching_origin = [("origin", origin.as_str()), ("host", host.as_str())];
    let (status, _) = ann
        .send_with_headers(reqwest::Method::POST, "/api/todos", &body, &matching_origin)
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "an old browser without Sec-Fetch-Site"
    );
    let (status, _) = ann.post("/api/todos", &body).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a program sends neither header"
    );

    let (_, token) = ann.post("/api/auth/tokens", &json!({ "name": "ci" })).await;
    let script = app
        .anonymous()
        .with_bearer(token["token"].as_str().expect("token"));
    let cross = [
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://elsewhere.example"),
    ];
    let (status, _) = script
        .send_with_headers(reqwest::Method::POST, "/api/todos", &body, &cross)
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "bearer requests are not subject to it"
    );
    assert_eq!(todo_count(&ann).await, 4);
}

#[tokio::test]
async fn a_configured_site_url_is_the_origin_that_counts() {
    let app = spawn_app_with(|settings| settings.site_url = "https://todo.example".into()).await;
    let ann = app.user("annlee").await;
    let body = json!({ "title": "x" });
    let ours = [("origin", "https://todo.example"), ("x-unused", "1")];
    assert_eq!(
        ann.send_with_headers(reqwest::Method::POST, "/api/todos", &body, &ours)
            .await
            .0,
        StatusCode::CREATED
    );
    let own_host = [("origin", app.address.as_str()), ("x-unused", "1")];
    assert_eq!(
        ann.send_with_headers(reqwest::Method::POST, "/api/todos", &body, &own_host)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_cross_site_form_gets_an_error_page_and_does_not_log_anyone_out() {
    use leptos::server_fn::ServerFn;
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let response = ann
        .raw(reqwest::Method::POST, leptodo::auth::logout::LogOut::PATH)
        .header(header::ACCEPT, "text/html")
        .header("sec-fetch-site", "cross-site")
        .header(header::ORIGIN, "https://evil.example")
        .form(&[("x", "y")])
        .send()
        .await
        .expect("request completes");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response
        .text()
        .await
        .expect("body")
        .contains("Request refused"));
    assert_eq!(
        ann.get("/api/auth/me").await.0,
        StatusCode::OK,
        "still logged in"
    );
}

#[tokio::test]
async fn pages_carry_a_policy_whose_nonce_is_on_the_inline_scripts() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let response = ann
        .raw(reqwest::Method::GET, "/")
        .send()
        .await
        .expect("page");
    let policy = response.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert_eq!(
        response.headers()[header::X_CONTENT_TYPE_OPTIONS],
        "nosniff"
    );
    assert_eq!(response.headers()[header::REFERRER_POLICY], "same-origin");
    assert!(response
        .headers()
        .get(header::STRICT_TRANSPORT_SECURITY)
        .is_none());
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in script-src")
        .to_owned();
    assert!(nonce.len() >= 16, "{nonce}");
    assert!(policy.contains("'wasm-unsafe-eval'") && policy.contains("frame-ancestors 'none'"));
    assert!(!policy.contains("unsafe-inline"));
    let html = response.text().await.expect("HTML");
    let inline_scripts = html.matches("<script").count();
    assert!(inline_scripts > 0);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        inline_scripts,
        "{html}"
    );

    let other = ann
        .raw(reqwest::Method::GET, "/")
        .send()
        .await
        .expect("page");
    assert!(
        !other.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("ASCII")
            .contains(&nonce),
        "a fresh nonce each time"
    );
}

#[tokio::test]
async fn api_answers_and_files_get_the_strict_policy_and_hsts_when_secure() {
    // A site root of its own, so the test does not depend on `cargo leptos build` having run.
    let site = tempfile::tempdir().expect("temporary directory");
    std::fs::write(
        site.path().join("favicon.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .expect("write a static file");
    let root = site.path().display().to_string();
    let app = spawn_app_with(move |settings| {
        settings.cookie_secure = true;
        settings.site_root = root;
    })
    .await;
    for path in [
        "/api/openapi.json",
        "/api/no/such/route",
        "/favicon.svg",
        "/healthz",
    ] {
        let response = app
            .anonymous()
            .raw(reqwest::Method::GET, path)
            .send()
            .await
            .expect("answer");
        if !path.starts_with("/api/no/") {
            assert_eq!(response.status(), StatusCode::OK, "{path}");
        }
        let headers = response.headers();
        assert!(
            headers[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .expect("ASCII")
                .starts_with("default-src 'none'"),
            "{path}"
        );
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{path}");
        assert!(
            headers[header::STRICT_TRANSPORT_SECURITY]
                .to_str()
                .expect("ASCII")
                .starts_with("max-age="),
            "{path}"
        );
    }
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let app = spawn_app_with(|settings| settings.max_body_bytes = 1024).await;
    let ann = app.user("annlee").await;
    let big = json!({ "title": "x".repeat(2000) });
    let response = ann
        .raw(reqwest::Method::POST, "/api/todos")
        .json(&big)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = response.json().await.expect("a JSON error");
    assert_eq!(body["error"]["code"], "payload_too_large");
    let response = ann
        .raw(reqwest::Method::POST, "/api/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(format!(
            "{{\"login\":\"{}\",\"password\":\"x\"}}",
            "a".repeat(4096)
        ))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Sent in chunks, without a length the limit could refuse at once: cut short while it is read.
    {
        use leptos::server_fn::ServerFn;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(app.address.trim_start_matches("http://"))
            .await
            .expect("connect");
        let chunk = format!("title={}", "x".repeat(2042));
        let request = format!(
            "POST {} HTTP/1.1\r\nHost: leptodo\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
            leptodo::todos::server_fns::AddTodo::PATH,
            chunk.len()
        );
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    }
    let (status, _) = ann.post("/api/todos", &json!({ "title": "small" })).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the limit leaves normal requests alone"
    );
}

#[tokio::test]
async fn a_bogus_bearer_header_does_not_exempt_a_cross_site_cookie_request() {
    use leptos::server_fn::ServerFn;
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let forged = ann.with_bearer("x");
    let cross_site = [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ];
    let (status, _) = forged
        .send_with_headers(
            reqwest::Method::POST,
            "/api/todos",
            &json!({ "title": "planted" }),
            &cross_site,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let logout = forged
        .raw(reqwest::Method::POST, leptodo::auth::logout::LogOut::PATH)
        .header(header::ORIGIN, "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("request completes");
    assert_eq!(logout.status(), StatusCode::FORBIDDEN);
    assert_eq!(ann.get("/api/auth/me").await.0, StatusCode::OK);
    assert_eq!(ann.get("/api/todos").await.1, json!([]));
}

#[tokio::test]
async fn a_valid_token_from_another_site_acts_alone_without_the_browsers_cookie() {
    use leptos::server_fn::ServerFn;
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let (_, created) = ann
        .post("/api/auth/tokens", &json!({ "name": "web tool" }))
        .await;
    let with_token = ann.with_bearer(created["token"].as_str().expect("a token"));
    let cross_site = [
        ("origin", "https://tool.example"),
        ("sec-fetch-site", "cross-site"),
    ];
    let (status, _) = with_token
        .send_with_headers(
            reqwest::Method::POST,
            "/api/todos",
            &json!({ "title": "from a tool" }),
            &cross_site,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // The page logout acts on the session of the cookie, which a cross-site request does not get to use.
    let logout = with_token
        .raw(reqwest::Method::POST, leptodo::auth::logout::LogOut::PATH)
        .header(header::ORIGIN, "https://tool.example")
        .header("sec-fetch-site", "cross-site")
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .expect("request completes");
    assert_ne!(logout.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        ann.get("/api/auth/me").await.0,
        StatusCode::OK,
        "still logged in"
    );
}

#[test]
fn debug_output_of_everything_that_carries_a_password_hides_it() {
    use leptodo::{
        account::security_page::ChangePassword,
        auth::{
            login_page::LogIn, password_change::PasswordChangeInput, register_page::Register,
            registration::RegistrationInput,
        },
    };
    let secret = "correct horse battery staple";
    let printed = [
        format!(
            "{:?}",
            LogIn {
                login: "ann".into(),
                password: secret.into(),
                remember: None,
                next: None,
            }
        ),
        format!(
            "{:?}",
            Register {
                email: "ann@example.com".into(),
                username: "ann".into(),
                name: "Ann".into(),
                website: None,
                password: secret.into(),
                password_confirm: secret.into(),
            }
        ),
        format!(
            "{:?}",
            ChangePassword {
                current_password: secret.into(),
                new_password: secret.into(),
                new_password_confirm: secret.into(),
            }
        ),
        format!(
            "{:?}",
            RegistrationInput {
                password: secret.into(),
                password_confirm: secret.into(),
                ..Default::default()
            }
        ),
        format!(
            "{:?}",
            PasswordChangeInput {
                current_password: secret.into(),
                ..Default::default()
            }
        ),
    ];
    for debug in printed {
        assert!(!debug.contains(secret), "{debug}");
        assert!(debug.contains("<hidden>"), "{debug}");
    }
}

#[tokio::test]
async fn a_refused_cross_site_request_is_logged_without_a_mail_links_token() {
    let database = common::TestDatabase::new();
    let (mut child, address, log) = common::process::start(&database.url);
    let token = "5eed".repeat(16);
    let client = reqwest::Client::new();
    for path in ["/confirm/", "/reset/", "/change-email/"] {
        let response = client
            .post(format!("{address}{path}{token}"))
            .header(header::ORIGIN, "https://evil.example")
            .header("sec-fetch-site", "cross-site")
            .form(&[("token", token.as_str())])
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
    // The log lines come through the child's pipe: wait for the three.
    let deadline = std::time::Instant::now() + common::events::EVENTUALLY;
    while log
        .lock()
        .expect("log")
        .matches("cross-site request refused")
        .count()
        < 3
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    let logged = log.lock().expect("log").clone();
    assert_eq!(
        logged.matches("cross-site request refused").count(),
        3,
        "{logged}"
    );
    assert!(logged.contains("/change-email/[token]"), "{logged}");
    assert!(!logged.contains(&token), "{logged}");
}

#[tokio::test]
async fn a_body_that_does_not_decode_is_the_callers_error_at_every_server_function() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let paths: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
        .filter(|(_, method)| *method == axum::http::Method::POST)
        .map(|(path, _)| path)
        .collect();
    assert!(paths.len() >= 25, "{paths:?}");
    // Not UTF-8, whatever the fields: what serde_qs would otherwise mend or pass through never gets that far.
    for body in [&b"\xff\xfe%%%=&&="[..], b"name=\xff\xfe&title=\xc3"] {
        for path in &paths {
            let response = ann
                .raw(reqwest::Method::POST, path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "*/*")
                .body(body.to_vec())
                .send()
                .await
                .expect("answer");
            let status = response.status();
            let text = response.text().await.expect("body");
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {text}");
            assert!(text.contains("malformed"), "{path} gives a reason: {text}");
        }
    }
}
