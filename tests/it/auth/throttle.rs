//! Throttling of failed logins, password changes and token creation, through the real router.

use crate::common;

use common::{spawn_app_with, TestApp, PASSWORD};
use leptodo::config::TrustedProxies;
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

/// Small limits keep the tests short: 3 failures per account, 5 per address, in 15 minutes.
async fn app() -> TestApp {
    spawn_app_with(|settings| {
        settings.throttle_failures_per_account = 3;
        settings.throttle_failures_per_ip = 5;
        settings.throttle_window_minutes = 15;
    })
    .await
}

#[tokio::test]
async fn past_the_limit_even_the_right_password_is_refused_with_retry_after() {
    let app = app().await;
    app.user("annlee").await;
    let attacker = app.anonymous();
    for _ in 0..3 {
        assert_eq!(
            attacker.log_in("annlee", "guess").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let response = attacker
        .raw(reqwest::Method::POST, "/api/auth/login")
        .json(&json!({ "login": "AnnLee@example.com", "password": PASSWORD }))
        .send()
        .await
        .expect("answer");
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "by email too: one account, one count"
    );
    let retry_after: u64 = response.headers()[header::RETRY_AFTER]
        .to_str()
        .ok()
        .and_then(|value| value.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "too_many_attempts");
}

#[tokio::test]
async fn a_success_forgives_the_accounts_failures() {
    let app = app().await;
    let ann = app.user("annlee").await;
    for _ in 0..2 {
        assert_eq!(
            ann.log_in("annlee", "guess").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(ann.log_in("annlee", PASSWORD).await.0, StatusCode::OK);
    for _ in 0..2 {
        assert_eq!(
            ann.log_in("annlee", "guess").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(ann.log_in("annlee", PASSWORD).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_lockout_ends_when_its_failures_leave_the_window() {
    let app = app().await;
    app.user("annlee").await;
    let client = app.anonymous();
    for _ in 0..3 {
        client.log_in("annlee", "guess").await;
    }
    assert_eq!(
        client.log_in("annlee", PASSWORD).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Refused attempts are not counted: hammering does not extend the lockout.
    for _ in 0..5 {
        client.log_in("annlee", "guess").await;
    }
    let counted: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM auth_failures WHERE subject LIKE 'account:%'")
            .fetch_one(&app.database().await)
            .await
            .expect("count");
    assert_eq!(counted, 3);
    // Fifteen minutes later (moved, not waited for).
    sqlx::query("UPDATE auth_failures SET failed_at = failed_at - 15 * 60")
        .execute(&app.database().await)
        .await
        .expect("age the failures");
    assert_eq!(client.log_in("annlee", PASSWORD).await.0, StatusCode::OK);
}

#[tokio::test]
async fn unknown_accounts_and_one_address_trying_many_accounts_are_throttled() {
    let app = app().await;
    app.user("annlee").await;
    let attacker = app.anonymous();
    for _ in 0..3 {
        assert_eq!(
            attacker.log_in("nobody", "guess").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        attacker.log_in("nobody", "guess").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    for name in ["carol", "dave"] {
        assert_eq!(
            attacker.log_in(name, "guess").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    // Five failures from this address: every account is closed to it, even with the right password …
    assert_eq!(
        attacker.log_in("annlee", PASSWORD).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// The test's client stands in for the proxy: it connects from 127.0.0.1 and sets `X-Forwarded-For`.
fn behind_a_proxy_on_loopback(settings: &mut leptodo::config::Settings) {
    settings.client_ip_header = "X-Forwarded-For".into();
    settings.trusted_proxies = TrustedProxies::parse("127.0.0.1").expect("an address");
}

/// The client addresses failed logins were counted for (`ip:…`).
async fn addresses_with_failed_logins(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT DISTINCT subject FROM auth_failures WHERE action = 'login' AND subject LIKE 'ip:%'",
    )
    .fetch_all(&app.database().await)
    .await
    .expect("failures")
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_address_has_its_own_count() {
    let app = spawn_app_with(|settings| {
        settings.throttle_failures_per_account = 100;
        settings.throttle_failures_per_ip = 2;
        behind_a_proxy_on_loopback(settings);
    })
    .await;
    app.user("annlee").await;
    let from = |address: &'static str| app.anonymous().with_header("x-forwarded-for", address);
    for _ in 0..2 {
        assert_eq!(
            from("203.0.113.1").log_in("annlee", "guess").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        from("203.0.113.1").log_in("annlee", PASSWORD).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        from("203.0.113.2").log_in("annlee", PASSWORD).await.0,
        StatusCode::OK
    );
    // A client cannot pick its address: only the proxy's (last) entry counts.
    assert_eq!(
        from("203.0.113.2, 203.0.113.1")
            .log_in("annlee", PASSWORD)
            .await
            .0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn the_header_of_a_peer_that_is_not_the_proxy_is_ignored() {
    // An instance reachable directly as well as through its proxy: the test's client is such a direct peer.
    let app = spawn_app_with(|settings| {
        settings.throttle_failures_per_account = 100;
        settings.throttle_failures_per_ip = 2;
        settings.client_ip_header = "X-Forwarded-For".into();
        settings.trusted_proxies = TrustedProxies::parse("10.9.9.9, 192.0.2.0/24").expect("ranges");
    })
    .await;
    app.user("annlee").await;
    for claimed in ["203.0.113.1", "203.0.113.2"] {
        let client = app.anonymous().with_header("x-forwarded-for", claimed);
        assert_eq!(
            client.log_in("annlee", "guess").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let fresh_claim = app
        .anonymous()
        .with_header("x-forwarded-for", "203.0.113.3");
    assert_eq!(
        fresh_claim.log_in("annlee", PASSWORD).await.0,
        StatusCode::TOO_MANY_REQUESTS,
        "every claimed address was the one peer's"
    );
    let counted = addresses_with_failed_logins(&app).await;
    assert_eq!(counted, ["ip:127.0.0.1"], "the peer's own address counted");
}

#[tokio::test]
async fn a_line_the_client_wrote_before_the_proxys_does_not_choose_its_address() {
    // HAProxy's `option forwardfor` adds its line after whatever the client sent.
    let app = spawn_app_with(|settings| {
        settings.throttle_failures_per_account = 1_000;
        settings.throttle_failures_per_ip = 5;
        behind_a_proxy_on_loopback(settings);
    })
    .await;
    app.user("annlee").await;
    let mut statuses = Vec::new();
    for attempt in 0..60 {
        let client = app
            .anonymous()
            .with_header("x-forwarded-for", &format!("198.51.100.{attempt}"))
            .with_header("x-forwarded-for", "203.0.113.7");
        statuses.push(client.log_in("annlee", "guess").await.0);
    }
    let refused = statuses
        .iter()
        .filter(|status| **status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(refused, 55, "{statuses:?}");
    let counted = addresses_with_failed_logins(&app).await;
    assert_eq!(counted, ["ip:203.0.113.7"], "one address counted");
}

#[tokio::test]
async fn wrong_current_passwords_are_throttled_too() {
    let app = app().await;
    let ann = app.user("annlee").await;
    let change = |current: &str| {
        json!({
            "current_password": current,
            "new_password": "another long passphrase",
            "new_password_confirm": "another long passphrase",
        })
    };
    for _ in 0..3 {
        assert_eq!(
            ann.post("/api/auth/password", &change("guess")).await.0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let (status, body) = ann.post("/api/auth/password", &change(PASSWORD)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts"))
    );
    assert_eq!(
        app.anonymous().log_in("annlee", PASSWORD).await.0,
        StatusCode::OK,
        "the password did not change"
    );
}

#[tokio::test]
async fn token_creation_is_rate_limited() {
    let app = app().await;
    let ann = app.user("annlee").await;
    for n in 0..3 {
        let (status, _) = ann
            .post("/api/auth/tokens", &json!({ "name": format!("t{n}") }))
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, _) = ann
        .post("/api/auth/tokens", &json!({ "name": "one too many" }))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        ann.get("/api/auth/tokens").await.1.as_array().map(Vec::len),
        Some(3)
    );
}

#[tokio::test]
async fn the_login_page_gets_the_same_429_and_retry_after() {
    use leptos::server_fn::ServerFn;
    let app = app().await;
    app.user("annlee").await;
    let browser = app.anonymous();
    let url = leptodo::auth::login_page::LogIn::PATH;
    let attempt = |password: &'static str| {
        browser
            .raw(reqwest::Method::POST, url)
            .header(header::ACCEPT, "application/json")
            .form(&[("login", "annlee"), ("password", password)])
            .send()
    };
    for _ in 0..3 {
        assert_eq!(
            attempt("guess").await.expect("answer").status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let refused = attempt(PASSWORD).await.expect("answer");
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().get(header::RETRY_AFTER).is_some());
}

#[tokio::test]
async fn an_attacker_cannot_lock_the_owner_out_from_an_address_that_has_not_failed() {
    let app = spawn_app_with(|settings| {
        settings.throttle_failures_per_account = 3;
        settings.throttle_account_ceiling = 6;
        settings.throttle_failures_per_ip = 100;
        behind_a_proxy_on_loopback(settings);
    })
    .await;
    app.user("annlee").await;
    let from = |address: String| app.anonymous().with_header("x-forwarded-for", &address);
    let attacker = from("203.0.113.1".into());
    for _ in 0..3 {
        attacker.log_in("annlee", "guess").await;
    }
    assert_eq!(
        attacker.log_in("annlee", "guess").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The owner, at home: an address with no recent failure is still checked.
    assert_eq!(
        from("198.51.100.7".into())
            .log_in("annlee", PASSWORD)
            .await
            .0,
        StatusCode::OK
    );
    // A distributed attacker gets each fresh address checked, but only up to the account's ceiling.
    let mut answers = Vec::new();
    for n in 0..8 {
        answers.push(
            from(format!("192.0.2.{n}"))
                .log_in("annlee", "guess")
                .await
                .0,
        );
    }
    let checked = answers
        .iter()
        .filter(|status| **status == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(checked, 6, "{answers:?}");
    assert_eq!(
        from("198.51.100.8".into())
            .log_in("annlee", PASSWORD)
            .await
            .0,
        StatusCode::TOO_MANY_REQUESTS,
        "past the ceiling every address waits"
    );
}

#[tokio::test]
async fn ipv6_clients_are_counted_by_their_64() {
    let app = spawn_app_with(|settings| {
        settings.throttle_failures_per_account = 100;
        settings.throttle_failures_per_ip = 2;
        behind_a_proxy_on_loopback(settings);
    })
    .await;
    let from = |address: &'static str| app.anonymous().with_header("x-forwarded-for", address);
    for address in ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9"] {
        assert_eq!(
            from(address).log_in("nobody", "guess").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        from("2001:db8:1:2:abcd::42")
            .log_in("someone", "guess")
            .await
            .0,
        StatusCode::TOO_MANY_REQUESTS,
        "another address of the same /64"
    );
    assert_eq!(
        from("2001:db8:1:3::1").log_in("someone", "guess").await.0,
        StatusCode::UNAUTHORIZED,
        "the next /64 is someone else"
    );
}

#[tokio::test]
async fn registrations_are_limited_per_address() {
    let app = spawn_app_with(|settings| {
        settings.throttle_registrations_per_ip = 3;
    })
    .await;
    for n in 0..3 {
        app.user(&format!("user{n}")).await;
    }
    let (status, body) = app
        .anonymous()
        .post(
            "/api/auth/register",
            &common::registration("late@example.com", "late"),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts"))
    );
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&app.database().await)
        .await
        .expect("count");
    assert_eq!(users, 3);
}

#[tokio::test]
async fn an_unknown_login_is_counted_under_at_most_the_login_fields_limit() {
    let app = app().await;
    let typed = "x".repeat(60_000);
    assert_eq!(
        app.anonymous().log_in(&typed, "guess").await.0,
        StatusCode::UNAUTHORIZED
    );
    let longest: i64 = sqlx::query_scalar("SELECT MAX(LENGTH(subject)) FROM auth_failures")
        .fetch_one(&app.database().await)
        .await
        .expect("length");
    assert_eq!(longest, ("login:".len() + 254) as i64);
}

#[tokio::test]
async fn an_unknown_login_is_counted_under_the_key_an_account_would_have() {
    // Counted as typed, `straße@…` and `STRASSE@…` would share a count only when an account has that address
    // (the account's own count), so the difference would tell which addresses are registered.
    let app = spawn_app_with(|settings| {
        settings.throttle_failures_per_account = 3;
        settings.throttle_failures_per_ip = 100;
    })
    .await;
    common::register(&app, "strasse@example.com", "strasse").await;
    for domain in ["example.com", "nobody.example"] {
        let attacker = app.anonymous();
        for _ in 0..3 {
            let (status, _) = attacker.log_in(&format!("straße@{domain}"), "guess").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{domain}");
        }
        let (status, body) = attacker.log_in(&format!("STRASSE@{domain}"), "guess").await;
        assert_eq!(
            status,
            StatusCode::TOO_MANY_REQUESTS,
            "{domain}: one address, one count, account or not: {body}"
        );
    }
}
