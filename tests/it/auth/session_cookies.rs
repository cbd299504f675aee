//! The session cookie as a browser sees it: its lifetime is the one the user chose at login, it is re-issued
//! only when the session changed, and a logout wins against requests that were in flight.

use crate::common;

use common::{app_mailing, spawn_app, TestApp, PASSWORD};
use futures::future::join_all;
use leptodo::db::unix_now;
use leptos::server_fn::ServerFn;
use reqwest::{header, StatusCode};
use serde_json::json;

/// A client that keeps its cookie by hand, so every `Set-Cookie` can be read.
struct Browser<'a> {
    app: &'a TestApp,
    http: reqwest::Client,
    cookie: Option<String>,
}

/// The session cookie's attributes as set by one response: `None` when the response set none.
fn session_set_cookie(response: &reqwest::Response) -> Option<String> {
    common::set_cookie(response, "leptodo_session")
}

/// The `Max-Age` of a `Set-Cookie` line, in seconds.
fn max_age(set_cookie: &str) -> Option<i64> {
    set_cookie
        .split(';')
        .filter_map(|part| part.trim().strip_prefix("Max-Age="))
        .find_map(|value| value.parse().ok())
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("HTTP client"),
            cookie: None,
        }
    }

    /// Sends the request with the current cookie, keeps any new one; answers the response's session
    /// `Set-Cookie` line and status.
    async fn send(&mut self, request: reqwest::RequestBuilder) -> (StatusCode, Option<String>) {
        let request = match &self.cookie {
            Some(cookie) => request.header(header::COOKIE, cookie),
            None => request,
        };
        let response = request.send().await.expect("request completes");
        let set = session_set_cookie(&response);
        if let Some(line) = &set {
            let pair = line.split(';').next().unwrap_or_default().to_owned();
            self.cookie = (max_age(line) != Some(0)).then_some(pair);
        }
        (response.status(), set)
    }

    async fn get(&mut self, path: &str) -> (StatusCode, Option<String>) {
        let request = self.http.get(format!("{}{path}", self.app.address));
        self.send(request).await
    }

    async fn log_in(&mut self, remember: bool) -> Option<String> {
        let request = self
            .http
            .post(format!("{}/api/auth/login", self.app.address))
            .json(&json!({ "login": "annlee", "password": PASSWORD, "remember": remember }));
        let (status, set) = self.send(request).await;
        assert_eq!(status, StatusCode::OK);
        set
    }

    async fn change_password(&mut self, from: &str, to: &str) -> Option<String> {
        let request = self
            .http
            .post(format!("{}/api/auth/password", self.app.address))
            .json(&json!({
                "current_password": from, "new_password": to, "new_password_confirm": to,
            }));
        let (status, set) = self.send(request).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        set
    }
}

const PAGES: [&str; 5] = ["/", "/active", "/account", "/api/todos", "/api/auth/me"];
const NEW_PASSWORD: &str = "another long passphrase";

#[tokio::test]
async fn without_remember_me_the_cookie_never_gets_a_lifetime() {
    let app = spawn_app().await;
    app.user("annlee").await;
    let mut browser = Browser::new(&app);
    let login = browser.log_in(false).await.expect("a cookie");
    assert!(
        !login.contains("Max-Age") && !login.contains("Expires"),
        "{login}"
    );
    for path in PAGES.iter().cycle().take(20) {
        let (status, set) = browser.get(path).await;
        assert!(status.is_success(), "{path}: {status}");
        assert_eq!(set, None, "{path} re-issued the cookie");
    }
    // A change that does re-issue it (the session moves to the new secret) keeps it a browser-session cookie.
    let reissued = browser
        .change_password(PASSWORD, NEW_PASSWORD)
        .await
        .expect("a new cookie");
    assert!(
        !reissued.contains("Max-Age") && !reissued.contains("Expires"),
        "{reissued}"
    );
}

#[tokio::test]
async fn with_remember_me_every_reissued_cookie_keeps_the_remembered_lifetime() {
    let app = spawn_app().await;
    app.user("annlee").await;
    let mut browser = Browser::new(&app);
    let thirty_days = 30 * 24 * 3600;
    // The login's deadline counts from a moment between `before` and the login's answer; each cookie's Max-Age
    // is what is left of it when the cookie is sent (whole seconds, so one more may be cut off).
    let before = unix_now();
    let login = browser.log_in(true).await.expect("a cookie");
    let lifetime = max_age(&login).expect("a Max-Age");
    let remembered = |sent_by: i64| before + thirty_days - sent_by - 1..=thirty_days;
    assert!(remembered(unix_now()).contains(&lifetime), "{login}");
    for path in PAGES {
        assert_eq!(
            browser.get(path).await.1,
            None,
            "{path} re-issued the cookie"
        );
    }
    let reissued = browser
        .change_password(PASSWORD, NEW_PASSWORD)
        .await
        .expect("a new cookie");
    let lifetime = max_age(&reissued).expect("a Max-Age");
    assert!(remembered(unix_now()).contains(&lifetime), "{reissued}");
}

#[tokio::test]
async fn a_request_that_changes_nothing_does_not_write_the_session_row() {
    let app = spawn_app().await;
    app.user("annlee").await;
    let mut browser = Browser::new(&app);
    browser.log_in(false).await;
    let row = || async {
        sqlx::query_as::<_, (Vec<u8>, String)>(
            "SELECT data, CAST(expiry_date AS TEXT) FROM tower_sessions",
        )
        .fetch_all(&app.database().await)
        .await
        .expect("rows")
    };
    let before = row().await;
    assert!(!before.is_empty());
    for path in PAGES {
        browser.get(path).await;
    }
    assert_eq!(row().await, before);
}

#[tokio::test]
async fn logout_wins_against_requests_in_flight() {
    let app = spawn_app().await;
    app.user("annlee").await;
    let mut browser = Browser::new(&app);
    browser.log_in(false).await;
    let cookie = browser.cookie.clone().expect("logged in");
    let request = |path: &str| {
        browser
            .http
            .get(format!("{}{path}", app.address))
            .header(header::COOKIE, &cookie)
            .send()
    };
    let in_flight: Vec<_> = PAGES
        .iter()
        .cycle()
        .take(100)
        .map(|path| request(path))
        .collect();
    let logout = async {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        browser
            .http
            .post(format!(
                "{}{}",
                app.address,
                leptodo::auth::logout::LogOut::PATH
            ))
            .header(header::COOKIE, &cookie)
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .expect("logged out")
    };
    let (logout, answers) = tokio::join!(logout, join_all(in_flight));
    assert!(answers.iter().all(Result::is_ok));
    // The page logout drops the session id: the browser is told to delete the cookie.
    let removal = session_set_cookie(&logout).expect("the cookie is removed");
    assert_eq!(max_age(&removal), Some(0), "{removal}");
    for path in ["/api/auth/me", "/api/todos"] {
        assert_eq!(
            request(path).await.expect("answer").status(),
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    let id = cookie.trim_start_matches("leptodo_session=");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tower_sessions WHERE id = $1")
        .bind(id)
        .fetch_one(&app.database().await)
        .await
        .expect("count");
    assert_eq!(rows, 0, "nothing wrote the logged-out session back");
}

/// Whether a session row holds `key` (rows are MessagePack, which keeps a map's keys as plain bytes).
async fn a_session_row_holds(app: &TestApp, key: &str) -> bool {
    let rows: Vec<Vec<u8>> = sqlx::query_scalar("SELECT data FROM tower_sessions")
        .fetch_all(&app.database().await)
        .await
        .expect("sessions");
    rows.iter().any(|data| {
        data.windows(key.len())
            .any(|window| window == key.as_bytes())
    })
}

#[tokio::test]
async fn a_login_by_another_user_starts_from_an_empty_session() {
    let sink = common::smtp::SmtpSink::start().await;
    let app = app_mailing(&sink, leptodo::config::EmailConfirmation::Required).await;
    for (email, username) in [("ann@example.com", "annlee"), ("bob@example.com", "bob")] {
        let (status, body) = app
            .anonymous()
            .post("/api/auth/register", &common::registration(email, username))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    // Ann's account waits for its confirmation; Bob's is confirmed.
    sqlx::query("UPDATE users SET confirmed_at = created_at WHERE username = 'bob'")
        .execute(&app.database().await)
        .await
        .expect("confirm Bob");
    let browser = app.anonymous();
    let login = |login: &str| json!({ "login": login, "password": PASSWORD });
    let (status, _) = browser.post("/api/auth/login", &login("annlee")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    const ANNS: &str = "auth.unconfirmed_user_id";
    assert!(
        a_session_row_holds(&app, ANNS).await,
        "the session remembers Ann's refused login (it may ask for her link again)"
    );

    let (status, body) = browser.post("/api/auth/login", &login("bob")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        !a_session_row_holds(&app, ANNS).await,
        "nothing of Ann's is left in Bob's session"
    );
    let (_, me) = browser.get("/api/auth/me").await;
    assert_eq!(me["user"]["username"], "bob");
}

#[tokio::test]
async fn a_login_by_another_user_shows_nothing_left_for_the_one_before() {
    use leptodo::auth::{email::link_pages::ResendConfirmation, login_page::LogIn};
    let sink = common::smtp::SmtpSink::start().await;
    let app = app_mailing(&sink, leptodo::config::EmailConfirmation::Optional).await;
    app.user("bob").await;
    common::register(&app, "ann@example.com", "annlee").await;
    // Without JavaScript Ann asks for her link again, and leaves before the page it sends her to.
    let back = app
        .browser
        .submit_form(ResendConfirmation::PATH, "/account", &[])
        .await;
    assert_eq!(back, "/account");

    let back = app
        .browser
        .submit_form(
            LogIn::PATH,
            "/login",
            &[("login", "bob"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(back, "/");
    let page = app.browser.page("/").await.1;
    assert!(page.contains("todo"), "{page}");
    assert!(
        !page.contains("ann@example.com"),
        "Ann's message is not shown to Bob: {page}"
    );
    let me: serde_json::Value = app.browser.get("/api/auth/me").await.1;
    assert_eq!(me["user"]["username"], "bob");
}
