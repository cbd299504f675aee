//! `/api/auth/*` through the real router, a real port and a fresh SQLite database per test.

use crate::common;

use common::{register, registration, spawn_app, TestApp, PASSWORD};
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

async fn error_body(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    let content_type = response.headers()[header::CONTENT_TYPE].clone();
    assert_eq!(content_type, "application/json");
    response.json::<Value>().await.expect("JSON body")["error"].clone()
}

/// The session cookie the last response set, as `name=value`.
fn session_cookie(response: &reqwest::Response) -> String {
    common::set_cookie(response, "leptodo_session")
        .and_then(|line| line.split(';').next().map(str::to_owned))
        .expect("a session cookie is set")
}

async fn me_with_cookie(app: &TestApp, cookie: &str) -> StatusCode {
    reqwest::Client::new()
        .get(format!("{}/api/auth/me", app.address))
        .header(header::COOKIE, cookie)
        .send()
        .await
        .expect("request completes")
        .status()
}

#[tokio::test]
async fn register_answers_201_with_the_user_and_logs_in() {
    let app = spawn_app().await;
    let body = register(&app, "Ann@Example.COM", "annlee").await;
    let user = &body["user"];
    assert_eq!(user["email"], "Ann@example.com");
    assert_eq!(user["username"], "annlee");
    assert_eq!(user["roles"], json!(["user"]));
    assert_eq!(user["login_count"], 1);
    assert!(user["created_at"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    let keys: Vec<&String> = user.as_object().expect("object").keys().collect();
    for secret in ["password_hash", "session_secret", "password"] {
        assert!(
            !keys.iter().any(|key| *key == secret),
            "{secret} leaked: {user}"
        );
    }

    let me: Value = app.browser.get("/api/auth/me").await.1;
    assert_eq!(me["user"]["id"], user["id"]);
}

#[tokio::test]
async fn invalid_registration_answers_422_with_messages_per_field() {
    let app = spawn_app().await;
    let mut body = registration("not-an-email", "a b");
    body["password_confirm"] = json!("something else");
    let error = error_body(
        app.browser.post_response("/api/auth/register", &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error["code"], "validation");
    assert!(error["message"].is_string());
    for field in ["email", "username", "password_confirm"] {
        assert!(
            error["fields"][field][0].is_string(),
            "no message for {field}: {error}"
        );
    }
}

#[tokio::test]
async fn a_taken_email_answers_409_in_the_same_shape() {
    let app = spawn_app().await;
    register(&app, "ann@example.com", "annlee").await;
    let error = error_body(
        app.browser
            .post_response(
                "/api/auth/register",
                &registration("ANN@example.com", "other"),
            )
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(error["code"], "conflict");
    assert!(error["fields"]["email"][0].is_string(), "{error}");
}

#[tokio::test]
async fn login_by_username_sets_a_session_and_me_returns_the_user() {
    let app = spawn_app().await;
    register(&app, "ann@example.com", "annlee").await;
    let other = app.anonymous();
    let response = other
        .post_response(
            "/api/auth/login",
            &json!({ "login": "AnnLee", "password": PASSWORD }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = session_cookie(&response);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["user"]["username"], "annlee");
    assert_eq!(body["user"]["login_count"], 2);
    assert_eq!(me_with_cookie(&app, &cookie).await, StatusCode::OK);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_identical_401s() {
    let app = spawn_app().await;
    register(&app, "ann@example.com", "annlee").await;
    let wrong = app
        .browser
        .post_response(
            "/api/auth/login",
            &json!({ "login": "annlee", "password": "not it at all" }),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong: Value = wrong.json().await.expect("JSON");
    let unknown = app
        .browser
        .post_response(
            "/api/auth/login",
            &json!({ "login": "nobody", "password": PASSWORD }),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let unknown: Value = unknown.json().await.expect("JSON");
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["error"]["code"], "invalid_credentials");
}

#[tokio::test]
async fn a_deactivated_account_answers_403_only_with_the_right_password() {
    let app = spawn_app().await;
    register(&app, "ann@example.com", "annlee").await;
    sqlx::query("UPDATE users SET active = FALSE")
        .execute(&app.database().await)
        .await
        .expect("deactivate");
    let wrong = app
        .browser
        .post_response(
            "/api/auth/login",
            &json!({ "login": "annlee", "password": "not it at all" }),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = app
        .browser
        .post_response(
            "/api/auth/login",
            &json!({ "login": "annlee", "password": PASSWORD }),
        )
        .await;
    assert_eq!(
        error_body(right, StatusCode::FORBIDDEN).await["code"],
        "inactive"
    );
}

#[tokio::test]
async fn logout_answers_204_and_the_old_cookie_stops_working() {
    let app = spawn_app().await;
    let response = app
        .browser
        .post_response(
            "/api/auth/register",
            &registration("ann@example.com", "annlee"),
        )
        .await;
    let cookie = session_cookie(&response);
    assert_eq!(me_with_cookie(&app, &cookie).await, StatusCode::OK);

    let logout = app
        .browser
        .raw(Method::POST, "/api/auth/logout")
        .send()
        .await
        .expect("request completes");
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        error_body(
            app.browser.fetch("/api/auth/me").await,
            StatusCode::UNAUTHORIZED
        )
        .await["code"],
        "unauthenticated"
    );
    assert_eq!(
        me_with_cookie(&app, &cookie).await,
        StatusCode::UNAUTHORIZED,
        "replayed cookie still works"
    );
}

#[tokio::test]
async fn login_replaces_the_session_id() {
    let app = spawn_app().await;
    register(&app, "ann@example.com", "annlee").await;
    register(&app, "mallory@example.com", "mallory").await;
    // Anonymous visitors have no session to plant, so the attacker plants one of their own: a logged-in session
    // of theirs, set in the victim's browser before the victim logs in.
    let browser = app.anonymous();
    let attackers = browser
        .post_response(
            "/api/auth/login",
            &json!({ "login": "mallory", "password": PASSWORD }),
        )
        .await;
    let planted = session_cookie(&attackers);
    let login = browser
        .post_response(
            "/api/auth/login",
            &json!({ "login": "annlee", "password": PASSWORD }),
        )
        .await;
    assert_eq!(login.status(), StatusCode::OK);
    let logged_in = session_cookie(&login);
    assert_ne!(planted, logged_in);
    assert_eq!(
        me_with_cookie(&app, &planted).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(me_with_cookie(&app, &logged_in).await, StatusCode::OK);
}

#[tokio::test]
async fn anonymous_form_posts_create_no_session() {
    let app = spawn_app().await;
    let failed = failed_login_without_javascript(&app.browser, &app).await;
    assert_eq!(failed.status(), StatusCode::FOUND);
    let cookies: Vec<&str> = failed
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    assert!(
        cookies
            .iter()
            .all(|cookie| !cookie.starts_with("leptodo_session=")),
        "{cookies:?}"
    );
    assert!(
        cookies
            .iter()
            .any(|cookie| cookie.starts_with("leptodo_flash=")),
        "the typed login rides in the flash cookie: {cookies:?}"
    );
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tower_sessions")
        .fetch_one(&app.database().await)
        .await
        .expect("count");
    assert_eq!(sessions, 0);
}

#[tokio::test]
async fn a_flash_cookie_the_server_did_not_sign_is_dropped_silently() {
    use base64::Engine;
    let app = spawn_app().await;
    register(&app, "ann@example.com", "annlee").await;
    let failed = failed_login_without_javascript(&app.anonymous(), &app).await;
    let genuine = common::set_cookie(&failed, "leptodo_flash")
        .and_then(|line| line.split(';').next().map(str::to_owned))
        .expect("a flash cookie");
    let value = genuine.trim_start_matches("leptodo_flash=");
    // The signature (44 characters of base64) comes first, then the value it signs.
    let (signature, _) = value.split_at(44);
    let words = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
        r#"{"message":"Your account is locked: call +1 555 0100","typed":["login",{"login":"planted"}]}"#,
    );
    let page_with = |cookie: String| {
        let browser = app.anonymous().with_header("cookie", &cookie);
        async move {
            let response = browser.navigate("/login").await;
            let cleared = common::set_cookie(&response, "leptodo_flash");
            (response.text().await.expect("page"), cleared)
        }
    };

    let (page, _) = page_with(genuine.clone()).await;
    assert!(
        page.contains(r#"value="annlee""#),
        "the signed cookie is read"
    );
    for forged in [
        format!("leptodo_flash={signature}{words}"),
        format!("leptodo_flash={words}"),
    ] {
        let (page, cleared) = page_with(forged.clone()).await;
        assert!(!page.contains("555 0100"), "{forged}: {page}");
        assert!(!page.contains("planted"), "{forged}: {page}");
        assert!(
            cleared.is_some_and(|line| line.contains("Max-Age=0")),
            "{forged}: the forged cookie is deleted"
        );
    }
}

/// A wrong password posted by the login form of a browser without JavaScript, answered as it came.
async fn failed_login_without_javascript(
    browser: &common::Api,
    app: &TestApp,
) -> reqwest::Response {
    browser
        .raw(Method::POST, login_path())
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, format!("{}/login", app.address))
        .form(&[("login", "annlee"), ("password", "wrong")])
        .send()
        .await
        .expect("request completes")
}

#[tokio::test]
async fn a_signed_flash_cookie_that_is_stale_or_was_written_for_another_cookie_is_dropped() {
    use base64::Engine;
    use tower_cookies::cookie::{Cookie, CookieJar, Key};
    let key_bytes: Vec<u8> = (0..64).collect();
    let app = common::spawn_app_with({
        let key = base64::engine::general_purpose::STANDARD.encode(&key_bytes);
        move |settings| settings.cookie_key = key.into()
    })
    .await;
    // Signed as the server signs, with the server's key: only the stamp inside differs.
    let signed = |cookie: &str, seconds_ago: i64, login: &str| {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let stamped = json!({
            "cookie": cookie,
            "at": now - seconds_ago,
            "value": { "message": null, "typed": ["login", { "login": login }] },
        });
        let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(stamped.to_string());
        let mut jar = CookieJar::new();
        jar.signed_mut(&Key::from(&key_bytes))
            .add(Cookie::new("leptodo_flash", text));
        let value = jar.get("leptodo_flash").map(|c| c.value().to_owned());
        format!("leptodo_flash={}", value.unwrap_or_default())
    };
    let login_field = |cookie: String| {
        let browser = app.anonymous().with_header("cookie", &cookie);
        async move {
            let page = browser.navigate("/login").await.text().await.expect("page");
            ["fresh", "stale", "moved"]
                .into_iter()
                .find(|login| page.contains(&format!(r#"value="{login}""#)))
        }
    };
    assert_eq!(
        login_field(signed("leptodo_flash", 2, "fresh")).await,
        Some("fresh"),
        "a cookie signed and stamped as the server does is read"
    );
    assert_eq!(
        login_field(signed("leptodo_flash", 120, "stale")).await,
        None
    );
    assert_eq!(
        login_field(signed("leptodo_secret", 2, "moved")).await,
        None
    );
}

fn login_path() -> &'static str {
    use leptos::server_fn::ServerFn;
    leptodo::auth::login_page::LogIn::PATH
}

#[tokio::test]
async fn a_changed_session_secret_ends_existing_sessions() {
    let app = spawn_app().await;
    let response = app
        .browser
        .post_response(
            "/api/auth/register",
            &registration("ann@example.com", "annlee"),
        )
        .await;
    let cookie = session_cookie(&response);
    // What a password change does to the account.
    sqlx::query("UPDATE users SET session_secret = 'replaced'")
        .execute(&app.database().await)
        .await
        .expect("replace the secret");
    assert_eq!(
        me_with_cookie(&app, &cookie).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn remember_me_sets_a_persistent_cookie_and_its_absence_a_browser_session_cookie() {
    let app = spawn_app().await;
    register(&app, "ann@example.com", "annlee").await;
    for (remember, persistent) in [(true, true), (false, false)] {
        let response = app
            .anonymous()
            .post_response(
                "/api/auth/login",
                &json!({ "login": "annlee", "password": PASSWORD, "remember": remember }),
            )
            .await;
        let set_cookie = response
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|value| value.to_str().ok())
            .expect("cookie")
            .to_owned();
        let has_lifetime = set_cookie.contains("Max-Age") || set_cookie.contains("Expires");
        assert_eq!(
            has_lifetime, persistent,
            "remember = {remember}: {set_cookie}"
        );
    }
}

#[tokio::test]
async fn bodies_that_are_not_json_or_lack_fields_get_json_errors_saying_why() {
    let app = spawn_app().await;
    let send = |content_type: &'static str, body: &'static str| {
        app.browser
            .raw(Method::POST, "/api/auth/login")
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
    };

    let form = send("application/x-www-form-urlencoded", "login=ann&password=x")
        .await
        .expect("request completes");
    assert_eq!(
        error_body(form, StatusCode::UNSUPPORTED_MEDIA_TYPE).await["code"],
        "unsupported_media_type"
    );

    let malformed = send("application/json", "{\"login\": ")
        .await
        .expect("request completes");
    assert_eq!(
        error_body(malformed, StatusCode::BAD_REQUEST).await["code"],
        "bad_request"
    );

    let missing = app
        .browser
        .post_response("/api/auth/login", &json!({ "login": "ann" }))
        .await;
    let error = error_body(missing, StatusCode::BAD_REQUEST).await;
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("password")),
        "{error}"
    );

    let wrong_type = app
        .browser
        .post_response("/api/auth/register", &json!({ "email": 42 }))
        .await;
    assert_eq!(
        error_body(wrong_type, StatusCode::BAD_REQUEST).await["code"],
        "bad_request"
    );
}

#[tokio::test]
async fn me_without_a_session_is_a_json_401() {
    let app = spawn_app().await;
    let error = error_body(
        app.browser.fetch("/api/auth/me").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(error["code"], "unauthenticated");
}

#[tokio::test]
async fn a_password_change_ends_other_sessions_but_keeps_this_one() {
    let app = spawn_app().await;
    let registered = app
        .browser
        .post_response(
            "/api/auth/register",
            &registration("ann@example.com", "annlee"),
        )
        .await;
    let this_browser = session_cookie(&registered);
    let other = app.anonymous();
    let other_login = other
        .post_response(
            "/api/auth/login",
            &json!({ "login": "annlee", "password": PASSWORD }),
        )
        .await;
    let other_browser = session_cookie(&other_login);

    let change = app
        .browser
        .post_response(
            "/api/auth/password",
            &json!({
                "current_password": PASSWORD,
                "new_password": "a brand new passphrase",
                "new_password_confirm": "a brand new passphrase",
            }),
        )
        .await;
    assert_eq!(change.status(), StatusCode::NO_CONTENT);
    assert_ne!(
        session_cookie(&change),
        this_browser,
        "the session id is rotated"
    );

    assert_eq!(
        app.browser.fetch("/api/auth/me").await.status(),
        StatusCode::OK,
        "this session continues"
    );
    assert_eq!(
        me_with_cookie(&app, &other_browser).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        me_with_cookie(&app, &this_browser).await,
        StatusCode::UNAUTHORIZED,
        "old id retired"
    );
}

#[tokio::test]
async fn a_password_change_with_a_wrong_current_password_changes_nothing() {
    let app = spawn_app().await;
    register(&app, "ann@example.com", "annlee").await;
    let change = app
        .browser
        .post_response(
            "/api/auth/password",
            &json!({
                "current_password": "not my password",
                "new_password": "a brand new passphrase",
                "new_password_confirm": "a brand new passphrase",
            }),
        )
        .await;
    let error = error_body(change, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        error["fields"]["current_password"][0].is_string(),
        "{error}"
    );
    let login = app
        .anonymous()
        .post_response(
            "/api/auth/login",
            &json!({ "login": "annlee", "password": PASSWORD }),
        )
        .await;
    assert_eq!(login.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_password_change_needs_a_login() {
    let app = spawn_app().await;
    let change = app
        .browser
        .post_response(
            "/api/auth/password",
            &json!({ "current_password": "x", "new_password": "y", "new_password_confirm": "y" }),
        )
        .await;
    assert_eq!(
        error_body(change, StatusCode::UNAUTHORIZED).await["code"],
        "unauthenticated"
    );
}

#[tokio::test]
async fn unknown_api_paths_answer_json_404() {
    let app = spawn_app().await;
    let error = error_body(
        app.browser.fetch("/api/no/such/thing").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(error["code"], "not_found");
}

#[tokio::test]
async fn a_password_logs_in_whichever_unicode_form_the_keyboard_sends() {
    let app = spawn_app().await;
    // "ë" as one character and "ﬁ" as a ligature; then "e" with a combining diaeresis and "fi".
    let (composed, decomposed) = ("Zoë’s ﬁne passphrase", "Zoe\u{308}’s fine passphrase");
    let mut body = registration("zoe@example.com", "zoe");
    body["password"] = json!(composed);
    body["password_confirm"] = json!(composed);
    let (status, answer) = app.anonymous().post("/api/auth/register", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let log_in = |password: &str| {
        let api = app.anonymous();
        let body = json!({ "login": "zoe", "password": password });
        async move { api.post("/api/auth/login", &body).await.0 }
    };
    assert_eq!(log_in(decomposed).await, StatusCode::OK);
    assert_eq!(
        log_in("Zoë’s fine passphrasE").await,
        StatusCode::UNAUTHORIZED
    );

    // An account whose hash was made before passwords were normalised, from the characters as typed.
    use argon2::{password_hash::SaltString, PasswordHasher};
    let before = argon2::Argon2::default()
        .hash_password(
            decomposed.as_bytes(),
            &SaltString::generate(&mut argon2::password_hash::rand_core::OsRng),
        )
        .expect("hash")
        .to_string();
    let db = app.database().await;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE username = 'zoe'")
        .bind(&before)
        .execute(&db)
        .await
        .expect("an old hash");
    assert_eq!(
        log_in(composed).await,
        StatusCode::UNAUTHORIZED,
        "the old hash knows only the characters as typed"
    );
    assert_eq!(
        log_in(decomposed).await,
        StatusCode::OK,
        "as typed: it still works"
    );
    let upgraded: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE username = 'zoe'")
            .fetch_one(&db)
            .await
            .expect("hash");
    assert_ne!(upgraded, before, "and is replaced");
    assert_eq!(
        log_in(composed).await,
        StatusCode::OK,
        "by one for every form"
    );
}
