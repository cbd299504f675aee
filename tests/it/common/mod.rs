//! What every HTTP-level test needs: the real application on a free port with a fresh database (SQLite, or
//! PostgreSQL when the run is for it: see `database.rs`).

pub mod admins;
pub mod authenticator;
mod client;
pub mod database;
pub mod events;
pub mod passkey;
pub mod process;
pub mod smtp;

use std::{collections::HashMap, path::Path};

use leptodo::{config::Settings, startup::Application};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

pub use client::Api;
pub use database::TestDatabase;

/// A running server and a client that keeps cookies, like a browser.
pub struct TestApp {
    pub address: String,
    /// The test's browser: one client whose cookies persist from request to request.
    pub browser: Api,
    /// The test's own database.
    pub db: TestDatabase,
    /// What the server's handlers reach, to arrange what no request can.
    pub state: leptodo::state::AppState,
}

/// The shipped Leptos.toml with cheap argon2, which keeps logins in tests fast (the rules do not depend on the
/// cost), and without the per-address registration limit, since every test registers from 127.0.0.1 (the
/// throttle's own tests set it).
pub fn test_settings() -> Settings {
    let mut settings = Settings::load_with_env(Path::new("Leptos.toml"), HashMap::new())
        .expect("the shipped Leptos.toml loads");
    settings.argon2_memory_kib = 1024;
    settings.argon2_iterations = 1;
    settings.throttle_registrations_per_ip = 1_000_000;
    // Without an SMTP server mail goes to the outbox: not into the working tree (a server started by
    // `spawn_app` gets its database's own).
    settings.outbox_dir = process::private_outbox().display().to_string();
    settings.two_factor_key = TWO_FACTOR_KEY.into();
    settings
}

/// The `two_factor_key` of the test servers: 32 bytes, base64.
pub const TWO_FACTOR_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
    let db = TestDatabase::new();
    let (address, state) = serve(&db, customise).await;
    TestApp {
        browser: Api::new(&address),
        address,
        db,
        state,
    }
}

/// Starts a server on `db` with the test settings as `customise` leaves them; answers its base URL and state.
async fn serve(
    db: &TestDatabase,
    customise: impl FnOnce(&mut Settings),
) -> (String, leptodo::state::AppState) {
    let mut settings = test_settings();
    settings.site_addr = "127.0.0.1:0".parse().expect("socket address");
    settings.database_url = db.url.clone();
    settings.outbox_dir = db.outbox_dir();
    customise(&mut settings);
    // `TEST_LOG=leptodo=debug cargo test …` shows the server's log, each line named after its test.
    if let Ok(filter) = std::env::var("TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_thread_names(true)
            .try_init();
    }
    let app = Application::build(&settings).await.expect("the app starts");
    let address = format!("http://{}", app.local_addr());
    let state = app.state().clone();
    tokio::spawn(app.run_until(std::future::pending()));
    (address, state)
}

impl TestApp {
    /// A connection to the test's database, to arrange or inspect what the API cannot (`$1` placeholders).
    pub async fn database(&self) -> sqlx::AnyPool {
        self.db.pool().await
    }

    /// A second server on this test's database with other settings, such as a limit that would get in the way
    /// of arranging the test; answers its base URL. Logins made on either server work on both; on SQLite, live
    /// updates do not cross from one to the other (each has its own hub).
    pub async fn another_instance(&self, customise: impl FnOnce(&mut Settings)) -> String {
        serve(&self.db, customise).await.0
    }

    /// The application's own pool on the test's database, for calling its services directly.
    pub async fn app_pool(&self) -> leptodo::db::Pool {
        self.db.app_pool().await
    }
}

/// A password every rule accepts.
pub const PASSWORD: &str = "a long and unusual passphrase";

/// A valid `/api/auth/register` body for Ann Lee.
pub fn registration(email: &str, username: &str) -> Value {
    json!({
        "email": email,
        "username": username,
        "name": "Ann Lee",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    })
}

/// Registers through the JSON API, which also logs `app.browser` in; returns the answer.
pub async fn register(app: &TestApp, email: &str, username: &str) -> Value {
    let (status, body) = app
        .browser
        .post("/api/auth/register", &registration(email, username))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// A server that mails through `sink` and treats confirmation as `confirmation` says.
pub async fn app_mailing(
    sink: &smtp::SmtpSink,
    confirmation: leptodo::config::EmailConfirmation,
) -> TestApp {
    let url = sink.url();
    spawn_app_with(move |settings| {
        settings.smtp_url = url.into();
        settings.email_confirmation = confirmation;
    })
    .await
}

/// The token at the end of a link from a mail.
pub fn token_of(link: &str) -> String {
    link.rsplit('/').next().unwrap_or_default().to_owned()
}

impl TestApp {
    /// A client with no cookies and no token.
    pub fn anonymous(&self) -> Api {
        Api::new(&self.address)
    }

    /// A new client that registered `username` (email `<username>@example.com`) and is logged in by cookie.
    pub async fn user(&self, username: &str) -> Api {
        self.anonymous().registered(username).await
    }
}

/// Changes the password of `api`'s user from [`PASSWORD`] to `new` through the JSON API; asserts it was done.
pub async fn change_password(api: &Api, new: &str) {
    let (status, body) = api
        .post(
            "/api/auth/password",
            &json!({
                "current_password": PASSWORD,
                "new_password": new,
                "new_password_confirm": new,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

/// Where a redirect points (`Location`), or "" for none.
pub fn location(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

/// The `Set-Cookie` line a response sent for the cookie `name`, if any.
pub fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// A loopback address that refuses every connection at once, for as long as the returned socket lives: bound
/// but never listening, so no test running beside this one can be given its port meanwhile.
pub fn refusing_address() -> (tokio::net::TcpSocket, std::net::SocketAddr) {
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .bind("127.0.0.1:0".parse().expect("an address"))
        .expect("bind");
    let address = socket.local_addr().expect("its address");
    (socket, address)
}
