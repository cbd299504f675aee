//! Who an account is: emails compared as Unicode says people mean them, and names that cannot hide control or
//! text-direction characters.

use crate::common;

use common::{registration, spawn_app, TestDatabase, PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn every_spelling_of_a_unicode_email_is_one_account() {
    let app = spawn_app().await;
    let (status, body) = app
        .anonymous()
        .post(
            "/api/auth/register",
            &registration("ju\u{308}rgen@example.com", "juergen"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        body["user"]["email"], "jürgen@example.com",
        "stored composed (NFC)"
    );
    for (email, username) in [
        ("jürgen@example.com", "other1"),
        ("JÜRGEN@example.com", "other2"),
        ("JU\u{308}RGEN@EXAMPLE.COM", "other3"),
    ] {
        let (status, body) = app
            .anonymous()
            .post("/api/auth/register", &registration(email, username))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{email}: {body}");
        assert!(body["error"]["fields"]["email"].is_array(), "{body}");
    }
    for login in ["JÜRGEN@example.com", "ju\u{308}rgen@EXAMPLE.com", "JUERGEN"] {
        let (status, _) = app
            .anonymous()
            .post(
                "/api/auth/login",
                &json!({ "login": login, "password": PASSWORD }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{login}");
    }
    // A different letter is a different account.
    let (status, _) = app
        .anonymous()
        .post(
            "/api/auth/register",
            &registration("jurgen@example.com", "jurgen"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn control_and_text_direction_characters_are_refused_in_every_name_field() {
    let app = spawn_app().await;
    for (field, email, name) in [
        ("name", "ann@example.com", "Ann \u{202E}eeL"),
        ("name", "ann@example.com", "Ann\u{2066}Lee"),
        ("email", "ann\u{200F}@example.com", "Ann Lee"),
        ("email", "ann\u{7}@example.com", "Ann Lee"),
    ] {
        let mut body = registration(email, "annlee");
        body["name"] = json!(name);
        let (status, answer) = app.anonymous().post("/api/auth/register", &body).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name:?} {email:?}"
        );
        assert!(
            answer["error"]["fields"][field].is_array(),
            "{field}: {answer}"
        );
    }
    let ann = app.user("annlee").await;
    let (status, _) = ann
        .post("/api/todos", &json!({ "title": "pay \u{202E}lanif" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = ann
        .post("/api/auth/tokens", &json!({ "name": "laptop\u{200E}" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn accounts_made_before_email_keys_get_theirs_at_the_next_start() {
    let database = TestDatabase::new();
    let mut settings = common::test_settings();
    settings.database_url = database.url.clone();
    let pool = leptodo::startup::open_database(&settings)
        .await
        .expect("database");
    let hasher = leptodo::auth::hashing::PasswordHasher::new(&settings).expect("hasher");
    let hash = hasher.rehash(PASSWORD).await.expect("hash");
    // Two rows as an older release wrote them: no key, and the same email under Unicode rules.
    let raw = database.pool().await;
    for (email, username) in [
        ("Jürgen@example.com", "juergen"),
        ("JÜRGEN@example.com", "jurgen2"),
    ] {
        sqlx::query(
            "INSERT INTO users (email, username, name, password_hash, session_secret, created_at, updated_at)
             VALUES ($1, $2, 'J', $3, 'secret', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        )
        .bind(email)
        .bind(username)
        .bind(&hash)
        .execute(&raw)
        .await
        .expect("an old row");
    }
    pool.close().await;
    let pool = leptodo::startup::open_database(&settings)
        .await
        .expect("the next start");
    let keys: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT username, email_key FROM users ORDER BY id")
            .fetch_all(&raw)
            .await
            .expect("keys");
    assert_eq!(keys[0].1.as_deref(), Some("ju\u{308}rgen@example.com"));
    assert_eq!(
        keys[1].1, None,
        "the later of the pair is left for the operator"
    );
    let find = |login: &'static str| {
        let pool = pool.clone();
        async move {
            leptodo::auth::queries::find_by_login(&pool, login)
                .await
                .expect("query")
                .map(|user| user.username)
        }
    };
    assert_eq!(find("jürgen@EXAMPLE.com").await.as_deref(), Some("juergen"));
    assert_eq!(find("JÜRGEN@example.com").await.as_deref(), Some("jurgen2"));
}
