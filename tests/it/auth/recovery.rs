//! A forgotten password, through the real server and a real SMTP server the test runs; and how mail delivery
//! behaves when the mail server is down, briefly or for good, or absent (the outbox).

use crate::common;

use std::time::{Duration, Instant};

use common::{
    app_mailing, process, smtp::SmtpSink, spawn_app_with, token_of, Api, TestApp, PASSWORD,
};
use leptodo::config::EmailConfirmation;
use reqwest::StatusCode;
use serde_json::json;

const NEW_PASSWORD: &str = "an entirely new passphrase";

async fn forgot(app: &TestApp, email: &str) -> (StatusCode, serde_json::Value) {
    app.anonymous()
        .post("/api/auth/forgot", &json!({ "email": email }))
        .await
}

async fn reset(
    app: &TestApp,
    token: &str,
    password: &str,
    confirm: &str,
) -> (StatusCode, serde_json::Value) {
    app.anonymous()
        .post(
            "/api/auth/reset",
            &json!({ "token": token, "password": password, "password_confirm": confirm }),
        )
        .await
}

async fn reset_link(sink: &SmtpSink, email: &str) -> String {
    sink.latest(email, "Reset your password")
        .await
        .link("/reset/")
        .expect("a reset link")
}

async fn login_status(app: &TestApp, login: &str, password: &str) -> StatusCode {
    app.anonymous()
        .post(
            "/api/auth/login",
            &json!({ "login": login, "password": password }),
        )
        .await
        .0
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_and_ends_every_session_and_token() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    let ann = app.user("annlee").await;
    let (_, body) = ann
        .post("/api/auth/tokens", &json!({ "name": "script" }))
        .await;
    let script = Api::new(&app.address).with_bearer(body["token"].as_str().expect("token"));
    assert_eq!(script.get("/api/auth/me").await.0, StatusCode::OK);

    let (status, body) = forgot(&app, " AnnLee@EXAMPLE.com ").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let link = reset_link(&sink, "annlee@example.com").await;
    assert!(link.starts_with(&format!("{}/reset/", app.address)));

    let page = app
        .browser
        .fetch(&format!("/reset/{}", token_of(&link)))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page
        .text()
        .await
        .expect("page")
        .contains("Choose a new password"));

    let (status, body) = reset(&app, &token_of(&link), "short", "short").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["password"].is_array());
    let (status, body) = reset(
        &app,
        &token_of(&link),
        "annlee@example.com",
        "annlee@example.com",
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not the address: {body}"
    );
    let (status, body) = reset(&app, &token_of(&link), NEW_PASSWORD, "something else").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["password_confirm"].is_array());

    let (status, body) = reset(&app, &token_of(&link), NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(ann.get("/api/auth/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(script.get("/api/auth/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        login_status(&app, "annlee", PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_status(&app, "annlee", NEW_PASSWORD).await,
        StatusCode::OK
    );
    let notice = sink
        .latest("annlee@example.com", "password was changed")
        .await;
    assert!(notice.link("/reset/").is_none());

    let (status, body) = reset(
        &app,
        &token_of(&link),
        "yet another passphrase",
        "yet another passphrase",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "used: {body}");
    assert_eq!(body["error"]["code"], "invalid_link");
    let db = app.database().await;
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'reset_password' AND target = 'annlee'",
    )
    .fetch_one(&db)
    .await
    .expect("audit");
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn an_unknown_address_gets_the_same_answer_before_any_mail_and_no_mail() {
    // A mail server that greets nobody: whatever the answer waited for, it could not be the account's mail.
    // On PostgreSQL the links' table is locked as well, so it could not be the account's link either (SQLite
    // has one lock for the whole file, which the throttle's count, taken before the answer, needs).
    let sink = SmtpSink::start_held().await;
    let url = sink.url();
    let app = spawn_app_with(move |settings| {
        settings.smtp_url = url.into();
        settings.throttle_mails_per_account = 1_000;
        settings.throttle_mails_per_ip = 1_000;
    })
    .await;
    app.user("annlee").await;
    let links_locked = match app.db.is_postgres() {
        true => Some(app.db.hold_write_lock("email_tokens").await),
        false => None,
    };
    // Each order, since one request's work after its answer may delay the next one.
    let rounds = [
        ["annlee@example.com", "nobody@example.com"],
        ["nobody@example.com", "annlee@example.com"],
    ];
    let mut answers = Vec::new();
    for email in rounds.iter().flatten() {
        answers.push((*email, forgot(&app, email).await));
    }
    if let Some(lock) = links_locked {
        lock.release().await;
    }
    for (email, answer) in &answers {
        assert_eq!(answer, &answers[0].1, "{email}");
    }
    assert_eq!(answers[0].1 .0, StatusCode::ACCEPTED);
    // The confirmation and both links are on their way, all still held.
    sink.wait_for_connections(1).await;
    assert!(sink.mails_to("annlee@example.com").is_empty());

    sink.open();
    let mails = sink.wait_for("annlee@example.com", 3).await;
    let resets = mails
        .iter()
        .filter(|mail| mail.link("/reset/").is_some())
        .count();
    assert_eq!(resets, 2);
    // Once the mailer is idle, a mail not sent will not be.
    app.state.email.mailer.idle().await;
    assert!(sink.mails_to("nobody@example.com").is_empty());
}

#[tokio::test]
async fn reset_requests_are_throttled_per_address_whether_or_not_it_has_an_account() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    app.user("annlee").await;
    for email in ["annlee@example.com", "nobody@example.com"] {
        for _ in 0..5 {
            assert_eq!(forgot(&app, email).await.0, StatusCode::ACCEPTED);
        }
        let (status, body) = forgot(&app, &email.to_uppercase()).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{email}: {body}");
    }
    let (status, body) = forgot(&app, "not an address").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn of_two_reset_links_only_the_newest_works() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    app.user("annlee").await;
    forgot(&app, "annlee@example.com").await;
    let first = token_of(&reset_link(&sink, "annlee@example.com").await);
    forgot(&app, "annlee@example.com").await;
    // Mails are delivered side by side, so the second link is told by its token, not by when it came.
    let second = sink
        .wait_for("annlee@example.com", 3)
        .await
        .iter()
        .filter_map(|mail| mail.link("/reset/"))
        .map(|link| token_of(&link))
        .find(|token| *token != first)
        .expect("a second reset link");
    let (status, _) = reset(&app, &first, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = reset(&app, &second, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_link_used_twice_at_once_sets_one_password() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    app.user("annlee").await;
    forgot(&app, "annlee@example.com").await;
    let token = token_of(&reset_link(&sink, "annlee@example.com").await);
    let passwords = ["the first new passphrase", "the second new passphrase"];
    let (a, b) = tokio::join!(
        reset(&app, &token, passwords[0], passwords[0]),
        reset(&app, &token, passwords[1], passwords[1])
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::NO_CONTENT, StatusCode::BAD_REQUEST],
        "{a:?} {b:?}"
    );
    let winner = if a.0 == StatusCode::NO_CONTENT { 0 } else { 1 };
    assert_eq!(
        login_status(&app, "annlee", passwords[winner]).await,
        StatusCode::OK
    );
    assert_eq!(
        login_status(&app, "annlee", passwords[1 - winner]).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_password_change_is_announced_by_mail_and_it_or_a_deactivation_voids_reset_links() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    let ann = app.user("annlee").await;
    forgot(&app, "annlee@example.com").await;
    let token = token_of(&reset_link(&sink, "annlee@example.com").await);
    let (status, body) = ann
        .post(
            "/api/auth/password",
            &json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    sink.latest("annlee@example.com", "password was changed")
        .await;
    assert_eq!(
        reset(&app, &token, "the reset passphrase", "the reset passphrase")
            .await
            .0,
        StatusCode::BAD_REQUEST
    );

    let admin = common::admins::admin(&app, "boss").await;
    let bob = app.user("bob").await;
    let bob_id = common::admins::id_of(&bob).await;
    forgot(&app, "bob@example.com").await;
    let token = token_of(&reset_link(&sink, "bob@example.com").await);
    sink.wait_for("bob@example.com", 2).await;
    let (status, body) = admin
        .post(&format!("/api/admin/users/{bob_id}/deactivate"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = reset(&app, &token, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A deactivated account is sent no new link either.
    forgot(&app, "bob@example.com").await;
    app.state.email.mailer.idle().await;
    assert_eq!(
        sink.mails_to("bob@example.com").len(),
        2,
        "confirmation and the first reset only"
    );
}

#[tokio::test]
async fn an_expired_reset_link_shows_the_broken_link_page() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    app.user("annlee").await;
    forgot(&app, "annlee@example.com").await;
    let token = token_of(&reset_link(&sink, "annlee@example.com").await);
    let db = app.database().await;
    sqlx::query("UPDATE email_tokens SET expires_at = created_at")
        .execute(&db)
        .await
        .expect("expire");
    let page = app.browser.fetch(&format!("/reset/{token}")).await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page
        .text()
        .await
        .expect("page")
        .contains("This link does not work"));
    assert_eq!(
        reset(&app, &token, NEW_PASSWORD, NEW_PASSWORD).await.0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn a_mail_server_that_is_down_fails_no_request() {
    // A port nobody listens on: every attempt is refused at once.
    let (_closed, address) = common::refusing_address();
    let url = format!("smtp://{address}");
    let app = spawn_app_with(move |settings| settings.smtp_url = url.into()).await;
    asks_that_mail_are_answered(&app).await;
}

#[tokio::test]
async fn a_mail_server_that_hangs_holds_up_no_request_and_its_mails_go_out_when_it_answers() {
    let sink = SmtpSink::start_held().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    // Every answer comes while the mail server answers nobody: none waited for its mail.
    asks_that_mail_are_answered(&app).await;
    sink.wait_for_connections(1).await;
    assert!(sink.mails_to("annlee@example.com").is_empty());
    sink.open();
    reset_link(&sink, "annlee@example.com").await;
    sink.wait_for("ann@new.example", 1).await;
}

/// Registration, a reset and a change of address, each of which mails: all answered as usual.
async fn asks_that_mail_are_answered(app: &TestApp) {
    let ann = app.user("annlee").await;
    let (status, _) = forgot(app, "annlee@example.com").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = ann
        .post(
            "/api/auth/email",
            &json!({ "new_email": "ann@new.example", "current_password": PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn a_mail_refused_at_first_is_delivered_by_a_later_attempt() {
    let sink = SmtpSink::start_refusing(1).await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    app.user("annlee").await;
    let mails = sink.wait_for("annlee@example.com", 1).await;
    assert!(mails[0].subject().contains("Confirm"));
}

#[tokio::test]
async fn a_mail_that_cannot_be_delivered_is_logged_as_lost_without_its_link() {
    let (_closed, address) = common::refusing_address();
    let closed_url = format!("smtp://{address}");
    // A server that speaks plain SMTP where TLS is expected: the TLS handshake itself fails (and runs, with
    // the crypto provider this build ships).
    let plain = SmtpSink::start().await;
    let tls_url = plain.url().replace("smtp://", "smtps://");
    for (url, failure) in [(closed_url, "Connection refused"), (tls_url, "")] {
        let database = common::TestDatabase::new();
        let (mut child, address, log) = process::start_with(
            &database.url,
            &[("LEPTODO_SMTP_URL", &url), ("LEPTODO_MAIL_ATTEMPTS", "1")],
        );
        Api::new(&address).registered("annlee").await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !log.lock().expect("log").contains("mail lost") && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        let log = log.lock().expect("log").clone();
        assert!(log.contains("mail lost"), "{url}: {log}");
        assert!(log.contains("confirm_email"), "{log}");
        assert!(log.contains(failure), "{log}");
        assert!(!log.contains("panicked"), "{log}");
        assert!(
            !log.contains("/confirm/"),
            "the link stays out of the log: {log}"
        );
    }
    assert!(plain.mails_to("annlee@example.com").is_empty());
}

#[tokio::test]
async fn without_a_mail_server_mails_go_to_the_outbox_and_their_links_to_the_debug_log() {
    let database = common::TestDatabase::new();
    let outbox = tempfile::tempdir().expect("outbox");
    let outbox_dir = outbox.path().display().to_string();
    let (mut child, address, log) = process::start_with(
        &database.url,
        &[
            ("LEPTODO_OUTBOX_DIR", &outbox_dir),
            ("LEPTODO_LOG_LEVEL", "info,leptodo::mail=debug"),
        ],
    );
    Api::new(&address).registered("annlee").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let file = loop {
        let found = std::fs::read_dir(outbox.path()).ok().and_then(|entries| {
            entries
                .flatten()
                .find(|entry| entry.path().extension().is_some_and(|ext| ext == "eml"))
        });
        if let Some(entry) = found {
            break entry.path();
        }
        assert!(Instant::now() < deadline, "no .eml in {outbox_dir}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mail = std::fs::read_to_string(&file).expect("mail file");
    assert!(mail.contains("To: annlee@example.com"), "{mail}");
    assert!(mail.contains("multipart/alternative"), "{mail}");
    // The log line follows the file, through another process's pipe: wait for it too.
    let logged = loop {
        let logged = log.lock().expect("log").clone();
        if logged.contains("link of the mail written to the outbox") || Instant::now() >= deadline {
            break logged;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(logged.contains("mail written to the outbox"), "{logged}");
    // A link is a credential: an operator's `info` log never has it, only a developer's `debug` one.
    for line in logged.lines().filter(|line| line.contains("link=")) {
        assert!(line.contains("DEBUG"), "{line}");
    }
    let link = logged
        .split_whitespace()
        .find_map(|word| word.strip_prefix("link="))
        .map(|link| link.trim_matches('"').to_owned())
        .filter(|link| link.starts_with(&format!("{address}/confirm/")))
        .unwrap_or_else(|| panic!("the link is logged: {logged}"));

    // Following it, as a developer would: confirmed, and the request's own log lines do not repeat the token.
    let (status, _) = Api::new(&address)
        .post("/api/auth/confirm", &json!({ "token": token_of(&link) }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let page = reqwest::get(&link).await.expect("page");
    assert_eq!(page.status(), StatusCode::BAD_REQUEST, "used already");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !log.lock().expect("log").contains("uri=/confirm/[token]") && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    let logged = log.lock().expect("log").clone();
    assert!(logged.contains("uri=/confirm/[token]"), "{logged}");
    assert_eq!(logged.matches(&token_of(&link)).count(), 1, "{logged}");
}

#[tokio::test]
async fn the_command_line_confirms_an_address() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    let ann = app.user("annlee").await;
    let output = process::command(&app.db.url, &["users", "confirm", "annlee"], "");
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("is confirmed"));
    let (_, body) = ann.get("/api/auth/me").await;
    assert!(body["user"]["confirmed_at"].is_string(), "{body}");
    let output = process::command(&app.db.url, &["users", "confirm", "annlee"], "");
    assert!(String::from_utf8_lossy(&output.stdout).contains("already confirmed"));
    let output = process::command(&app.db.url, &["users", "list"], "");
    assert!(String::from_utf8_lossy(&output.stdout).contains("confirmed"));
}
