//! Confirming an address and changing it, through the real server and a real SMTP server that the test runs:
//! each test reads the mail the app sent and follows its link.

use crate::common;

use common::{app_mailing, smtp::SmtpSink, token_of, Api, TestApp, PASSWORD};
use leptodo::config::EmailConfirmation;
use reqwest::StatusCode;
use serde_json::json;

const NEW_PASSWORD: &str = "an entirely new passphrase";

/// The path of a link from a mail (links start with the server's own address in tests).
fn path_of(link: &str) -> String {
    let after_scheme = link.split_once("://").map_or(link, |(_, rest)| rest);
    format!(
        "/{}",
        after_scheme.split_once('/').map_or("", |(_, path)| path)
    )
}

async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    app.browser.page(path).await
}

/// Uses a mail's link as a browser without JavaScript does: opens its page, which shows one button and
/// changes nothing, then presses the button, which posts the token. Answers the page the browser ends on (or
/// the link's page, when it showed no button).
async fn use_link(app: &TestApp, link: &str) -> (StatusCode, String) {
    use leptodo::auth::email::link_pages::{ApplyEmailChange, ConfirmEmail};
    use leptos::server_fn::ServerFn;
    let path = path_of(link);
    let (status, html) = page(app, &path).await;
    if status != StatusCode::OK {
        return (status, html);
    }
    let action = match path.starts_with("/confirm/") {
        true => ConfirmEmail::PATH,
        false => ApplyEmailChange::PATH,
    };
    assert!(
        html.contains(&format!(r#"action="{action}""#)),
        "the page posts the link: {html}"
    );
    let back = app
        .browser
        .submit_form(action, &path, &[("token", &token_of(link))])
        .await;
    page(app, &back).await
}

async fn me(api: &Api) -> serde_json::Value {
    let (status, body) = api.get("/api/auth/me").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["user"].clone()
}

#[tokio::test]
async fn registration_mails_a_link_that_confirms_the_address_once() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    let ann = app.user("annlee").await;
    assert_eq!(me(&ann).await["confirmation_pending"], true);

    let mail = sink
        .latest("annlee@example.com", "Confirm your email")
        .await;
    assert!(mail
        .part("text/html")
        .is_some_and(|html| html.contains("<a href=")));
    assert!(mail.header("Message-ID").is_some(), "{}", mail.raw);
    let link = mail.link("/confirm/").expect("a confirmation link");
    assert!(link.starts_with(&app.address), "{link}");
    assert!(
        mail.text().contains("24 hours"),
        "the mail says how long the link works"
    );

    let (status, html) = use_link(&app, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("annlee@example.com is confirmed as your address"),
        "{html}"
    );
    let user = me(&ann).await;
    assert!(user["confirmed_at"].is_string(), "{user}");
    assert_eq!(user["confirmation_pending"], false);

    let (status, html) = page(&app, &path_of(&link)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a used link");
    assert!(html.contains("This link does not work"), "{html}");
    let (status, body) = ann
        .post("/api/auth/confirm", &json!({ "token": token_of(&link) }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "invalid_link");
}

#[tokio::test]
async fn opening_a_link_changes_nothing_until_its_button_is_pressed() {
    // A mail scanner, or a preview, opens every link it sees; only the owner's press of the button may
    // confirm an address or move an account.
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    let ann = app.user("annlee").await;
    let confirm = sink
        .latest("annlee@example.com", "Confirm")
        .await
        .link("/confirm/")
        .expect("link");
    let (status, body) = ann
        .post(
            "/api/auth/email",
            &json!({ "new_email": "ann@new.example", "current_password": PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let change = sink
        .latest("ann@new.example", "new email address")
        .await
        .link("/change-email/")
        .expect("link");
    for (link, names, button) in [
        (&confirm, "annlee@example.com", "Confirm my address"),
        (&change, "ann@new.example", "Use this address"),
    ] {
        for _ in 0..2 {
            let (status, html) = page(&app, &path_of(link)).await;
            assert_eq!(status, StatusCode::OK, "{html}");
            assert!(html.contains(names) && html.contains(button), "{html}");
            assert!(!html.contains("is confirmed") && !html.contains("is changed"));
        }
    }
    let user = me(&ann).await;
    assert_eq!(user["confirmed_at"], serde_json::Value::Null, "{user}");
    assert_eq!(user["email"], "annlee@example.com");

    // The links still work: pressing each button does what it says.
    let (status, html) = use_link(&app, &confirm).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("annlee@example.com is confirmed as your address"),
        "{html}"
    );
    let (status, html) = use_link(&app, &change).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Your email address is changed to ann@new.example"),
        "{html}"
    );
    assert_eq!(me(&ann).await["email"], "ann@new.example");
}

#[tokio::test]
async fn no_mail_carries_words_the_registering_visitor_chose() {
    // Registering with someone else's address, a visitor picks the name too: it must not reach that inbox
    // as if the site had written it.
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    let bait = "Ann. Your account is locked: call +1 555 0100 at once";
    let mut registration = common::registration("ann@example.com", "annlee");
    registration["name"] = json!(bait);
    let browser = app.anonymous();
    let (status, body) = browser.post("/api/auth/register", &registration).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = app
        .anonymous()
        .post("/api/auth/forgot", &json!({ "email": "ann@example.com" }))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    for mail in sink.wait_for("ann@example.com", 2).await {
        for part in [mail.text(), mail.part("text/html").unwrap_or_default()] {
            assert!(!part.contains("555 0100"), "{part}");
        }
    }
}

#[tokio::test]
async fn markup_in_a_name_a_title_and_addresses_never_becomes_markup_in_a_mail() {
    // The HTML part is rendered by Leptos, which escapes every value: the addresses (a quoted local part may
    // hold `<`, `>` and `&`) show as typed, and the name and the todo title, which no mail carries, stay out of
    // both parts.
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    let (old, new) = (r#""<b>o'neil</b>&co"@example.com"#, "new&'addr@example.com");
    let mut registration = common::registration(old, "oneil");
    registration["name"] = json!("<b>Ann</b> & \"Bo\" <img src=x onerror=alert(1)>");
    let ann = app.anonymous();
    let (status, body) = ann.post("/api/auth/register", &registration).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = ann
        .post(
            "/api/todos",
            &json!({ "title": "<script>alert('title')</script>" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = ann
        .post(
            "/api/auth/email",
            &json!({ "new_email": new, "current_password": PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    let mail = sink.latest(new, "Confirm your new email address").await;
    let (text, html) = (mail.text(), mail.part("text/html").expect("an HTML part"));
    assert!(text.contains(&format!("from {old} to {new}")), "{text}");
    assert!(
        html.contains(
            r#"from "&lt;b&gt;o'neil&lt;/b&gt;&amp;co"@example.com to new&amp;'addr@example.com"#
        ),
        "{html}"
    );
    assert!(!html.contains("<b>"), "{html}");
    for part in [&text, &html] {
        for chosen in ["Ann", "<img", "<script", "alert("] {
            assert!(!part.contains(chosen), "{chosen} reached a mail: {part}");
        }
    }
    assert_eq!(
        html.matches("<a ").count(),
        1,
        "one link, the button: {html}"
    );
    assert_eq!(
        mail.subject(),
        "Confirm your new email address — Leptodo",
        "the subject, decoded"
    );
}

#[tokio::test]
async fn tampered_foreign_malformed_and_expired_confirmation_links_all_get_the_same_answer() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    let ann = app.user("annlee").await;
    let link = sink
        .latest("annlee@example.com", "Confirm")
        .await
        .link("/confirm/")
        .expect("link");
    let token = token_of(&link);
    let flipped = format!(
        "{}{}",
        &token[..63],
        if token.ends_with('0') { '1' } else { '0' }
    );
    for bad in [
        flipped.as_str(),
        "abc",
        "",
        "'; DROP TABLE users; --",
        &"g".repeat(64),
    ] {
        let (status, body) = ann
            .post("/api/auth/confirm", &json!({ "token": bad }))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "invalid_link");
    }
    let (status, html) = page(&app, &format!("/confirm/{flipped}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("This link does not work"));

    // A confirmation token is not a reset token, nor a change-of-address token.
    let (status, html) = page(&app, &format!("/reset/{token}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("This link does not work"));
    let (status, _) = ann
        .post("/api/auth/email/confirm", &json!({ "token": token }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Expired: the link's deadline is moved back to when it was made.
    let db = app.database().await;
    sqlx::query("UPDATE email_tokens SET expires_at = created_at")
        .execute(&db)
        .await
        .expect("expire");
    let (status, html) = page(&app, &path_of(&link)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("This link does not work"));
    assert_eq!(me(&ann).await["confirmed_at"], serde_json::Value::Null);
}

#[tokio::test]
async fn a_new_confirmation_link_replaces_the_old_one_and_resending_is_throttled() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    let ann = app.user("annlee").await;
    let first = sink.wait_for("annlee@example.com", 1).await[0]
        .link("/confirm/")
        .expect("link");
    let (status, body) = ann.post("/api/auth/confirm/resend", &json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let second = sink.wait_for("annlee@example.com", 2).await[1]
        .link("/confirm/")
        .expect("link");
    assert_ne!(first, second);
    let (status, _) = page(&app, &path_of(&first)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the older link is void");

    // Five mails per account per window by default; the registration's did not count, four resends did.
    for _ in 0..4 {
        let (status, body) = ann.post("/api/auth/confirm/resend", &json!({})).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let (status, body) = ann.post("/api/auth/confirm/resend", &json!({})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");

    // Each mail travels on its own connection, so they may arrive in any order: of the six links, exactly
    // one (the newest) confirms.
    let mails = sink.wait_for("annlee@example.com", 6).await;
    let mut confirmed = 0;
    for mail in &mails {
        let (status, _) = use_link(&app, &mail.link("/confirm/").expect("link")).await;
        if status == StatusCode::OK {
            confirmed += 1;
        } else {
            assert_eq!(status, StatusCode::BAD_REQUEST);
        }
    }
    assert_eq!(confirmed, 1);
    let (status, body) = ann.post("/api/auth/confirm/resend", &json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "already confirmed: {body}");
    let (status, _) = app
        .anonymous()
        .post("/api/auth/confirm/resend", &json!({}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn with_confirmation_required_only_a_confirmed_account_logs_in() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Required).await;
    let browser = app.anonymous();
    let (status, body) = browser
        .post(
            "/api/auth/register",
            &common::registration("ann@example.com", "annlee"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["user"]["confirmation_pending"], true);
    // Awaited now: mails are delivered side by side, so a later one could otherwise arrive first.
    let first = sink.wait_for("ann@example.com", 1).await[0]
        .link("/confirm/")
        .expect("link");
    let (status, _) = browser.get("/api/auth/me").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "registration did not log in"
    );

    let login = |password: &str| json!({ "login": "annlee", "password": password });
    let (status, body) = browser
        .post("/api/auth/login", &login("a wrong password here"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body["error"]["code"], "invalid_credentials",
        "a wrong password learns nothing"
    );
    let (status, _) = browser.post("/api/auth/confirm/resend", &json!({})).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "no resend before the right password"
    );

    let (status, body) = browser.post("/api/auth/login", &login(PASSWORD)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "unconfirmed");
    let (status, body) = browser.get("/api/auth/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, body) = browser.post("/api/auth/confirm/resend", &json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let link = sink
        .wait_for("ann@example.com", 2)
        .await
        .iter()
        .filter_map(|mail| mail.link("/confirm/"))
        .find(|link| *link != first)
        .expect("the resent link");

    let (status, _) = use_link(&app, &link).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = browser.post("/api/auth/login", &login(PASSWORD)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["user"]["confirmed_at"].is_string());
}

#[tokio::test]
async fn with_confirmation_off_no_mail_is_sent_and_nobody_is_asked() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Off).await;
    let ann = app.user("annlee").await;
    assert_eq!(me(&ann).await["confirmation_pending"], false);
    let (status, _) = ann.post("/api/auth/confirm/resend", &json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // The forgotten-password mail still goes out: the sink works, and nothing else reached Ann.
    let (status, _) = app
        .anonymous()
        .post(
            "/api/auth/forgot",
            &json!({ "email": "annlee@example.com" }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let mails = sink.wait_for("annlee@example.com", 1).await;
    assert!(
        mails[0].subject().contains("Reset"),
        "{}",
        mails[0].subject()
    );
}

#[tokio::test]
async fn changing_the_address_needs_the_password_and_the_link_sent_to_the_new_address() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    let ann = app.user("annlee").await;
    app.user("bob").await;
    let change =
        |to: &str, password: &str| json!({ "new_email": to, "current_password": password });

    let (status, body) = ann
        .post(
            "/api/auth/email",
            &change("ann@new.example", "not my password"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["fields"]["current_password"].is_array(),
        "{body}"
    );
    let (status, body) = ann
        .post("/api/auth/email", &change("AnnLee@Example.com", PASSWORD))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "already hers: {body}"
    );
    let (status, body) = ann
        .post("/api/auth/email", &change("no at sign", PASSWORD))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["new_email"].is_array());
    let (status, _) = app
        .anonymous()
        .post("/api/auth/email", &change("ann@new.example", PASSWORD))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, body) = ann
        .post("/api/auth/email", &change("ann@new.example", PASSWORD))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let link = sink
        .latest("ann@new.example", "new email address")
        .await
        .link("/change-email/")
        .expect("the link goes to the new address");
    let notice = sink
        .latest("annlee@example.com", "change of your email")
        .await;
    assert!(notice.text().contains("ann@new.example"));
    assert!(
        notice.link("/change-email/").is_none(),
        "the old address gets no link"
    );
    assert_eq!(
        me(&ann).await["email"],
        "annlee@example.com",
        "nothing changes before the link"
    );

    let (status, html) = use_link(&app, &link).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("Your email address is changed to ann@new.example"),
        "{html}"
    );
    let user = me(&ann).await;
    assert_eq!(user["email"], "ann@new.example");
    assert!(user["confirmed_at"].is_string());
    let (status, _) = page(&app, &path_of(&link)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "used once");

    let login = |login: &str| json!({ "login": login, "password": PASSWORD });
    let (status, _) = app
        .anonymous()
        .post("/api/auth/login", &login("ann@new.example"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .anonymous()
        .post("/api/auth/login", &login("annlee@example.com"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let db = app.database().await;
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'change_email' AND target = 'annlee'",
    )
    .fetch_one(&db)
    .await
    .expect("audit");
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_move_to_a_taken_address_is_answered_like_any_other_and_only_its_owner_is_told() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    let ann = app.user("annlee").await;
    app.user("bob").await;
    let change = |to: &str| json!({ "new_email": to, "current_password": PASSWORD });
    let (status, taken) = ann
        .post("/api/auth/email", &change("BOB@example.com"))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{taken}");
    // Its work after the answer is done once the owner's notice is out; only then the next request, whose link
    // that work would otherwise void if it came late.
    let notice = sink
        .latest("bob@example.com", "Someone tried to use your email address")
        .await;
    let (status, free) = ann
        .post("/api/auth/email", &change("ann@new.example"))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{free}");
    assert_eq!(
        taken["message"]
            .as_str()
            .map(|m| m.replace("BOB@example.com", "…")),
        free["message"]
            .as_str()
            .map(|m| m.replace("ann@new.example", "…")),
        "the same sentence"
    );
    assert!(notice.link("/change-email/").is_none(), "no link for it");
    assert!(!notice.text().contains("annlee"), "{}", notice.text());
    sink.latest("ann@new.example", "new email address").await;
    let links: Vec<String> =
        sqlx::query_scalar("SELECT sent_to FROM email_tokens WHERE purpose = 'change_email'")
            .fetch_all(&app.database().await)
            .await
            .expect("links");
    assert_eq!(links, ["ann@new.example"], "no link to the taken address");

    // Taken or not, each request counts against the account's mails: five per window by default.
    for _ in 0..3 {
        let (status, body) = ann
            .post("/api/auth/email", &change("bob@example.com"))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let (status, body) = ann
        .post("/api/auth/email", &change("ann@other.example"))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

#[tokio::test]
async fn an_address_taken_before_the_link_is_used_is_refused_and_the_link_spent() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    let ann = app.user("annlee").await;
    let (status, _) = ann
        .post(
            "/api/auth/email",
            &json!({ "new_email": "shared@example.com", "current_password": PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let link = sink
        .latest("shared@example.com", "new email address")
        .await
        .link("/change-email/")
        .expect("link");
    let (status, _) = app
        .anonymous()
        .post(
            "/api/auth/register",
            &common::registration("Shared@Example.com", "bob"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, body) = ann
        .post(
            "/api/auth/email/confirm",
            &json!({ "token": token_of(&link) }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["fields"]["new_email"][0]
        .as_str()
        .is_some_and(|message| message.contains("already registered")));
    assert_eq!(me(&ann).await["email"], "annlee@example.com");
    let (status, html) = page(&app, &path_of(&link)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the link is spent");
    assert!(html.contains("This link does not work"));
}

#[tokio::test]
async fn an_old_confirmation_link_does_not_confirm_a_new_address() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    let ann = app.user("annlee").await;
    let old_link = sink
        .latest("annlee@example.com", "Confirm")
        .await
        .link("/confirm/")
        .expect("link");
    // The account moves before the old address was confirmed; a later confirmation link would be for the
    // new one, so the old link must not count for it.
    let db = app.database().await;
    sqlx::query("UPDATE users SET email = 'elsewhere@example.com', email_key = 'elsewhere@example.com' WHERE username = 'annlee'")
        .execute(&db)
        .await
        .expect("move");
    let (status, _) = page(&app, &path_of(&old_link)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(me(&ann).await["confirmed_at"], serde_json::Value::Null);
}

#[tokio::test]
async fn the_admin_table_shows_who_confirmed() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    let admin = common::admins::admin(&app, "boss").await;
    app.user("annlee").await;
    let link = sink
        .latest("annlee@example.com", "Confirm")
        .await
        .link("/confirm/")
        .expect("link");
    let confirmed_of = |body: &serde_json::Value, username: &str| {
        body["users"]
            .as_array()
            .and_then(|users| users.iter().find(|user| user["username"] == username))
            .map(|user| user["confirmed"].clone())
    };
    let (_, body) = admin.get("/api/admin/users").await;
    assert_eq!(confirmed_of(&body, "annlee"), Some(json!(false)), "{body}");
    use_link(&app, &link).await;
    let (_, body) = admin.get("/api/admin/users").await;
    assert_eq!(confirmed_of(&body, "annlee"), Some(json!(true)), "{body}");
}

#[tokio::test]
async fn without_javascript_an_unconfirmed_login_is_told_why_and_offered_the_link_again() {
    use leptos::server_fn::ServerFn;
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Required).await;
    let back = app
        .browser
        .submit_form(
            leptodo::auth::register_page::Register::PATH,
            "/register",
            &[
                ("email", "ann@example.com"),
                ("username", "annlee"),
                ("name", "Ann Lee"),
                ("website", ""),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(back, "/login", "registration logs nobody in");
    let (_, login_page) = page(&app, "/login").await;
    assert!(
        login_page.contains("We sent a confirmation link to ann@example.com"),
        "{login_page}"
    );
    assert!(!login_page.contains("Send the link again"));

    let back = app
        .browser
        .submit_form(
            leptodo::auth::login_page::LogIn::PATH,
            "/login",
            &[
                ("login", "ann@example.com"),
                ("password", "a wrong password"),
            ],
        )
        .await;
    let (_, login_page) = page(&app, &back).await;
    assert!(
        !login_page.contains("Send the link again"),
        "not before the right password"
    );

    let back = app
        .browser
        .submit_form(
            leptodo::auth::login_page::LogIn::PATH,
            "/login",
            &[("login", "ann@example.com"), ("password", PASSWORD)],
        )
        .await;
    let (_, login_page) = page(&app, &back).await;
    assert!(
        login_page.contains("Please confirm your email address first"),
        "{login_page}"
    );
    assert!(login_page.contains("Send the link again"), "{login_page}");

    let back = app
        .browser
        .submit_form(
            leptodo::auth::email::link_pages::ResendConfirmation::PATH,
            "/login",
            &[],
        )
        .await;
    assert_eq!(back, "/login");
    let (_, login_page) = page(&app, "/login").await;
    assert!(
        login_page.contains("We sent a new confirmation link to ann@example.com"),
        "{login_page}"
    );
    sink.wait_for("ann@example.com", 2).await;
}

/// Ann's account with two links outstanding: the confirmation of her address (from registration), and a move
/// to mallory@evil.example asked for by someone who knew her password. Answers both tokens.
async fn links_outstanding(app: &TestApp, sink: &SmtpSink) -> (Api, String, String) {
    let ann = app.user("annlee").await;
    let confirm = sink
        .latest_link("annlee@example.com", "Confirm", "/confirm/")
        .await;
    let (status, body) = ann
        .post(
            "/api/auth/email",
            &json!({ "new_email": "mallory@evil.example", "current_password": PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let change = sink
        .latest_link(
            "mallory@evil.example",
            "new email address",
            "/change-email/",
        )
        .await;
    (ann, token_of(&confirm), token_of(&change))
}

/// After Ann's credentials ended, neither link works, none is left, and the account has its old address
/// (`confirmed`: whether that is confirmed now, as a reset's link proves it).
async fn assert_links_void(app: &TestApp, confirm: &str, change: &str, confirmed: bool) {
    let (status, body) = app
        .anonymous()
        .post("/api/auth/email/confirm", &json!({ "token": change }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_link");
    let (status, body) = app
        .anonymous()
        .post("/api/auth/confirm", &json!({ "token": confirm }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (email, confirmed_at): (String, Option<String>) = sqlx::query_as(
        "SELECT email, CAST(confirmed_at AS TEXT) FROM users WHERE username = 'annlee'",
    )
    .fetch_one(&app.database().await)
    .await
    .expect("Ann");
    assert_eq!(email, "annlee@example.com");
    assert_eq!(confirmed_at.is_some(), confirmed, "{confirmed_at:?}");
    let left: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM email_tokens
         WHERE user_id = (SELECT id FROM users WHERE username = 'annlee')",
    )
    .fetch_one(&app.database().await)
    .await
    .expect("count");
    assert_eq!(left, 0, "every link of the account is gone");
}

#[tokio::test]
async fn a_password_change_voids_every_outstanding_link_of_the_account() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    let (ann, confirm, change) = links_outstanding(&app, &sink).await;
    common::change_password(&ann, NEW_PASSWORD).await;
    assert_links_void(&app, &confirm, &change, false).await;
}

#[tokio::test]
async fn a_reset_voids_every_outstanding_link_of_the_account() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    let (_, confirm, change) = links_outstanding(&app, &sink).await;
    let (status, _) = app
        .anonymous()
        .post(
            "/api/auth/forgot",
            &json!({ "email": "annlee@example.com" }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let reset = sink
        .latest_link("annlee@example.com", "Reset your password", "/reset/")
        .await;
    let (status, body) = app
        .anonymous()
        .post(
            "/api/auth/reset",
            &json!({
                "token": token_of(&reset),
                "password": NEW_PASSWORD,
                "password_confirm": NEW_PASSWORD,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    // The reset proved the mailbox, so the address is confirmed now; the other links are void all the same.
    assert_links_void(&app, &confirm, &change, true).await;
}

#[tokio::test]
async fn an_operators_new_password_voids_every_outstanding_link_of_the_account() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    let (_, confirm, change) = links_outstanding(&app, &sink).await;
    let output = common::process::command(
        &app.db.url,
        &["users", "set-password", "annlee"],
        &format!("{NEW_PASSWORD}\n"),
    );
    assert!(output.status.success(), "{output:?}");
    assert_links_void(&app, &confirm, &change, false).await;
}

#[tokio::test]
async fn a_deactivation_voids_every_outstanding_link_of_the_account() {
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    let (ann, confirm, change) = links_outstanding(&app, &sink).await;
    let ann_id = common::admins::id_of(&ann).await;
    let admin = common::admins::admin(&app, "boss").await;
    let (status, body) = admin
        .post(&format!("/api/admin/users/{ann_id}/deactivate"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Activated again, the account still has no link from before.
    let (status, body) = admin
        .post(&format!("/api/admin/users/{ann_id}/activate"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_links_void(&app, &confirm, &change, false).await;
}

#[tokio::test]
async fn a_link_is_made_only_while_the_credentials_it_was_asked_under_stand() {
    // A request that checked the session before a password change commits must not make its link after it:
    // the link's transaction holds the account's row only if the session secret it read still stands.
    let sink = SmtpSink::start().await;
    let app = app_mailing(&sink, EmailConfirmation::Optional).await;
    let ann = app.user("annlee").await;
    let pool = app.app_pool().await;
    let as_seen = leptodo::auth::queries::find_by_login(pool.reads(), "annlee")
        .await
        .expect("lookup")
        .expect("Ann");
    let mut transaction = pool.begin().await.expect("begin");
    assert!(
        leptodo::auth::credentials::still_current(&mut transaction, &as_seen)
            .await
            .expect("checked")
    );
    drop(transaction);

    common::change_password(&ann, NEW_PASSWORD).await;
    let mut transaction = pool.begin().await.expect("begin");
    assert!(
        !leptodo::auth::credentials::still_current(&mut transaction, &as_seen)
            .await
            .expect("checked"),
        "the secret the request read has been replaced"
    );
}
