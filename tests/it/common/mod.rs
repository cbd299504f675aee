//! What every HTTP-level test needs: the real application on a free port with a fresh database (SQLite, or
//! PostgreSQL when the run is for it: see `database.rs`).

pub mod admins;
pub mod database;
pub mod events;
pub mod process;
pub mod smtp;

use std::{collections::HashMap, path::Path};

use leptodo::{config::Settings, startup::Application};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

pub use database::TestDatabase;

/// A running server and a client that keeps cookies, like a browser.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
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
    settings
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
    let db = TestDatabase::new();
    let (address, state) = serve(&db, customise).await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");
    TestApp {
        address,
        client,
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
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request completes")
    }

    /// POSTs a JSON body with this app's cookie-keeping client.
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .json(body)
            .send()
            .await
            .expect("request completes")
    }

    /// Submits a form the way a browser with JavaScript off does, from the page at `from`; answers the path it
    /// redirects to.
    pub async fn post_form(&self, path: &str, from: &str, fields: &[(&str, &str)]) -> String {
        let response = self
            .client
            .post(format!("{}{path}", self.address))
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, format!("{}{from}", self.address))
            .form(fields)
            .send()
            .await
            .expect("request completes");
        assert_eq!(response.status(), StatusCode::FOUND, "POST {path}");
        let back = location(&response);
        back.strip_prefix(&self.address).unwrap_or(back).to_owned()
    }

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

/// Registers through the JSON API, which also logs `app.client` in; returns the answer.
pub async fn register(app: &TestApp, email: &str, username: &str) -> Value {
    let response = app
        .post_json("/api/auth/register", &registration(email, username))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.expect("JSON body")
}

/// A JSON API client with its own cookies: another browser, or a script with a token.
pub struct Api {
    base: String,
    client: reqwest::Client,
    headers: Vec<(String, String)>,
}

impl Api {
    /// A new client of the server at `base` (`http://host:port`), with no cookies and no token.
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("HTTP client"),
            headers: Vec::new(),
        }
    }

    /// The same client, cookies and headers included, talking to the server at `base`: the same browser
    /// reaching another instance of the site.
    pub fn at(&self, base: &str) -> Self {
        Self {
            base: base.to_owned(),
            client: self.client.clone(),
            headers: self.headers.clone(),
        }
    }

    /// A request from this client: its cookies, and the headers it always sends.
    pub fn raw(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        request
    }

    /// Sends `method path` with an optional JSON body; answers the status and the body (`null` when empty).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let request = self.raw(method, path);
        let request = match body {
            Some(body) => request.json(body),
            None => request,
        };
        answer(request).await
    }

    /// Sends a JSON body with extra headers, such as the `Origin` a browser would add.
    pub async fn send_with_headers(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut request = self.raw(method, path).json(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        answer(request).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    /// The same client (cookies included), sending `Authorization: Bearer <token>` from now on.
    pub fn with_bearer(&self, token: &str) -> Self {
        self.with_authorization(&format!("Bearer {token}"))
    }

    /// The same client (cookies included), sending this `Authorization` header from now on.
    pub fn with_authorization(&self, value: &str) -> Self {
        self.with_header(header::AUTHORIZATION.as_str(), value)
    }

    /// The same client (cookies included), sending this header with every request from now on.
    pub fn with_header(&self, name: &str, value: &str) -> Self {
        let mut headers = self.headers.clone();
        headers.push((name.to_owned(), value.to_owned()));
        Self {
            base: self.base.clone(),
            client: self.client.clone(),
            headers,
        }
    }
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

impl Api {
    /// This client, after registering `username` (email `<username>@example.com`): logged in by cookie.
    pub async fn registered(self, username: &str) -> Self {
        let (status, body) = self
            .post(
                "/api/auth/register",
                &registration(&format!("{username}@example.com"), username),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        self
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

/// Sends the request; answers the status and the JSON body (`null` when empty).
async fn answer(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request completes");
    let status = response.status();
    let text = response.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON body, got {text:?}"))
    };
    (status, body)
}
