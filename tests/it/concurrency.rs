//! The security rules under parallel requests: bursts against the throttle and the token cap, and password
//! changes racing logins, hash upgrades and token creation. Each test sends the attack, not one request at a
//! time.

use crate::common;

use std::collections::BTreeMap;

use common::{spawn_app_with, Api, TestApp, PASSWORD};
use futures::future::join_all;
use leptodo::auth::{queries, tokens};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

/// The shipped limits: 10 failures per account, 50 per address, 15 minutes.
async fn app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// How many answers had each status code; every 429 must say when to come back.
fn tally(responses: Vec<reqwest::Response>) -> BTreeMap<u16, usize> {
    let mut counts = BTreeMap::new();
    for response in responses {
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let retry_after = response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.parse::<u64>().ok());
            assert!(
                retry_after.is_some_and(|seconds| (1..=900).contains(&seconds)),
                "429 without a sensible Retry-After: {retry_after:?}"
            );
        }
        *counts.entry(response.status().as_u16()).or_insert(0) += 1;
    }
    counts
}

async fn failures(app: &TestApp, action: &str, subject_prefix: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM auth_failures WHERE action = $1 AND subject LIKE $2 || '%'",
    )
    .bind(action)
    .bind(subject_prefix)
    .fetch_one(&app.database().await)
    .await
    .expect("count")
}

#[tokio::test]
async fn sixty_wrong_passwords_at_once_reach_the_password_check_at_most_ten_times() {
    let app = app().await;
    app.user("annlee").await;
    let attacker = app.anonymous();
    let responses = send_all((0..60).map(|n| {
        attacker
            .raw(reqwest::Method::POST, "/api/auth/login")
            .json(&json!({ "login": "annlee", "password": format!("guess {n}") }))
    }))
    .await;
    assert_eq!(tally(responses), BTreeMap::from([(401, 10), (429, 50)]));
    assert_eq!(failures(&app, "login", "account:").await, 10);
    // The right password is refused too until the window has passed.
    let (status, _) = attacker
        .post(
            "/api/auth/login",
            &json!({ "login": "annlee", "password": PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn sixty_wrong_current_passwords_at_once_are_checked_at_most_ten_times() {
    let app = app().await;
    let ann = app.user("annlee").await;
    let responses = send_all((0..60).map(|n| {
        ann.raw(reqwest::Method::POST, "/api/auth/password")
            .json(&json!({
                "current_password": format!("guess {n}"),
                "new_password": NEW_PASSWORD,
                "new_password_confirm": NEW_PASSWORD,
            }))
    }))
    .await;
    assert_eq!(tally(responses), BTreeMap::from([(422, 10), (429, 50)]));
}

#[tokio::test]
async fn a_burst_of_token_creations_mints_at_most_the_throttles_ten() {
    let app = app().await;
    let ann = app.user("annlee").await;
    let responses = send_all((0..60).map(|n| {
        ann.raw(reqwest::Method::POST, "/api/auth/tokens")
            .json(&json!({ "name": format!("script {n}") }))
    }))
    .await;
    assert_eq!(tally(responses), BTreeMap::from([(201, 10), (429, 50)]));
    let (_, tokens) = ann.get("/api/auth/tokens").await;
    assert_eq!(tokens.as_array().map(Vec::len), Some(10));
}

#[tokio::test]
async fn a_burst_cannot_take_a_user_past_fifty_tokens() {
    let app = spawn_app_with(|settings| {
        settings.throttle_failures_per_account = 1_000;
        settings.throttle_failures_per_ip = 1_000;
    })
    .await;
    let ann = app.user("annlee").await;
    for n in 0..45 {
        let (status, _) = ann
            .post("/api/auth/tokens", &json!({ "name": format!("t{n}") }))
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let responses = send_all((0..20).map(|n| {
        ann.raw(reqwest::Method::POST, "/api/auth/tokens")
            .json(&json!({ "name": format!("burst {n}") }))
    }))
    .await;
    assert_eq!(tally(responses), BTreeMap::from([(201, 5), (422, 15)]));
    let (_, tokens) = ann.get("/api/auth/tokens").await;
    assert_eq!(tokens.as_array().map(Vec::len), Some(50));
}

/// Ann changes her password from [`PASSWORD`] to [`NEW_PASSWORD`] through `api`.
async fn change_password(api: &Api) {
    common::change_password(api, NEW_PASSWORD).await;
}

const NEW_PASSWORD: &str = "another long passphrase";

/// Sends every request at once; the answers.
async fn send_all(
    requests: impl IntoIterator<Item = reqwest::RequestBuilder>,
) -> Vec<reqwest::Response> {
    join_all(requests.into_iter().map(reqwest::RequestBuilder::send))
        .await
        .into_iter()
        .map(|response| response.expect("answer"))
        .collect()
}

/// Logs a fresh client in with `password`; the client, if the login was accepted.
async fn logged_in_client(base: String, password: &'static str) -> Option<Api> {
    let client = Api::new(&base);
    let (status, _) = client
        .post(
            "/api/auth/login",
            &json!({ "login": "annlee", "password": password }),
        )
        .await;
    (status == StatusCode::OK).then_some(client)
}

#[tokio::test]
async fn logins_racing_a_password_change_get_no_working_session() {
    // Real argon2 costs, so each login spends long enough between reading the account and recording the
    // login for the change to commit in between.
    let app = spawn_app_with(|settings| {
        settings.argon2_memory_kib = 19_456;
        settings.argon2_iterations = 2;
        settings.throttle_failures_per_account = 1_000;
        settings.throttle_failures_per_ip = 1_000;
    })
    .await;
    let ann = app.user("annlee").await;
    let logins = tokio::spawn(join_all((0..24).map(|n| {
        let base = app.address.clone();
        async move {
            tokio::time::sleep(std::time::Duration::from_millis(n * 15)).await;
            logged_in_client(base, PASSWORD).await
        }
    })));
    tokio::time::sleep(std::time::Duration::from_millis(60)).await;
    change_password(&ann).await;
    let sessions = logins.await.expect("the logins ran");
    // Logins still running when the change committed were checked against the old password.
    for client in sessions.into_iter().flatten() {
        assert_eq!(
            client.get("/api/auth/me").await.0,
            StatusCode::UNAUTHORIZED,
            "a session from the old password outlived the change"
        );
    }
    assert_eq!(ann.get("/api/auth/me").await.0, StatusCode::OK);
    assert!(logged_in_client(app.address.clone(), PASSWORD)
        .await
        .is_none());
}

#[tokio::test]
async fn a_login_recorded_after_a_change_it_did_not_see_is_refused() {
    let app = app().await;
    app.user("annlee").await;
    let pool = app.app_pool().await;
    let seen_by_login = queries::find_by_login(&pool, "annlee")
        .await
        .expect("query")
        .expect("Ann");
    let ann = Api::new(&app.address);
    ann.post(
        "/api/auth/login",
        &json!({ "login": "annlee", "password": PASSWORD }),
    )
    .await;
    change_password(&ann).await;
    let recorded = queries::record_login(&pool, &seen_by_login, None, &now())
        .await
        .expect("query");
    assert!(recorded.is_none(), "the change wins");
}

#[tokio::test]
async fn a_hash_upgrade_never_overwrites_a_newer_password() {
    let app = app().await;
    let ann = app.user("annlee").await;
    let pool = app.app_pool().await;
    let verified = queries::find_by_login(&pool, "annlee")
        .await
        .expect("query")
        .expect("Ann");
    change_password(&ann).await;
    // The upgrade computed from the old password lands after the change.
    queries::upgrade_password_hash(&pool, &verified, "$argon2id$stale-upgrade")
        .await
        .expect("query");
    assert!(logged_in_client(app.address.clone(), NEW_PASSWORD)
        .await
        .is_some());
    assert!(logged_in_client(app.address.clone(), PASSWORD)
        .await
        .is_none());
}

#[tokio::test]
async fn a_token_created_during_a_password_change_does_not_survive_it() {
    let app = app().await;
    let ann = app.user("annlee").await;
    let pool = app.app_pool().await;
    // The token request's session check read the account before the change committed …
    let seen_by_token_request = queries::find_by_login(&pool, "annlee")
        .await
        .expect("query")
        .expect("Ann");
    change_password(&ann).await;
    // … and its insert commits after the change revoked Ann's tokens.
    // The old password, as the token request gave it with its old view of the account.
    let password = PASSWORD.into();
    let proof = leptodo::auth::reauth::Proof {
        session: None,
        password: Some(&password),
    };
    let token = tokens::service::create(&app.state, &seen_by_token_request, proof, "racing", None)
        .await
        .expect("created");
    let script = app.anonymous().with_bearer(&token.token);
    assert_eq!(script.get("/api/todos").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn reactivating_a_user_does_not_revive_their_old_sessions_or_tokens() {
    let app = app().await;
    let admin = common::admins::admin(&app, "root").await;
    let bob = app.user("bob").await;
    let (_, created) = bob
        .post("/api/auth/tokens", &json!({ "name": "laptop" }))
        .await;
    let token = created["token"].as_str().expect("a token").to_owned();
    let script = app.anonymous().with_bearer(&token);
    assert_eq!(script.get("/api/todos").await.0, StatusCode::OK);
    let id = common::admins::id_of(&bob).await;
    for action in ["deactivate", "activate"] {
        let (status, body) = admin
            .post(&format!("/api/admin/users/{id}/{action}"), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(bob.get("/api/auth/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(script.get("/api/todos").await.0, StatusCode::UNAUTHORIZED);
    assert!(logged_in_client_named(&app, "bob").await);
}

async fn logged_in_client_named(app: &TestApp, username: &str) -> bool {
    let (status, _): (StatusCode, Value) = app
        .anonymous()
        .post(
            "/api/auth/login",
            &json!({ "login": username, "password": PASSWORD }),
        )
        .await;
    status == StatusCode::OK
}

fn now() -> leptodo::timestamp::Timestamp {
    leptodo::timestamp::Timestamp::now()
}
