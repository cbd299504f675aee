//! The one test client: a browser or a script talking to the real server, with its own cookies (and, for a
//! script, its token). JSON calls answer `(status, body)`; page loads and form posts answer what a browser
//! would see.

use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

use super::{location, registration, PASSWORD};

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
    pub fn raw(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        request
    }

    /// Sends `method path` with an optional JSON body; answers the status and the body (`null` when empty).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        read(self.response(method, path, body).await).await
    }

    /// Sends a JSON body with extra headers, such as the `Origin` a browser would add.
    pub async fn send_with_headers(
        &self,
        method: Method,
        path: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut request = self.raw(method, path).json(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        read(request.send().await.expect("request completes")).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::DELETE, path, None).await
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

impl Api {
    /// `method path` with an optional JSON body, answered as it came (headers and body unread).
    pub async fn response(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let request = self.raw(method.clone(), path);
        let request = match body {
            Some(body) => request.json(body),
            None => request,
        };
        request
            .send()
            .await
            .unwrap_or_else(|error| panic!("{method} {}{path}: {error}", self.base))
    }

    /// `POST path` with a JSON body, answered as it came (headers and body unread).
    pub async fn post_response(&self, path: &str, body: &Value) -> reqwest::Response {
        self.response(Method::POST, path, Some(body)).await
    }

    /// `GET path`, answered as it came (headers and body unread).
    pub async fn fetch(&self, path: &str) -> reqwest::Response {
        self.response(Method::GET, path, None).await
    }

    /// Opens `path` the way a browser's address bar does (asking for HTML), answered as it came.
    pub async fn navigate(&self, path: &str) -> reqwest::Response {
        self.raw(Method::GET, path)
            .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
            .send()
            .await
            .unwrap_or_else(|error| panic!("GET {}{path}: {error}", self.base))
    }

    /// Opens `path` as a browser does; answers the status and the page.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let response = self.navigate(path).await;
        let status = response.status();
        (status, response.text().await.expect("page"))
    }

    /// Submits a form the way a browser with JavaScript off does, from the page at `from`; answers the path it
    /// redirects to.
    pub async fn submit_form(&self, path: &str, from: &str, fields: &[(&str, &str)]) -> String {
        let response = self
            .raw(Method::POST, path)
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, format!("{}{from}", self.base))
            .form(fields)
            .send()
            .await
            .expect("request completes");
        assert_eq!(response.status(), StatusCode::FOUND, "POST {path}");
        let back = location(&response);
        back.strip_prefix(&self.base).unwrap_or(back).to_owned()
    }

    /// `POST /api/auth/login` with `login` and `password`; answers as the API did.
    pub async fn log_in(&self, login: &str, password: &str) -> (StatusCode, Value) {
        self.post(
            "/api/auth/login",
            &json!({ "login": login, "password": password }),
        )
        .await
    }

    /// Logs in as `login` with [`PASSWORD`]; asserts it worked.
    pub async fn logged_in_as(self, login: &str) -> Self {
        let (status, body) = self.log_in(login, PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        self
    }
}

/// The status and the JSON body (`null` when empty) of an answer.
async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON body, got {text:?}"))
    };
    (status, body)
}
