//! Passkeys through the real server, answered by a software authenticator: adding one (after the password),
//! signing in with it alone and as the second step, and every answer that must be refused: replayed, answered
//! twice, too late, another account's, removed.

use crate::common;

use common::{
    passkey::Passkey, process::command as leptodo, smtp::SmtpSink, spawn_app, Api, TestApp,
    PASSWORD,
};
use leptodo::config::EmailConfirmation;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Ann, logged in, with a passkey called "Laptop" on a new authenticator.
async fn ann_with_a_passkey(app: &TestApp) -> (Api, Passkey) {
    let ann = app.user("annlee").await;
    let mut key = Passkey::new(&app.address);
    let (status, added) = key.add_to(&ann, "Laptop").await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    (ann, key)
}

async fn passkeys_of(api: &Api) -> Vec<Value> {
    let (status, list) = api.get("/api/auth/passkeys").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().expect("a list").clone()
}

#[tokio::test]
async fn a_passkey_added_on_the_account_signs_in_alone() {
    let sink = SmtpSink::start().await;
    let app = common::app_mailing(&sink, EmailConfirmation::Optional).await;
    let (ann, mut key) = ann_with_a_passkey(&app).await;
    let listed = passkeys_of(&ann).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["name"], "Laptop");
    assert!(listed[0]["last_used_at"].is_null(), "{listed:?}");
    sink.latest(
        "annlee@example.com",
        "A passkey was added to your account — Leptodo",
    )
    .await;

    let browser = app.anonymous();
    let (status, body) = key.sign_in(&browser).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["username"], "annlee");
    let (status, me) = browser.get("/api/auth/me").await;
    assert_eq!(status, StatusCode::OK, "the session began: {me}");
    let (status, body) = browser
        .post("/api/auth/tokens", &json!({"name": "lasting"}))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "no password was entered in this session: {body}"
    );
    assert_eq!(body["error"]["code"], "reauthentication_required");
    assert!(
        !passkeys_of(&ann).await[0]["last_used_at"].is_null(),
        "the use is recorded"
    );
    let (status, body) = key.sign_in(&app.anonymous()).await;
    assert_eq!(status, StatusCode::OK, "and again: {body}");
    let actions: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT action, detail FROM audit_log WHERE target = 'annlee' AND action <> 'sign_in'",
    )
    .fetch_all(&app.database().await)
    .await
    .expect("audit");
    assert_eq!(actions, [("add_passkey".into(), Some("Laptop".into()))]);
}

#[tokio::test]
async fn adding_needs_a_fresh_password_a_session_and_a_good_name() {
    let app = common::spawn_app_with(|settings| settings.reauthenticate_minutes = 0).await;
    let ann = app.user("annlee").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, body) = ann
        .post("/api/auth/passkeys/registration", &json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "reauthentication_required");
    let (status, body) = ann
        .post(
            "/api/auth/passkeys/registration",
            &json!({"current_password": "a guess"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let mut key = Passkey::new(&app.address);
    let (status, options) = ann
        .post(
            "/api/auth/passkeys/registration",
            &json!({"current_password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{options}");
    assert_eq!(options["publicKey"]["rp"]["id"], "localhost");
    assert_eq!(
        options["publicKey"]["authenticatorSelection"]["residentKey"], "preferred",
        "discoverable, so that autofill can offer it"
    );
    let credential = key.create(&options);
    let (status, body) = ann
        .post(
            "/api/auth/passkeys",
            &json!({"name": "  ", "credential": credential}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["name"].is_array(), "{body}");
    let (status, body) = ann
        .post(
            "/api/auth/passkeys",
            &json!({"name": "Laptop", "credential": {"id": "x"}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not an answer: {body}");
    let (status, body) = ann
        .post(
            "/api/auth/passkeys",
            &json!({"name": "Laptop", "credential": credential}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = ann
        .post(
            "/api/auth/passkeys",
            &json!({"name": "Laptop", "credential": credential}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "answered once: {body}");

    let (_, token) = ann
        .post(
            "/api/auth/tokens",
            &json!({"name": "script", "current_password": PASSWORD}),
        )
        .await;
    let script = app
        .anonymous()
        .with_bearer(token["token"].as_str().expect("token"));
    let (status, body) = script
        .post(
            "/api/auth/passkeys/registration",
            &json!({"current_password": PASSWORD}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a token has no browser to make one: {body}"
    );
    assert_eq!(passkeys_of(&script).await.len(), 1, "but may list them");
}

#[tokio::test]
async fn an_answer_is_taken_once_and_a_replayed_one_is_refused() {
    let app = spawn_app().await;
    let (_ann, mut key) = ann_with_a_passkey(&app).await;
    let browser = app.anonymous();
    let (_, options) = browser
        .post("/api/auth/passkey-login/options", &json!({}))
        .await;
    assert_eq!(options["mediation"], "conditional");
    let answer = key.get(&options);
    let sign_in = |api: &Api, credential: &Value| {
        let body = json!({"credential": credential});
        let api = api.at(&app.address);
        async move { api.post("/api/auth/passkey-login", &body).await }
    };
    let (status, body) = sign_in(&browser, &answer).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = sign_in(&browser, &answer).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the challenge is used: {body}"
    );

    // Replayed against a new challenge: its signature is over the old one.
    let thief = app.anonymous();
    let (status, _) = thief
        .post("/api/auth/passkey-login/options", &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = sign_in(&thief, &answer).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["credential"].is_array(), "{body}");
    let (status, _) = thief.get("/api/auth/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_ceremony_older_than_five_minutes_is_refused() {
    let app = spawn_app().await;
    let (_ann, mut key) = ann_with_a_passkey(&app).await;
    let browser = app.anonymous();
    let (_, options) = browser
        .post("/api/auth/passkey-login/options", &json!({}))
        .await;
    let answer = key.get(&options);
    sqlx::query("UPDATE passkey_ceremonies SET created_at = created_at - 301")
        .execute(&app.database().await)
        .await
        .expect("age the ceremony");
    let (status, body) = browser
        .post("/api/auth/passkey-login", &json!({"credential": answer}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("expired")),
        "{body}"
    );
}

#[tokio::test]
async fn another_accounts_passkey_or_handle_gets_nobody_in() {
    let app = spawn_app().await;
    let (_ann, mut anns_key) = ann_with_a_passkey(&app).await;
    let bob = app.user("bobby").await;
    let mut bobs_key = Passkey::new(&app.address);
    let (status, body) = bobs_key.add_to(&bob, "Phone").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Ann's passkey answering with Bob's handle: the handle is not signed, so the server must check it.
    let browser = app.anonymous();
    let (_, options) = browser
        .post("/api/auth/passkey-login/options", &json!({}))
        .await;
    let mut answer = anns_key.get(&options);
    let (_, bobs_handle) = bobs_key.registered.clone().expect("Bob's passkey");
    answer["response"]["userHandle"] = json!(base64url(&bobs_handle));
    let (status, body) = browser
        .post("/api/auth/passkey-login", &json!({"credential": answer}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        browser.get("/api/auth/me").await.0,
        StatusCode::UNAUTHORIZED
    );

    // A credential id that Ann holds cannot be registered to Bob.
    let (_, options) = bob
        .post(
            "/api/auth/passkeys/registration",
            &json!({"current_password": PASSWORD}),
        )
        .await;
    let credential = bobs_key.create(&options);
    let (new_id, _) = bobs_key.registered.clone().expect("made");
    let db = app.database().await;
    sqlx::query("UPDATE passkeys SET credential_id = $1 WHERE name = 'Laptop'")
        .bind(new_id)
        .execute(&db)
        .await
        .expect("Ann holds it");
    let (status, body) = bob
        .post(
            "/api/auth/passkeys",
            &json!({"name": "Stolen", "credential": credential}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["fields"]["credential"].is_array(), "{body}");
    assert_eq!(passkeys_of(&bob).await.len(), 1);
}

#[tokio::test]
async fn a_removed_passkey_no_longer_signs_in() {
    let sink = SmtpSink::start().await;
    let app = common::app_mailing(&sink, EmailConfirmation::Optional).await;
    let (ann, mut key) = ann_with_a_passkey(&app).await;
    let id = passkeys_of(&ann).await[0]["id"].as_i64().expect("id");
    let bob = app.user("bobby").await;
    let path = format!("/api/auth/passkeys/{id}");
    let (status, _) = bob.send(Method::DELETE, &path, Some(&json!({}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not Bob's to remove");
    let (status, body) = ann
        .send(Method::PATCH, &path, Some(&json!({"name": "Old laptop"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["name"], "Old laptop");
    let (status, _) = bob
        .send(Method::PATCH, &path, Some(&json!({"name": "Mine"})))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for bad_id in ["9223372036854775808", "0", "abc"] {
        let (status, body) = ann
            .send(
                Method::DELETE,
                &format!("/api/auth/passkeys/{bad_id}"),
                Some(&json!({})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad_id}: {body}");
        assert_eq!(body["error"]["code"], "not_found", "JSON like every answer");
    }
    let (status, body) = ann.send(Method::DELETE, &path, Some(&json!({}))).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    sink.latest(
        "annlee@example.com",
        "A passkey was removed from your account — Leptodo",
    )
    .await;
    assert!(passkeys_of(&ann).await.is_empty());
    let (status, body) = key.sign_in(&app.anonymous()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn an_account_holds_at_most_ten_passkeys() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    for n in 0..10 {
        let (status, body) = Passkey::new(&app.address)
            .add_to(&ann, &format!("Key {n}"))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = ann
        .post(
            "/api/auth/passkeys/registration",
            &json!({"current_password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (_, users) = common::admins::admin(&app, "carol")
        .await
        .get("/api/admin/users?q=annlee")
        .await;
    assert_eq!(users["users"][0]["passkey_count"], 10, "{users}");
}

#[tokio::test]
async fn a_passkey_answers_the_second_step_of_a_password_sign_in() {
    let app = spawn_app().await;
    let (ann, mut key) = ann_with_a_passkey(&app).await;
    super::two_factor::enrol(&ann).await;
    let browser = super::two_factor::password_given(&app.address).await;
    let (status, options) = browser
        .post("/api/auth/login/passkey/options", &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{options}");
    assert_eq!(
        options["publicKey"]["allowCredentials"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "Ann's passkey only"
    );
    let answer = key.get(&options);
    let (status, body) = browser
        .post("/api/auth/login/passkey", &json!({"credential": answer}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["username"], "annlee");
    assert_eq!(browser.get("/api/auth/me").await.0, StatusCode::OK);

    // Without a password first there is no second step to answer.
    let stranger = app.anonymous();
    let (status, _) = stranger
        .post("/api/auth/login/passkey/options", &json!({}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_operators_reset_removes_the_passkeys() {
    let app = spawn_app().await;
    let (_ann, mut key) = ann_with_a_passkey(&app).await;
    let reset = leptodo(&app.db.url, &["users", "reset-2fa", "annlee"], "");
    let said = String::from_utf8_lossy(&reset.stdout);
    assert!(reset.status.success(), "{said}");
    assert!(said.contains("1 passkey(s) of annlee removed"), "{said}");
    let (status, body) = key.sign_in(&app.anonymous()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (actor, detail): (String, Option<String>) =
        sqlx::query_as("SELECT actor, detail FROM audit_log WHERE action = 'remove_passkey'")
            .fetch_one(&app.database().await)
            .await
            .expect("audited");
    assert!(actor.starts_with("command line"), "{actor}");
    assert_eq!(detail.as_deref(), Some("all 1"));
}

fn base64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn a_counter_that_goes_backwards_is_refused_and_audited_as_a_possible_clone() {
    let app = spawn_app().await;
    let (_ann, mut key) = ann_with_a_passkey(&app).await;
    let (status, body) = key.sign_in(&app.anonymous()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The server last saw a far higher count than this authenticator will send: another copy of the key was
    // used meanwhile.
    let db = app.database().await;
    let (id, stored): (i64, String) = sqlx::query_as("SELECT id, credential FROM passkeys")
        .fetch_one(&db)
        .await
        .expect("the passkey");
    let mut credential: Value = serde_json::from_str(&stored).expect("JSON");
    assert!(
        credential["cred"]["counter"]
            .as_u64()
            .is_some_and(|n| n > 0),
        "{credential}"
    );
    credential["cred"]["counter"] = json!(1000);
    sqlx::query("UPDATE passkeys SET credential = $1 WHERE id = $2")
        .bind(credential.to_string())
        .bind(id)
        .execute(&db)
        .await
        .expect("stored");

    let browser = app.anonymous();
    let (status, body) = key.sign_in(&browser).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        browser.get("/api/auth/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    let (actor, detail): (String, Option<String>) = sqlx::query_as(
        "SELECT actor, detail FROM audit_log WHERE action = 'passkey_clone_warning'",
    )
    .fetch_one(&db)
    .await
    .expect("audited");
    assert_eq!(
        (actor.as_str(), detail.as_deref()),
        ("annlee", Some("Laptop"))
    );
}
