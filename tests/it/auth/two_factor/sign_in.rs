//! Setting up, and the second step of signing in.

use crate::common;

use super::{enrol, password_given, second_step, wrong};
use common::{authenticator::Authenticator, smtp::SmtpSink, spawn_app, Api, PASSWORD};
use leptodo::{
    auth::{login_page::LogIn, two_factor::code_page::SubmitAppCode},
    config::EmailConfirmation,
};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn a_setup_counts_only_after_a_right_code_and_then_every_login_asks_for_one() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let (status, setup) = ann.post("/api/auth/two-factor", &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{setup}");
    let uri = setup["otpauth_uri"].as_str().expect("uri");
    assert!(
        uri.starts_with("otpauth://totp/Leptodo:annlee?secret="),
        "{uri}"
    );
    assert!(setup.get("qr_svg").is_none(), "the API sends no picture");
    let mut phone = Authenticator::from_key(setup["secret"].as_str().expect("key")).await;

    // Until a right code comes back, nothing changed: the password alone still logs in.
    assert_eq!(ann.get("/api/auth/me").await.1["user"]["two_factor"], false);
    let (status, body) = Api::new(&app.address).log_in("annlee", PASSWORD).await;
    assert!(body["user"].is_object(), "{status} {body}");
    let code = phone.next_code().await;
    for bad in [wrong(&code), "12345".into(), "abcdef".into(), String::new()] {
        let (status, body) = ann
            .post("/api/auth/two-factor/confirm", &json!({"code": bad}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert!(body["error"]["fields"]["code"].is_array(), "{body}");
    }
    let (status, confirmed) = ann
        .post("/api/auth/two-factor/confirm", &json!({"code": code}))
        .await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    let mut codes: Vec<&str> = confirmed["recovery_codes"]
        .as_array()
        .expect("codes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(codes.len(), 10);
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), 10, "ten different codes");
    assert_eq!(ann.get("/api/auth/me").await.1["user"]["two_factor"], true);
    let (status, again) = ann.post("/api/auth/two-factor", &json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "already on: {again}");
    let admin = common::admins::admin(&app, "root").await;
    let (_, listed) = admin.get("/api/admin/users?q=annlee").await;
    assert_eq!(listed["users"][0]["two_factor"], true, "{listed}");
    let (_, listed) = admin.get("/api/admin/users?q=root").await;
    assert_eq!(listed["users"][0]["two_factor"], false, "{listed}");
    let (_, page) = admin.page("/admin?q=annlee").await;
    assert!(page.contains(r#"<td class="two-factor">on</td>"#), "{page}");

    // The code that confirmed the setup was taken: it does not sign in too.
    let browser = password_given(&app.address).await;
    assert_eq!(
        second_step(&browser, &code).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (status, signed_in) = second_step(&browser, &phone.next_code().await).await;
    assert_eq!(status, StatusCode::OK, "{signed_in}");
    assert_eq!(signed_in["user"]["username"], "annlee");
    assert_eq!(browser.get("/api/todos").await.0, StatusCode::OK);
}

#[tokio::test]
async fn nothing_is_granted_before_the_second_step() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    enrol(&ann).await;
    let browser = password_given(&app.address).await;
    assert_eq!(
        browser.get("/api/auth/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(browser.get("/api/todos").await.0, StatusCode::UNAUTHORIZED);
    let (status, _) = browser
        .post("/api/todos", &json!({"title": "sneaky"}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let response = browser.navigate("/account").await;
    assert_eq!(
        common::location(&response),
        "/login?next=%2Faccount",
        "a visitor, sent to log in"
    );
    let page = response.text().await.expect("page");
    assert!(
        !page.contains("annlee@example.com"),
        "the account page is not shown"
    );
    // A client that never gave the password has no second step to answer.
    let (status, body) = second_step(&app.anonymous(), "123456").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test]
async fn a_code_is_taken_once_on_any_instance_and_one_from_two_steps_ago_is_refused() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let (phone, _) = enrol(&ann).await;
    // enrol took the previous step's code; two steps ago is out of the window whatever happened since.
    let first = password_given(&app.address).await;
    let (status, body) = second_step(&first, &phone.code_at_offset(-2)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let current = phone.code_at_offset(0);
    assert_eq!(second_step(&first, &current).await.0, StatusCode::OK);

    // The same code, seen a moment later by another instance on the same database, is refused there too.
    let other = app.another_instance(|_| {}).await;
    let second = password_given(&other).await;
    let (status, body) = second_step(&second, &current).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["fields"]["code"][0]
            .as_str()
            .is_some_and(|message| message.contains("used already")),
        "{body}"
    );
    // An older step than the one taken is refused as well, and the next one works.
    assert_eq!(
        second_step(&second, &phone.code_at_offset(-1)).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        second_step(&second, &phone.code_at_offset(1)).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn two_instances_given_one_code_at_once_accept_it_once() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let (phone, _) = enrol(&ann).await;
    let other = app.another_instance(|_| {}).await;
    let (here, there) = (
        password_given(&app.address).await,
        password_given(&other).await,
    );
    let code = phone.code_at_offset(0);
    let (a, b) = tokio::join!(second_step(&here, &code), second_step(&there, &code));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY]);
}

#[tokio::test]
async fn recovery_codes_work_once_each_and_the_last_but_one_warns_by_mail() {
    let sink = SmtpSink::start().await;
    let app = common::app_mailing(&sink, EmailConfirmation::Optional).await;
    let ann = app.user("annlee").await;
    let (_, codes) = enrol(&ann).await;
    let on = sink
        .latest("annlee@example.com", "Two-factor sign-in is on — Leptodo")
        .await;
    assert!(!on.text().contains(&codes[0]), "codes are never mailed");

    // Typed in capitals and without dashes, as people copy them.
    let first = codes[0].replace('-', "").to_uppercase();
    let browser = password_given(&app.address).await;
    assert_eq!(second_step(&browser, &first).await.0, StatusCode::OK);
    let used = sink
        .latest("annlee@example.com", "A recovery code was used — Leptodo")
        .await;
    assert!(used.text().contains("9 codes are left"), "{}", used.text());
    let again = password_given(&app.address).await;
    let (status, body) = second_step(&again, &codes[0]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "used up: {body}");
    assert_eq!(
        second_step(&again, "zzzz-zzzz-zzzz").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    for code in &codes[1..9] {
        let browser = password_given(&app.address).await;
        assert_eq!(
            second_step(&browser, code).await.0,
            StatusCode::OK,
            "{code}"
        );
    }
    let warning = sink
        .latest(
            "annlee@example.com",
            "Your recovery codes are running out — Leptodo",
        )
        .await;
    assert!(
        warning.text().contains("One code is left"),
        "{}",
        warning.text()
    );
    let (_, me) = ann.get("/api/auth/me").await;
    assert_eq!(me["user"]["two_factor"], true);

    // A new set replaces the old: its last code stops working.
    let (status, renewed) = ann
        .post("/api/auth/two-factor/recovery-codes", &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{renewed}");
    let browser = password_given(&app.address).await;
    assert_eq!(
        second_step(&browser, &codes[9]).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let new = renewed["recovery_codes"][0].as_str().expect("a new code");
    assert_eq!(second_step(&browser, new).await.0, StatusCode::OK);
    sink.latest("annlee@example.com", "New recovery codes — Leptodo")
        .await;
}

#[tokio::test]
async fn wrong_codes_count_in_the_login_throttle() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let (phone, _) = enrol(&ann).await;
    let browser = password_given(&app.address).await;
    let right = phone.code_at_offset(0);
    for _ in 0..10 {
        let (status, body) = second_step(&browser, &wrong(&right)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let refused = browser
        .post_response("/api/auth/login/code", &json!({"code": right}))
        .await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key(header::RETRY_AFTER));
    // The same count holds the password: giving it again does not reset the wrong codes.
    let (status, _) = Api::new(&app.address).log_in("annlee", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_pages_take_the_second_step_without_javascript() {
    use leptos::server_fn::ServerFn;
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let (mut phone, _) = enrol(&ann).await;
    let browser = app.anonymous();
    let next = browser
        .submit_form(
            LogIn::PATH,
            "/login",
            &[
                ("login", "annlee"),
                ("password", PASSWORD),
                ("next", "/active"),
            ],
        )
        .await;
    assert_eq!(next, "/login/code?next=%2Factive");
    let (_, page) = browser.page(&next).await;
    assert!(page.contains(r#"autocomplete="one-time-code""#), "{page}");
    assert!(page.contains(r#"inputmode="numeric""#));
    let code = phone.next_code().await;
    let back = browser
        .submit_form(
            SubmitAppCode::PATH,
            &next,
            &[("code", &wrong(&code)), ("next", "/active")],
        )
        .await;
    assert!(back.starts_with("/login/code"), "{back}");
    let (_, page) = browser.page(&back).await;
    assert!(page.contains("not right"), "the refusal is shown");
    let done = browser
        .submit_form(
            SubmitAppCode::PATH,
            &next,
            &[("code", &code), ("next", "/active")],
        )
        .await;
    assert_eq!(done, "/active");
    assert_eq!(browser.get("/api/auth/me").await.0, StatusCode::OK);
}
